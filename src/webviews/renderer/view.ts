// One rendered KQL result: toolbar (info line, chart/table toggle, copy, export), tabs for several tables, and the
// grid or chart of the active one. Grids and charts are built the first time they are shown.
import { chartSpec } from '../../core/kql/chartSpec';
import type { HostToRenderer, KqlResultOutput, KqlTable, RendererToHost } from '../../protocol/kqlResult';
import { drawChart, type DrawnChart } from './charts';
import { h } from './dom';
import { Grid } from './grid';

export interface HostLink {
  /** Sends to the extension; undefined when the renderer runs without messaging (no export or host clipboard). */
  post?(message: RendererToHost): void;
}

const GRID_HEIGHT = 360;

function formatElapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function fileSafe(s: string): string {
  return s.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'result';
}

export class ResultView {
  readonly element: HTMLDivElement;
  private readonly info: HTMLSpanElement;
  private readonly status: HTMLSpanElement;
  private readonly toggle: HTMLButtonElement | undefined;
  private readonly tabs: HTMLButtonElement[] = [];
  private readonly stage: HTMLDivElement;
  private readonly grids = new Map<number, { grid: Grid; box: HTMLDivElement }>();
  private chart: { drawn: DrawnChart; box: HTMLDivElement } | undefined;
  private active = 0;
  private showChart: boolean;

