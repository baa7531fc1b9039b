// npm run bench:renderer — the results renderer in headless Chromium, next to a plain full-DOM <table> of the same
// data in the same run. Loads the real bundle (dist/webviews/renderer.js) into a page with a fake notebook host
// (test/bench/renderer/page.ts) and renders a 100,000 × 10 result, then measures:
//   - time to first rendered rows: renderOutputItem (including item.json() parsing) → the frame after the rows
//     are in the DOM;
//   - scrolling: the body scrolled programmatically every animation frame, smoothly (3 rows a frame) and in jumps
//     (the whole result in 60 frames, so every frame shows new rows): the longest rAF interval, the longest
//     frame's main-thread work (rAF callback → a task posted from it, i.e. our render + style + layout + paint)
//     and long tasks (PerformanceObserver 'longtask');
//   - a 100,000-point timechart (and 5 series × 100,000) from renderOutputItem to the frame after the canvas;
//   - sorting 100,000 rows by a datetime column (header click → frame after).
// Then runs the browser checks (test/bench/renderer/checks.ts). `--libs` adds the ECharts/uPlot comparison;
// `--no-baseline` skips the full-DOM table.
import type { Browser, Page } from 'playwright-core';
import * as os from 'node:os';
import { launchChromium } from '../harness/codeserver';
import { chromiumPath } from '../harness/toolchain';
import { runChecks } from './renderer/checks';
import { openRendererPage } from './renderer/page';

const ROWS = Number(process.env.EVENTLINE_BENCH_ROWS ?? 100_000);

interface ScrollStats { maxDelta: number; p95Delta: number; maxWork: number; p95Work: number; longTasks: number; longestTask: number; frames: number }

interface CpuStats { totalMs: number; longestMs: number; tasks: number }

/**
 * Main-thread CPU time of the page while `fn` runs, from a Chromium trace (each top-level task's thread time,
 * `tdur`). Unlike wall-clock frame times it does not grow when other processes share the CPU, so it says what
 * the renderer itself costs on a busy machine.
 */
async function cpu<T>(browser: Browser, page: Page, fn: () => Promise<T>): Promise<{ result: T; cpu: CpuStats }> {
  await browser.startTracing(page, { categories: ['toplevel', 'disabled-by-default-devtools.timeline'] });
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    await browser.stopTracing().catch(() => undefined);
    throw e;
  }
  const raw = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(raw) ? raw : raw.traceEvents ?? [];
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && mains.has(`${e.pid}:${e.tid}`) && typeof e.tdur === 'number');
  const ms = tasks.map((e) => (e.tdur ?? 0) / 1000);
  return { result, cpu: { totalMs: ms.reduce((a, b) => a + b, 0), longestMs: ms.length ? Math.max(...ms) : 0, tasks: ms.length } };
}

interface TraceEvent { ph: string; name: string; pid: number; tid: number; tdur?: number; args?: { name?: string } }

// Scrolls `selector` every frame in the page (see scroll() in renderer/page.ts) and collects the frame stats.
async function scroll(page: Page, selector: string, mode: 'smooth' | 'jump'): Promise<ScrollStats> {
  return page.evaluate(({ selector, mode }) => (window as unknown as { __el: { scroll(s: string, m: string): Promise<ScrollStats> } }).__el.scroll(selector, mode), { selector, mode });
}

type W = Window & { __el: { render(out: unknown, selector: string): Promise<{ ms: number; sync: number; found: number }>; output(t: unknown[], v?: unknown): unknown; gridTable(n: number): unknown; seriesTable(n: number, s: number): unknown; frames(n?: number): Promise<void>; freshHost(): HTMLElement } };

async function firstRows(page: Page): Promise<{ ms: number; sync: number; found: number; parse: number }> {
  return page.evaluate(async (n) => {
    const el = (window as unknown as W).__el;
    const out = el.output([el.gridTable(n)]);
    const text = JSON.stringify(out);
    const p0 = performance.now();
    JSON.parse(text);
    const parse = performance.now() - p0;
    const r = await el.render(out, '.el-grid .el-row');
    return { ...r, parse };
  }, ROWS);
}

