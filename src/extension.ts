import * as vscode from 'vscode';
import { registerCommand } from './common/registerCommand';
import { createManifest } from './manifest/createManifest';
import { ManifestStore } from './manifest/manifestStore';
import { PipelineTreeProvider } from './tree/pipelineTree';

/** What activate() returns: used by the integration tests and by other extensions. */
export interface EventlineApi {
  readonly activationMs: number;
  readonly pipelineTree: PipelineTreeProvider;
  readonly manifests: ManifestStore;
}

export function activate(context: vscode.ExtensionContext): EventlineApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Eventline', { log: true });
  const manifests = new ManifestStore(log);
  const pipelineTree = new PipelineTreeProvider(manifests);
  context.subscriptions.push(
    log,
    manifests,
    pipelineTree,
    vscode.window.createTreeView('eventline.pipeline', { treeDataProvider: pipelineTree, showCollapseAll: true }),
    registerCommand('eventline.createManifest', log, () => createManifest(manifests, log)),
    registerCommand('eventline.refresh', log, () => pipelineTree.refresh()),
    registerCommand('eventline.openManifest', log, async () => {
      const uri = manifests.manifestUri();
      if (uri) await vscode.window.showTextDocument(uri);
    }),
  );
  void manifests.load();
  const activationMs = performance.now() - started;
  log.info(`Eventline activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, pipelineTree, manifests };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
