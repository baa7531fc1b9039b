import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EventlineApi } from '../../../src/extension';
import type { TestAnswer } from '../../../src/common/prompt';
import type { TreeNode } from '../../../src/tree/treeNode';

export const EXTENSION_ID = 'eventline.eventline';

export async function api(): Promise<EventlineApi> {
  const ext = vscode.extensions.getExtension<EventlineApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed in this VS Code`);
  return ext.activate();
}

export function manifestUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the integration tests need a workspace folder');
  return vscode.Uri.joinPath(folder.uri, 'eventline.json');
}

export async function writeManifest(a: EventlineApi, manifest: unknown): Promise<void> {
  await vscode.workspace.fs.writeFile(manifestUri(), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  await a.manifests.reload();
}

export async function removeManifest(): Promise<void> {
  try { await vscode.workspace.fs.delete(manifestUri()); } catch { /* not there */ }
}

export function label(a: EventlineApi, node: TreeNode): string {
  const l = a.pipelineTree.getTreeItem(node).label;
  return typeof l === 'string' ? l : l?.label ?? '';
}

export function description(a: EventlineApi, node: TreeNode): string {
  const d = a.pipelineTree.getTreeItem(node).description;
  return typeof d === 'string' ? d : '';
}

/** The child whose label is `name` (fails listing what is there). */
export async function child(a: EventlineApi, parent: TreeNode | undefined, name: string | RegExp): Promise<TreeNode> {
  const kids = await a.pipelineTree.getChildren(parent);
  const found = kids.find((k) => (typeof name === 'string' ? label(a, k) === name : name.test(label(a, k))));
  assert.ok(found, `no child ${String(name)} under ${parent ? label(a, parent) : 'the root'}; children: ${kids.map((k) => label(a, k)).join(' | ')}`);
  return found;
}

export async function path(a: EventlineApi, ...names: (string | RegExp)[]): Promise<TreeNode> {
  let node: TreeNode | undefined;
  for (const n of names) node = await child(a, node, n);
  return node!;
}

export async function labels(a: EventlineApi, node: TreeNode | undefined): Promise<string[]> {
  return (await a.pipelineTree.getChildren(node)).map((k) => label(a, k));
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Runs `run` with the next prompts answered in order, and checks every answer was taken. */
export async function answered<T>(a: EventlineApi, answers: TestAnswer[], run: () => Thenable<T> | Promise<T>): Promise<T> {
  a.prompts.clear();
  a.prompts.queue(...answers);
  try {
    const result = await run();
    assert.equal(a.prompts.pending, 0, `${a.prompts.pending} queued answer(s) were not asked for`);
    return result;
  } finally {
    a.prompts.clear();
  }
}
