import * as vscode from 'vscode';
import type { ManifestStore } from './manifestStore';

/**
 * Changes eventline.json. When it is open in an editor and in step with the disk, only the span that differs is
 * replaced through its text document (the user's cursor and folding elsewhere stay, and it is one undo step), then
 * saved. When it is not open, or the open copy lags behind the disk (another program wrote the file and VS Code has
 * not re-read it yet), the edit is made to the file's text on disk: an edit of the stale copy would be refused on
 * save ("file modified since"), or worse, undo the other program's change. A file with unsaved changes is left alone:
 * saving it would also save edits the user has not decided on. The store re-reads it afterwards.
 */
export async function editManifest(manifests: ManifestStore, edit: (text: string) => string): Promise<boolean> {
  const uri = manifests.manifestUri();
  if (!uri) throw new Error('Open a folder first: eventline.json lives at its root.');
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) throw new Error('eventline.json has unsaved changes: save or revert them first, then run this again.');
  const disk = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const next = edit(disk);
  if (next === disk) return false;
  if (doc && doc.getText() === disk) {
    await replaceInDocument(doc, disk, next);
  } else {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(next));
  }
  await manifests.reload();
  return true;
}

async function replaceInDocument(doc: vscode.TextDocument, text: string, next: string): Promise<void> {
  let start = 0;
  while (start < text.length && start < next.length && text[start] === next[start]) start++;
  let end = 0;
  while (end < text.length - start && end < next.length - start && text[text.length - 1 - end] === next[next.length - 1 - end]) end++;
  const change = new vscode.WorkspaceEdit();
  change.replace(doc.uri, new vscode.Range(doc.positionAt(start), doc.positionAt(text.length - end)), next.slice(start, next.length - end));
  if (!(await vscode.workspace.applyEdit(change))) throw new Error('VS Code did not apply the change to eventline.json (is it read-only?).');
  if (!(await doc.save())) throw new Error('eventline.json could not be saved.');
}
