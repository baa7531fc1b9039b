// One open dashboard: the parsed file, the parameter values picked in the view, the tiles' run state and the
// auto-refresh timer. A tile has at most one request in flight: refreshing it aborts the one before (a slow tile
// never stacks requests), and a result that arrives for an aborted request is dropped.
import * as vscode from 'vscode';
import { AUTO_REFRESH_MS, parseDashboard, referencedVariables, type AutoRefresh, type Dashboard, type DashboardProblem, type Tile } from '../core/dashboards/format';
import { applyParameters, defaultValues, type ParameterValues } from '../core/dashboards/parameters';
import { cellText } from '../core/kql/tableModel';
import type { DashboardHostToView, ParameterChoices, TileStatus } from '../protocol/dashboard';
import { AbortedError, type DashboardQueries } from './queries';

export interface TileEvent { tile: string; event: 'start' | 'done' | 'error' | 'aborted'; request: number; message?: string }

export class DashboardSession implements vscode.Disposable {
  dashboard: Dashboard | undefined;
  problems: DashboardProblem[] = [];
  page = 0;
  values: ParameterValues = { selected: {} };
  autoRefresh: AutoRefresh = 'off';
  readonly status = new Map<string, TileStatus>();
  /** Every start, end and abort of a tile request, in order (the integration tests read it). */
  readonly events: TileEvent[] = [];
  private readonly inFlight = new Map<string, { controller: AbortController; request: number }>();
  private readonly changed = new vscode.EventEmitter<TileEvent>();
  readonly onDidTileEvent = this.changed.event;
  private choices: ParameterChoices[] = [];
  private choicesAbort: AbortController | undefined;
  /** Tiles waiting for a query-fed single select to get its first choice as the default. */
  private readonly waiting = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private requests = 0;
  private lastText: string | undefined;
  private disposed = false;
  private visible = true;
  private missed = false;

