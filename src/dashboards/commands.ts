// Pin to Dashboard, Open in Power BI and Copy Query URI.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { prompts, type Choice } from '../common/prompt';
import { DASHBOARD_EXTENSION, GRID_COLUMNS, LOCAL_DATA_SOURCE, type Dashboard, type Tile } from '../core/dashboards/format';
import { POWER_BI_STEPS, powerQueryFile, queryDeepLink, standaloneQuery } from '../core/dashboards/powerQuery';
import { serializeDashboard } from '../core/dashboards/write';
import { LOCAL_CLUSTER } from '../core/kql/connect';
import type { KqlConnections } from '../notebook';
import type { PipelineModel } from '../model/pipelineModel';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import { readDashboard, writeDashboard } from './documents';
import { DASHBOARD_VIEW_TYPE } from './editor';
import { cellTarget, cellOf, resolveTarget, type Target } from './targets';

export interface CommandDeps {
  connections: KqlConnections;
  model: PipelineModel;
  local: LocalPipelineSupervisor;
  log: vscode.LogOutputChannel;
}

export const DASHBOARD_FOLDER = 'dashboards';

function root(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('Open a folder first: dashboards are files in the workspace (dashboards/*.kqldash).');
  return folder.uri;
}

function manifestDatabase(deps: CommandDeps): string | undefined {
  return deps.model.snapshot()?.manifest?.eventhouse?.database;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'tile';
}

/** A title for a pinned query: its first table name, else its first words. */
function titleOf(query: string): string {
  const first = query.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('//')) ?? 'Query';
  return first.replace(/\s*\|.*$/, '').slice(0, 60) || 'Query';
}

export interface PinResult { dashboard: vscode.Uri; tile: Tile }

/** "Pin to Dashboard": the cell's query and chart become a tile at the bottom of a chosen or new dashboard. */
export async function pinToDashboard(deps: CommandDeps, arg: unknown): Promise<PinResult> {
  const cell = cellOf(arg);
  if (!cell) throw new Error('Pin to Dashboard works on a KQL notebook cell: select the cell (or use the pin in its toolbar) and run the command again.');
  const target = cellTarget(cell, deps.connections, manifestDatabase(deps));
  const files = (await vscode.workspace.findFiles(`**/*${DASHBOARD_EXTENSION}`, '**/node_modules/**', 200)).sort((a, b) => a.path.localeCompare(b.path));
  const items: Choice<vscode.Uri | 'new'>[] = [
    ...files.map((f) => ({ label: path.basename(f.path, DASHBOARD_EXTENSION), description: vscode.workspace.asRelativePath(f), value: f })),
    { label: 'New Dashboard…', description: `${DASHBOARD_FOLDER}/<name>${DASHBOARD_EXTENSION}`, value: 'new' as const },
  ];
  const picked = await prompts.pick(items, { title: 'Pin to Dashboard', placeHolder: 'Which dashboard gets the tile?' });
  const uri = picked === 'new' ? await newDashboardFile() : picked;
  const doc = await vscode.workspace.openTextDocument(uri);
  const d = readDashboard(doc);
  const title = await prompts.input({ title: 'Pin to Dashboard: tile title', value: titleOf(target.query), validate: (v) => (v.trim() ? undefined : 'A tile needs a title.') });
  const page = d.pages[0];
  const ids = new Set(d.pages.flatMap((p) => p.tiles.map((t) => t.id)));
  let id = slug(title);
  for (let n = 2; ids.has(id); n++) id = `${slug(title)}-${n}`;
  const bottom = page.tiles.reduce((m, t) => Math.max(m, t.position.y + t.position.height), 0);
  const table = target.visual === 'table';
  const tile: Tile = {
    id, title: title.trim(), dataSource: target.dataSource, query: target.query, visual: target.visual,
    position: { x: 0, y: bottom, width: table ? GRID_COLUMNS : 12, height: table ? 6 : 8 },
  };
  page.tiles.push(tile);
  await writeDashboard(doc, d);
  await doc.save();
  deps.log.info(`Pinned "${tile.title}" (${tile.visual}, ${tile.dataSource}) to ${vscode.workspace.asRelativePath(uri)}.`);
  void vscode.window.showInformationMessage(`Pinned "${tile.title}" to ${path.basename(uri.path)}.`, 'Open Dashboard').then(async (c) => {
    if (c) await vscode.commands.executeCommand('vscode.openWith', uri, DASHBOARD_VIEW_TYPE);
  });
  return { dashboard: uri, tile };
}