  constructor(private readonly output: KqlResultOutput, private readonly host: HostLink, css: string) {
    // The chart belongs to the primary result: `render` annotates the query's single output table.
    this.showChart = !!output.visualization && output.tables.length > 0;
    this.info = h('span', { class: 'el-info' });
    this.status = h('span', { class: 'el-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    const buttons: HTMLElement[] = [];
    if (output.visualization) {
      this.toggle = h('button', { class: 'el-toggle-chart', attrs: { type: 'button', title: 'Switch between the chart and the table' } });
      this.toggle.addEventListener('click', () => { this.showChart = !this.showChart; this.show(); });
      buttons.push(this.toggle);
    }
    const copy = h('button', { class: 'el-copy', text: 'Copy', attrs: { type: 'button', title: 'Copy the selected cells (or the whole table) as TSV — Ctrl/Cmd+C in the grid' } });
    copy.addEventListener('click', () => { void this.copy(); });
    const csv = h('button', { text: 'Export CSV', attrs: { type: 'button', 'data-export': 'csv', title: 'Save the whole table as CSV' } });
    csv.addEventListener('click', () => this.export('csv'));
    const json = h('button', { text: 'Export JSON', attrs: { type: 'button', 'data-export': 'json', title: 'Save the whole table as JSON' } });
    json.addEventListener('click', () => this.export('json'));
    buttons.push(copy, csv, json);

    const toolbar = h('div', { class: 'el-toolbar' }, this.info, this.status, ...buttons);
    let tabBar: HTMLElement | undefined;
    if (output.tables.length > 1) {
      tabBar = h('div', { class: 'el-tabs', attrs: { role: 'tablist' } });
      output.tables.forEach((t, i) => {
        const tab = h('button', { class: 'el-tab', text: t.name || `Table ${i + 1}`, attrs: { type: 'button', role: 'tab', 'data-table': String(i), title: `${t.rows.length.toLocaleString()} rows` } });
        tab.addEventListener('click', () => { this.active = i; this.show(); });
        this.tabs.push(tab);
        tabBar?.append(tab);
      });
    }
    this.stage = h('div', { class: 'el-stage' });
    // Styles travel with the output so they also apply when the host puts outputs in a shadow root.
    this.element = h('div', { class: 'el-result' }, h('style', { text: css }), toolbar, tabBar, this.stage);
    if (output.tables.length === 0) this.stage.append(h('div', { class: 'el-error', text: 'The query returned no tables.' }));
  }

  /** Draws the active table or chart; call after the element is in the document (layout needs sizes). */
  show(): void {
    if (this.output.tables.length === 0) { this.renderInfo(); return; }
    const chartMode = this.showChart && this.active === 0 && !!this.output.visualization;
    this.tabs.forEach((t, i) => { t.classList.toggle('active', i === this.active); t.setAttribute('aria-selected', String(i === this.active)); });
    if (this.toggle) {
      this.toggle.textContent = chartMode ? 'Show table' : 'Show chart';
      this.toggle.setAttribute('aria-pressed', String(chartMode));
      this.toggle.disabled = this.active !== 0;
    }
    for (const [i, g] of this.grids) g.box.hidden = chartMode || i !== this.active;
    // A grid built while hidden (Copy from the chart view) has drawn nothing yet; render() is cheap when it has.
    if (!chartMode) this.grids.get(this.active)?.grid.mount();
    if (this.chart) this.chart.box.hidden = !chartMode;
    if (chartMode) {
      if (!this.chart) {
        const box = h('div', { class: 'el-chart' });
        this.stage.append(box);
        const vis = this.output.visualization;
        this.chart = { box, drawn: vis ? drawChart(box, chartSpec(this.output.tables[0], vis)) : { dispose() { /* none */ } } };
      }
    } else if (!this.grids.has(this.active)) {
      const grid = new Grid(this.output.tables[this.active], { height: GRID_HEIGHT, copy: (text, rows) => this.copyText(text, rows) });
      const box = h('div', { class: 'el-grid-box' }, grid.element, grid.detailPane);
      this.stage.append(box);
      grid.mount();
      this.grids.set(this.active, { grid, box });
    }
    this.renderInfo();
  }

  dispose(): void {
    this.chart?.drawn.dispose();
    for (const g of this.grids.values()) g.grid.dispose();
    this.grids.clear();
  }

  /** A reply from the extension to this view's last export. */
  onHostMessage(m: HostToRenderer): void {
    if (m.type === 'exported') this.setStatus(`Saved to ${m.path}`);
    else if (m.type === 'exportFailed') this.setStatus(`Export failed: ${m.message}`, true);
  }

  private get table(): KqlTable { return this.output.tables[this.active]; }

  private renderInfo(): void {
    const i = this.output.info;
    const rows = this.output.tables.length ? this.table.rows.length : 0;
    const parts = [
      i.executionOrder != null ? `[${i.executionOrder}]` : '',
      `${rows.toLocaleString()} row${rows === 1 ? '' : 's'}`,
      this.output.tables.length ? `${this.table.columns.length} columns` : '',
      formatElapsed(i.elapsedMs),
      i.database ? `${i.database}` : '',
      i.clientRequestId ? `request ${i.clientRequestId}` : '',
    ].filter(Boolean);
    this.info.replaceChildren(parts.join(' · '));
    if (i.truncated) this.info.append(h('span', { class: 'el-warn', text: '⚠ Truncated: the service cut the result at its limit (add take, summarize or set notruncation).' }));
    this.info.title = `${i.cluster}${i.database ? ` / ${i.database}` : ''}`;
  }

  private setStatus(text: string, failed = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('el-failed', failed);
  }

  private async copy(): Promise<void> {
    if (this.output.tables.length === 0) return;
    let g = this.grids.get(this.active);
    if (!g) {
      // Copy from the chart view: the whole table, through a grid that is built but not shown.
      const grid = new Grid(this.table, { height: GRID_HEIGHT, copy: (text, rows) => this.copyText(text, rows) });
      const box = h('div', { class: 'el-grid-box', attrs: { hidden: '' } }, grid.element, grid.detailPane);
      this.stage.append(box);
      g = { grid, box };
      this.grids.set(this.active, g);
    }
    await g.grid.copySelection();
  }

  /** Clipboard in order of preference: the async API, the legacy copy command, then the extension host. */
  private async copyText(text: string, rows: number): Promise<boolean> {
    const done = (how: string): boolean => {
      this.setStatus(`Copied ${rows.toLocaleString()} row${rows === 1 ? '' : 's'}${how}`);
      this.host.post?.({ type: 'copied', rows });
      return true;
    };
    try {
      await navigator.clipboard.writeText(text);
      return done('');
    } catch { /* the output iframe may not be allowed the async clipboard; try the next way */ }
    const area = h('textarea', { attrs: { 'aria-hidden': 'true', style: 'position:fixed;left:-9999px;top:0' } });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    area.remove();
    if (ok) return done('');
    if (this.host.post) {
      this.host.post({ type: 'copy', text, rows });
      this.setStatus(`Copied ${rows.toLocaleString()} row${rows === 1 ? '' : 's'} (through VS Code)`);
      return true;
    }
    this.setStatus('Copy failed: no clipboard is available here.', true);
    return false;
  }

  private export(format: 'csv' | 'json'): void {
    if (this.output.tables.length === 0) return;
    if (!this.host.post) { this.setStatus('Export needs the Eventline extension (renderer messaging is not available here).', true); return; }
    const t = this.table;
    const suggestedName = `${fileSafe(this.output.info.database || 'result')}-${fileSafe(t.name || `table${this.active + 1}`)}.${format}`;
    this.setStatus(`Exporting ${t.rows.length.toLocaleString()} rows as ${format.toUpperCase()}…`);
    this.host.post({ type: 'export', format, table: t, suggestedName });
  }
}