// The baseline: the same rows as a plain <table> with every row in the DOM, built with textContent.
async function fullTable(page: Page): Promise<{ ms: number; found: number }> {
  return page.evaluate(async (n) => {
    const el = (window as unknown as W).__el;
    const text = JSON.stringify(el.output([el.gridTable(n)]));
    const host = el.freshHost();
    const t0 = performance.now();
    const out = JSON.parse(text) as { tables: { columns: { name: string }[]; rows: unknown[][] }[] };
    const t = out.tables[0];
    const box = document.createElement('div');
    box.className = 'baseline';
    box.style.cssText = 'height:380px;overflow:auto;font:13px sans-serif';
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const c of t.columns) { const th = document.createElement('th'); th.textContent = c.name; head.append(th); }
    const body = table.createTBody();
    for (const r of t.rows) {
      const tr = body.insertRow();
      for (const v of r) tr.insertCell().textContent = v == null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    }
    box.append(table);
    host.append(box);
    await el.frames(2);
    return { ms: performance.now() - t0, found: body.rows.length };
  }, ROWS);
}

async function chart(page: Page, series: number): Promise<{ ms: number; found: number }> {
  return page.evaluate(async ({ n, series }) => {
    const el = (window as unknown as W).__el;
    return el.render(el.output([el.seriesTable(n, series)], { Visualization: 'timechart', Title: 'bench' }), '.el-chart canvas');
  }, { n: ROWS, series });
}

async function sortTime(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const el = (window as unknown as W).__el;
    const header = [...document.querySelectorAll<HTMLElement>('.el-grid .el-hcell')].find((c) => c.textContent?.startsWith('Timestamp'));
    if (!header) throw new Error('no Timestamp header');
    const t0 = performance.now();
    header.click(); // ascending (already in order)
    header.click(); // descending: every row moves
    await el.frames(2);
    return performance.now() - t0;
  });
}

