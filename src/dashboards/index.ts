// Dashboards (#23 §1): the `.kqldash` custom editor, tile query editing, Pin to Dashboard, Export to Fabric,
// Open in Power BI and Copy Query URI — registered from here with one call in activate().
import * as vscode from 'vscode';
import { registerCommand } from '../common/registerCommand';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import type { PipelineModel } from '../model/pipelineModel';
import type { KqlConnections } from '../notebook';
import { copyQueryUri, exportPowerBi, pinToDashboard } from './commands';
import { deployDashboard } from './deploy';
import { DashboardDiagnostics } from './diagnostics';
import { DashboardEditorProvider } from './editor';
import { DashboardQueries } from './queries';
import { TileQueryFileSystem } from './tileQueries';

export interface DashboardDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  model: PipelineModel;
  local: LocalPipelineSupervisor;
  connections: KqlConnections;
}

export interface Dashboards extends vscode.Disposable {
  /** The open dashboard editors (tests read their tiles' state and request log). */
  readonly editors: DashboardEditorProvider;
}

export function registerDashboards(deps: DashboardDeps): Dashboards {
  const { log } = deps;
  const queries = new DashboardQueries(deps);
  const diagnostics = new DashboardDiagnostics(() => queries.dataSources());
  const editors = new DashboardEditorProvider(deps.context.extensionUri, queries, diagnostics, log);
  const commandDeps = { connections: deps.connections, model: deps.model, local: deps.local, log };
  const disposables = vscode.Disposable.from(
    editors,
    diagnostics,
    deps.model.onDidRefresh(() => diagnostics.recheckAll()),
    new TileQueryFileSystem(),
    registerCommand('eventline.pinToDashboard', log, (arg?: unknown) => pinToDashboard(commandDeps, arg)),
    registerCommand('eventline.deployDashboard', log, (arg?: unknown) => deployDashboard({ model: deps.model, log }, arg)),
    registerCommand('eventline.exportPowerBi', log, (arg?: unknown) => exportPowerBi(commandDeps, arg)),
    registerCommand('eventline.copyQueryUri', log, (arg?: unknown) => copyQueryUri(commandDeps, arg)),
  );
  return { editors, dispose: () => disposables.dispose() };
}
