// Alerts beyond the editor: Dry Run over history, Deploy Alerts to Fabric (an Activator item), Import from Fabric,
// Open in Fabric. One registration for src/extension.ts.
import * as vscode from 'vscode';
import { registerCommand } from '../common/registerCommand';
import { deployAlerts, importAlerts, openAlertInFabric, type AlertsFabricDeps } from './commands';
import { dryRunAlert, DryRunPanels } from './dryRun';
import { LimitDiagnostics } from './limitDiagnostics';

export type { AlertsFabricDeps, ImportOutcome } from './commands';
export type { DeployOutcome } from './activatorItem';
export type { DryRunOutcome } from './dryRun';

export function registerAlertsFabric(deps: AlertsFabricDeps): vscode.Disposable {
  const panels = new DryRunPanels(deps.extensionUri);
  return vscode.Disposable.from(
    panels,
    new LimitDiagnostics(deps.manifests),
    registerCommand('eventline.dryRunAlert', deps.log, (arg?: unknown) => dryRunAlert(deps, arg, panels)),
    registerCommand('eventline.deployAlerts', deps.log, () => deployAlerts(deps)),
    registerCommand('eventline.importAlerts', deps.log, () => importAlerts(deps)),
    registerCommand('eventline.openAlertInFabric', deps.log, (arg?: unknown) => openAlertInFabric(deps, arg)),
  );
}