async function newDashboardFile(): Promise<vscode.Uri> {
  const name = await prompts.input({
    title: 'New dashboard', prompt: `Its file is ${DASHBOARD_FOLDER}/<name>${DASHBOARD_EXTENSION}`, value: 'overview',
    validate: (v) => (/^[\w][\w .-]*$/.test(v.trim()) ? undefined : 'Use letters, digits, spaces, "-", "_" or "."'),
  });
  const uri = vscode.Uri.joinPath(root(), DASHBOARD_FOLDER, `${name.trim()}${DASHBOARD_EXTENSION}`);
  try {
    await vscode.workspace.fs.stat(uri);
    return uri; // already there: the tile goes into it
  } catch { /* new file */ }
  const d: Dashboard = { version: 1, title: name.trim(), autoRefresh: 'off', parameters: [{ kind: 'timeRange', name: 'Time range', default: '1h' }], pages: [{ name: 'Overview', tiles: [] }] };
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(serializeDashboard(d)));
  return uri;
}

// ─── Power BI and the query link ───────────────────────────────────────────────────────────────────────────

interface Reach { cluster: string; database: string; notes: string[] }

/**
 * Where Power BI (or the web UI) should send the query: the active profile's Eventhouse, else the one the
 * manifest or any cloud profile names, else the local Eventhouse on this machine (with a note).
 */
function reach(deps: CommandDeps, dataSource: string | undefined, database: string | undefined): Reach {
  const snapshot = deps.model.snapshot();
  const manifest = snapshot?.manifest;
  const db = dataSource && dataSource !== LOCAL_DATA_SOURCE ? dataSource : manifest?.eventhouse?.database ?? database ?? deps.local.current?.eventhouse.database;
  const active = deps.connections.defaultConnection();
  const cloud = (active && active.cluster !== LOCAL_CLUSTER ? active.cluster : undefined)
    ?? manifest?.eventhouse?.queryUri
    ?? Object.values(manifest?.profiles ?? {}).map((p) => p.eventhouseQueryUri).find((u): u is string => !!u);
  if (cloud && db) return { cluster: cloud, database: db, notes: [] };
  const local = deps.local.current?.eventhouse;
  if (local && db) {
    return { cluster: local.uri, database: db, notes: [`This points at the local Eventhouse on this machine (${local.uri}, no sign-in): it works only while the local pipeline runs. Set eventhouse.queryUri in eventline.json to point it at the cloud Eventhouse.`] };
  }
  throw new Error('No Eventhouse to point at: set eventhouse.queryUri (and eventhouse.database) in eventline.json, or start the local pipeline.');
}

function queryOf(t: Target): { query: string | undefined; title: string; dataSource?: string; database?: string } {
  if (t.kind === 'tile') return { query: standaloneQuery(t.tile.query, t.dashboard), title: t.tile.title || t.tile.id, dataSource: t.tile.dataSource };
  if (t.kind === 'cell') return { query: t.query, title: titleOf(t.query), dataSource: t.dataSource, ...(t.database ? { database: t.database } : {}) };
  return { query: undefined, title: 'Eventhouse database' };
}

export interface PowerBiResult { file: vscode.Uri; text: string }

/** "Open in Power BI": the M formula as a .pq file beside the dashboard (or in dashboards/) and on the clipboard. */
export async function exportPowerBi(deps: CommandDeps, arg: unknown): Promise<PowerBiResult> {
  const t = await resolveTarget(arg, deps.connections, manifestDatabase(deps));
  const q = queryOf(t);
  const r = reach(deps, q.dataSource, q.database);
  const text = powerQueryFile({ cluster: r.cluster, database: r.database, query: q.query ?? null, title: q.title, notes: r.notes });
  const folder = t.kind === 'tile' ? vscode.Uri.joinPath(t.uri, '..') : vscode.Uri.joinPath(root(), DASHBOARD_FOLDER);
  const file = vscode.Uri.joinPath(folder, `${slug(t.kind === 'tile' ? `${path.basename(t.uri.path, DASHBOARD_EXTENSION)}-${t.tile.id}` : q.title)}.pq`);
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(text));
  await vscode.env.clipboard.writeText(text);
  deps.log.info(`Power Query formula for "${q.title}" written to ${vscode.workspace.asRelativePath(file)} and copied.`);
  void vscode.window.showInformationMessage(`Power Query formula copied and saved as ${path.basename(file.path)}. ${POWER_BI_STEPS.map((s, i) => `${i + 1}. ${s}`).join(' ')}`, 'Open File').then(async (c) => {
    if (c) await vscode.window.showTextDocument(file);
  });
  return { file, text };
}

/** "Copy Query URI": the Kusto UI deep link that opens the query (or the database) in the web UI. */
export async function copyQueryUri(deps: CommandDeps, arg: unknown): Promise<string> {
  const t = await resolveTarget(arg, deps.connections, manifestDatabase(deps));
  const q = queryOf(t);
  const r = reach(deps, q.dataSource, q.database);
  const link = q.query ? queryDeepLink(r.cluster, r.database, q.query) : `${r.cluster.replace(/\/+$/, '')}/${encodeURIComponent(r.database)}`;
  await vscode.env.clipboard.writeText(link);
  void vscode.window.showInformationMessage(`Query URI copied${r.notes.length ? ' (it points at the local Eventhouse, which has no web UI: set eventhouse.queryUri for a link others can open)' : ''}.`);
  return link;
}
