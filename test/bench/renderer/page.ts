// A Chromium page that hosts the real renderer bundle (dist/webviews/renderer.js) the way VS Code's notebook
// webview does: it imports the ESM entry, calls activate() with a fake renderer context that records posted
// messages, and renders fake output items. Shared by the benchmark and the browser checks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../..');
export const BUNDLE = path.join(ROOT, 'dist/webviews/renderer.js');
// https so the page is a secure context (the async clipboard needs one); route() answers without a network.
const ORIGIN = 'https://renderer.bench';

// In-page helpers. makeResult(rows, kind) builds a KqlResultOutput; render(output) times renderOutputItem until
// the frame after the first rows/canvas are in the DOM.
const PAGE_SCRIPT = `
  const mod = await import('${ORIGIN}/renderer.js');
  const posted = [];
  let listener;
  const ctx = {
    workspace: { isTrusted: true },
    postMessage: (m) => posted.push(m),
    onDidReceiveMessage: (fn) => { listener = fn; return { dispose() {} }; },
    getState: () => undefined, setState: () => {}, getRenderer: async () => undefined,
  };
  const api = await mod.activate(ctx);
  const frames = (n = 2) => new Promise((r) => { const step = () => (--n <= 0 ? r() : requestAnimationFrame(step)); requestAnimationFrame(step); });
  const start = Date.UTC(2026, 0, 1);
  const sources = ['sensor-a', 'sensor-b', 'sensor-c', 'gateway', 'api'];
  function gridTable(n) {
    const rows = new Array(n);
    for (let i = 0; i < n; i++) {
      rows[i] = [new Date(start + i * 1000).toISOString(), sources[i % 5], (i * 7919) % 100000, Math.round(Math.sin(i / 100) * 1e4) / 100,
        i % 3 === 0, '00000000-0000-4000-8000-' + String(i).padStart(12, '0'), i % 10 === 0 ? { i, tags: ['x', 'y'], nested: { ok: true } } : null,
        'message ' + i + (i % 1000 === 7 ? ' <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>' : ''),
        '00:00:0' + (i % 10) + '.5', i % 4 === 0 ? null : 'westeurope'];
    }
    return { name: 'PrimaryResult', kind: 'PrimaryResult', rows, columns: [
      { name: 'Timestamp', type: 'datetime' }, { name: 'Source', type: 'string' }, { name: 'Count', type: 'long' }, { name: 'Value', type: 'real' },
      { name: 'Ok', type: 'bool' }, { name: 'Id', type: 'guid' }, { name: 'Payload', type: 'dynamic' }, { name: 'Message', type: 'string' },
      { name: 'Duration', type: 'timespan' }, { name: 'Region', type: 'string' }] };
  }
  function seriesTable(n, nSeries) {
    const rows = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = [new Date(start + i * 60000).toISOString()];
      for (let s = 0; s < nSeries; s++) r.push(Math.round((100 * (s + 1) + Math.sin(i / 50 + s) * 30 + ((i * 7919 + s) % 100) / 10) * 100) / 100);
      rows[i] = r;
    }
    return { name: 'PrimaryResult', kind: 'PrimaryResult', rows, columns: [{ name: 'Timestamp', type: 'datetime' }, ...Array.from({ length: nSeries }, (_, s) => ({ name: 'v' + s, type: 'real' }))] };
  }
  function output(tables, visualization, extra = {}) {
    return { version: 1, tables, visualization, info: { cluster: 'http://localhost', database: 'bench', clientRequestId: 'Eventline.bench;1', elapsedMs: 123, rowCount: tables[0]?.rows.length ?? 0, executionOrder: 1, ...extra } };
  }
  let nextId = 0;
  function item(out) {
    const text = JSON.stringify(out);
    return { id: 'out' + (++nextId), mime: 'application/vnd.eventline.kql-result+json', metadata: {}, text: () => text, json: () => JSON.parse(text),
      data: () => new TextEncoder().encode(text), blob: () => new Blob([text]) };
  }
  function freshHost() {
    document.body.replaceChildren();
    const el = document.createElement('div');
    el.style.width = '1100px';
    document.body.append(el);
    return el;
  }
  async function render(out, selector) {
    const it = item(out);
    const el = freshHost();
    const t0 = performance.now();
    await api.renderOutputItem(it, el, new AbortController().signal);
    const sync = performance.now() - t0;
    await frames(2);
    const ms = performance.now() - t0;
    return { ms, sync, found: el.querySelectorAll(selector).length, id: it.id };
  }
  // Scrolls the element every animation frame, smoothly (3 rows a frame, 120 frames) or in jumps (the whole height in 60
  // frames), and returns rAF intervals, per-frame work (rAF callback → a task posted from it, which runs after the
  // frame's rendering: our render + style + layout + paint) and long tasks.
  async function scroll(selector, mode) {
    const body = document.querySelector(selector);
    if (!body) throw new Error('no ' + selector);
    body.scrollTop = 0;
    await frames(2);
    const count = mode === 'smooth' ? 120 : 60;
    const max = body.scrollHeight - body.clientHeight;
    const step = mode === 'smooth' ? 66 : max / count;
    const deltas = [], work = [], longTasks = [];
    const po = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
    po.observe({ type: 'longtask' });
    await new Promise((resolve) => {
      let i = 0;
      let last = performance.now();
      const tick = (now) => {
        if (i > 0) deltas.push(now - last);
        last = now;
        const t0 = performance.now();
        body.scrollTop = Math.min(max, (i + 1) * step);
        const ch = new MessageChannel();
        ch.port1.onmessage = () => work.push(performance.now() - t0);
        ch.port2.postMessage(0);
        if (++i < count) requestAnimationFrame(tick); else setTimeout(resolve, 100);
      };
      requestAnimationFrame(tick);
    });
    po.disconnect();
    const p95 = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length * 0.95)] ?? 0;
    return { maxDelta: Math.max(...deltas), p95Delta: p95(deltas), maxWork: Math.max(...work), p95Work: p95(work),
      longTasks: longTasks.length, longestTask: longTasks.length ? Math.max(...longTasks) : 0, frames: count };
  }
  window.__el = { api, ctx, posted, send: (m) => listener?.(m), frames, gridTable, seriesTable, output, item, render, freshHost, scroll };
  window.__ready = true;
`;

export async function openRendererPage(browser: Browser, opts: { clipboard?: boolean } = {}): Promise<{ page: Page; context: BrowserContext }> {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run node esbuild.js first.`);
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  // Without the permission the renderer falls back to execCommand('copy') or the host; the checks accept any path.
  if (opts.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN }).catch(() => undefined);
  await context.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/renderer.js') await route.fulfill({ body: fs.readFileSync(BUNDLE), contentType: 'text/javascript' });
    else await route.fulfill({ body: '<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>', contentType: 'text/html' });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${ORIGIN}/`);
  await page.addScriptTag({ type: 'module', content: PAGE_SCRIPT });
  await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true, undefined, { timeout: 30_000 }).catch((e: unknown) => {
    throw new Error(`renderer page did not start: ${errors.join('; ') || String(e)}`);
  });
  return { page, context };
}
