// The function deploy feature: Deploy Ingest Function, Show Function Logs, Open in Portal.
import * as vscode from 'vscode';
import { registerCommand } from '../../common/registerCommand';
import type { AzureAuth } from '../../auth/azureAuth';
import type { ManifestStore } from '../../manifest/manifestStore';
import type { PipelineModel } from '../../model/pipelineModel';
import { DeployFlow, type DeployOutcome } from './deployFlow';
import { DeployLog } from './deployLog';
import { DeployDocuments } from './documents';
import { openInPortal, showFunctionLogs } from './logs';

export type { DeployOutcome } from './deployFlow';

export interface FunctionDeployDeps {
  model: PipelineModel;
  manifests: ManifestStore;
  auth: AzureAuth;
  log: vscode.LogOutputChannel;
  refresh(): void;
}

/** What the extension's API exposes of the deploy (tests cancel through it, as the notification's Cancel does). */
export interface FunctionDeploy extends vscode.Disposable {
  cancel(): void;
  readonly running: boolean;
  readonly last: DeployOutcome | undefined;
  /** The lines the last deploy wrote to the "Eventline: Deploy" output. */
  readonly lastLog: readonly string[];
  /** The text of a plan, verification or logs document last shown for an app. */
  document(app: string, kind: 'plan' | 'verification' | 'logs'): string | undefined;
}

export function registerFunctionDeploy(deps: FunctionDeployDeps): FunctionDeploy {
  const channel = vscode.window.createOutputChannel('Eventline: Deploy', { log: true });
  const docs = new DeployDocuments();
  const log = new DeployLog(channel);
  const flow = new DeployFlow({ model: deps.model, manifests: deps.manifests, auth: deps.auth, docs, log, refresh: () => deps.refresh() });
  const disposable = vscode.Disposable.from(
    channel, docs,
    registerCommand('eventline.deployFunction', deps.log, (arg?: unknown) => flow.deploy(arg)),
    registerCommand('eventline.showFunctionLogs', deps.log, (arg?: unknown) => showFunctionLogs(deps.model, deps.auth, docs, arg)),
    registerCommand('eventline.openInPortal', deps.log, () => openInPortal(deps.model, deps.log)),
  );
  return {
    dispose: () => disposable.dispose(),
    cancel: () => flow.cancel(),
    get running() { return flow.running; },
    get last() { return flow.last; },
    get lastLog() { return log.lines; },
    document: (app, kind) => docs.text(DeployDocuments.uri(app, kind)),
  };
}
