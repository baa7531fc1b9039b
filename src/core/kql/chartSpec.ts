// Turns a result table plus the `render` operator's Visualization properties into a drawing-ready chart spec.
// DOM-free and library-free so the rules (which column is x, which are y, how series pivot, how stacking works)
// are unit-tested on their own; the renderer only draws what this returns.
//
// The model follows the render operator's data model: one x column, any number of series columns (each distinct
// combination of their values is one series) and any number of y columns (each a measurement per series).
// Properties the query omits are guessed the way the Kusto docs describe: x is the first datetime column for
// time charts and the first column otherwise, y columns are the numeric ones, series columns the string ones.
import type { KqlColumn, KqlTable, KqlVisualization } from '../../protocol/kqlResult';

export type ChartKind =
  | 'timechart' | 'linechart' | 'areachart' | 'columnchart' | 'barchart' | 'piechart' | 'scatterchart' | 'card' | 'anomalychart';
export type StackMode = 'none' | 'stacked' | 'stacked100';

export interface ChartSeries {
  name: string;
  /** One value per x (xy charts) or per category (category charts); null where the series has no point. */
  values: (number | null)[];
  /** Indexes into `values` the anomaly columns flag (anomalychart only). */
  anomalies?: number[];
}

interface SpecCommon { title?: string; notes: string[] }

export interface XYChartSpec extends SpecCommon {
  type: 'xy';
  kind: 'timechart' | 'linechart' | 'areachart' | 'scatterchart' | 'anomalychart';
  /** Ascending x: epoch milliseconds when `xTime`, plain numbers otherwise. */
  x: number[];
  xTime: boolean;
  series: ChartSeries[];
  stack: StackMode;
  legend: boolean;
  xTitle?: string;
  yTitle?: string;
  /** 'axes': every series gets its own y axis (`panels` is drawn the same way). */
  ySplit: 'none' | 'axes';
}

export interface CategoryChartSpec extends SpecCommon {
  type: 'category';
  kind: 'columnchart' | 'barchart';
  categories: string[];
  series: ChartSeries[];
  stack: StackMode;
  legend: boolean;
  xTitle?: string;
  yTitle?: string;
}

export interface PieChartSpec extends SpecCommon {
  type: 'pie';
  slices: { label: string; value: number }[];
  legend: boolean;
}

export interface CardSpec extends SpecCommon { type: 'card'; label: string; value: string }

export interface ChartError { type: 'error'; message: string }

export type ChartSpec = XYChartSpec | CategoryChartSpec | PieChartSpec | CardSpec | ChartError;

export const CHART_KINDS: readonly ChartKind[] = [
  'timechart', 'linechart', 'areachart', 'columnchart', 'barchart', 'piechart', 'scatterchart', 'card', 'anomalychart',
];

/** Limits that keep a chart readable and the renderer fast; what they cut is reported in `notes`. */
export const MAX_SERIES = 100;
export const MAX_CATEGORIES = 500;
export const MAX_SLICES = 20;

const NUMERIC_TYPES = new Set(['int', 'long', 'real', 'decimal', 'double', 'float', 'int32', 'int64']);

export function isNumericType(type: string): boolean { return NUMERIC_TYPES.has(type.toLowerCase()); }
export function isTimeType(type: string): boolean { const t = type.toLowerCase(); return t === 'datetime' || t === 'date'; }

