// The result grid's arithmetic, free of the DOM so it is unit-tested on its own: typed sorting, cell text,
// selection and TSV copy, column widths and the virtual window (which rows and columns are in view).
import type { KqlColumn, KqlTable } from '../../protocol/kqlResult';
import { isNumericType, isTimeType, toNumber, toTime } from './chartSpec';

// ─── Cell text ───────────────────────────────────────────────────────────────

export function isDynamicValue(v: unknown): v is object { return v !== null && typeof v === 'object'; }

/** One-line text of a cell: null is empty, dynamic values are compact JSON. */
export function cellText(v: unknown): string {
  if (v == null) return '';
  // Cells are JSON-safe: numbers and booleans print the same through JSON, dynamic values become compact JSON.
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Multi-line text for the detail pane: dynamic values (and JSON held in strings) pretty-printed. */
export function cellDetail(v: unknown): string {
  if (isDynamicValue(v)) return JSON.stringify(v, null, 2);
  if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
    try { return JSON.stringify(JSON.parse(v), null, 2); } catch { /* not JSON after all: show it as it is */ }
  }
  return cellText(v);
}

// ─── Sorting ─────────────────────────────────────────────────────────────────

export type SortDir = 'asc' | 'desc';

/** Kusto timespan text "[-][d.]hh:mm:ss[.fffffff]" as milliseconds, or null. */
export function timespanMs(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  const m = /^(-)?(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(v.trim());
  if (!m) return null;
  const ms = ((Number(m[2] ?? 0) * 24 + Number(m[3])) * 60 + Number(m[4])) * 60000 + Number(m[5]) * 1000;
  return m[1] ? -ms : ms;
}

type Key = number | string | null;

function keyFor(type: string): (v: unknown) => Key {
  const t = type.toLowerCase();
  if (isNumericType(t)) return toNumber;
  if (isTimeType(t)) return toTime;
  if (t === 'timespan') return timespanMs;
  if (t === 'bool' || t === 'boolean') return (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : toNumber(v));
  return (v) => (v == null ? null : cellText(v));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Row indexes of `table` ordered by one column: numbers, datetimes and timespans by value, text by a natural
 * collation, nulls (and values of the wrong type) last in both directions, ties kept in result order.
 */
export function sortedOrder(table: Pick<KqlTable, 'columns' | 'rows'>, col: number, dir: SortDir): Uint32Array {
  const key = keyFor(table.columns[col]?.type ?? 'string');
  const n = table.rows.length;
  // Keys are computed once per row: parsing a datetime inside the comparator would parse each value log(n) times.
  const keys: Key[] = new Array<Key>(n);
  let allNumbers = true;
  for (let i = 0; i < n; i++) { const k = key(table.rows[i][col]); keys[i] = k; if (k != null && typeof k !== 'number') allNumbers = false; }
  const sign = dir === 'asc' ? 1 : -1;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const ka = keys[a];
    const kb = keys[b];
    if (ka == null || kb == null) return ka == null ? (kb == null ? a - b : 1) : -1;
    const c = allNumbers ? (ka as number) - (kb as number) : compareMixed(ka, kb);
    return c !== 0 ? sign * c : a - b;
  });
  return Uint32Array.from(order);
}

