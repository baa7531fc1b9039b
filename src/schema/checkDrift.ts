// "Eventline: Check Schema Drift": a connection's hub, sampled at its end, read against the table it loads (the live
// columns and mapping), with the findings in a read-only Markdown preview. The comparison is vscode-free in
// src/core/kql/schema/drift.ts.
import * as vscode from 'vscode';
import { SAMPLE_MAX_BYTES, sampleHub } from '../azure/hubSample';
import { progress } from '../common/progress';
import { prompts } from '../common/prompt';
import { UserCancelledError } from '../core/errors';
import { checkDrift, connectionMapping, driftMarkdown, readLiveTable, type DriftReport } from '../core/kql/schema';
import type { Connection } from '../core/manifest';
import { refOf, type DatabaseRef } from '../model/refs';
import type { SchemaContext } from './deploySchema';
import { describeTarget } from './target';

/** Enough records to see a field that one in a hundred carry, few enough to read in a second or two. */
export const DRIFT_SAMPLE = 500;

export type DriftOutcome =
  | { kind: 'notChecked'; connection: string; reason: string }
  | { kind: 'report'; connection: string; target: DatabaseRef; report: DriftReport; preview: vscode.Uri; incomplete: string[]; byName: boolean };

async function pickConnection(ctx: SchemaContext, arg: unknown): Promise<{ c: Connection; name: string }> {
  // The model names unnamed connections as the tree shows them; its list is the manifest's, in order.
  const manifest = ctx.model.snapshot()?.manifest.connections ?? [];
  const all = ctx.model.connections().map((ref, i) => ({ c: manifest[i], name: ref.name }));
  const ref = refOf(arg);
  if (ref?.kind === 'connection') {
    const found = all.find((x) => x.name === ref.name);
    if (!found) throw new Error(`Connection "${ref.name}" is not in eventline.json any more.`);
    return found;
  }
  if (!all.length) throw new Error('eventline.json has no connections: add one under "connections" (a hub and the table it loads) to check it.');
  if (all.length === 1) return all[0];
  return prompts.pick(all.map((x) => ({ label: x.name, description: `${x.c.hub} → ${x.c.table}`, value: x })), { title: 'Eventline: Check Schema Drift', placeHolder: 'Which connection?' });
}

export async function checkSchemaDrift(ctx: SchemaContext, arg: unknown): Promise<DriftOutcome> {
  const { c, name } = await pickConnection(ctx, arg);
  if (c.format === 'csv') {
    const reason = `${name} loads CSV: the drift check reads JSON events only.`;
    void vscode.window.showInformationMessage(reason);
    return { kind: 'notChecked', connection: name, reason };
  }
  const hub = (await ctx.model.eventHubs.allHubs()).find((h) => h.name === c.hub);
  if (!hub) throw new Error(`Connection ${name} reads hub "${c.hub}", which the active profile does not have. Check the Pipeline tree for errors.`);
  const target = ctx.model.eventhouse.defaultDatabase();
  if (!target) throw new Error('No KQL database to check against: set "eventhouse.database" (and "queryUri" for a cloud profile) in eventline.json.');
  const session = await ctx.model.eventhouse.commandSession(target);
  try {
    const hubTarget = await ctx.model.eventHubs.target(hub);
    const { live, sample } = await progress.run(`Eventline: checking ${c.hub} → ${c.table}…`, async (signal, report) => {
      const onAbort = () => session.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        report({ message: `reading ${c.table}'s columns and mappings` });
        const live = await readLiveTable((cmd) => session.run(cmd), c.table);
        report({ message: `reading the last ${DRIFT_SAMPLE} events of ${c.hub}` });
        return { live, sample: await sampleHub(hubTarget, DRIFT_SAMPLE, signal) };
      } catch (e) {
        if (signal.aborted) throw new UserCancelledError();
        throw e;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    });
    if (!live.columns.length) throw new Error(`Table ${c.table} is not in ${describeTarget(target, session.target.uri)}: run "Eventline: Deploy Eventhouse Schema" first.`);
    const mapping = connectionMapping({ name, table: c.table, mapping: c.mapping }, live.mappings, session.target.isLocal);
    const byName = !mapping;
    const report = checkDrift({ table: c.table, columns: live.columns, mapping, format: c.format ?? 'json', events: sample.events });
    const notes: string[] = [];
    if (c.mapping && byName) notes.push(`Fabric's Eventstream matches fields to columns by name and takes no mapping, so mapping "${c.mapping}" (used by the local connector) was not applied here.`);
    if (sample.incomplete.length) notes.push(`Not every partition answered in time; read: ${sample.incomplete.join(', ')}.`);
    if (sample.dropped) notes.push(`${sample.dropped} older events were left out to keep the sample under ${SAMPLE_MAX_BYTES / 1024 / 1024} MB of text.`);
    const text = driftMarkdown(report, { hub: c.hub, database: describeTarget(target, session.target.uri), sampledAt: new Date().toISOString(), notes });
    const preview = await ctx.previews.open(`Schema drift ${c.hub} → ${c.table}`, text, 'md');
    const problems = report.findings.filter((f) => f.severity !== 'info').length;
    const summary = !report.events ? `${c.hub} holds no events to check.`
      : problems ? `${problems} schema drift finding${problems === 1 ? '' : 's'} for ${c.hub} → ${c.table} (${report.records} records read): see the report.`
        : `No schema drift between ${c.hub} and ${c.table} in the last ${report.records} records.`;
    if (problems) void vscode.window.showWarningMessage(summary);
    else void vscode.window.showInformationMessage(summary);
    return { kind: 'report', connection: name, target, report, preview, incomplete: sample.incomplete, byName };
  } finally {
    session.close();
  }
}
