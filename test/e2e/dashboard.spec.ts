import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, quickOpen, runCommand, test, ROOT } from './vscode';

async function kusto(uri: string, csl: string): Promise<void> {
  const res = await fetch(`${uri}/v1/rest/mgmt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'NetDefaultDB', csl }) });
  if (res.status !== 200) throw new Error(`${csl.split('\n')[0]}: ${res.status} ${await res.text()}`);
}

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
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'dashboards', 'sample.kqldash'), file);

    await quickOpen(page, 'sample.kqldash');
    const view = page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
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
    // is redrawn in its canvas rather than rebuilt (DrawnChart.update), so the element marked before is still there,
    // also when the engine lists the same sources in another order (it did in CI: inDrawnOrder keeps the drawn one).
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
    await view.locator('button[data-action="refresh"]').click();
    await expect(view.locator('.el-tile[data-tile-id="total"] .el-card-value')).toHaveText('1,300', { timeout: 30_000 });
    await expect(view.locator('.el-tile[data-state="done"]')).toHaveCount(4, { timeout: 30_000 });
    await expect(perMinute.locator('.el-uplot canvas[data-e2e-mark="before-refresh"]')).toHaveCount(1);
    await expect(perMinute.locator('.el-uplot')).toHaveCount(1);

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
