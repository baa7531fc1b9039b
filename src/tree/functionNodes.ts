// Rows of the "Sources" and "Ingest function" groups. Each functions entry is one row: in the local profile it shows
// the local runner's state, last run, error and next run (#19); in a cloud profile, the Function App it is deployed
// to, its last deployment and its state in Azure (#21). Each source shows its last fetch by a local run.
import * as vscode from 'vscode';
import { ago, interpretDeployment } from '../core/deploy/deployment';
import { PLAN_LABEL } from '../core/deploy/site';
import { formatDuration, plural, problemPlace, runCounts } from '../core/functionRuns';
import type { FunctionAppsModel } from '../model/functionApps';
import type { FunctionRow, FunctionsModel, SourceRow } from '../model/functions';
import type { FunctionRef, SourceRef } from '../model/refs';
import type { FunctionProblem } from '../protocol/controlApi';
import type { ContextValue } from './contextValues';
import { item, RefNode, TreeNode } from './treeNode';

function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Opens a problem's file at its line (paths are relative to the project folder). */
function openProblem(project: string | undefined, p: FunctionProblem): vscode.Command | undefined {
  if (!project || !p.file) return undefined;
  const uri = vscode.Uri.file(p.file.startsWith('/') ? p.file : `${project.replace(/[\\/]+$/, '')}/${p.file}`);
  const pos = new vscode.Position(Math.max(0, (p.line ?? 1) - 1), Math.max(0, (p.column ?? 1) - 1));
  return { command: 'vscode.open', title: 'Open', arguments: [uri, { selection: new vscode.Range(pos, pos) }] };
}

/** One line of a function's details. */
class DetailNode extends TreeNode {
  constructor(parent: TreeNode, key: string, private readonly label: string, private readonly opts: { description?: string; tooltip?: string; icon: string; contextValue?: ContextValue; command?: vscode.Command; error?: boolean }) {
    super(`${parent.id}/${key}`, parent);
  }
  treeItem(): vscode.TreeItem {
    return item(this.label, {
      id: this.id, icon: this.opts.icon, description: this.opts.description, tooltip: this.opts.tooltip,
      contextValue: this.opts.contextValue ?? 'functionDetail', command: this.opts.command, color: this.opts.error ? 'errorForeground' : undefined,
    });
  }
}

/** A row that only tells something (the app's last deployment, the function's state in Azure). */
class InfoNode extends TreeNode {
  constructor(parent: TreeNode, key: string, private readonly label: string, private readonly description: string, private readonly icon: string, private readonly tooltip?: string) {
    super(`${parent.id}/${key}`, parent);
  }
  treeItem(): vscode.TreeItem {
    return item(this.label, { id: this.id, icon: this.icon, description: this.description, tooltip: this.tooltip, contextValue: 'functionInfo' });
  }
}

/** The Function App the function is deployed to (Show Function Logs, Open in Portal). */
class FunctionAppNode extends RefNode<FunctionRef> {
  constructor(parent: TreeNode, ref: FunctionRef, private readonly appName: string, private readonly description: string, private readonly tooltip: string) {
    super(`${parent.id}/app`, parent, ref);
  }
  treeItem(): vscode.TreeItem {
    return item(`Azure: ${this.appName}`, { id: this.id, icon: 'azure', description: this.description, tooltip: this.tooltip, contextValue: 'functionApp' });
  }
}

const STATE_ICONS: Record<string, string> = { building: 'loading~spin', idle: 'symbol-event', running: 'sync~spin', error: 'error', disabled: 'circle-slash' };

/**
 * A functions entry. Its contextValue is always `ingestFunction` (Run Now, Deploy, Show Logs all apply); what it
 * shows depends on the profile.
 */
export class IngestFunctionNode extends RefNode<FunctionRef> {
  constructor(parent: TreeNode, readonly row: FunctionRow, private readonly apps: FunctionAppsModel) {
    super(`${parent.id}/fn:${row.ref.name}`, parent, row.ref);
  }
  override get what(): string {
    return this.row.where === 'azure' ? `the Function App of "${this.ref.name}"` : `function "${this.ref.name}"`;
  }

  treeItem(): vscode.TreeItem {
    return this.row.where === 'azure' ? this.cloudItem() : this.localItem();
  }

