// The virtualized result grid. Rows have one fixed height, so the rows in view are a division away
// (tableModel.rowWindow); only those rows, and only the columns in view, exist in the DOM. A scroll frame adds the
// rows that came into view and removes the ones that left, so its cost does not grow with the result.
import { isNumericType } from '../../core/kql/chartSpec';
import {
  cellDetail, cellText, clampWidth, columnOffsets, GridSelection, initialWidths, isDynamicValue, rowWindow, selectionToTsv,
  sortedOrder, visibleColumns, type SortDir,
} from '../../core/kql/tableModel';
import type { KqlTable } from '../../protocol/kqlResult';
import { h } from './dom';

export const ROW_HEIGHT = 22;
const COLUMN_OVERSCAN_PX = 200;

/** Row-number gutter: wide enough for the largest row number. */
function gutterWidth(rows: number): number { return 16 + 8 * Math.max(2, String(rows).length); }

export interface GridOptions {
  /** Visible height of the grid body in pixels. */
  height: number;
  /** Copy text to the clipboard; resolves to false when no clipboard path worked. */
  copy(text: string, rows: number): Promise<boolean>;
}

export class Grid {
  readonly element: HTMLDivElement;
  private readonly headerInner: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly detail: HTMLDivElement;
  private readonly widths: number[];
  private offsets: number[];
  private order: Uint32Array;
  private sort: { col: number; dir: SortDir } | undefined;
  private readonly selection: GridSelection;
  /** Rendered rows keyed by view position, and the column span they were built with. */
  private readonly rows = new Map<number, HTMLDivElement>();
  /** Row elements out of the DOM, kept for reuse while the column layout stays the same. */
  private pool: HTMLDivElement[] = [];
  private builtCols = { first: 0, last: -1 };
  private frame = 0;
  private readonly numeric: boolean[];
  private readonly gutter: number;
  private readonly disposers: (() => void)[] = [];

  constructor(private readonly table: KqlTable, private readonly options: GridOptions) {
    this.order = identity(table.rows.length);
    this.selection = new GridSelection(() => table.columns.length);
    this.widths = initialWidths(table.columns, table.rows);
    this.offsets = columnOffsets(this.widths);
    this.numeric = table.columns.map((c) => isNumericType(c.type));
    this.gutter = gutterWidth(table.rows.length);

    this.headerInner = h('div', { class: 'el-header-inner' });
    const header = h('div', { class: 'el-header' }, this.headerInner);
    this.spacer = h('div', { class: 'el-spacer' });
    this.body = h('div', { class: 'el-body', attrs: { tabindex: '0', role: 'grid', 'aria-rowcount': String(table.rows.length), 'aria-colcount': String(table.columns.length) } }, this.spacer);
    this.body.style.height = `${Math.min(options.height, Math.max(ROW_HEIGHT * 2, table.rows.length * ROW_HEIGHT + 18))}px`;
    this.detail = h('div', { class: 'el-detail', attrs: { hidden: '' } });
    this.element = h('div', { class: 'el-grid' }, header, this.body);

    this.listen(this.body, 'scroll', () => this.schedule());
    // A wider output (editor resized) shows more columns; no scroll event says so.
    const ro = new ResizeObserver(() => this.schedule());
    ro.observe(this.body);
    this.disposers.push(() => ro.disconnect());
    this.listen(this.body, 'mousedown', (e) => this.onMouseDown(e as MouseEvent));
    this.listen(this.body, 'dblclick', (e) => this.onDoubleClick(e as MouseEvent));
    this.listen(this.body, 'keydown', (e) => this.onKey(e as KeyboardEvent));
    this.listen(this.headerInner, 'click', (e) => this.onHeaderClick(e as MouseEvent));
    this.listen(this.headerInner, 'pointerdown', (e) => this.onResizeStart(e as PointerEvent));
    this.renderHeader();
  }

  /** The detail pane (pretty JSON of a dynamic value), placed by the caller under the grid. */
  get detailPane(): HTMLDivElement { return this.detail; }

