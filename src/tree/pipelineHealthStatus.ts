// Keeps the per-hop health (src/core/pipelineHealth.ts) current while someone can see it: polls the running local
// pipeline's control API and row counts every few seconds while the Pipeline view is visible (every 30 s when only
// the status bar shows it), never starts the pipeline, and shows the result in a status bar item whose tooltip
// lists the hops and whose click reveals the tree. Cloud profiles have no such numbers: the item hides.
// The same poll, while the view is visible, refreshes the tree's live rows (partitions, row counts, connectors):
// one timer for everything the view shows, stopped with the pipeline.
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { LOCAL_CLUSTER } from '../core/kql/connect';
import { classifyPipeline, HEALTH_ICONS, healthLines, type HealthInput, type HealthSample, type PipelineHealth } from '../core/pipelineHealth';
import { databaseRef } from '../model/eventhouse';
import { LocalControlClient } from '../model/localControl';
import type { PipelineModel } from '../model/pipelineModel';
import { ALERT_PATHS, CONTROL_PATHS, type AlertList, type ConnectionList, type FunctionList, type HubList, type SourceList } from '../protocol/controlApi';

const VISIBLE_MS = 5000;
const HIDDEN_MS = 30_000;

export class PipelineHealthStatus extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('eventline.pipelineHealth', vscode.StatusBarAlignment.Left, 49));
  private readonly changed = this.register(new vscode.EventEmitter<PipelineHealth | undefined>());
  readonly onDidChange = this.changed.event;
  private current: PipelineHealth | undefined;
  private previous: HealthSample | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: AbortController | undefined;

  /** `live` refreshes the tree's live rows; it runs with the poll while the view is visible and the pipeline runs. */
  constructor(private readonly model: PipelineModel, private readonly view: vscode.TreeView<unknown>, private readonly live?: (signal: AbortSignal) => Promise<void>) {
    super();
    this.item.name = 'Eventline pipeline health';
    this.item.command = { command: 'eventline.pipeline.focus', title: 'Show the Pipeline view' };
    this.register(view.onDidChangeVisibility(() => this.schedule(0)));
    this.register({ dispose: () => { clearTimeout(this.timer); this.polling?.abort(); } });
    this.schedule(0);
  }

  get health(): PipelineHealth | undefined { return this.current; }

  /** Polls again soon (after a refresh, a start of the local pipeline). */
  nudge(): void { this.schedule(0); }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { void this.poll(); }, ms);
  }

  private async poll(): Promise<void> {
    this.polling?.abort();
    const controller = new AbortController();
    this.polling = controller;
    try {
      const rows = this.view.visible && this.live && this.running() ? this.live(controller.signal).catch(() => undefined) : undefined;
      const [input] = await Promise.all([this.gather(controller.signal), rows]);
      if (controller.signal.aborted) return;
      this.show(input ? classifyPipeline(input, this.previous) : undefined);
    } finally {
      if (this.polling === controller) {
        this.polling = undefined;
        this.schedule(this.view.visible ? VISIBLE_MS : HIDDEN_MS);
      }
    }
  }

  /** A local profile whose pipeline is running: nothing here ever starts it. */
  private running(): boolean {
    return this.model.snapshot()?.profile.kind === 'local' && !!this.model.host.localReady();
  }

  /** What the running local pipeline reports; a part that does not answer is left out (its hop shows no health). */
  private async gather(signal: AbortSignal): Promise<HealthInput | undefined> {
    const snapshot = this.model.snapshot();
    const ready = this.model.host.localReady();
    if (!snapshot || snapshot.profile.kind !== 'local' || !ready) return undefined;
    const control = new LocalControlClient(ready.control, Math.min(this.model.host.timeoutMs(), 10_000));
    const get = <T>(path: string) => control.json<T>(path, {}, signal).catch(() => undefined);
    const manifest = snapshot.manifest;
    const wanted = new Set([...(manifest.eventhouse?.tables ?? []).map((t) => t.name), ...(manifest.connections ?? []).map((c) => c.table)].map((n) => n.toLowerCase()));
    const tables = this.model.eventhouse.tables(databaseRef(LOCAL_CLUSTER, manifest.eventhouse?.database ?? ready.eventhouse.database))
      .then((rows) => rows.filter((r) => wanted.has(r.ref.name.toLowerCase())).map((r) => ({ name: r.ref.name, rowCount: r.rowCount ?? 0 })))
      .catch(() => undefined);
    const [sources, functions, hubs, connections, alerts, tableRows] = await Promise.all([
      get<SourceList>(CONTROL_PATHS.sources), get<FunctionList>(CONTROL_PATHS.functions), get<HubList>(CONTROL_PATHS.eventHubs),
      get<ConnectionList>(CONTROL_PATHS.connections), get<AlertList>(ALERT_PATHS.alerts), tables,
    ]);
    return {
      now: Date.now(),
      sources: sources?.sources, functions: functions?.functions, hubs: hubs?.eventHubs,
      connections: connections?.connections, tables: tableRows, alerts: alerts?.alerts,
    };
  }

  private show(health: PipelineHealth | undefined): void {
    const before = this.current;
    this.current = health;
    if (health) this.previous = health.sample;
    if (!health || Object.keys(health.hops).length === 0) {
      this.item.hide();
    } else {
      this.item.text = `$(${HEALTH_ICONS[health.overall]}) Pipeline: ${health.overall}`;
      const md = new vscode.MarkdownString(['**Eventline pipeline** (local)', '', ...healthLines(health).map((l) => `- ${l}`), '', 'Click to show the Pipeline view.'].join('\n'));
      this.item.tooltip = md;
      this.item.backgroundColor = health.overall === 'failing' ? new vscode.ThemeColor('statusBarItem.errorBackground') : health.overall === 'lagging' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.show();
    }
    if (JSON.stringify(before?.hops) !== JSON.stringify(health?.hops)) this.changed.fire(health);
  }
}