  private cloudItem(): vscode.TreeItem {
    const { def } = this.row;
    const description = [def.schedule, def.hub ? `→ ${def.hub}` : ''].filter(Boolean).join(' ');
    return item(def.name, {
      id: this.id, icon: 'symbol-method', description, contextValue: 'ingestFunction', collapsible: true, expanded: true,
      tooltip: `${def.name}: ${def.path}${def.source ? `, polls ${def.source}` : ''}${def.hub ? `, sends to ${def.hub}` : ''}\nSchedule: ${this.row.schedulePreview}`,
    });
  }

  private localItem(): vscode.TreeItem {
    const { info, def, schedulePreview, unavailable } = this.row;
    const last = info?.lastRun;
    const parts = [info ? info.state : unavailable ? 'no live state' : 'not loaded'];
    if (last) parts.push(`last run ${last.status}, ${plural(last.eventsSent, 'event')} sent`);
    else parts.push(schedulePreview);
    const tooltip = [
      `Ingest function ${def.name} (${def.path}): ${def.source} → ${def.hub}`,
      `Schedule: ${schedulePreview} (${def.schedule})`,
      last ? `Last run: ${last.status} at ${when(last.start)} in ${formatDuration(last.durationMs)}; ${runCounts(last)}` : 'Last run: none yet',
      ...(last?.error ? [`Error: ${last.error.message}`] : []),
      ...(info?.problem ? [`Problem: ${info.problem.message}`] : []),
      ...(info?.nextRun ? [`Next run: ${when(info.nextRun)}`] : []),
    ].join('\n');
    const failed = info?.state === 'error' || (last !== undefined && last.status !== 'succeeded');
    return item(def.name, { id: this.id, icon: STATE_ICONS[info?.state ?? ''] ?? 'symbol-event', description: parts.join(' · '), tooltip, contextValue: 'ingestFunction', collapsible: true, expanded: true, color: failed ? 'errorForeground' : undefined });
  }

  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    return this.row.where === 'azure' ? this.cloudChildren(signal) : this.localChildren();
  }

  private async cloudChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const state = await this.apps.deployed(this.ref, signal);
    if (!state) return [new InfoNode(this, 'none', 'Not deployed to Azure yet', 'Deploy Ingest Function', 'cloud-upload')];
    const { app, lastDeployment: d, fn } = state;
    const rows: TreeNode[] = [new FunctionAppNode(this, this.ref, app.name, `${PLAN_LABEL[app.plan]} · ${app.state ?? 'unknown state'}`, `${app.name} (${app.resourceGroup}, ${app.location})\n${app.defaultHost}`)];
    if (d) {
      const at = ago(d.end_time ?? d.start_time ?? d.received_time);
      const verdict = interpretDeployment(d);
      rows.push(new InfoNode(this, 'deployment', 'Last deployment', [at, verdict.state, d.author ? `by ${d.author}` : ''].filter(Boolean).join(' · '), verdict.state === 'failed' ? 'error' : 'history', `${d.id ?? ''}\n${verdict.text}`));
    } else {
      rows.push(new InfoNode(this, 'deployment', 'Last deployment', 'none yet', 'history'));
    }
    rows.push(new InfoNode(this, 'state', 'In Azure', fn ? (fn.disabled ? 'disabled' : 'enabled') : 'not listed by the host', fn && !fn.disabled ? 'pass' : 'warning'));
    return rows;
  }

  private localChildren(): TreeNode[] {
    const { info, def, schedulePreview, unavailable } = this.row;
    const rows: TreeNode[] = [new DetailNode(this, 'schedule', 'Schedule', { icon: 'calendar', description: `${schedulePreview} (${def.schedule})` })];
    if (!info) {
      rows.push(unavailable
        ? new DetailNode(this, 'notLoaded', 'No live state', { icon: 'info', description: unavailable, tooltip: unavailable })
        : new DetailNode(this, 'notLoaded', 'Not loaded by the local pipeline', { icon: 'warning', description: 'it was started with another eventline.json: restart it', error: true }));
      return rows;
    }
    if (info.problem) {
      rows.push(new DetailNode(this, 'problem', info.problem.message, { icon: 'error', description: problemPlace(info.problem), contextValue: 'functionProblem', command: openProblem(info.project, info.problem), error: true, tooltip: info.problem.message }));
    }
    const last = info.lastRun;
    rows.push(new DetailNode(this, 'lastRun', 'Last run', last
      ? { icon: last.status === 'succeeded' ? 'pass' : 'error', description: `${last.status} · ${when(last.start)} · ${formatDuration(last.durationMs)} · ${runCounts(last)}`, tooltip: `${last.trigger} run ${last.runId}` }
      : { icon: 'circle-outline', description: 'not run yet' }));
    if (last?.error) {
      rows.push(new DetailNode(this, 'error', last.error.message, { icon: 'error', description: problemPlace(last.error), contextValue: 'functionProblem', command: openProblem(info.project, last.error), error: true, tooltip: last.error.message }));
    }
    rows.push(new DetailNode(this, 'nextRun', 'Next run', { icon: 'watch', description: info.nextRun ? when(info.nextRun) : info.enabled ? '—' : 'disabled' }));
    if (info.skippedTicks) rows.push(new DetailNode(this, 'skipped', 'Skipped ticks', { icon: 'debug-step-over', description: `${info.skippedTicks} (a run was still going)` }));
    return rows;
  }
}

