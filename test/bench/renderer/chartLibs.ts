// npm run bench:renderer -- --libs (or npx tsx test/bench/renderer/chartLibs.ts): the measurement behind the chart
// library choice. Draws the same 100,000-point timechart (one series, then five) with ECharts (canvas, with and
// without LTTB sampling) and uPlot in headless Chromium and prints wall time from "create" to the frame after the
// first paint. Each library is bundled on the fly the way the renderer would import it (tree-shaken ESM).
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../harness/codeserver';
import { chromiumPath } from '../../harness/toolchain';

const ROOT = path.resolve(__dirname, '../../..');

// Page-side code for each library: window.draw(series, points) resolves with the elapsed milliseconds.
const ENTRIES: Record<string, string> = {
  echarts: `
    import * as echarts from 'echarts/core';
    import { LineChart } from 'echarts/charts';
    import { GridComponent, TooltipComponent, DataZoomComponent, LegendComponent } from 'echarts/components';
    import { CanvasRenderer } from 'echarts/renderers';
    echarts.use([LineChart, GridComponent, TooltipComponent, DataZoomComponent, LegendComponent, CanvasRenderer]);
    window.draw = async (nSeries, n, sampling) => {
      const { xs, ys } = window.makeData(nSeries, n);
      const div = window.freshBox();
      const t0 = performance.now();
      const chart = echarts.init(div, null, { renderer: 'canvas' });
      chart.setOption({
        animation: false, legend: {}, tooltip: { trigger: 'axis' }, dataZoom: [{ type: 'inside' }],
        xAxis: { type: 'time' }, yAxis: { type: 'value' },
        series: ys.map((y, s) => ({ type: 'line', name: 's' + s, showSymbol: false, sampling: sampling ? 'lttb' : undefined,
          data: xs.map((x, i) => [x, y[i]]) })),
      });
      await window.twoFrames();
      const ms = performance.now() - t0;
      chart.dispose();
      return ms;
    };`,
  uplot: `
    import uPlot from 'uplot';
    window.draw = async (nSeries, n) => {
      const { xs, ys } = window.makeData(nSeries, n);
      const div = window.freshBox();
      const t0 = performance.now();
      const plot = new uPlot({ width: 900, height: 360, series: [{}, ...ys.map((_, s) => ({ label: 's' + s, stroke: 'hsl(' + s * 70 + ',70%,50%)' }))],
        scales: { x: { time: true } } }, [xs.map((x) => x / 1000), ...ys], div);
      await window.twoFrames();
      const ms = performance.now() - t0;
      plot.destroy();
      return ms;
    };`,
};

const PAGE_HELPERS = `
  window.makeData = (nSeries, n) => {
    const start = Date.UTC(2026, 0, 1);
    const xs = new Array(n);
    for (let i = 0; i < n; i++) xs[i] = start + i * 60000;
    const ys = [];
    for (let s = 0; s < nSeries; s++) { const y = new Array(n); let v = 100 * (s + 1); for (let i = 0; i < n; i++) { v += Math.sin(i / 50 + s) * 3 + (((i * 7919 + s * 104729) % 1000) / 1000 - 0.5) * 4; y[i] = v; } ys.push(y); }
    return { xs, ys };
  };
  window.freshBox = () => { document.body.replaceChildren(); const d = document.createElement('div'); d.style.cssText = 'width:900px;height:360px'; document.body.append(d); return d; };
  window.twoFrames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
`;

async function bundle(code: string): Promise<{ js: string; bytes: number }> {
  const r = await esbuild.build({
    stdin: { contents: code, resolveDir: ROOT, loader: 'js' }, bundle: true, minify: true, write: false,
    format: 'iife', platform: 'browser', target: 'es2022',
  });
  const js = r.outputFiles[0].text;
  return { js, bytes: Buffer.byteLength(js) };
}

async function median(page: Page, args: [number, number, boolean], runs = 3): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await page.evaluate((a) => (window as unknown as { draw(...x: unknown[]): Promise<number> }).draw(...a), args));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function compareChartLibraries(shared?: Browser): Promise<void> {
  const browser = shared ?? await launchChromium(chromiumPath());
  try {
    const rows: string[][] = [];
    for (const [lib, code] of Object.entries(ENTRIES)) {
      // ECharts is only needed for this comparison; once it is no longer installed the row says so.
      const built = await bundle(PAGE_HELPERS + code).catch(() => undefined);
      if (!built) { rows.push([lib, 'not installed', '—', '—']); continue; }
      const { js, bytes } = built;
      const page = await browser.newPage({ viewport: { width: 1000, height: 500 } });
      await page.setContent('<!doctype html><body></body>');
      await page.addScriptTag({ content: js });
      const variants: [string, boolean][] = lib === 'echarts' ? [['echarts', false], ['echarts + lttb', true]] : [[lib, false]];
      for (const [name, sampling] of variants) {
        const one = await median(page, [1, 100_000, sampling]);
        const five = await median(page, [5, 100_000, sampling]);
        rows.push([name, `${(bytes / 1024).toFixed(0)} KiB`, `${one.toFixed(0)} ms`, `${five.toFixed(0)} ms`]);
      }
      await page.close();
    }
    console.log('chart library: 100,000-point timechart, create → second frame (median of 3)');
    console.log(['library', 'min bundle', '1 series', '5 series'].map((h) => h.padEnd(16)).join(''));
    for (const r of rows) console.log(r.map((c) => c.padEnd(16)).join(''));
  } finally {
    if (!shared) await browser.close();
  }
}

if (require.main === module) {
  compareChartLibraries().catch((e) => { console.error(e); process.exit(1); });
}
