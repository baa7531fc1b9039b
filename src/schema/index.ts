// The Eventhouse schema as code: Deploy Eventhouse Schema (kql/ → a database, as a reviewed plan) and Pull
// Eventhouse Schema (a database → kql/). The parsing, diff and rendering are vscode-free in src/core/kql/schema.
import * as vscode from 'vscode';
import { registerCommand } from '../common/registerCommand';
import { checkSchemaDrift } from './checkDrift';
import { deploySchema, type SchemaDeps } from './deploySchema';
import { PreviewDocuments } from './previewDocument';
import { pullSchema } from './pullSchema';
import { SchemaDiagnostics } from './workspaceFiles';

export type { DeployOutcome, SchemaDeps } from './deploySchema';
export type { PullOutcome } from './pullSchema';
export type { DriftOutcome } from './checkDrift';

export function registerSchema(deps: SchemaDeps): vscode.Disposable {
  const previews = new PreviewDocuments();
  const diagnostics = new SchemaDiagnostics();
  const ctx = { ...deps, previews, diagnostics };
  return vscode.Disposable.from(
    previews,
    diagnostics,
    registerCommand('eventline.deploySchema', deps.log, (arg?: unknown) => deploySchema(ctx, arg)),
    registerCommand('eventline.pullSchema', deps.log, (arg?: unknown) => pullSchema(ctx, arg)),
    registerCommand('eventline.checkSchemaDrift', deps.log, (arg?: unknown) => checkSchemaDrift(ctx, arg)),
  );
}
