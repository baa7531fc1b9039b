// Draws a chart spec (src/core/kql/chartSpec.ts). Time, line, area, scatter and anomaly charts use uPlot: in the
// measurement behind the choice (test/bench/renderer/chartLibs.ts) it drew a 100,000-point timechart several
// times faster than ECharts at a tenth of the bundle size. Column, bar and pie charts are small categorical
// results, drawn as plain SVG; cards are text.
import uPlot from 'uplot';
import { inDrawnOrder, niceTicks, stackSeries, type CardSpec, type CategoryChartSpec, type ChartSpec, type PieChartSpec, type XYChartSpec } from '../../core/kql/chartSpec';
import { h, svg, themeColor } from './dom';

export interface DrawnChart {
  dispose(): void;
  /**
   * Shows a new spec in the chart already drawn, when only its values changed (same kind, series, axes, notes and
   * height); false when it must be drawn anew. A dashboard refresh then redraws a uPlot chart's canvas, not its DOM:
   * rebuilding every tile's drawing was about a third of the page's main-thread work per refresh in bench:dashboard
   * (about 300 ms with it, 190 without), and on a machine with few cores that work delays the queries still running.
   */
  update?(spec: ChartSpec, options?: ChartOptions): boolean;
}

const DEFAULT_HEIGHT = 320;

/** Series colours: VS Code's chart palette first (it follows the theme), then evenly spaced hues. */
function palette(from: Element, n: number): string[] {
  const named: [string, string][] = [
    ['--vscode-charts-blue', '#3794ff'], ['--vscode-charts-orange', '#d18616'], ['--vscode-charts-green', '#89d185'],
    ['--vscode-charts-purple', '#b180d7'], ['--vscode-charts-yellow', '#cca700'], ['--vscode-charts-red', '#f14c4c'],
  ];
  const out = named.slice(0, n).map(([v, f]) => themeColor(from, v, f));
  for (let i = out.length; i < n; i++) out.push(`hsl(${(i * 137.5) % 360}, 60%, 55%)`);
  return out;
}

/** The same colour with an alpha, whatever CSS form the theme gave it (a canvas normalises it to hex or rgba). */
function withAlpha(color: string, alpha: number): string {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return color;
  ctx.fillStyle = color;
  const c = String(ctx.fillStyle);
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (m) return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})`;
  return c.replace(/rgba\(([^,]+),([^,]+),([^,]+),[^)]+\)/, `rgba($1,$2,$3, ${alpha})`);
}

function formatNumber(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : Number(v.toFixed(4)).toLocaleString();
}

function formatX(spec: XYChartSpec, v: number): string {
  return spec.xTime ? new Date(v).toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '') : formatNumber(v);
}

/** `height`: the plot's height in pixels (dashboard tiles fit their box; the notebook output uses 320). */
export interface ChartOptions { height?: number }

export function drawChart(container: HTMLElement, spec: ChartSpec, options: ChartOptions = {}): DrawnChart {
  const height = Math.max(80, options.height ?? DEFAULT_HEIGHT);
  container.replaceChildren();
  if (spec.type === 'error') {
    container.append(h('div', { class: 'el-error', text: spec.message }));
    return { dispose() { /* nothing drawn */ } };
  }
  if (spec.title) container.append(h('div', { class: 'el-chart-title', text: spec.title }));
  let drawn: DrawnChart;
  switch (spec.type) {
    case 'xy': drawn = drawXY(container, spec, height); break;
    case 'category': drawn = drawCategory(container, spec, height); break;
    case 'pie': drawn = drawPie(container, spec, height); break;
    case 'card': drawn = drawCard(container, spec); break;
  }
  for (const n of spec.notes) container.append(h('div', { class: 'el-note', text: n }));
  if (!drawn.update) return drawn;
  const chart = drawn;
  // The title and notes are drawn around the chart: the chart alone is updated only while they stay the same.
  const around = (s: ChartSpec) => (s.type === 'error' ? undefined : JSON.stringify([s.title, s.notes]));
  const drawnAround = around(spec);
  return {
    dispose: () => chart.dispose(),
    update: (next, opts = {}) => around(next) === drawnAround && Math.max(80, opts.height ?? DEFAULT_HEIGHT) === height && chart.update!(next, opts),
  };
}

// ─── uPlot: time, line, area, scatter, anomaly ───────────────────────────────

/** A hover box with x and every series' value at the cursor, built from text nodes only. */
function tooltipPlugin(current: () => XYChartSpec, names: string[]): uPlot.Plugin {
  let tip: HTMLDivElement | undefined;
  return {
    hooks: {
      init: (u) => { tip = h('div', { class: 'el-tooltip', attrs: { hidden: '' } }); u.over.append(tip); },
      setCursor: (u) => {
        if (!tip) return;
        const idx = u.cursor.idx;
        if (idx == null || u.cursor.left == null || u.cursor.left < 0) { tip.hidden = true; return; }
        const spec = current();
        const lines = [formatX(spec, u.data[0][idx])];
        for (let s = 1; s < u.data.length && lines.length < 12; s++) {
          const v = u.data[s][idx];
          // Stacked areas draw running totals; the tooltip shows each series' own value.
          const own = s - 1 < spec.series.length ? spec.series[s - 1].values[idx] : v;
          if (own != null) lines.push(`${names[s - 1]}: ${formatNumber(own)}`);
        }
        tip.textContent = lines.join('\n');
        tip.hidden = false;
        const left = u.cursor.left + 12;
        tip.style.left = `${Math.min(left, u.over.clientWidth - tip.offsetWidth - 4)}px`;
        tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - tip.offsetHeight - 8)}px`;
      },
    },
  };
}