const progress = (what: string) => process.stderr.write(`… ${what}\n`);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ms = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
/** Frame intervals to a tenth: 16.7 ms is every vsync at 60 Hz, 33.3 ms one dropped frame. */
const ms1 = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(1)} ms`);

async function main(): Promise<void> {
  const browser = await launchChromium(chromiumPath());
  const rows: [string, string, string, string, string][] = [];
  let failed = 0;
  try {
    const { page, context } = await openRendererPage(browser);
    progress('grid: first rows');
    const firsts = [];
    for (let i = 0; i < 3; i++) firsts.push(await firstRows(page));
    const first = firsts.sort((a, b) => a.ms - b.ms)[1];
    if (first.found === 0) throw new Error('the grid rendered no rows');
    progress('grid: scrolling');
    const ourCpu = {
      smooth: await cpu(browser, page, () => scroll(page, '.el-grid .el-body', 'smooth')),
      jump: await cpu(browser, page, () => scroll(page, '.el-grid .el-body', 'jump')),
    };
    const ours = { smooth: ourCpu.smooth.result, jump: ourCpu.jump.result };
    progress('grid: sort');
    const sort = await sortTime(page);
    progress('timechart');
    const charts1 = [];
    for (let i = 0; i < 3; i++) charts1.push(await chart(page, 1));
    const chart5 = await chart(page, 5);
    if (charts1.some((c) => c.found === 0) || chart5.found === 0) throw new Error('the timechart drew no canvas');

    // --no-baseline skips the full-DOM table (minutes on a busy machine); its columns then show '—'.
    const withBaseline = !process.argv.includes('--no-baseline');
    progress('baseline: full-DOM table');
    const none = { maxDelta: NaN, p95Delta: NaN, maxWork: NaN, p95Work: NaN, longTasks: 0, longestTask: NaN, frames: 1 };
    const noCpu = { result: none, cpu: { totalMs: NaN, longestMs: NaN, tasks: 0 } };
    const base = withBaseline ? await fullTable(page) : { ms: NaN, found: 0 };
    progress('baseline: scrolling');
    const baseCpu = withBaseline ? {
      smooth: await cpu(browser, page, () => scroll(page, '.baseline', 'smooth')),
      jump: await cpu(browser, page, () => scroll(page, '.baseline', 'jump')),
    } : { smooth: noCpu, jump: noCpu };
    const baseScroll = { smooth: baseCpu.smooth.result, jump: baseCpu.jump.result };
    await context.close();

    const ratio = (b: number, o: number) => (Number.isNaN(b) ? '' : `${(b / o).toFixed(1)}×`);
    rows.push([`time to first rows (${ROWS.toLocaleString()} × 10, incl. JSON parse ${ms(first.parse)})`, ms(first.ms), ms(base.ms), ratio(base.ms, first.ms), '< 300 ms']);
    rows.push([`  rows in the DOM after first render`, String(first.found), withBaseline ? String(base.found) : '—', '', '']);
    for (const mode of ['smooth', 'jump'] as const) {
      const o = ours[mode];
      const b = baseScroll[mode];
      // An interval can't be under the display's vsync: the goal is one vsync, that is, no dropped frame.
      rows.push([`scroll ${mode}: longest frame interval (rAF Δ, ${o.frames} frames)`, ms1(o.maxDelta), ms1(b.maxDelta), ratio(b.maxDelta, o.maxDelta), '1 vsync (16.7)']);
      rows.push([`scroll ${mode}: p95 frame interval`, ms1(o.p95Delta), ms1(b.p95Delta), ratio(b.p95Delta, o.p95Delta), '']);
      rows.push([`scroll ${mode}: longest frame work (render+layout+paint)`, ms(o.maxWork), ms(b.maxWork), ratio(b.maxWork, o.maxWork), '< 16 ms']);
      rows.push([`scroll ${mode}: p95 frame work`, ms(o.p95Work), ms(b.p95Work), ratio(b.p95Work, o.p95Work), '']);
      rows.push([`scroll ${mode}: long tasks (> 50 ms), longest`, `${o.longTasks}, ${ms(o.longestTask)}`, `${b.longTasks}, ${ms(b.longestTask)}`, '', '0']);
      const oc = ourCpu[mode].cpu;
      const bc = baseCpu[mode].cpu;
      rows.push([`scroll ${mode}: main-thread CPU per frame (trace)`, ms(oc.totalMs / o.frames), ms(bc.totalMs / b.frames), ratio(bc.totalMs, oc.totalMs), '< 16 ms']);
      rows.push([`scroll ${mode}: longest main-thread task, CPU (trace)`, ms(oc.longestMs), ms(bc.longestMs), ratio(bc.longestMs, oc.longestMs), '< 16 ms']);
    }
    rows.push([`sort ${ROWS.toLocaleString()} rows by datetime (asc then desc)`, ms(sort), '—', '', '']);
    rows.push([`timechart ${ROWS.toLocaleString()} points, drawn (median of 3)`, ms(median(charts1.map((c) => c.ms))), '—', '', '< 500 ms']);
    rows.push([`timechart 5 series × ${ROWS.toLocaleString()} points, drawn`, ms(chart5.ms), '—', '', '']);

    const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`Chromium ${browser.version()} headless, ${os.cpus().length} CPUs, load average ${load} (wall-clock rows grow with load; CPU rows from the trace do not)`);
    const widths = [64, 16, 16, 8, 10];
    console.log(['metric', 'eventline', 'full-DOM table', 'ratio', 'goal'].map((c, i) => c.padEnd(widths[i])).join(''));
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join(''));

    progress('browser checks');
    const checks = await runChecks(browser);
    failed = checks.filter((c) => !c.ok).length;
    console.log(`\nbrowser checks: ${checks.length - failed}/${checks.length} passed`);
    for (const c of checks) console.log(`  ${c.ok ? '✔' : '✘'} ${c.name}${c.ok ? '' : ` — ${c.detail}`}`);

    if (process.argv.includes('--libs')) {
      const { compareChartLibraries } = await import('./renderer/chartLibs');
      console.log('');
      await compareChartLibraries(browser);
    }
  } finally {
    await browser.close();
  }
  if (failed) process.exit(1);
}

main().catch((e) => { console.error(e); process.exit(1); });
