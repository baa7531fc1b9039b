import * as vscode from 'vscode';
import { starterManifest } from '../core/manifest';
import type { ManifestStore } from './manifestStore';

/** `eventline.createManifest`: writes a starter eventline.json, or opens the existing one (never overwrites). */
export async function createManifest(store: ManifestStore, log: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  const uri = store.manifestUri();
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!uri || !folder) {
    void vscode.window.showWarningMessage('Open a folder first: the pipeline manifest eventline.json lives at the root of the workspace.');
    return undefined;
  }
  let exists = true;
  try { await vscode.workspace.fs.stat(uri); } catch { exists = false; }
  if (exists) {
    void vscode.window.showInformationMessage('This workspace already has an eventline.json; it was opened instead of replaced.');
  } else {
    const text = `${JSON.stringify(starterManifest(folder.name), null, 2)}\n`;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    log.info(`Created ${uri.fsPath}`);
  }
  await store.reload();
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}
