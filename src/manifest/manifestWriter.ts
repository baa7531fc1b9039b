import * as vscode from 'vscode';
import type { ManifestStore } from './manifestStore';

/**
 * Changes eventline.json through its text document: only the span that differs is replaced (the user's formatting,
 * cursor and folding elsewhere stay, and it is one undo step), then saved and re-read. A file with unsaved changes
 * is left alone: saving it would also save edits the user has not decided on.
 */
export async function editManifest(manifests: ManifestStore, edit: (text: string) => string): Promise<boolean> {
  const uri = manifests.manifestUri();
  if (!uri) throw new Error('Open a folder first: eventline.json lives at its root.');
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isDirty) throw new Error('eventline.json has unsaved changes: save or revert them first, then run this again.');
  const text = doc.getText();
  const next = edit(text);
  if (next === text) return false;
  let start = 0;
  while (start < text.length && start < next.length && text[start] === next[start]) start++;
  let end = 0;
  while (end < text.length - start && end < next.length - start && text[text.length - 1 - end] === next[next.length - 1 - end]) end++;
  const change = new vscode.WorkspaceEdit();
  change.replace(uri, new vscode.Range(doc.positionAt(start), doc.positionAt(text.length - end)), next.slice(start, next.length - end));
  if (!(await vscode.workspace.applyEdit(change))) throw new Error('VS Code did not apply the change to eventline.json (is it read-only?).');
  if (!(await doc.save())) throw new Error('eventline.json could not be saved.');
  await manifests.reload();
  return true;
}
