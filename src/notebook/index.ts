// KQL notebooks: the connection service (also the language server's schema source), the `.kqlnb` serializer,
// the "Eventline KQL" controller, the renderer's host side and the commands. Registration is cheap: the Kusto
// SDK loads on the first query or schema read, never during activate().
import * as vscode from 'vscode';
import type { AzureAuth } from '../auth/azureAuth';
import { registerCommand } from '../common/registerCommand';
import type { KqlSchemaSource } from '../core/kql/schemaSource';
import type { LocalPipeline } from '../localPipeline/localPipeline';
import type { ManifestStore } from '../manifest/manifestStore';
import type { ProfileState } from '../manifest/profileState';
import type { PipelineTreeProvider } from '../tree/pipelineTree';
import { ConnectionStatusBar, selectKqlConnection } from './connectionUi';
import { KqlConnections } from './connections';

export interface KqlNotebookDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  tree: PipelineTreeProvider;
  local: LocalPipeline;
  auth: AzureAuth;
  profiles: ProfileState;
  /** For the default connection (the manifest's Eventhouse database) and starting the local pipeline. */
  manifests?: ManifestStore;
}

export interface KqlNotebooks extends vscode.Disposable {
  /** What the language client asks for a document's connection and schema. */
  readonly schemaSource: KqlSchemaSource;
  readonly connections: KqlConnections;
}

export function registerKqlNotebooks(deps: KqlNotebookDeps): KqlNotebooks {
  const connections = new KqlConnections(deps);
  const disposables = vscode.Disposable.from(
    connections,
    new ConnectionStatusBar(connections),
    registerCommand('eventline.selectKqlConnection', deps.log, (arg?: unknown) => selectKqlConnection(connections, deps.tree, arg)),
  );
  return { schemaSource: connections, connections, dispose: () => disposables.dispose() };
}