  constructor(
    readonly document: vscode.TextDocument,
    private readonly post: (m: DashboardHostToView) => void,
    private readonly queries: DashboardQueries,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Re-reads the document; reruns the tiles whose query, data source or visual changed (all on first load). */
  load(): void {
    const text = this.document.getText();
    if (text === this.lastText) return;
    this.lastText = text;
    const before = this.dashboard;
    const dataSources = this.queries.dataSources();
    const parsed = parseDashboard(text, dataSources ? { dataSources } : {});
    if (!parsed.ok) {
      this.problems = parsed.problems;
      this.dashboard = undefined;
      this.abortAll();
      this.setTimer('off');
      this.post({ type: 'invalid', file: vscode.workspace.asRelativePath(this.document.uri), problems: parsed.problems.map(({ line, column, path, message }) => ({ line, column, path, message })) });
      return;
    }
    this.problems = [];
    const d = parsed.dashboard;
    this.dashboard = d;
    if (!before) { this.values = defaultValues(d); this.autoRefresh = d.autoRefresh; }
    else {
      // Keep what the user picked for parameters that still exist; new ones start at their default.
      const fresh = defaultValues(d);
      for (const k of Object.keys(fresh.selected)) if (k in this.values.selected) fresh.selected[k] = this.values.selected[k];
      if (this.values.timeRange && fresh.timeRange) fresh.timeRange = this.values.timeRange;
      this.values = fresh;
      if (d.autoRefresh !== before.autoRefresh) this.autoRefresh = d.autoRefresh;
    }
    this.page = Math.min(this.page, d.pages.length - 1);
    const known = new Set(d.pages.flatMap((p) => p.tiles.map((t) => t.id)));
    for (const id of [...this.status.keys()]) if (!known.has(id)) { this.abort(id); this.status.delete(id); }
    this.postDashboard();
    for (const [id, s] of this.status) this.postStatus(id, s);
    const old = new Map((before?.pages ?? []).flatMap((p) => p.tiles.map((t) => [t.id, t] as const)));
    const paramsChanged = JSON.stringify(before?.parameters) !== JSON.stringify(d.parameters);
    if (paramsChanged) void this.loadChoices();
    for (const t of this.pageTiles()) {
      const o = old.get(t.id);
      if (!o || paramsChanged || o.query !== t.query || o.dataSource !== t.dataSource || o.visual !== t.visual || !this.status.has(t.id)) this.refreshTile(t.id);
    }
    this.setTimer(this.autoRefresh);
  }

  /** The tiles of the page on show (only those run). */
  pageTiles(): Tile[] {
    return this.dashboard?.pages[this.page]?.tiles ?? [];
  }

  tile(id: string): Tile | undefined {
    return this.dashboard?.pages.flatMap((p) => p.tiles).find((t) => t.id === id);
  }

  refreshAll(): void {
    for (const t of this.pageTiles()) this.refreshTile(t.id);
  }

  refreshTile(id: string): void {
    const d = this.dashboard;
    const tile = this.tile(id);
    if (!d || !tile || this.disposed) return;
    this.abort(id);
    if (this.unsetSelects(tile.query).length && this.choicesAbort) {
      // A select parameter the query uses is still loading its choices: run once the first choice is its value.
      this.waiting.add(id);
      this.setStatus(id, { state: 'loading', since: Date.now() });
      return;
    }
    const request = ++this.requests;
    const controller = new AbortController();
    this.inFlight.set(id, { controller, request });
    const prev = this.status.get(id);
    const previous = prev?.state === 'done' ? prev.result : prev?.state === 'loading' ? prev.previous : undefined;
    const refreshedAt = prev && prev.state !== 'idle' ? prev.refreshedAt : undefined;
    this.setStatus(id, { state: 'loading', since: Date.now(), ...(previous ? { previous } : {}), ...(refreshedAt ? { refreshedAt } : {}) });
    this.emit({ tile: id, event: 'start', request });
    let query: string;
    try {
      query = applyParameters(tile.query, d, this.values, Date.now());
    } catch (e) {
      this.finish(id, request, { state: 'error', message: e instanceof Error ? e.message : String(e), refreshedAt: Date.now() });
      return;
    }
    this.queries.run(tile.dataSource, query, controller.signal).then(
      (result) => this.finish(id, request, { state: 'done', result, refreshedAt: Date.now() }),
      (e: unknown) => {
        if (e instanceof AbortedError || controller.signal.aborted) return;
        this.finish(id, request, { state: 'error', message: e instanceof Error ? e.message : String(e), refreshedAt: Date.now() });
      },
    );
  }

  setPage(index: number): void {
    if (!this.dashboard || index < 0 || index >= this.dashboard.pages.length || index === this.page) return;
    this.abortAll();
    this.page = index;
    this.postDashboard();
    for (const t of this.pageTiles()) this.refreshTile(t.id);
  }

  setAutoRefresh(value: AutoRefresh): void {
    this.autoRefresh = value;
    this.setTimer(value);
    this.postDashboard();
  }

  setParameters(change: Partial<ParameterValues>): void {
    this.values = { ...this.values, ...change, selected: { ...this.values.selected, ...change.selected } };
    this.postDashboard();
    this.refreshAll();
  }

  /** The view (re)started: send everything it shows. */
  resend(): void {
    this.lastText = undefined;
    if (this.dashboard) {
      this.postDashboard();
      for (const [id, s] of this.status) this.postStatus(id, s);
      if (this.choices.length) this.post({ type: 'choices', choices: this.choices });
    }
    this.load();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.missed) { this.missed = false; this.refreshAll(); }
  }

  dispose(): void {
    this.disposed = true;
    this.setTimer('off');
    this.abortAll();
    this.choicesAbort?.abort();
    this.changed.dispose();
  }

  private postDashboard(): void {
    if (!this.dashboard) return;
    this.post({ type: 'dashboard', dashboard: this.dashboard, page: this.page, ...(this.values.timeRange ? { timeRange: this.values.timeRange } : {}), selected: this.values.selected, autoRefresh: this.autoRefresh });
  }