function compareMixed(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

// ─── Selection ───────────────────────────────────────────────────────────────

/** A rectangle of view rows (positions in the current sort order) × columns, inclusive. */
export interface CellRange { r0: number; r1: number; c0: number; c1: number }

/**
 * Spreadsheet-style selection over view positions: click selects one cell, shift extends from the anchor,
 * ctrl/cmd adds (or removes) a cell, a row header selects whole rows.
 */
export class GridSelection {
  ranges: CellRange[] = [];
  anchor: { row: number; col: number } | undefined;

  constructor(private readonly columnCount: () => number) {}

  clear(): void { this.ranges = []; this.anchor = undefined; }

  click(row: number, col: number, mods: { shift?: boolean; toggle?: boolean }, wholeRow = false): void {
    const lastCol = this.columnCount() - 1;
    const cells = (r0: number, r1: number, c0: number, c1: number): CellRange =>
      wholeRow ? { r0: Math.min(r0, r1), r1: Math.max(r0, r1), c0: 0, c1: lastCol } : { r0: Math.min(r0, r1), r1: Math.max(r0, r1), c0: Math.min(c0, c1), c1: Math.max(c0, c1) };
    if (mods.shift && this.anchor) {
      const range = cells(this.anchor.row, row, this.anchor.col, col);
      // Shift replaces the range the anchor started, and keeps earlier ctrl-added ranges.
      this.ranges = [...this.ranges.slice(0, -1), range];
      return;
    }
    if (mods.toggle) {
      const hit = this.ranges.findIndex((g) => g.r0 === row && g.r1 === row && (wholeRow ? g.c0 === 0 && g.c1 === lastCol : g.c0 === col && g.c1 === col));
      if (hit >= 0) { this.ranges.splice(hit, 1); return; }
      this.ranges.push(cells(row, row, col, col));
      this.anchor = { row, col };
      return;
    }
    this.ranges = [cells(row, row, col, col)];
    this.anchor = { row, col };
  }

  selectAll(rows: number): void {
    if (rows === 0) { this.clear(); return; }
    this.ranges = [{ r0: 0, r1: rows - 1, c0: 0, c1: this.columnCount() - 1 }];
    this.anchor = { row: 0, col: 0 };
  }

  has(row: number, col: number): boolean {
    for (const g of this.ranges) if (row >= g.r0 && row <= g.r1 && col >= g.c0 && col <= g.c1) return true;
    return false;
  }

  rowHas(row: number): boolean {
    for (const g of this.ranges) if (row >= g.r0 && row <= g.r1) return true;
    return false;
  }

  isEmpty(): boolean { return this.ranges.length === 0; }

  /** Sorted distinct view rows and columns touched by the selection. */
  extent(): { rows: number[]; cols: number[] } {
    const rows = new Set<number>();
    const cols = new Set<number>();
    for (const g of this.ranges) {
      for (let r = g.r0; r <= g.r1; r++) rows.add(r);
      for (let c = g.c0; c <= g.c1; c++) cols.add(c);
    }
    return { rows: [...rows].sort((a, b) => a - b), cols: [...cols].sort((a, b) => a - b) };
  }
}

// ─── TSV ─────────────────────────────────────────────────────────────────────

/**
 * A TSV field: quoted (with doubled quotes) when it holds a tab or newline, or starts with a quote, which is when a
 * spreadsheet paste would otherwise split it or eat the quote; JSON like {"a":1} stays readable as it is.
 */
export function tsvField(s: string): string {
  return /[\t\n\r]/.test(s) || s.startsWith('"') ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * TSV of the selected cells with a header line: rows and columns are the union the selection touches, in view
 * order; a cell inside that box but not selected stays empty.
 */
export function selectionToTsv(table: Pick<KqlTable, 'columns' | 'rows'>, order: ArrayLike<number>, sel: GridSelection, header = true): { text: string; rows: number } {
  const { rows, cols } = sel.extent();
  const lines: string[] = [];
  if (header) lines.push(cols.map((c) => tsvField(table.columns[c].name)).join('\t'));
  for (const r of rows) {
    const data = table.rows[order[r]];
    if (!data) continue;
    lines.push(cols.map((c) => (sel.has(r, c) ? tsvField(cellText(data[c])) : '')).join('\t'));
  }
  return { text: lines.join('\n'), rows: rows.length };
}

// ─── Column widths and the virtual window ────────────────────────────────────

export const MIN_COL_WIDTH = 48;
export const MAX_COL_WIDTH = 480;

/**
 * Starting widths from the header and a sample of rows (the first 200): roughly the character count times the
 * average glyph width, clamped so one long value cannot push the others out of view.
 */
export function initialWidths(columns: KqlColumn[], rows: unknown[][], charWidth = 7.6, padding = 16): number[] {
  return columns.map((c, i) => {
    // The header shows the name, the type in a smaller font and room for the sort arrow.
    let chars = c.name.length + Math.ceil(c.type.length * 0.85) + 3;
    for (let r = 0; r < Math.min(rows.length, 200); r++) chars = Math.max(chars, Math.min(80, cellText(rows[r][i]).length));
    return clampWidth(Math.ceil(chars * charWidth + padding));
  });
}

export function clampWidth(w: number): number { return Math.max(MIN_COL_WIDTH, Math.min(MAX_COL_WIDTH * 2, Math.round(w))); }

/** Left edge of every column plus the total width at the end (length = widths.length + 1). */
export function columnOffsets(widths: readonly number[]): number[] {
  const out = [0];
  for (const w of widths) out.push(out[out.length - 1] + w);
  return out;
}

/** First and last (inclusive) column that intersects [left, left + width), by binary search over the offsets. */
export function visibleColumns(offsets: readonly number[], left: number, width: number): { first: number; last: number } {
  const n = offsets.length - 1;
  if (n <= 0) return { first: 0, last: -1 };
  const find = (x: number): number => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (offsets[mid] <= x) lo = mid; else hi = mid - 1; }
    return lo;
  };
  return { first: find(Math.max(0, left)), last: find(Math.max(0, left + width - 1)) };
}

/**
 * Browsers cap an element's height (Chromium near 33.5 M px): beyond this the scroll area is scaled so a
 * result of any size stays scrollable end to end.
 */
export const MAX_SCROLL_PX = 15_000_000;

export interface RowWindow {
  /** First and last (exclusive) row to put in the DOM, overscan included. */
  first: number;
  end: number;
  /** Height of the scrolling spacer. */
  spacer: number;
  /** Pixel top of row `first` inside the spacer. */
  top: number;
}

/** Which rows to render for a scroll position: the rows in view plus `overscan` on each side. */
export function rowWindow(scrollTop: number, viewport: number, rowHeight: number, rowCount: number, overscan = 8): RowWindow {
  const natural = rowCount * rowHeight;
  const spacer = Math.min(natural, MAX_SCROLL_PX);
  // Scaled mode maps the scroll fraction to a row fraction; in natural mode this is the plain division.
  const maxScroll = Math.max(1, spacer - viewport);
  const fraction = spacer === natural ? scrollTop / rowHeight : (Math.min(scrollTop, maxScroll) / maxScroll) * Math.max(0, rowCount - viewport / rowHeight);
  const firstVisible = Math.max(0, Math.min(rowCount, Math.floor(fraction)));
  const first = Math.max(0, firstVisible - overscan);
  const end = Math.min(rowCount, firstVisible + Math.ceil(viewport / rowHeight) + 1 + overscan);
  const top = spacer === natural ? first * rowHeight : scrollTop - (fraction - first) * rowHeight;
  return { first, end, spacer, top };
}
