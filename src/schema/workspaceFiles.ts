// The workspace side of the schema: which files are the schema, their text, and problems shown where they are.
import * as vscode from 'vscode';
import type { SchemaFile, SchemaProblem } from '../core/kql/schema';

export const SCHEMA_FOLDER = 'kql';

export interface WorkspaceSchemaFiles {
  files: SchemaFile[];
  /** Schema files with unsaved edits (the saved text is what counts). */
  unsaved: string[];
}

/** Workspace-relative path with forward slashes, as problems and previews show it. */
export function relativePath(root: vscode.Uri, uri: vscode.Uri): string {
  const base = root.path.endsWith('/') ? root.path : `${root.path}/`;
  return uri.path.startsWith(base) ? uri.path.slice(base.length) : uri.path;
}

/** Every `.kql` file under `kql/` (and the manifest's `eventhouse.tables[].schemaFile`s), in path order. */
export async function readSchemaFiles(root: vscode.Uri, extra: string[] = []): Promise<WorkspaceSchemaFiles> {
  const found = await vscode.workspace.findFiles(new vscode.RelativePattern(root, `${SCHEMA_FOLDER}/**/*.kql`));
  const uris = new Map(found.map((u) => [u.toString(), u]));
  for (const p of extra) {
    const u = vscode.Uri.joinPath(root, p);
    try { await vscode.workspace.fs.stat(u); uris.set(u.toString(), u); } catch { /* a missing schemaFile: the manifest check reports it */ }
  }
  const files: SchemaFile[] = [];
  for (const u of uris.values()) {
    files.push({ path: relativePath(root, u), text: new TextDecoder().decode(await vscode.workspace.fs.readFile(u)) });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const paths = new Set(files.map((f) => f.path));
  const unsaved = vscode.workspace.textDocuments.filter((d) => d.isDirty && paths.has(relativePath(root, d.uri))).map((d) => relativePath(root, d.uri));
  return { files, unsaved };
}

/** Problems of the schema files in the Problems view (and cleared once the files read cleanly). */
export class SchemaDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('eventline-schema');

  show(root: vscode.Uri, problems: SchemaProblem[]): void {
    this.collection.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const p of problems) {
      const pos = new vscode.Position(Math.max(0, p.line - 1), Math.max(0, p.column - 1));
      const d = new vscode.Diagnostic(new vscode.Range(pos, pos.translate(0, 1)), p.message, vscode.DiagnosticSeverity.Error);
      d.source = 'Eventline schema';
      byFile.set(p.file, [...(byFile.get(p.file) ?? []), d]);
    }
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.joinPath(root, file), list);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
