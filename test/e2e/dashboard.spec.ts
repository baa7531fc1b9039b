import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, quickOpen, runCommand, test, ROOT } from './vscode';

async function kusto(uri: string, csl: string): Promise<void> {
  const res = await fetch(`${uri}/v1/rest/mgmt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'NetDefaultDB', csl }) });
  if (res.status !== 200) throw new Error(`${csl.split('\n')[0]}: ${res.status} ${await res.text()}`);
}

async function query(uri: string, csl: string): Promise<unknown[][]> {
  const res = await fetch(`${uri}/v1/rest/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'NetDefaultDB', csl }) });
  if (res.status !== 200) throw new Error(`${csl}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { Tables: { Rows: unknown[][] }[] }).Tables[0].Rows;
}

const SOURCES = ['orders-api', 'sensors', 'weather-api'];

// It leaves its manifest and dashboard in the workspace: the spec files after it get a workbench of their own.
test.use({ isolate: 'dashboard' });

// Dashboard DOM hooks (src/webviews/dashboard): tiles .el-tile[data-tile-id][data-state], header .el-tile-header,
// charts drawn by the notebook renderer (.el-uplot canvas, .el-svg, .el-card-value, .el-grid .el-row).
test.describe('Dashboard editor (packaged .vsix, local Eventhouse)', () => {
  test('opens a .kqldash: every tile runs and draws its chart, stat or table; dragging a tile writes its position', async ({ workbench }) => {
    const { page, workspace, local } = workbench;
    await kusto(local.eventhouse.uri, [
      '.set-or-replace SampleEvents <|',
      'range i from 0 to 1199 step 1',
      '| extend Timestamp = ago(6h) + i * 18s',
      "| extend Source = case(i % 3 == 0, 'weather-api', i % 3 == 1, 'orders-api', 'sensors')",
      "| extend Key = strcat('key-', tostring(i % 13))",
      '| extend Value = toreal((i * 31) % 97)',
      '| project Timestamp, Source, Key, Value',
    ].join('\n'));
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify({ version: 1, name: 'dash-e2e', eventhouse: { database: 'NetDefaultDB' }, profiles: { local: { kind: 'local' } }, activeProfile: 'local' }, null, 2));
    fs.mkdirSync(path.join(workspace, 'dashboards'), { recursive: true });
    const file = path.join(workspace, 'dashboards', 'sample.kqldash');
    // The timechart lists its series as the rows first name them: ordered here by the first bin's counts, so the
    // refresh below (which makes sensors the largest there) changes the order for certain, not once in 15 runs.
    const dash = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'dashboards', 'sample.kqldash'), 'utf8')) as { pages: { tiles: { id: string; query: string }[] }[] };
    const chartTile = dash.pages[0].tiles.find((t) => t.id === 'events-per-minute')!;
    chartTile.query = chartTile.query.replace('\n| render timechart', '\n| order by Timestamp asc, Events desc, Source asc\n| render timechart');
    expect(chartTile.query).toContain('| order by Timestamp asc');
    fs.writeFileSync(file, JSON.stringify(dash, null, 2));

    await quickOpen(page, file);
    const view = page.frameLocator('iframe.webview.ready[src*="extensionId=eventline.eventline"]').frameLocator('#active-frame');
    const tiles = view.locator('.el-tile');
    await expect(tiles).toHaveCount(4, { timeout: 60_000 });
    await expect(view.locator('.el-tile[data-state="done"]')).toHaveCount(4, { timeout: 60_000 });

    const perMinute = view.locator('.el-tile[data-tile-id="events-per-minute"]');
    const canvas = perMinute.locator('.el-uplot canvas').first();
    await expect(canvas).toBeVisible();
    const box = await canvas.boundingBox();
    expect(box && box.width > 200 && box.height > 100).toBeTruthy();
    await expect(view.locator('.el-tile[data-tile-id="by-source"] svg.el-svg path').first()).toBeVisible();
    await expect(view.locator('.el-tile[data-tile-id="total"] .el-card-value')).toHaveText('1,200');
    const table = view.locator('.el-tile[data-tile-id="top-keys"]');
    await expect(table.locator('.el-grid .el-row').first()).toBeVisible();
    expect(await table.locator('.el-grid .el-row').count()).toBe(10);
    await expect(perMinute.locator('.el-tile-state')).toContainText('rows');
    fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: 'test-results/e2e-dashboard.png' });

    // Refresh with more rows of the same sources: every tile shows the new rows, and the timechart (same series)
    // is redrawn in its canvas rather than rebuilt (DrawnChart.update), so the element marked before is still there
    // and the legend keeps its order (and so its colours), although the rows now name the sources in another order:
    // sensors first (inDrawnOrder keeps the drawn one; without it the chart was rebuilt, as CI once saw).
    const legendOrder = () => perMinute.locator('.u-legend .u-series .u-label').allTextContents();
    const drawnOrder = await legendOrder();
    const drawnSources = drawnOrder.filter((n) => SOURCES.includes(n));
    expect([...drawnSources].sort()).toEqual(SOURCES);
    // The first bin starts at a weather-api row and the sources take turns: sensors has the fewest rows there.
    expect(drawnSources[0]).not.toBe('sensors');
    await canvas.evaluate((c) => { c.setAttribute('data-e2e-mark', 'before-refresh'); });
    await kusto(local.eventhouse.uri, [
      '.append SampleEvents <|',
      'range i from 0 to 99 step 1',
      '| extend Timestamp = ago(5h) + i * 10s',
      "| extend Source = case(i % 3 == 0, 'weather-api', i % 3 == 1, 'orders-api', 'sensors')",
      "| extend Key = strcat('key-', tostring(i % 13))",
      '| extend Value = toreal(i)',
      '| project Timestamp, Source, Key, Value',
    ].join('\n'));
    await kusto(local.eventhouse.uri, [
      '.append SampleEvents <|',
      'let t0 = toscalar(SampleEvents | summarize min(Timestamp));',
      'range i from 0 to 49 step 1',
      '| extend Timestamp = t0',
      "| extend Source = 'sensors'",
      "| extend Key = 'key-0'",
      '| extend Value = toreal(i)',
      '| project Timestamp, Source, Key, Value',
    ].join('\n'));
    const firstNamed = await query(local.eventhouse.uri, 'SampleEvents | summarize Events = count() by bin(Timestamp, 10m), Source | order by Timestamp asc, Events desc, Source asc | take 1 | project Source');
    expect(firstNamed).toEqual([['sensors']]);
    await view.locator('button[data-action="refresh"]').click();
    await expect(view.locator('.el-tile[data-tile-id="total"] .el-card-value')).toHaveText('1,350', { timeout: 30_000 });
    await expect(view.locator('.el-tile[data-state="done"]')).toHaveCount(4, { timeout: 30_000 });
    await expect(perMinute.locator('.el-uplot canvas[data-e2e-mark="before-refresh"]')).toHaveCount(1);
    await expect(perMinute.locator('.el-uplot')).toHaveCount(1);
    expect(await legendOrder()).toEqual(drawnOrder);

    // Drag the stat tile's header two rows down: the file gets the new position (y 0 → 2), nothing else moves.
    const header = view.locator('.el-tile[data-tile-id="total"] .el-tile-header');
    const h = (await header.boundingBox())!;
    await page.mouse.move(h.x + 40, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(h.x + 40, h.y + h.height / 2 + 50, { steps: 5 });
    await page.mouse.move(h.x + 40, h.y + h.height / 2 + 96, { steps: 5 });
    await page.mouse.up();
    await runCommand(page, 'File: Save');
    await expect.poll(() => /"id": "total"[\s\S]*?"position": \{ "x": 16, "y": 2, "width": 8, "height": 4 \}/.test(fs.readFileSync(file, 'utf8')), { timeout: 20_000 }).toBeTruthy();
    await runCommand(page, 'View: Close All Editors');
  });
});