function drawXY(container: HTMLElement, first: XYChartSpec, height: number): DrawnChart {
  // The spec on show: the legend's and the tooltip's values read it, so an update changes what they show too.
  let spec = first;
  const fg = themeColor(container, '--vscode-editor-foreground', '#ccc');
  const gridColor = themeColor(container, '--vscode-charts-lines', 'rgba(128,128,128,0.25)');
  const colors = palette(container, spec.series.length);
  const stacked = stackSeries(spec.series, spec.stack);
  const area = spec.kind === 'areachart';
  const scatter = spec.kind === 'scatterchart';
  const split = spec.ySplit === 'axes' && spec.series.length > 1;

  const series: uPlot.Series[] = [{ label: spec.xTitle ?? (spec.xTime ? 'time' : 'x'), value: (_u, v) => (v == null ? '—' : formatX(spec, v)) }];
  const names: string[] = [];
  first.series.forEach((s, i) => {
    names.push(s.name);
    series.push({
      label: s.name,
      stroke: colors[i],
      width: scatter ? 0 : 1.5,
      scale: split ? `y${i}` : 'y',
      fill: area ? withAlpha(colors[i], spec.stack === 'none' ? 0.15 : 0.45) : undefined,
      // Scatter: points only. Lines: uPlot decides when points are sparse enough to show.
      paths: scatter ? () => null : undefined,
      points: scatter ? { show: true, size: 4, stroke: colors[i], fill: colors[i] } : undefined,
      spanGaps: false,
      // The legend shows each series' own value, not the running total a stacked area draws.
      value: (_u, v, _s, idx) => formatNumber(idx == null ? v : spec.series[i].values[idx]),
    });
  });
  const anomalies = spec.series.flatMap((s, i) => (s.anomalies?.length ? [{ s, i }] : []));
  for (const { s, i } of anomalies) {
    const red = themeColor(container, '--vscode-charts-red', '#f14c4c');
    names.push(`${s.name} anomalies`);
    series.push({ label: `${s.name} anomalies`, stroke: red, width: 0, scale: split ? `y${i}` : 'y', paths: () => null, points: { show: true, size: 9, stroke: red, fill: red }, value: (_u, v) => formatNumber(v) });
  }
  // x, the (stacked) series, then one marker series per series with anomalies, drawn at the stacked value.
  const dataOf = (sp: XYChartSpec, st: (number | null)[][]): (number | null)[][] => {
    const out: (number | null)[][] = [sp.x, ...st];
    for (const { i } of anomalies) {
      const marks = new Array<number | null>(sp.x.length).fill(null);
      for (const k of sp.series[i].anomalies ?? []) marks[k] = st[i][k];
      out.push(marks);
    }
    return out;
  };
  const data = dataOf(spec, stacked);

  // Stacked areas: each series fills down to the one below it, not to zero.
  const bands: uPlot.Band[] = spec.stack !== 'none' && area ? spec.series.slice(1).map((_, k) => ({ series: [k + 2, k + 1] as [number, number], fill: withAlpha(colors[k + 1], 0.45) })) : [];
  const axis = (extra: uPlot.Axis): uPlot.Axis => ({ stroke: fg, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 }, ...extra });
  const axes: uPlot.Axis[] = [axis({ label: spec.xTitle })];
  if (split) spec.series.forEach((s, i) => axes.push(axis({ scale: `y${i}`, side: i % 2 ? 1 : 3, label: s.name, stroke: colors[i], grid: { show: i === 0, stroke: gridColor, width: 1 } })));
  else axes.push(axis({ label: spec.yTitle ?? (spec.stack === 'stacked100' ? '%' : undefined) }));

  const host = h('div', { class: 'el-uplot' });
  container.append(host);
  const width = () => Math.max(200, container.clientWidth || 800);
  const plot = new uPlot({
    width: width(), height, ms: 1, series, axes, bands,
    scales: { x: { time: spec.xTime } },
    legend: { show: spec.legend },
    // Drag on the plot zooms x (double-click resets): the zoom on time axes.
    cursor: { drag: { x: true, y: false }, points: { show: !scatter } },
    plugins: [tooltipPlugin(() => spec, names)],
  }, data as uPlot.AlignedData, host);

  const ro = new ResizeObserver(() => { const w = width(); if (w !== plot.width) plot.setSize({ width: w, height }); });
  ro.observe(container);
  // What the series, scales, axes and bands were built from: an update keeps them, so it needs the same.
  const shape = (sp: XYChartSpec) => JSON.stringify([sp.kind, sp.stack, sp.ySplit, sp.legend, sp.xTime, sp.xTitle, sp.yTitle,
    sp.series.map((x) => Boolean(x.anomalies?.length))]);
  const drawnShape = shape(first);
  const drawnNames = first.series.map((s) => s.name);
  return {
    dispose() { ro.disconnect(); plot.destroy(); },
    update(next) {
      if (next.type !== 'xy') return false;
      const ordered = inDrawnOrder(drawnNames, next.series);
      if (!ordered) return false;
      const aligned: XYChartSpec = { ...next, series: ordered };
      if (shape(aligned) !== drawnShape) return false;
      spec = aligned;
      plot.setData(dataOf(aligned, stackSeries(aligned.series, aligned.stack)) as uPlot.AlignedData);
      return true;
    },
  };
}