  /** First paint: call once the grid is in the document (it needs the body's size). */
  mount(): void { this.render(); }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    for (const d of this.disposers.splice(0)) d();
  }

  /** Copy the selection (or, with nothing selected, the whole result) as TSV with a header line. */
  async copySelection(): Promise<{ ok: boolean; rows: number }> {
    const sel = this.selection.isEmpty() ? allOf(this.table, this.order.length) : this.selection;
    const { text, rows } = selectionToTsv(this.table, this.order, sel);
    return { ok: await this.options.copy(text, rows), rows };
  }

  // ─── Rendering ─────────────────────────────────────────────────────────────

  private listen(target: EventTarget, type: string, fn: (e: Event) => void): void {
    target.addEventListener(type, fn);
    this.disposers.push(() => target.removeEventListener(type, fn));
  }

  private schedule(): void {
    // One render per frame however many scroll events arrive in it.
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  private renderHeader(): void {
    const total = this.offsets[this.offsets.length - 1] + this.gutter;
    this.headerInner.style.width = `${total}px`;
    const cells: HTMLElement[] = [h('div', { class: 'el-hcell el-gutter-head', attrs: { style: `left:0;width:${this.gutter}px;cursor:default` } })];
    this.table.columns.forEach((c, i) => {
      const arrow = this.sort?.col === i ? (this.sort.dir === 'asc' ? '▲' : '▼') : '';
      const cell = h('div', { class: 'el-hcell', attrs: { 'data-col': String(i), title: `${c.name} (${c.type}) — click to sort`, role: 'columnheader' } },
        c.name, h('span', { class: 'el-type', text: c.type }), h('span', { class: 'el-sort', text: arrow }), h('div', { class: 'el-resize', attrs: { 'data-resize': String(i) } }));
      if (this.sort?.col === i) cell.setAttribute('aria-sort', this.sort.dir === 'asc' ? 'ascending' : 'descending');
      cell.style.left = `${this.gutter + this.offsets[i]}px`;
      cell.style.width = `${this.widths[i]}px`;
      cells.push(cell);
    });
    this.headerInner.replaceChildren(...cells);
  }

  private layoutHeader(): void {
    this.headerInner.style.width = `${this.offsets[this.offsets.length - 1] + this.gutter}px`;
    for (const cell of this.headerInner.querySelectorAll<HTMLElement>('.el-hcell[data-col]')) {
      const i = Number(cell.dataset.col);
      cell.style.left = `${this.gutter + this.offsets[i]}px`;
      cell.style.width = `${this.widths[i]}px`;
    }
  }

  /**
   * Redraw after a change. A sort or selection change refills the rows in place; `structural` (column widths or
   * the column span changed) drops the rows and their pool so they are rebuilt with the new layout.
   */
  private invalidate(structural = false): void {
    if (structural) {
      for (const r of this.rows.values()) r.remove();
      this.rows.clear();
      this.pool = [];
    } else {
      for (const [pos, el] of this.rows) this.fill(el, pos);
    }
    this.render();
  }

  private render(): void {
    const viewport = this.body.clientHeight || this.options.height;
    let win = rowWindow(this.body.scrollTop, viewport, ROW_HEIGHT, this.order.length);
    if (!this.overlaps(win)) {
      // A jump (scrollbar drag, Page Down held, Ctrl+End): none of the rendered rows stay. Build only the rows in
      // view now, about half the window, and the overscan on the next frame, which a further jump supersedes.
      win = rowWindow(this.body.scrollTop, viewport, ROW_HEIGHT, this.order.length, 0);
      this.schedule();
    }
    const totalWidth = this.offsets[this.offsets.length - 1] + this.gutter;
    this.spacer.style.height = `${win.spacer}px`;
    this.spacer.style.width = `${totalWidth}px`;
    this.headerInner.style.transform = `translateX(${-this.body.scrollLeft}px)`;

    const cols = visibleColumns(this.offsets, this.body.scrollLeft - this.gutter - COLUMN_OVERSCAN_PX, (this.body.clientWidth || 800) + 2 * COLUMN_OVERSCAN_PX);
    if (cols.first !== this.builtCols.first || cols.last !== this.builtCols.last) {
      // Horizontal scroll brought other columns into view: the rendered rows have the wrong cells.
      this.builtCols = cols;
      this.invalidate(true);
      return;
    }
    // Rows that left the window are reused for the rows that entered it: a scroll frame then only rewrites text
    // and moves elements, with no element created, inserted or removed in the steady state.
    const leaving: HTMLDivElement[] = [];
    for (const [pos, el] of this.rows) {
      if (pos < win.first || pos >= win.end) { this.rows.delete(pos); leaving.push(el); }
    }
    const fresh: HTMLDivElement[] = [];
    for (let pos = win.first; pos < win.end; pos++) {
      let el = this.rows.get(pos);
      if (!el) {
        el = leaving.pop() ?? this.pool.pop() ?? this.newRow(totalWidth);
        this.fill(el, pos);
        if (!el.isConnected) fresh.push(el);
        this.rows.set(pos, el);
      }
      el.style.transform = `translateY(${win.top + (pos - win.first) * ROW_HEIGHT}px)`;
    }
    for (const el of leaving) { el.remove(); this.pool.push(el); }
    if (fresh.length) this.spacer.append(...fresh);
  }

  /** Whether any rendered row is still in `win` (always true before the first render, so it gets overscan). */
  private overlaps(win: { first: number; end: number }): boolean {
    if (this.rows.size === 0) return true;
    for (const pos of this.rows.keys()) if (pos >= win.first && pos < win.end) return true;
    return false;
  }

  /** A row element with a gutter and one cell per column in the built span, each holding one text node. */
  private newRow(width: number): HTMLDivElement {
    const row = h('div', { class: 'el-row', attrs: { role: 'row' } });
    row.style.height = `${ROW_HEIGHT}px`;
    row.style.width = `${width}px`;
    row.style.lineHeight = `${ROW_HEIGHT}px`;
    const gutter = h('div', { class: 'el-gutter' }, document.createTextNode(''));
    gutter.style.left = '0';
    gutter.style.width = `${this.gutter}px`;
    gutter.style.height = `${ROW_HEIGHT}px`;
    row.append(gutter);
    for (let c = this.builtCols.first; c <= this.builtCols.last; c++) {
      const cell = h('div', { class: 'el-cell', attrs: { 'data-col': String(c), role: 'gridcell' } }, document.createTextNode(''));
      cell.style.left = `${this.gutter + this.offsets[c]}px`;
      cell.style.width = `${this.widths[c]}px`;
      cell.style.height = `${ROW_HEIGHT}px`;
      row.append(cell);
    }
    return row;
  }

  /** Puts view row `pos` into a row element: text through Text nodes only, never markup. */
  private fill(row: HTMLDivElement, pos: number): void {
    const data = this.table.rows[this.order[pos]];
    row.dataset.pos = String(pos);
    row.className = this.selection.rowHas(pos) ? 'el-row el-row-selected' : 'el-row';
    (row.firstChild?.firstChild as Text).data = String(this.order[pos] + 1);
    let cell = row.firstChild?.nextSibling as HTMLElement | null;
    for (let c = this.builtCols.first; c <= this.builtCols.last && cell; c++, cell = cell.nextSibling as HTMLElement | null) {
      const v = data[c];
      let cls = 'el-cell';
      if (v == null) cls += ' el-null';
      else if (isDynamicValue(v)) cls += ' el-dyn';
      else if (this.numeric[c]) cls += ' el-num';
      if (this.selection.has(pos, c)) cls += ' el-selected';
      if (cell.className !== cls) cell.className = cls;
      // A cell holding "<img src=x onerror=…>" shows exactly those characters: Text.data is never parsed.
      (cell.firstChild as Text).data = v == null ? '' : clipForCell(cellText(v));
    }
  }

  // ─── Interaction ───────────────────────────────────────────────────────────

  private hit(e: MouseEvent): { pos: number; col: number; gutter: boolean } | undefined {
    const target = e.target as HTMLElement;
    const rowEl = target.closest<HTMLElement>('.el-row');
    if (!rowEl) return undefined;
    const pos = Number(rowEl.dataset.pos);
    if (target.closest('.el-gutter')) return { pos, col: 0, gutter: true };
    const cell = target.closest<HTMLElement>('.el-cell');
    return cell ? { pos, col: Number(cell.dataset.col), gutter: false } : undefined;
  }

  private onMouseDown(e: MouseEvent): void {
    if (e.button !== 0) return;
    const at = this.hit(e);
    if (!at) return;
    if (e.shiftKey) e.preventDefault(); // keep shift-click from selecting page text
    this.selection.click(at.pos, at.col, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey }, at.gutter);
    this.body.focus({ preventScroll: true });
    this.invalidate();
    const v = this.table.rows[this.order[at.pos]]?.[at.col];
    if (!at.gutter && isDynamicValue(v)) this.showDetail(at.pos, at.col);
  }

  private onDoubleClick(e: MouseEvent): void {
    const at = this.hit(e);
    if (at && !at.gutter) this.showDetail(at.pos, at.col);
  }

  private showDetail(pos: number, col: number): void {
    const v = this.table.rows[this.order[pos]]?.[col];
    const close = h('button', { class: 'el-detail-close', text: 'Close', attrs: { title: 'Close the detail pane' } });
    close.addEventListener('click', () => { this.detail.hidden = true; });
    this.detail.replaceChildren(
      h('div', { class: 'el-detail-title' }, h('span', { text: `Row ${this.order[pos] + 1}, ${this.table.columns[col].name} (${this.table.columns[col].type})` }), close),
      h('pre', { class: 'el-json', text: cellDetail(v) }),
    );
    this.detail.hidden = false;
  }

  private onKey(e: KeyboardEvent): void {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && (e.key === 'c' || e.key === 'C')) {
      e.preventDefault();
      e.stopPropagation();
      void this.copySelection();
    } else if (mod && (e.key === 'a' || e.key === 'A')) {
      e.preventDefault();
      e.stopPropagation();
      this.selection.selectAll(this.order.length);
      this.invalidate();
    } else if (e.key === 'Escape') {
      this.selection.clear();
      this.detail.hidden = true;
      this.invalidate();
    }
  }

  private onHeaderClick(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    if (target.closest('.el-resize')) return;
    const cell = target.closest<HTMLElement>('.el-hcell[data-col]');
    if (!cell) return;
    const col = Number(cell.dataset.col);
    // Ascending, then descending, then back to the result's own order.
    const next: SortDir | undefined = this.sort?.col !== col ? 'asc' : this.sort.dir === 'asc' ? 'desc' : undefined;
    this.sort = next ? { col, dir: next } : undefined;
    this.order = next ? sortedOrder(this.table, col, next) : identity(this.table.rows.length);
    // Selection is by view position; after a reorder it would point at other rows.
    this.selection.clear();
    this.renderHeader();
    this.invalidate();
  }

  private onResizeStart(e: PointerEvent): void {
    const handle = (e.target as HTMLElement).closest<HTMLElement>('.el-resize');
    if (!handle || e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    const col = Number(handle.dataset.resize);
    const startX = e.clientX;
    const startW = this.widths[col];
    handle.classList.add('dragging');
    handle.setPointerCapture(e.pointerId);
    let pending = 0;
    const move = (ev: PointerEvent) => {
      this.widths[col] = clampWidth(startW + ev.clientX - startX);
      if (pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        this.offsets = columnOffsets(this.widths);
        // Move the existing header cells: rebuilding them would drop the handle that holds the pointer capture.
        this.layoutHeader();
        this.invalidate(true);
      });
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  }
}

/**
 * A cell shows at most one line of a few hundred characters (the widest column is under 1,000 px); laying out a
 * 50 KB JSON value on every scroll frame would cost far more than it shows. Copy, export and the detail pane use
 * the full value.
 */
const CELL_TEXT_MAX = 400;
function clipForCell(s: string): string {
  return s.length > CELL_TEXT_MAX ? `${s.slice(0, CELL_TEXT_MAX)}…` : s;
}

function identity(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function allOf(table: KqlTable, rows: number): GridSelection {
  const s = new GridSelection(() => table.columns.length);
  s.selectAll(rows);
  return s;
}