class PlainNode extends TreeNode {
  constructor(id: string, parent: TreeNode, private readonly label: string, private readonly icon: string, private readonly contextValue: ContextValue, private readonly command?: vscode.Command, private readonly description?: string) {
    super(id, parent);
  }
  treeItem(): vscode.TreeItem {
    return item(this.label, { id: this.id, icon: this.icon, contextValue: this.contextValue, command: this.command, description: this.description, color: this.icon === 'error' ? 'errorForeground' : undefined });
  }
}

/** Children of the "Ingest function" group. */
export async function functionChildren(group: TreeNode, functions: FunctionsModel, apps: FunctionAppsModel, signal: AbortSignal): Promise<TreeNode[]> {
  const { rows, problem } = await functions.list(signal);
  const out: TreeNode[] = rows.map((r) => new IngestFunctionNode(group, r, apps));
  if (problem) out.unshift(new PlainNode(`${group.id}/problem`, group, problem.message, 'error', 'functionProblem'));
  if (rows.length === 0) {
    out.push(new PlainNode(`${group.id}/empty`, group, 'Not scaffolded yet', 'info', 'placeholder', { command: 'eventline.scaffoldFunction', title: 'Scaffold Ingest Function' }, 'Scaffold Ingest Function'));
  }
  return out;
}

/** A manifest source with its last fetch by a local run. */
export class SourceNode extends RefNode<SourceRef> {
  constructor(parent: TreeNode, readonly row: SourceRow) {
    super(`${parent.id}/source:${row.ref.name}`, parent, row.ref);
  }
  treeItem(): vscode.TreeItem {
    const { source, lastFetch } = this.row;
    const endpoint = `${source.method ?? 'GET'} ${source.url}`;
    const description = lastFetch ? `last fetch ${when(lastFetch.time)} · ${plural(lastFetch.records, 'record')} · ${lastFetch.status}` : endpoint;
    const tooltip = [`${source.name}: ${endpoint}`, ...(lastFetch ? [`Last fetch: ${when(lastFetch.time)} by ${lastFetch.functionName}, ${plural(lastFetch.records, 'record')}, ${lastFetch.status}${lastFetch.error ? `: ${lastFetch.error}` : ''}`] : ['Not fetched by a local run yet'])].join('\n');
    return item(source.name, { id: this.id, icon: lastFetch?.status === 'error' ? 'error' : 'globe', description, tooltip, contextValue: 'source', color: lastFetch?.status === 'error' ? 'errorForeground' : undefined });
  }
}

/** Children of the "Sources" group. */
export async function sourceChildren(group: TreeNode, functions: FunctionsModel, signal: AbortSignal): Promise<TreeNode[]> {
  const rows = await functions.sources(signal);
  return rows.length ? rows.map((r) => new SourceNode(group, r)) : [new PlainNode(`${group.id}/empty`, group, 'No sources in eventline.json', 'info', 'placeholder')];
}