  private finish(id: string, request: number, status: TileStatus): void {
    const current = this.inFlight.get(id);
    if (!current || current.request !== request || this.disposed) return;
    this.inFlight.delete(id);
    this.setStatus(id, status);
    this.emit({ tile: id, event: status.state === 'error' ? 'error' : 'done', request, ...(status.state === 'error' ? { message: status.message } : {}) });
  }

  private abort(id: string): void {
    const current = this.inFlight.get(id);
    if (!current) return;
    this.inFlight.delete(id);
    current.controller.abort();
    this.emit({ tile: id, event: 'aborted', request: current.request });
  }

  private abortAll(): void {
    for (const id of [...this.inFlight.keys()]) this.abort(id);
  }

  private setStatus(id: string, status: TileStatus): void {
    this.status.set(id, status);
    if (!this.disposed) this.postStatus(id, status);
  }

  /**
   * A refreshing tile's previous result stays here (a tile that fails keeps nothing) but is not sent again: the
   * view still shows it, and on every refresh each tile would otherwise carry its whole last result to the view.
   */
  private postStatus(id: string, status: TileStatus): void {
    if (status.state === 'loading' && status.previous) {
      const { previous: _previous, ...rest } = status;
      this.post({ type: 'tile', id, status: { ...rest, refreshing: true } });
    } else this.post({ type: 'tile', id, status });
  }

  private emit(e: TileEvent): void {
    this.events.push(e);
    if (this.events.length > 2000) this.events.splice(0, 1000);
    if (e.event === 'error') this.log.warn(`Dashboard ${vscode.workspace.asRelativePath(this.document.uri)}: tile "${e.tile}" failed: ${e.message ?? ''}`);
    if (!this.disposed) this.changed.fire(e);
  }

  private setTimer(value: AutoRefresh): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const ms = AUTO_REFRESH_MS[value];
    // A dashboard in a background tab is not refreshed; it catches up when it is shown again (see setVisible).
    if (ms > 0 && !this.disposed) this.timer = setInterval(() => { if (this.visible) this.refreshAll(); else this.missed = true; }, ms);
  }

  /** Choices of the select parameters fed by a query (the first column of its result). */
  private async loadChoices(): Promise<void> {
    const d = this.dashboard;
    if (!d) return;
    this.choicesAbort?.abort();
    const controller = new AbortController();
    this.choicesAbort = controller;
    const out = await Promise.all(d.parameters.map(async (p): Promise<ParameterChoices | undefined> => {
      if (p.kind !== 'select') return undefined;
      if (p.values) return { variable: p.variable, choices: p.values };
      try {
        const r = await this.queries.run(p.dataSource ?? 'local', applyParameters(p.query ?? '', d, this.values, Date.now()), controller.signal);
        const rows = r.tables[0]?.rows ?? [];
        return { variable: p.variable, choices: [...new Set(rows.slice(0, 1000).map((row) => cellText(row[0])))] };
      } catch (e) {
        return { variable: p.variable, error: `The choices query of "${p.name}" failed: ${e instanceof Error ? e.message : String(e)}` };
      }
    }));
    if (controller.signal.aborted || this.disposed) return;
    this.choicesAbort = undefined;
    this.choices = out.filter((c): c is ParameterChoices => !!c);
    for (const c of this.choices) {
      const p = d.parameters.find((x) => x.kind === 'select' && x.variable === c.variable);
      if (p?.kind === 'select' && !p.multi && this.values.selected[c.variable] === undefined && c.choices?.length) this.values.selected[c.variable] = c.choices[0];
    }
    this.post({ type: 'choices', choices: this.choices });
    this.postDashboard();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const id of waiting) this.refreshTile(id);
  }

  /** Single selects the query uses that have no value yet. */
  private unsetSelects(query: string): string[] {
    const d = this.dashboard;
    if (!d) return [];
    const unset = d.parameters.filter((p) => p.kind === 'select' && !p.multi && this.values.selected[p.variable] === undefined).map((p) => (p.kind === 'select' ? p.variable : ''));
    return unset.length ? referencedVariables(query, new Set(unset)) : [];
  }
}
