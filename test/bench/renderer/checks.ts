// Browser checks of the real renderer bundle, with real mouse and keyboard events through Playwright: the DOM
// hooks the notebook e2e test relies on, text-only rendering of hostile values, sort, selection and copy, export
// messages and replies, tabs, the chart toggle, every chart kind, errors for missing columns, column resize.
// Run by `npm run bench:renderer`, or alone: npx tsx test/bench/renderer/checks.ts (after node esbuild.js).
import * as assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../harness/codeserver';
import { chromiumPath } from '../../harness/toolchain';
import { openRendererPage } from './page';

export interface CheckResult { name: string; ok: boolean; detail?: string }

type Col = [string, string];
const table = (name: string, cols: Col[], rows: unknown[][]) => ({ name, kind: 'PrimaryResult', columns: cols.map(([n, t]) => ({ name: n, type: t })), rows });

const HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const small = table('PrimaryResult', [['Timestamp', 'datetime'], ['Source', 'string'], ['Count', 'long'], ['Payload', 'dynamic']], [
  ['2026-01-01T00:02:00Z', 'b', 20, { deep: { list: [1, 2] }, html: HOSTILE }],
  ['2026-01-01T00:00:00Z', HOSTILE, null, null],
  ['2026-01-01T00:01:00Z', 'a', 5, [1, 2, 3]],
]);

async function show(page: Page, tables: unknown[], visualization?: unknown, info: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(async ({ tables, visualization, info }) => {
    const el = (window as unknown as { __el: { render(o: unknown, s: string): Promise<unknown>; output(t: unknown[], v?: unknown, extra?: unknown): unknown; posted: unknown[] } }).__el;
    el.posted.length = 0;
    await el.render(el.output(tables, visualization, info), '.el-result');
  }, { tables, visualization, info });
}

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
const posted = (page: Page) => page.evaluate(() => (window as unknown as { __el: { posted: { type: string; [k: string]: unknown }[] } }).__el.posted);

