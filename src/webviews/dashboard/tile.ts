// One dashboard tile: a header (title, state, last refresh, actions) you drag to move, a corner you drag to resize,
// and a body drawn with the notebook renderer's Grid and drawChart. A refresh keeps the last result on show until
// the new one arrives, so tiles do not flash empty on every auto-refresh.
import { chartSpec, isNumericType, type CardSpec, type ChartSpec } from '../../core/kql/chartSpec';
import { GRID_COLUMNS, type Tile, type TilePosition } from '../../core/dashboards/format';
import type { DashboardViewToHost, TileResult, TileStatus } from '../../protocol/dashboard';
import { cellText } from '../../core/kql/tableModel';
import { drawChart, type DrawnChart } from '../renderer/charts';
import { h } from '../renderer/dom';
import { Grid } from '../renderer/grid';

export const ROW_PX = 40;
export const GAP_PX = 8;
const HEADER_PX = 30;

export interface TileHost {
  post(m: DashboardViewToHost): void;
  grid: HTMLElement;
  onMove(tile: Tile, position: TilePosition): void;
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}

function elapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export class TileView {
  readonly element: HTMLDivElement;
  private readonly title: HTMLSpanElement;
  private readonly state: HTMLSpanElement;
  private readonly body: HTMLDivElement;
  private drawn: Grid | DrawnChart | undefined;
  private shown: TileResult | undefined;

  constructor(private tile: Tile, private readonly host: TileHost) {
    this.title = h('span', { class: 'el-tile-title' });
    this.state = h('span', { class: 'el-tile-state', attrs: { role: 'status', 'aria-live': 'polite' } });
    const button = (text: string, title: string, action: string, onClick: () => void): HTMLButtonElement => {
      const b = h('button', { text, attrs: { type: 'button', title, 'aria-label': title, 'data-action': action } });
      b.addEventListener('click', onClick);
      b.addEventListener('pointerdown', (e) => e.stopPropagation());
      return b;
    };
    const id = (): string => this.tile.id;
    const header = h('div', { class: 'el-tile-header', attrs: { title: 'Drag to move' } }, this.title, this.state,
      button('⟳', 'Refresh this tile', 'refreshTile', () => host.post({ type: 'refreshTile', id: id() })),
      button('✎', 'Edit the query in a KQL editor (saving writes it back to the tile)', 'editQuery', () => host.post({ type: 'editQuery', id: id() })),
      button('PBI', 'Open in Power BI: the Power Query (M) formula for this tile', 'powerBi', () => host.post({ type: 'tileAction', id: id(), action: 'powerBi' })),
      button('URI', 'Copy a link that opens this query in the Azure Data Explorer web UI', 'copyQueryUri', () => host.post({ type: 'tileAction', id: id(), action: 'copyQueryUri' })),
      button('✕', 'Remove this tile from the dashboard', 'remove', () => host.post({ type: 'tileAction', id: id(), action: 'remove' })),
    );
    this.body = h('div', { class: 'el-tile-body' });
    const resize = h('div', { class: 'el-tile-resize', attrs: { title: 'Drag to resize', 'aria-hidden': 'true' } });
    this.element = h('div', { class: 'el-tile', attrs: { 'data-tile-id': tile.id, 'data-state': 'idle', 'data-visual': tile.visual } }, header, this.body, resize);
    this.drag(header, 'move');
    this.drag(resize, 'resize');
    this.update(tile);
  }

  update(tile: Tile): void {
    const redraw = tile.visual !== this.tile.visual || tile.position.height !== this.tile.position.height || tile.position.width !== this.tile.position.width;
    this.tile = tile;
    this.title.textContent = tile.title || tile.id;
    this.title.title = tile.query;
    this.element.dataset.visual = tile.visual;
    this.place(tile.position);
    if (redraw && this.shown) this.draw(this.shown);
  }

  setStatus(status: TileStatus): void {
    this.element.dataset.state = status.state;
    this.element.classList.toggle('el-tile-loading', status.state === 'loading');
    switch (status.state) {
      case 'idle': this.state.textContent = ''; break;
      case 'loading':
        this.state.textContent = status.previous || status.refreshing ? `Refreshing… (last ${status.refreshedAt ? clock(status.refreshedAt) : '—'})` : 'Loading…';
        if (!this.shown) this.body.replaceChildren(h('div', { class: 'el-tile-spinner', text: 'Running the query…' }));
        break;
      case 'done':
        this.state.textContent = `${status.result.rowCount.toLocaleString()} row${status.result.rowCount === 1 ? '' : 's'} · ${elapsed(status.result.elapsedMs)} · ${clock(status.refreshedAt)}`;
        this.state.title = `Last refresh ${new Date(status.refreshedAt).toISOString()}`;
        this.draw(status.result);
        break;
      case 'error': {
        this.state.textContent = `Failed · ${clock(status.refreshedAt)}`;
        this.disposeDrawn();
        this.shown = undefined;
        const jump = h('button', { text: 'Jump to query', attrs: { type: 'button', 'data-action': 'jumpToQuery' } });
        jump.addEventListener('click', () => this.host.post({ type: 'jumpToQuery', id: this.tile.id }));
        const edit = h('button', { text: 'Edit query', attrs: { type: 'button' } });
        edit.addEventListener('click', () => this.host.post({ type: 'editQuery', id: this.tile.id }));
        this.body.replaceChildren(h('div', { class: 'el-tile-error' }, h('div', { class: 'el-error', text: status.message }), h('div', { class: 'el-tile-error-actions' }, jump, edit)));
        break;
      }
    }
  }

  dispose(): void { this.disposeDrawn(); }

  private place(p: TilePosition): void {
    this.element.style.gridColumn = `${p.x + 1} / span ${p.width}`;
    this.element.style.gridRow = `${p.y + 1} / span ${p.height}`;
  }

  private bodyHeight(): number {
    return Math.max(60, this.tile.position.height * ROW_PX + (this.tile.position.height - 1) * GAP_PX - HEADER_PX - 8);
  }

  private disposeDrawn(): void {
    this.drawn?.dispose();
    this.drawn = undefined;
  }

  private draw(result: TileResult): void {
    const table = result.tables[0];
    const height = this.bodyHeight();
    let chart: { spec: ChartSpec; options: { height: number } } | undefined;
    if (table && this.tile.visual !== 'table') {
      const spec = this.tile.visual === 'stat' ? statSpec(result) : chartSpec(table, { ...(result.visualization ?? {}), Visualization: this.tile.visual });
      chart = { spec: spec.type === 'error' ? spec : { ...spec, title: undefined }, options: { height: spec.type === 'xy' && spec.legend ? height - 40 : height - 10 } };
      // A refresh with the same chart shape redraws the values only (see DrawnChart.update).
      if (this.drawn && 'update' in this.drawn && this.drawn.update?.(chart.spec, chart.options)) { this.shown = result; return; }
    }
    this.disposeDrawn();
    this.shown = result;
    const box = h('div', { class: 'el-tile-content' });
    this.body.replaceChildren(box);
    if (!table) { box.append(h('div', { class: 'el-note', text: 'The query returned no tables.' })); return; }
    if (chart) { this.drawn = drawChart(box, chart.spec, chart.options); return; }
    const grid = new Grid(table, { height: height - 28, copy: async (text) => { try { await navigator.clipboard.writeText(text); return true; } catch { return false; } } });
    box.append(h('div', { class: 'el-grid-box' }, grid.element, grid.detailPane));
    grid.mount();
    this.drawn = grid;
  }

  /** Dragging the header moves the tile by whole grid cells; dragging the corner resizes it. */
  private drag(handle: HTMLElement, mode: 'move' | 'resize'): void {
    handle.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      const start = { x: e.clientX, y: e.clientY };
      const from = { ...this.tile.position };
      const colPx = (this.host.grid.clientWidth + GAP_PX) / GRID_COLUMNS;
      const rowPx = ROW_PX + GAP_PX;
      let to = from;
      handle.setPointerCapture(e.pointerId);
      this.element.classList.add('el-tile-dragging');
      const move = (ev: PointerEvent): void => {
        const dx = Math.round((ev.clientX - start.x) / colPx);
        const dy = Math.round((ev.clientY - start.y) / rowPx);
        to = mode === 'move'
          ? { ...from, x: clamp(from.x + dx, 0, GRID_COLUMNS - from.width), y: Math.max(0, from.y + dy) }
          : { ...from, width: clamp(from.width + dx, 1, GRID_COLUMNS - from.x), height: clamp(from.height + dy, 1, 100) };
        this.place(to);
      };
      const up = (): void => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        handle.removeEventListener('pointercancel', up);
        this.element.classList.remove('el-tile-dragging');
        if (to.x !== from.x || to.y !== from.y || to.width !== from.width || to.height !== from.height) this.host.onMove(this.tile, to);
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
      handle.addEventListener('pointercancel', up);
    });
  }
}

function clamp(v: number, lo: number, hi: number): number { return Math.min(hi, Math.max(lo, v)); }

/** A stat tile: the first numeric column of the first row (else the first column), labelled with its name. */
function statSpec(result: TileResult): CardSpec | ChartSpec {
  const t = result.tables[0];
  const row = t.rows[0];
  if (!row) return { type: 'card', label: 'no rows', value: '—', notes: [] };
  let i = t.columns.findIndex((c) => isNumericType(c.type));
  if (i < 0) i = 0;
  const col = t.columns[i];
  const value = typeof row[i] === 'number' ? (row[i] as number).toLocaleString() : cellText(row[i]);
  return { type: 'card', label: col.name, value, notes: [] };
}
