// "Eventline: Pull Eventhouse Schema": the live schema of a database written as kql/ files, so a team can start
// from an existing database. Objects already declared in a file are written back to that file.
import * as vscode from 'vscode';
import { prompts } from '../common/prompt';
import { parseSchemaFiles, pullFiles } from '../core/kql/schema';
import type { DatabaseRef } from '../model/refs';
import { readLive, requireRoot, type SchemaContext } from './deploySchema';
import { describeTarget, pickDatabase } from './target';
import { readSchemaFiles, SCHEMA_FOLDER } from './workspaceFiles';

export interface PullOutcome { target: DatabaseRef; written: string[]; overwritten: string[] }

export async function pullSchema(ctx: SchemaContext, arg: unknown): Promise<PullOutcome | undefined> {
  const root = requireRoot(ctx);
  const target = await pickDatabase(ctx.model, arg, 'Eventline: Pull Eventhouse Schema');
  const session = await ctx.model.eventhouse.commandSession(target);
  let live;
  try {
    live = await readLive(session, `Eventline: reading the schema of ${target.database}…`);
  } finally {
    session.close();
  }
  if (!live.tables.length && !live.functions.length && !live.materializedViews.length) {
    void vscode.window.showInformationMessage(`${describeTarget(target, session.target.uri)} has no tables, functions or materialized views: nothing to pull.`);
    return { target, written: [], overwritten: [] };
  }
  const existing = await readSchemaFiles(root);
  const parsed = parseSchemaFiles(existing.files);
  // Policy commands Eventline does not model stay in the file they were in.
  const keep = new Map<string, string[]>();
  for (const p of parsed.schema.passThrough) keep.set(p.at.file, [...(keep.get(p.at.file) ?? []), p.command]);
  const files = pullFiles(live, parsed.declaredIn, SCHEMA_FOLDER, keep);
  const present = new Set(existing.files.map((f) => f.path));
  const overwritten = files.filter((f) => present.has(f.path) && existing.files.find((e) => e.path === f.path)?.text !== f.content).map((f) => f.path);
  if (overwritten.length) {
    await prompts.confirm(`Pull rewrites ${overwritten.length} file${overwritten.length === 1 ? '' : 's'} under ${SCHEMA_FOLDER}/ with the schema of ${target.database}?`, {
      detail: `${overwritten.join('\n')}\n\nComments in these files are not kept; review the change in source control.`,
      buttons: ['Write Files'],
    });
  }
  const written: string[] = [];
  for (const f of files) {
    if (existing.files.find((e) => e.path === f.path)?.text === f.content) continue;
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, f.path), new TextEncoder().encode(f.content));
    written.push(f.path);
  }
  ctx.log.info(`Pulled the schema of ${target.database}: wrote ${written.join(', ') || 'nothing (the files already match)'}.`);
  if (written.length) await vscode.window.showTextDocument(vscode.Uri.joinPath(root, written[0]), { preview: false });
  void vscode.window.showInformationMessage(written.length
    ? `Wrote the schema of ${target.database} to ${written.length} file${written.length === 1 ? '' : 's'} under ${SCHEMA_FOLDER}/.`
    : `${SCHEMA_FOLDER}/ already holds the schema of ${target.database}.`);
  return { target, written, overwritten };
}