// ─── SVG: column, bar, pie ───────────────────────────────────────────────────

const LEGEND_MAX = 30;

function legend(names: string[], colors: string[]): HTMLElement {
  const box = h('div', { class: 'el-legend' }, ...names.slice(0, LEGEND_MAX).map((n, i) => {
    const swatch = h('i');
    swatch.style.background = colors[i];
    return h('span', {}, swatch, n);
  }));
  if (names.length > LEGEND_MAX) box.append(h('span', { text: `… and ${names.length - LEGEND_MAX} more (hover a bar for its series)` }));
  return box;
}

function clip(s: string, n: number): string { return s.length > n ? `${s.slice(0, n - 1)}…` : s; }

function drawCategory(container: HTMLElement, spec: CategoryChartSpec, height: number): DrawnChart {
  const horizontal = spec.kind === 'barchart';
  const colors = palette(container, spec.series.length);
  const stacked = spec.stack !== 'none';
  const tops = stackSeries(spec.series, spec.stack);
  const nCat = spec.categories.length;
  const W = Math.max(300, container.clientWidth || 800);
  const H = horizontal ? Math.min(4000, Math.max(height, nCat * (stacked ? 18 : 8 + 10 * spec.series.length) + 60)) : height;
  const m = { left: horizontal ? 130 : 56, right: 16, top: 10, bottom: horizontal ? 30 : 56 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;

  let lo = 0;
  let hi = 0;
  tops.forEach((vals, si) => vals.forEach((v, ci) => {
    if (v == null) return;
    const base = stacked && si > 0 ? (tops[si - 1][ci] ?? 0) : 0;
    lo = Math.min(lo, v, base); hi = Math.max(hi, v, base);
  }));
  const ticks = niceTicks(lo, hi, 5);
  const t0 = ticks[0];
  const t1 = ticks[ticks.length - 1];
  const scale = (v: number) => ((v - t0) / (t1 - t0 || 1)) * (horizontal ? plotW : plotH);

  const root = svg('svg', { class: 'el-svg', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const g = svg('g', { transform: `translate(${m.left},${m.top})` });
  root.append(g);
  for (const t of ticks) {
    const p = scale(t);
    g.append(horizontal ? svg('line', { class: 'el-gridline', x1: p, x2: p, y1: 0, y2: plotH }) : svg('line', { class: 'el-gridline', x1: 0, x2: plotW, y1: plotH - p, y2: plotH - p }));
    g.append(horizontal
      ? svg('text', { x: p, y: plotH + 16, 'text-anchor': 'middle' }, formatNumber(t))
      : svg('text', { x: -6, y: plotH - p + 4, 'text-anchor': 'end' }, formatNumber(t)));
  }
  const band = (horizontal ? plotH : plotW) / Math.max(1, nCat);
  const barW = stacked ? band * 0.7 : (band * 0.8) / Math.max(1, spec.series.length);
  const labelEvery = Math.max(1, Math.ceil((horizontal ? 14 : 60) / band));
  spec.categories.forEach((cat, ci) => {
    const c0 = ci * band + (band - (stacked ? barW : barW * spec.series.length)) / 2;
    if (ci % labelEvery === 0) {
      const mid = ci * band + band / 2;
      const label = horizontal
        ? svg('text', { x: -6, y: mid + 4, 'text-anchor': 'end' }, clip(cat, 20))
        : svg('text', { x: mid, y: plotH + 14, 'text-anchor': 'end', transform: `rotate(-30 ${mid} ${plotH + 14})` }, clip(cat, 18));
      g.append(label);
    }
    spec.series.forEach((s, si) => {
      const own = s.values[ci];
      if (own == null) return;
      const top = tops[si][ci] ?? 0;
      const base = stacked && si > 0 ? (tops[si - 1][ci] ?? 0) : 0;
      const a = scale(Math.min(base, top));
      const b = scale(Math.max(base, top));
      const off = stacked ? c0 : c0 + si * barW;
      const rect = horizontal
        ? svg('rect', { x: a, y: off, width: Math.max(1, b - a), height: barW, fill: colors[si] })
        : svg('rect', { x: off, y: plotH - b, width: barW, height: Math.max(1, b - a), fill: colors[si] });
      rect.append(svg('title', {}, `${cat}\n${s.name}: ${formatNumber(own)}${spec.stack === 'stacked100' ? ` (${formatNumber(top - base)}%)` : ''}`));
      g.append(rect);
    });
  });
  const zero = scale(0);
  g.append(horizontal ? svg('line', { class: 'el-axis', x1: zero, x2: zero, y1: 0, y2: plotH }) : svg('line', { class: 'el-axis', x1: 0, x2: plotW, y1: plotH - zero, y2: plotH - zero }));
  if (spec.yTitle) root.append(svg('text', horizontal ? { x: m.left + plotW / 2, y: H - 2, 'text-anchor': 'middle' } : { x: 12, y: m.top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${m.top + plotH / 2})` }, spec.yTitle));
  if (spec.xTitle) root.append(svg('text', horizontal ? { x: 12, y: m.top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${m.top + plotH / 2})` } : { x: m.left + plotW / 2, y: H - 2, 'text-anchor': 'middle' }, spec.xTitle));
  container.append(root);
  if (spec.legend && spec.series.length > 1) container.append(legend(spec.series.map((s) => s.name), colors));
  return { dispose() { /* plain SVG, removed with the container */ } };
}

function drawPie(container: HTMLElement, spec: PieChartSpec, height: number): DrawnChart {
  const colors = palette(container, spec.slices.length);
  const total = spec.slices.reduce((a, s) => a + s.value, 0);
  const size = height;
  const r = size / 2 - 10;
  const c = size / 2;
  const root = svg('svg', { class: 'el-svg', width: size, height: size, viewBox: `0 0 ${size} ${size}`, role: 'img' });
  let angle = -Math.PI / 2;
  spec.slices.forEach((s, i) => {
    const share = s.value / total;
    const pct = `${(share * 100).toFixed(1)}%`;
    let shape: SVGElement;
    if (share >= 0.9999) {
      shape = svg('circle', { cx: c, cy: c, r, fill: colors[i] });
    } else {
      const a1 = angle + share * 2 * Math.PI;
      const large = share > 0.5 ? 1 : 0;
      const d = `M ${c} ${c} L ${c + r * Math.cos(angle)} ${c + r * Math.sin(angle)} A ${r} ${r} 0 ${large} 1 ${c + r * Math.cos(a1)} ${c + r * Math.sin(a1)} Z`;
      shape = svg('path', { d, fill: colors[i], stroke: themeColor(container, '--vscode-editor-background', '#1e1e1e'), 'stroke-width': 1 });
      angle = a1;
    }
    shape.append(svg('title', {}, `${s.label}: ${formatNumber(s.value)} (${pct})`));
    root.append(shape);
  });
  const wrap = h('div', { class: 'el-pie' }, root);
  wrap.style.display = 'flex';
  wrap.style.justifyContent = 'center';
  container.append(wrap);
  if (spec.legend) container.append(legend(spec.slices.map((s) => `${s.label} (${((s.value / total) * 100).toFixed(1)}%)`), colors));
  return { dispose() { /* plain SVG */ } };
}

function drawCard(container: HTMLElement, spec: CardSpec): DrawnChart {
  container.append(h('div', { class: 'el-card' }, h('div', { class: 'el-card-value', text: spec.value }), h('div', { class: 'el-card-label', text: spec.label })));
  return { dispose() { /* text only */ } };
}
