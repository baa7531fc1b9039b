// STUB — replaced by the KQL notebook work (src/notebook/**). Keeps extension.ts wiring stable meanwhile.
import * as vscode from 'vscode';
import type { AzureAuth } from '../auth/azureAuth';
import type { KqlSchemaSource } from '../core/kql/schemaSource';
import type { LocalPipeline } from '../localPipeline/localPipeline';
import type { ProfileState } from '../manifest/profileState';
import type { PipelineTreeProvider } from '../tree/pipelineTree';

export interface KqlNotebookDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  tree: PipelineTreeProvider;
  local: LocalPipeline;
  auth: AzureAuth;
  profiles: ProfileState;
}

export interface KqlNotebooks extends vscode.Disposable {
  /** What the language client asks for a document's connection and schema. */
  readonly schemaSource: KqlSchemaSource;
}

export function registerKqlNotebooks(_deps: KqlNotebookDeps): KqlNotebooks {
  return {
    schemaSource: { onDidChange: () => ({ dispose: () => undefined }), connectionFor: () => undefined, schemaJson: () => Promise.resolve(undefined) },
    dispose: () => undefined,
  };
}
