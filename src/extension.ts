import * as vscode from 'vscode';
import { AzureAuth } from './auth/azureAuth';
import { registerAuthCommands } from './auth/authCommands';
import { prompts, type Prompter } from './common/prompt';
import { registerCommand } from './common/registerCommand';
import { LocalPipelineSupervisor } from './localPipeline/supervisor';
import { createManifest } from './manifest/createManifest';
import { ManifestStore } from './manifest/manifestStore';
import { ProfileState } from './manifest/profileState';
import { ProfileStatusBar } from './manifest/statusBar';
import { PipelineModel } from './model/pipelineModel';
import { PipelineTreeProvider } from './tree/pipelineTree';
import { PipelineHealthStatus } from './tree/pipelineHealthStatus';
import { registerTreeCommands } from './tree/treeCommands';
import { TailManager } from './tail/tailManager';
import { registerSendCommands } from './tail/sendCommands';
import { registerKqlNotebooks, type KqlNotebooks } from './notebook';
import { registerKqlLanguage } from './language/client';
import { registerSchema } from './schema';
import { registerConnections } from './connections';
import { progress, type ProgressRunner } from './common/progress';
import { registerFunctionDeploy, type FunctionDeploy } from './functions/deploy';
import { IngestFunctionCommands } from './functions';
import { registerAlerts } from './alerts';
import { registerDashboards, type Dashboards } from './dashboards';
import { registerAlertsFabric } from './alertsFabric';
import { openOnStart, OPEN_ON_START_ENV } from './common/openOnStart';
import type { TreeNode } from './tree/treeNode';

/** What activate() returns: used by the integration tests and by other extensions. */
export interface EventlineApi {
  readonly activationMs: number;
  readonly model: PipelineModel;
  readonly pipelineTree: PipelineTreeProvider;
  readonly manifests: ManifestStore;
  readonly profiles: ProfileState;
  readonly auth: AzureAuth;
  readonly local: LocalPipelineSupervisor;
  readonly tails: TailManager;
  readonly notebooks: KqlNotebooks;
  /** Tests queue answers to the next prompts here. */
  readonly prompts: Prompter;
  /** Tests cancel running progress notifications here (what their Cancel button does). */
  readonly progress: ProgressRunner;
  /** The function deploys (tests read their last plan and result). */
  readonly deploys: FunctionDeploy;
  /** Run Now, Scaffold and the secrets commands (tests read the Ingest Function channel's lines). */
  readonly ingestFunction: IngestFunctionCommands;
  /**
   * Only when VS Code runs the extension's tests (ExtensionMode.Test): its SecretStorage, where tests put the
   * secrets an older manifest names. Never present in normal use, so no other extension can reach the secrets.
   */
  readonly testSecretStorage?: vscode.SecretStorage;
  /** The dashboard editors (tests read their tiles' state). */
  readonly dashboards: Dashboards;
  /** The Pipeline view (tests check what it shows and whether it is visible). */
  readonly view: vscode.TreeView<TreeNode>;
}

export function activate(context: vscode.ExtensionContext): EventlineApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Eventline', { log: true });
  const manifests = new ManifestStore(log);
  const profiles = new ProfileState(manifests, context.workspaceState);
  const auth = new AzureAuth(context.globalState);
  const local = new LocalPipelineSupervisor(context, log, () => {
    const s = manifests.state;
    return s.kind === 'loaded' ? s.uri.fsPath : undefined;
  });
  const model = new PipelineModel({
    snapshot: () => {
      const s = manifests.state;
      const profile = profiles.current();
      return s.kind === 'loaded' && s.ok && profile ? { manifest: s.manifest, profile, manifestPath: s.uri.fsPath } : undefined;
    },
    get cloud() { return auth.cloud; },
    credential: (tenantId) => auth.credential(tenantId ?? profiles.current()?.profile.tenantId),
    token: (audience, signal) => auth.token(audience, signal),
    localReady: () => local.current,
    ensureLocal: () => local.ensureRunning(),
    timeoutMs: () => Math.max(1, vscode.workspace.getConfiguration('eventline').get<number>('requestTimeoutSeconds') ?? 30) * 1000,
  });
  const pipelineTree = new PipelineTreeProvider(model, manifests, log);
  for (const source of [manifests.onDidChange, profiles.onDidChange, auth.onDidChange, local.onDidChange]) {
    context.subscriptions.push(source(() => pipelineTree.refresh()));
  }
  const tails = new TailManager(context.extensionUri, model, log);
  context.subscriptions.push(tails.followLocal(local));
  const notebooks = registerKqlNotebooks({ context, log, model, local, profiles });
  const deploys = registerFunctionDeploy({ model, manifests, auth, log, refresh: () => pipelineTree.refresh() });
  const view = vscode.window.createTreeView('eventline.pipeline', { treeDataProvider: pipelineTree, showCollapseAll: true });
  const health = new PipelineHealthStatus(model, view, (signal) => pipelineTree.refreshLive(signal));
  context.subscriptions.push(health.onDidChange((h) => pipelineTree.setHealth(h)));
  for (const source of [local.onDidChange, profiles.onDidChange, model.onDidRefresh]) context.subscriptions.push(source(() => health.nudge()));
  const ingestFunction = new IngestFunctionCommands({ model, manifests, local, view, extensionPath: context.extensionPath, log, secrets: context.secrets });
  const dashboards = registerDashboards({ context, log, model, local, connections: notebooks.connections });
  context.subscriptions.push(
    log, manifests, profiles, auth, local, model, pipelineTree, tails, notebooks, deploys, view, ingestFunction, dashboards, health,
    pipelineTree.watch(view),
    registerKqlLanguage(context, log, notebooks.schemaSource),
    new ProfileStatusBar(profiles, auth),
    registerCommand('eventline.createManifest', log, () => createManifest(manifests, log)),
    registerCommand('eventline.openManifest', log, async () => {
      const uri = manifests.manifestUri();
      if (uri) await vscode.window.showTextDocument(uri);
    }),
    registerAuthCommands(auth, log),
    registerTreeCommands({ tree: pipelineTree, model, manifests, profiles, local, log }),
    registerSendCommands(model, log),
    registerConnections({ model, manifests, log, onDeployed: () => pipelineTree.refresh() }),
    registerAlerts({ extensionUri: context.extensionUri, model, manifests, local, connections: notebooks.connections, log, refresh: () => pipelineTree.refreshGroups('Alerts') }),
    registerAlertsFabric({ model, manifests, log, extensionUri: context.extensionUri }),
    registerSchema({ model, log, root: () => vscode.workspace.workspaceFolders?.[0]?.uri, onSchemaChanged: (ref) => { notebooks.connections.invalidate(ref); pipelineTree.refresh(); } }),
  );
  void manifests.load();
  openOnStart(process.env[OPEN_ON_START_ENV], context.globalState).catch((e: unknown) => log.warn(`Could not open the Eventline view on start: ${e instanceof Error ? e.message : String(e)}`));
  const activationMs = performance.now() - started;
  log.info(`Eventline activated in ${activationMs.toFixed(1)} ms`);
  const testSecretStorage = context.extensionMode === vscode.ExtensionMode.Test ? context.secrets : undefined;
  return { activationMs, model, pipelineTree, manifests, profiles, auth, local, tails, notebooks, prompts, progress, deploys, ingestFunction, dashboards, testSecretStorage, view };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions (the local pipeline child included).
}
