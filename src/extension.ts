import * as vscode from 'vscode';
import { AzureAuth } from './auth/azureAuth';
import { registerAuthCommands } from './auth/authCommands';
import { registerCommand } from './common/registerCommand';
import { LocalPipeline } from './localPipeline/localPipeline';
import { createManifest } from './manifest/createManifest';
import { ManifestStore } from './manifest/manifestStore';
import { ProfileState } from './manifest/profileState';
import { ProfileStatusBar } from './manifest/statusBar';
import { PipelineTreeProvider } from './tree/pipelineTree';
import { registerTreeCommands } from './tree/treeCommands';
import { TailManager } from './tail/tailCommands';
import { registerSendCommands } from './tail/sendCommands';
import { registerKqlNotebooks, type KqlNotebooks } from './notebook';
import { registerKqlLanguage } from './language/client';

/** What activate() returns: used by the integration tests and by other extensions. */
export interface EventlineApi {
  readonly activationMs: number;
  readonly pipelineTree: PipelineTreeProvider;
  readonly manifests: ManifestStore;
  readonly profiles: ProfileState;
  readonly auth: AzureAuth;
  readonly local: LocalPipeline;
  readonly tails: TailManager;
  readonly notebooks: KqlNotebooks;
}

export function activate(context: vscode.ExtensionContext): EventlineApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Eventline', { log: true });
  const manifests = new ManifestStore(log);
  const profiles = new ProfileState(manifests, context.workspaceState);
  const auth = new AzureAuth(context.globalState);
  const local = new LocalPipeline(context, log);
  const pipelineTree = new PipelineTreeProvider({ manifests, profiles, auth, local, log });
  const tails = new TailManager(context.extensionUri, pipelineTree, log);
  const notebooks = registerKqlNotebooks({ context, log, tree: pipelineTree, local, auth, profiles, manifests });
  context.subscriptions.push(
    log, manifests, profiles, auth, local, pipelineTree, tails, notebooks,
    registerKqlLanguage(context, log, notebooks.schemaSource),
    new ProfileStatusBar(profiles, auth),
    vscode.window.createTreeView('eventline.pipeline', { treeDataProvider: pipelineTree, showCollapseAll: true }),
    registerCommand('eventline.createManifest', log, () => createManifest(manifests, log)),
    registerCommand('eventline.openManifest', log, async () => {
      const uri = manifests.manifestUri();
      if (uri) await vscode.window.showTextDocument(uri);
    }),
    registerAuthCommands(auth, log),
    registerTreeCommands(pipelineTree, manifests, profiles, local, log),
    registerSendCommands(pipelineTree, log),
  );
  void manifests.load();
  const activationMs = performance.now() - started;
  log.info(`Eventline activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, pipelineTree, manifests, profiles, auth, local, tails, notebooks };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions (the local pipeline child included).
}