/** A cell as a number: numbers as they are, numeric strings (a long beyond 2^53, decimals) parsed, else null. */
export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') { const n = Number(v); return Number.isFinite(n) ? n : null; }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** A datetime cell (ISO 8601 text) as epoch milliseconds, or null. */
export function toTime(v: unknown): number | null {
  if (typeof v !== 'string' || v === '') return null;
  const fast = isoUtcMs(v);
  if (fast !== null) return fast;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;
const two = (s: string, i: number): number => digit(s, i) * 10 + digit(s, i + 1);

/**
 * The service's own datetime form, "yyyy-MM-ddTHH:mm:ss[.fffffff]Z", read digit by digit: Date.parse costs about
 * half a microsecond a value, which is most of the time a 100,000-point timechart takes to shape. Anything else
 * returns null and goes through Date.parse.
 */
function isoUtcMs(s: string): number | null {
  const n = s.length;
  if (n < 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[n - 1] !== 'Z') return null;
  let ms = 0;
  if (n > 20) {
    if (s[19] !== '.') return null;
    // Milliseconds from the first three fraction digits; Kusto's 100 ns ticks beyond that do not fit a JS date.
    for (let i = 20, scale = 100; i < n - 1; i++, scale /= 10) {
      const d = digit(s, i);
      if (d < 0 || d > 9) return null;
      if (scale >= 1) ms += d * scale;
    }
  }
  const month = two(s, 5);
  const day = two(s, 8);
  // Date.UTC rolls month 13 over into the next year; a value Date.parse would refuse must not become a date.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return null;
  const t = Date.UTC(two(s, 0) * 100 + two(s, 2), month - 1, day, two(s, 11), two(s, 14), two(s, 17), ms);
  return Number.isNaN(t) ? null : t;
}

function splitList(s: string | null | undefined): string[] {
  return (s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
}

function stackMode(kind: string | null | undefined): StackMode {
  const k = (kind ?? '').toLowerCase();
  return k === 'stacked' ? 'stacked' : k === 'stacked100' ? 'stacked100' : 'none';
}

function text(s: string | null | undefined): string | undefined {
  return s == null || s === '' ? undefined : s;
}

function displayValue(v: unknown): string {
  if (v == null) return '';
  // Numbers and booleans print the same through JSON; objects become compact JSON.
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * make-series returns one row per series with arrays in its dynamic columns. Charts treat such a table as if it
 * had been mv-expanded: every array column becomes a scalar column with one row per element.
 */
export function expandSeriesArrays(table: KqlTable): KqlTable {
  const first = table.rows[0];
  if (!first) return table;
  const arrayCols = table.columns.map((c, i) => c.type === 'dynamic' && Array.isArray(first[i]));
  if (!arrayCols.some(Boolean)) return table;
  const rows: unknown[][] = [];
  for (const row of table.rows) {
    const n = Math.max(0, ...row.map((v, i) => (arrayCols[i] && Array.isArray(v) ? v.length : 0)));
    for (let k = 0; k < n; k++) {
      rows.push(row.map((v, i) => (arrayCols[i] ? (Array.isArray(v) ? v[k] ?? null : null) : v)));
    }
  }
  const columns: KqlColumn[] = table.columns.map((c, i) => {
    if (!arrayCols[i]) return c;
    const sample = rows.find((r) => r[i] != null)?.[i];
    const type = typeof sample === 'number' ? 'real' : typeof sample === 'string' && toTime(sample) != null && /^\d{4}-\d\d-\d\d/.test(sample) ? 'datetime' : typeof sample === 'string' ? 'string' : 'dynamic';
    return { name: c.name, type };
  });
  return { ...table, columns, rows };
}

function normaliseKind(v: string): ChartKind | undefined {
  const k = v.toLowerCase();
  return (CHART_KINDS as readonly string[]).includes(k) ? (k as ChartKind) : undefined;
}

interface Roles { x: number; ys: number[]; series: number[]; anomalies: number[] }

function resolveRoles(kind: ChartKind, table: KqlTable, vis: KqlVisualization): Roles | ChartError {
  const names = table.columns.map((c) => c.name);
  const find = (name: string, prop: string): number | ChartError => {
    const i = names.indexOf(name);
    return i >= 0 ? i : { type: 'error', message: `${vis.Visualization}: ${prop} "${name}" is not a column of the result (columns: ${names.join(', ')}).` };
  };
  const findAll = (list: string[], prop: string): number[] | ChartError => {
    const out: number[] = [];
    for (const n of list) { const i = find(n, prop); if (typeof i !== 'number') return i; out.push(i); }
    return out;
  };
  if (table.columns.length === 0) return { type: 'error', message: `${vis.Visualization}: the result has no columns.` };

  let x: number;
  if (text(vis.XColumn)) {
    const i = find(vis.XColumn as string, 'xcolumn'); if (typeof i !== 'number') return i; x = i;
  } else if (kind === 'timechart' || kind === 'anomalychart') {
    x = table.columns.findIndex((c) => isTimeType(c.type));
    if (x < 0) return { type: 'error', message: `${vis.Visualization}: the result has no datetime column for the x axis (columns: ${names.join(', ')}).` };
  } else if (kind === 'piechart') {
    x = table.columns.findIndex((c) => c.type === 'string');
    if (x < 0) x = 0;
  } else {
    x = 0;
  }

  let anomalies: number[] = [];
  if (kind === 'anomalychart') {
    const listed = splitList(vis.AnomalyColumns);
    const found = listed.length ? findAll(listed, 'anomalycolumns') : table.columns.map((c, i) => (/anomal/i.test(c.name) && i !== x ? i : -1)).filter((i) => i >= 0);
    if (!Array.isArray(found)) return found;
    anomalies = found;
  }

  const listedSeries = splitList(vis.Series);
  const series = listedSeries.length ? findAll(listedSeries, 'series') : null;
  if (series && !Array.isArray(series)) return series;

  const listedY = splitList(vis.YColumns);
  let ys: number[];
  if (listedY.length) {
    const found = findAll(listedY, 'ycolumns'); if (!Array.isArray(found)) return found; ys = found;
  } else {
    ys = table.columns.map((c, i) => (i !== x && isNumericType(c.type) && !anomalies.includes(i) && !(series ?? []).includes(i) ? i : -1)).filter((i) => i >= 0);
  }
  if (ys.length === 0) return { type: 'error', message: `${vis.Visualization}: the result has no numeric column to plot (columns: ${table.columns.map((c) => `${c.name}:${c.type}`).join(', ')}).` };

  const seriesCols = series ?? table.columns.map((c, i) => (i !== x && !ys.includes(i) && c.type === 'string' ? i : -1)).filter((i) => i >= 0);
  return { x, ys, series: seriesCols, anomalies };
}

function seriesKey(row: unknown[], cols: number[]): string {
  return cols.map((c) => displayValue(row[c])).join(', ');
}

function seriesName(key: string, yName: string, nY: number, hasSeriesCols: boolean): string {
  if (!hasSeriesCols) return yName;
  return nY > 1 ? `${key}:${yName}` : key;
}

function buildXY(kind: XYChartSpec['kind'], table: KqlTable, vis: KqlVisualization, r: Roles): XYChartSpec | ChartError {
  const xCol = table.columns[r.x];
  const notes: string[] = [];
  let xTime = isTimeType(xCol.type);
  if (!xTime && !isNumericType(xCol.type)) {
    // A string x column that holds dates (e.g. computed with format_datetime or tostring) still makes a time axis.
    const sample = table.rows.find((row) => row[r.x] != null)?.[r.x];
    if (typeof sample === 'string' && /^\d{4}-\d\d-\d\d/.test(sample) && toTime(sample) != null) xTime = true;
    else return { type: 'error', message: `${vis.Visualization}: x column "${xCol.name}" is ${xCol.type}; a ${kind} needs a datetime or numeric x (try columnchart for categories).` };
  }
  const xOf = xTime ? toTime : toNumber;
  const xs: (number | null)[] = table.rows.map((row) => xOf(row[r.x]));
  const dropped = xs.filter((v) => v == null).length;
  if (dropped) notes.push(`${dropped} row(s) without an x value are not drawn.`);

  // Distinct x values in ascending order: uPlot-style drawing (and zoom) needs a sorted, shared x.
  const idx: number[] = [];
  for (let i = 0; i < xs.length; i++) if (xs[i] != null) idx.push(i);
  let sorted = true;
  for (let k = 1; k < idx.length; k++) if ((xs[idx[k]] as number) < (xs[idx[k - 1]] as number)) { sorted = false; break; }
  if (!sorted) idx.sort((a, b) => (xs[a] as number) - (xs[b] as number) || a - b);

  const hasSeriesCols = r.series.length > 0;
  const x: number[] = [];
  const xPos = new Int32Array(table.rows.length).fill(-1);
  for (const i of idx) {
    const v = xs[i] as number;
    // With series columns the series share one x per distinct value; without, every row is its own point, even
    // when x repeats (scatter data often does).
    if (!hasSeriesCols || x.length === 0 || x[x.length - 1] !== v) x.push(v);
    xPos[i] = x.length - 1;
  }

  const byName = new Map<string, ChartSeries>();
  const order: ChartSeries[] = [];
  let cut = 0;
  for (const i of idx) {
    const row = table.rows[i];
    const key = hasSeriesCols ? seriesKey(row, r.series) : '';
    r.ys.forEach((y, yi) => {
      const name = seriesName(key, table.columns[y].name, r.ys.length, hasSeriesCols);
      let s = byName.get(name);
      if (!s) {
        if (order.length >= MAX_SERIES) { cut++; return; }
        s = { name, values: new Array<number | null>(x.length).fill(null) };
        if (kind === 'anomalychart' && yi === 0 && r.anomalies.length) s.anomalies = [];
        byName.set(name, s); order.push(s);
      }
      const v = toNumber(row[y]);
      s.values[xPos[i]] = v;
      if (s.anomalies && r.anomalies.some((a) => { const f = toNumber(row[a]); return f != null && f !== 0; })) s.anomalies.push(xPos[i]);
    });
  }
  if (cut) notes.push(`Only the first ${MAX_SERIES} series are drawn.`);

  const ySplit = (vis.YSplit ?? '').toLowerCase();
  return {
    type: 'xy', kind, x, xTime, series: order, stack: kind === 'areachart' ? stackMode(vis.Kind) : 'none',
    legend: (vis.Legend ?? '').toLowerCase() !== 'hidden', title: text(vis.Title), xTitle: text(vis.XTitle), yTitle: text(vis.YTitle),
    ySplit: ySplit === 'axes' || ySplit === 'panels' ? 'axes' : 'none', notes,
  };
}

function buildCategory(kind: CategoryChartSpec['kind'], table: KqlTable, vis: KqlVisualization, r: Roles): CategoryChartSpec {
  const notes: string[] = [];
  const xType = table.columns[r.x].type;
  const label = (v: unknown) => (isTimeType(xType) && typeof v === 'string' ? v.replace('T', ' ').replace(/(\.0+)?Z$/, '') : displayValue(v));
  const catIndex = new Map<string, number>();
  const categories: string[] = [];
  const byName = new Map<string, ChartSeries>();
  const order: ChartSeries[] = [];
  const hasSeriesCols = r.series.length > 0;
  let cutCats = 0;
  let cutSeries = 0;
  for (const row of table.rows) {
    const c = label(row[r.x]);
    let ci = catIndex.get(c);
    if (ci === undefined) {
      if (categories.length >= MAX_CATEGORIES) { cutCats++; continue; }
      ci = categories.length; catIndex.set(c, ci); categories.push(c);
      for (const s of order) s.values.push(null);
    }
    const key = hasSeriesCols ? seriesKey(row, r.series) : '';
    for (const y of r.ys) {
      const name = seriesName(key, table.columns[y].name, r.ys.length, hasSeriesCols);
      let s = byName.get(name);
      if (!s) {
        if (order.length >= MAX_SERIES) { cutSeries++; continue; }
        s = { name, values: new Array<number | null>(categories.length).fill(null) };
        byName.set(name, s); order.push(s);
      }
      const v = toNumber(row[y]);
      // Rows repeating a category add up, the way a summarize by that category would.
      if (v != null) s.values[ci] = (s.values[ci] ?? 0) + v;
    }
  }
  if (cutCats) notes.push(`Only the first ${MAX_CATEGORIES} categories are drawn.`);
  if (cutSeries) notes.push(`Only the first ${MAX_SERIES} series are drawn.`);
  return {
    type: 'category', kind, categories, series: order, stack: stackMode(vis.Kind),
    legend: (vis.Legend ?? '').toLowerCase() !== 'hidden', title: text(vis.Title), xTitle: text(vis.XTitle), yTitle: text(vis.YTitle), notes,
  };
}

function buildPie(table: KqlTable, vis: KqlVisualization, r: Roles): PieChartSpec | ChartError {
  const sums = new Map<string, number>();
  for (const row of table.rows) {
    const v = toNumber(row[r.ys[0]]);
    if (v == null || v <= 0) continue;
    const k = displayValue(row[r.x]);
    sums.set(k, (sums.get(k) ?? 0) + v);
  }
  if (sums.size === 0) return { type: 'error', message: `${vis.Visualization}: no positive values in "${table.columns[r.ys[0]].name}" to draw.` };
  let slices = [...sums].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value);
  const notes: string[] = [];
  if (slices.length > MAX_SLICES) {
    const rest = slices.slice(MAX_SLICES - 1);
    slices = [...slices.slice(0, MAX_SLICES - 1), { label: `Other (${rest.length})`, value: rest.reduce((a, s) => a + s.value, 0) }];
    notes.push(`The smallest ${rest.length} slices are merged into "Other".`);
  }
  return { type: 'pie', slices, legend: (vis.Legend ?? '').toLowerCase() !== 'hidden', title: text(vis.Title), notes };
}

/** The chart spec for a table and its Visualization, or an error that says what is missing. */
export function chartSpec(input: KqlTable, vis: KqlVisualization): ChartSpec {
  const kind = normaliseKind(vis.Visualization);
  if (!kind) return { type: 'error', message: `render ${vis.Visualization} is not supported here; showing the table.` };
  if (kind === 'card') {
    const row = input.rows[0];
    if (!row || input.columns.length === 0) return { type: 'error', message: 'card: the result is empty.' };
    return { type: 'card', label: text(vis.Title) ?? input.columns[0].name, value: displayValue(row[0]), notes: [] };
  }
  const table = expandSeriesArrays(input);
  const roles = resolveRoles(kind, table, vis);
  if ('type' in roles) return roles;
  if (table.rows.length === 0) return { type: 'error', message: `${vis.Visualization}: the result has no rows.` };
  switch (kind) {
    case 'piechart': return buildPie(table, vis, roles);
    case 'columnchart': case 'barchart': return buildCategory(kind, table, vis, roles);
    default: return buildXY(kind, table, vis, roles);
  }
}

/**
 * The series of a refreshed chart in the order drawn before, or undefined when they are not the same series.
 * Series come in the order the rows first name them, and rows with equal x come in no fixed order (the engine's
 * hash aggregation), so one refresh can list the same series in another order: kept in the drawn order, each
 * series keeps its colour and the chart can be updated in place.
 */
export function inDrawnOrder(drawn: readonly string[], next: ChartSeries[]): ChartSeries[] | undefined {
  if (next.length !== drawn.length) return undefined;
  const byName = new Map(next.map((s) => [s.name, s]));
  if (byName.size !== next.length) return undefined;
  const out: ChartSeries[] = [];
  for (const name of drawn) {
    const s = byName.get(name);
    if (!s) return undefined;
    out.push(s);
  }
  return out;
}

/**
 * Stacked values: each series becomes the running total of itself and the series before it at each x (a missing
 * value counts as 0); stacked100 scales every x to a total of 100. Returns the tops of each band, bottom first.
 */
export function stackSeries(series: ChartSeries[], mode: StackMode): (number | null)[][] {
  if (mode === 'none') return series.map((s) => s.values);
  const n = series[0]?.values.length ?? 0;
  const totals = new Float64Array(n);
  if (mode === 'stacked100') for (const s of series) s.values.forEach((v, i) => { totals[i] += Math.abs(v ?? 0); });
  const run = new Float64Array(n);
  return series.map((s) => s.values.map((v, i) => {
    const add = mode === 'stacked100' ? (totals[i] ? (Math.abs(v ?? 0) / totals[i]) * 100 : 0) : (v ?? 0);
    run[i] += add;
    return run[i];
  }));
}

/** Round axis ticks covering [min, max]: steps of 1, 2 or 5 times a power of ten, about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (min === max) { if (min === 0) return [0, 1]; const pad = Math.abs(min) / 2; min -= pad; max += pad; }
  const raw = (max - min) / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  // Rounding to the step's precision keeps 0.1 + 0.2 from printing as 0.30000000000000004.
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9 || out.length < 2; v += step) out.push(Number(v.toFixed(digits)));
  if (out[out.length - 1] < max) out.push(Number((out[out.length - 1] + step).toFixed(digits)));
  return out;
}
