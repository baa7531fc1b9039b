// Reading and writing a dashboard held in a VS Code text document (edits go through WorkspaceEdit, so they undo).
import * as vscode from 'vscode';
import { parseDashboard, type Dashboard } from '../core/dashboards/format';
import { serializeDashboard } from '../core/dashboards/write';

/** Parses the document or throws its first problem with where it is (for edits made from the view or commands). */
export function readDashboard(document: vscode.TextDocument): Dashboard {
  const r = parseDashboard(document.getText());
  if (!r.ok) {
    const p = r.problems[0];
    throw new Error(`${vscode.workspace.asRelativePath(document.uri)}:${p.line}:${p.column}: ${p.message} Fix the file (open it as text) and try again.`);
  }
  return r.dashboard;
}

/** Replaces the document's text with the dashboard as written by the writer (keys in their fixed order). */
export async function writeDashboard(document: vscode.TextDocument, d: Dashboard): Promise<void> {
  const text = serializeDashboard(d);
  if (text === document.getText()) return;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  if (!await vscode.workspace.applyEdit(edit)) throw new Error(`VS Code refused the edit of ${vscode.workspace.asRelativePath(document.uri)} (is it read-only?).`);
}