export const CHECKS: [string, (page: Page) => Promise<void>][] = [
  ['stable DOM hooks are present', async (page) => {
    await show(page, [small]);
    for (const s of ['.el-result', '.el-grid', '.el-grid .el-row', '.el-grid .el-hcell', '.el-cell', '.el-info', 'button.el-copy', 'button[data-export="csv"]', 'button[data-export="json"]']) {
      assert.ok(await page.locator(s).count() > 0, `missing ${s}`);
    }
    assert.equal(await page.locator('.el-grid .el-row').count(), 3);
    assert.equal(await page.locator('button.el-toggle-chart').count(), 0, 'no toggle without render');
  }],
  ['hostile values render as text, never as markup', async (page) => {
    await show(page, [table('T', [[`<b>${HOSTILE}</b>`, 'string']], [[HOSTILE]])], { Visualization: 'card', Title: HOSTILE });
    await page.waitForTimeout(100);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('.el-result img, .el-result script, .el-result b').count(), 0);
    assert.equal((await texts(page, '.el-card-value'))[0], HOSTILE);
    await page.locator('button.el-toggle-chart').click();
    assert.equal((await texts(page, '.el-cell'))[0], HOSTILE);
    assert.ok((await texts(page, '.el-hcell')).some((t) => t.includes('<script>')));
    await show(page, [small]);
    assert.ok((await texts(page, '.el-cell')).includes(HOSTILE));
    assert.equal(await page.locator('.el-result img, .el-result script').count(), 0);
  }],
  ['header click sorts by type (numbers, nulls last), then reverses', async (page) => {
    await show(page, [small]);
    const count = page.locator('.el-hcell', { hasText: 'Count' });
    await count.click();
    const col = async () => (await page.locator('.el-row').evaluateAll((rows) => rows.sort((a, b) => Number((a as HTMLElement).dataset.pos) - Number((b as HTMLElement).dataset.pos)).map((r) => r.querySelector('[data-col="2"]')?.textContent)));
    assert.deepEqual(await col(), ['5', '20', '']);
    await count.click();
    assert.deepEqual(await col(), ['20', '5', '']);
    assert.equal(await count.getAttribute('aria-sort'), 'descending');
  }],
  ['a jump scroll shows the rows in view in its first frame, and the overscan on the next', async (page) => {
    const n = 10_000;
    await show(page, [table('Big', [['N', 'long'], ['Text', 'string']], Array.from({ length: n }, (_, i) => [i, `row ${i}`]))]);
    // String, not a function: tsx's name-keeping helper would not exist inside the page.
    type Row = { pos: number; text: string; top: number };
    const r = await page.evaluate<{ first: Row[]; later: Row[]; scrollTop: number; height: number }>(`(async () => {
      const body = document.querySelector('.el-grid .el-body');
      const rows = () => [...body.querySelectorAll('.el-row')].map((e) => ({ pos: Number(e.dataset.pos), text: e.querySelector('[data-col="1"]').textContent, top: e.getBoundingClientRect().top - body.getBoundingClientRect().top + body.scrollTop }));
      const scrollTop = 5000 * 22 + 7;
      body.scrollTop = scrollTop;
      // The scroll event and the grid's animation frame run in the next frame, after this callback; the task
      // posted from it runs once that frame is drawn.
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const first = rows();
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))));
      return { first, later: rows(), scrollTop, height: body.clientHeight };
    })()`);
    const firstVisible = Math.floor(r.scrollTop / 22);
    const lastVisible = Math.floor((r.scrollTop + r.height - 1) / 22);
    const span = (rows: { pos: number }[]) => { const p = rows.map((x) => x.pos).sort((a, b) => a - b); return [p[0], p[p.length - 1], p.length]; };
    const [lo, hi, count] = span(r.first);
    assert.ok(lo <= firstVisible && hi >= lastVisible, `first frame rows ${lo}..${hi}, in view ${firstVisible}..${lastVisible}`);
    assert.ok(count <= lastVisible - firstVisible + 2, `first frame built ${count} rows for ${lastVisible - firstVisible + 1} in view`);
    const [lo2, hi2, count2] = span(r.later);
    assert.ok(lo2 <= firstVisible - 8 && hi2 >= lastVisible + 8, `later rows ${lo2}..${hi2}, no overscan around ${firstVisible}..${lastVisible}`);
    assert.equal(count2, hi2 - lo2 + 1, 'rows missing from the window');
    for (const row of [...r.first, ...r.later]) {
      assert.equal(row.text, `row ${row.pos}`);
      assert.ok(Math.abs(row.top - row.pos * 22) < 1, `row ${row.pos} drawn at ${row.top}, not ${row.pos * 22}`);
    }
  }],
  ['click, shift-click and Ctrl+C copy TSV', async (page) => {
    await show(page, [small]);
    await page.locator('.el-row[data-pos="0"] .el-cell[data-col="1"]').click();
    await page.locator('.el-row[data-pos="2"] .el-cell[data-col="2"]').click({ modifiers: ['Shift'] });
    assert.equal(await page.locator('.el-cell.el-selected').count(), 6);
    await page.keyboard.press('Control+c');
    await page.waitForTimeout(100);
    const expected = `Source\tCount\nb\t20\n${HOSTILE}\t\na\t5`;
    const viaHost = (await posted(page)).find((m) => m.type === 'copy');
    const clip = viaHost ? String(viaHost.text) : await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(clip, expected);
    assert.match((await texts(page, '.el-status'))[0], /Copied 3 rows/);
    await page.locator('.el-row[data-pos="1"] .el-cell[data-col="0"]').click({ modifiers: ['Control'] });
    assert.equal(await page.locator('.el-cell.el-selected').count(), 7);
  }],
  ['export posts the whole table and shows the host reply', async (page) => {
    await show(page, [small]);
    await page.locator('button[data-export="csv"]').click();
    const m = (await posted(page)).find((x) => x.type === 'export') as { format: string; table: { rows: unknown[] }; suggestedName: string } | undefined;
    assert.ok(m, 'no export message');
    assert.equal(m.format, 'csv');
    assert.equal(m.table.rows.length, 3);
    assert.equal(m.suggestedName, 'bench-PrimaryResult.csv');
    await page.evaluate(() => (window as unknown as { __el: { send(m: unknown): void } }).__el.send({ type: 'exported', path: '/tmp/out.csv' }));
    assert.match((await texts(page, '.el-status'))[0], /Saved to \/tmp\/out\.csv/);
    await page.locator('button[data-export="json"]').click();
    assert.equal((await posted(page)).filter((x) => x.type === 'export').at(-1)?.format, 'json');
    await page.evaluate(() => (window as unknown as { __el: { send(m: unknown): void } }).__el.send({ type: 'exportFailed', message: 'disk full' }));
    assert.match((await texts(page, '.el-status.el-failed'))[0], /disk full/);
  }],
  ['several tables show as tabs', async (page) => {
    await show(page, [small, table('Second', [['Other', 'string']], [['x'], ['y']])]);
    assert.equal(await page.locator('.el-tab').count(), 2);
    assert.equal((await texts(page, '.el-tab.active'))[0], 'PrimaryResult');
    await page.locator('.el-tab', { hasText: 'Second' }).click();
    assert.equal((await texts(page, '.el-tab.active'))[0], 'Second');
    assert.equal(await page.locator('.el-grid-box:not([hidden]) .el-row').count(), 2);
    assert.match((await texts(page, '.el-info'))[0], /2 rows/);
  }],
  ['dynamic values open as pretty JSON', async (page) => {
    await show(page, [small]);
    await page.locator('.el-row[data-pos="0"] .el-cell[data-col="3"]').click();
    const json = (await texts(page, '.el-detail pre'))[0];
    assert.equal(json, JSON.stringify(small.rows[0][3], null, 2));
  }],
  ['dragging a header edge resizes the column', async (page) => {
    await show(page, [small]);
    const cell = page.locator('.el-row[data-pos="0"] .el-cell[data-col="1"]');
    const before = (await cell.boundingBox())?.width ?? 0;
    const handle = page.locator('.el-hcell[data-col="1"] .el-resize');
    const box = await handle.boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + 3, box.y + 5);
    await page.mouse.down();
    await page.mouse.move(box.x + 43, box.y + 5, { steps: 4 });
    await page.mouse.move(box.x + 83, box.y + 5, { steps: 4 });
    await page.mouse.up();
    await page.waitForTimeout(50);
    const after = (await page.locator('.el-row[data-pos="0"] .el-cell[data-col="1"]').boundingBox())?.width ?? 0;
    assert.ok(Math.abs(after - before - 80) <= 2, `width ${before} → ${after}`);
  }],
  ['timechart draws a canvas; the toggle switches to the table and back', async (page) => {
    await show(page, [small], { Visualization: 'timechart', Title: 'Per minute' });
    assert.ok(await page.locator('.el-chart canvas').count() > 0);
    assert.equal((await texts(page, '.el-chart-title'))[0], 'Per minute');
    const toggle = page.locator('button.el-toggle-chart');
    await toggle.click();
    assert.ok(await page.locator('.el-grid .el-row').first().isVisible());
    assert.equal(await page.locator('.el-chart').isVisible(), false);
    await toggle.click();
    assert.ok(await page.locator('.el-chart canvas').first().isVisible());
  }],
  ['every render kind draws, and a missing column is a clear error', async (page) => {
    const t = table('T', [['Timestamp', 'datetime'], ['Source', 'string'], ['Count', 'long'], ['Anomaly', 'int']], [
      ['2026-01-01T00:00:00Z', 'a', 1, 0], ['2026-01-01T00:01:00Z', 'a', 9, 1], ['2026-01-01T00:00:00Z', 'b', 3, 0], ['2026-01-01T00:01:00Z', 'b', 4, 0],
    ]);
    const cases: [unknown, string][] = [
      [{ Visualization: 'timechart' }, '.el-chart canvas'],
      [{ Visualization: 'linechart', XColumn: 'Timestamp' }, '.el-chart canvas'],
      [{ Visualization: 'areachart', XColumn: 'Timestamp', Kind: 'stacked' }, '.el-chart canvas'],
      [{ Visualization: 'scatterchart', XColumn: 'Timestamp' }, '.el-chart canvas'],
      [{ Visualization: 'anomalychart', AnomalyColumns: 'Anomaly' }, '.el-chart canvas'],
      [{ Visualization: 'columnchart', XColumn: 'Source', YColumns: 'Count', Kind: 'stacked' }, '.el-chart svg rect'],
      [{ Visualization: 'barchart', XColumn: 'Source', YColumns: 'Count' }, '.el-chart svg rect'],
      [{ Visualization: 'piechart', XColumn: 'Source', YColumns: 'Count' }, '.el-chart svg path'],
      [{ Visualization: 'card' }, '.el-chart .el-card-value'],
    ];
    for (const [vis, selector] of cases) {
      await show(page, [t], vis);
      const kind = (vis as { Visualization: string }).Visualization;
      assert.equal(await page.locator('.el-error').count(), 0, `${kind}: ${(await texts(page, '.el-error')).join()}`);
      assert.ok(await page.locator(selector).count() > 0, `${kind}: nothing matches ${selector}`);
    }
    await show(page, [t], { Visualization: 'timechart', YColumns: 'Nope' });
    assert.match((await texts(page, '.el-chart .el-error'))[0], /ycolumns "Nope" is not a column/);
  }],
  ['info line: rows, elapsed, request id, truncation warning', async (page) => {
    await show(page, [small], undefined, { truncated: true, elapsedMs: 1534, clientRequestId: 'KE.req;42' });
    const info = (await texts(page, '.el-info'))[0];
    for (const part of ['3 rows', '1.53 s', 'KE.req;42', 'Truncated']) assert.ok(info.includes(part), `${part} not in "${info}"`);
  }],
  ['a foreign output shows an error, and dispose is clean', async (page) => {
    // A string, not a function: tsx's name-keeping helper would not exist inside the page.
    await page.evaluate(`(() => {
      const el = window.__el;
      const host = el.freshHost();
      el.api.renderOutputItem({ id: 'bad', mime: 'x', metadata: {}, text: () => '{}', json: () => ({ nope: 1 }), data: () => new Uint8Array(), blob: () => new Blob() }, host);
      el.api.disposeOutputItem('bad');
      el.api.disposeOutputItem();
    })()`);
    assert.match((await texts(page, '.el-error'))[0], /not an Eventline query result/);
  }],
];

export async function runChecks(browser: Browser): Promise<CheckResult[]> {
  const { page, context } = await openRendererPage(browser, { clipboard: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const results: CheckResult[] = [];
  try {
    for (const [name, run] of CHECKS) {
      try {
        await run(page);
        results.push(errors.length ? { name, ok: false, detail: `page error: ${errors.splice(0).join('; ')}` } : { name, ok: true });
      } catch (e) {
        results.push({ name, ok: false, detail: e instanceof Error ? e.message.split('\n').slice(0, 6).join(' ') : String(e) });
      }
    }
  } finally {
    await context.close();
  }
  return results;
}

if (require.main === module) {
  void (async () => {
    const browser = await launchChromium(chromiumPath());
    try {
      const results = await runChecks(browser);
      for (const c of results) console.log(`${c.ok ? '✔' : '✘'} ${c.name}${c.ok ? '' : ` — ${c.detail}`}`);
      const failed = results.filter((c) => !c.ok).length;
      console.log(`${results.length - failed}/${results.length} passed`);
      process.exitCode = failed ? 1 : 0;
    } finally {
      await browser.close();
    }
  })();
}
