import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, quickOpen, runCommand, test, untilNotebookOutput } from './vscode';

async function kusto(uri: string, endpoint: 'mgmt' | 'query', csl: string): Promise<void> {
  const res = await fetch(`${uri}/${endpoint === 'mgmt' ? 'v1/rest/mgmt' : 'v2/rest/query'}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'NetDefaultDB', csl }),
  });
  if (res.status !== 200) throw new Error(`${csl.split('\n')[0]}: ${res.status} ${await res.text()}`);
}

// Renderer DOM hooks (src/webviews/renderer): root .el-result, rows .el-grid .el-row, chart .el-chart with a
// canvas or svg, export buttons button[data-export], .el-toggle-chart, info .el-info.
test.describe('KQL notebook (packaged .vsix, local Eventhouse)', () => {
  test('runs a notebook, shows grid rows and a drawn chart in the renderer, exports CSV', async ({ workbench }) => {
    const { page, workspace, local } = workbench;
    const uri = local.eventhouse.uri;
    await kusto(uri, 'mgmt', '.create table E2eEvents (Timestamp: datetime, Source: string, Value: real)');
    const rows = Array.from({ length: 30 }, (_, i) => `2026-01-01T00:${String(i).padStart(2, '0')}:00Z,${i % 3 === 0 ? 'sensor' : 'api'},${i}`);
    await kusto(uri, 'mgmt', `.ingest inline into table E2eEvents <|\n${rows.join('\n')}`);
    const manifest = { version: 1, name: 'kql-e2e', eventhouse: { database: 'NetDefaultDB' }, profiles: { local: { kind: 'local' } }, activeProfile: 'local' };
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify(manifest, null, 2));
    fs.writeFileSync(path.join(workspace, 'e2e.kqlnb'), `${JSON.stringify({
      version: 1,
      connection: { cluster: 'local', database: 'NetDefaultDB' },
      cells: [
        { kind: 'kql', source: 'E2eEvents\n| order by Timestamp asc' },
        { kind: 'kql', source: "E2eEvents\n| summarize Events = count() by bin(Timestamp, 5m), Source\n| render timechart with (title='Events per 5 minutes')" },
      ],
    }, null, 2)}\n`);

    // Open the notebook through Quick Open, then run all cells.
    await quickOpen(page, path.join(workspace, 'e2e.kqlnb'));
    await expect(page.locator('.notebookOverlay').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('.statusbar-item', { hasText: 'NetDefaultDB · local Eventhouse' })).toBeVisible();
    await runCommand(page, 'Notebook: Run All');
    const output = page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
    const results = output.locator('.el-result');
    await untilNotebookOutput(page, results.first());
    await expect(results).toHaveCount(2, { timeout: 60_000 });
    const grid = results.nth(0);
    await expect(grid.locator('.el-grid .el-row').first()).toBeVisible();
    expect(await grid.locator('.el-grid .el-row').count()).toBeGreaterThan(5);
    await expect(grid.locator('.el-grid')).toContainText('sensor');
    await expect(grid.locator('.el-info')).toContainText('30');

    const chart = results.nth(1).locator('.el-chart');
    await expect(chart).toBeVisible();
    await expect(chart.locator('canvas, svg').first()).toBeVisible();
    const drawn = await chart.locator('canvas, svg').first().boundingBox();
    expect(drawn && drawn.width > 100 && drawn.height > 50).toBeTruthy();
    await page.screenshot({ path: 'test-results/e2e-notebook.png' });

    // Export CSV: the renderer asks the extension, which shows VS Code's save dialog (the simple one in code-server).
    for (const f of fs.readdirSync(workspace)) if (f.endsWith('.csv')) fs.rmSync(path.join(workspace, f));
    await grid.locator('button[data-export="csv"]').click();
    const dialogInput = page.locator('.quick-input-widget input');
    await expect(dialogInput).toBeVisible();
    await expect(dialogInput).toHaveValue(/\.csv$/);
    await page.keyboard.press('Enter');
    const csvName = () => fs.readdirSync(workspace).find((f) => f.endsWith('.csv'));
    await expect.poll(csvName, { timeout: 20_000 }).toBeTruthy();
    const csvFile = csvName()!;
    const csv = fs.readFileSync(path.join(workspace, csvFile), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Timestamp,Source,Value');
    expect(csv.split('\r\n')[1]).toBe('2026-01-01T00:00:00.0000000Z,sensor,0');
    expect(csv.split('\r\n').length).toBe(32);
    await page.screenshot({ path: 'test-results/e2e-notebook-export.png' });

    // The chart/table toggle shows the chart's data as a grid. Pressed from the keyboard, not clicked: the toggle
    // sits below the fold, and a click at coordinates taken while the notebook list re-lays out after Playwright's
    // scroll can land on the cell toolbar floating over the output ("Execute Cell and Below" ran the cells again).
    const toggle = results.nth(1).locator('button.el-toggle-chart');
    await toggle.press('Enter');
    await expect(results.nth(1).locator('.el-grid .el-row').first()).toBeVisible();
    await runCommand(page, 'View: Close All Editors');
  });

  test('Shift+Enter in a .kql file runs the block under the cursor into the Eventline Results notebook', async ({ workbench }) => {
    const { page, workspace } = workbench;
    fs.writeFileSync(path.join(workspace, 'queries.kql'), '// counts\nprint Hello = "world"\n\nE2eEvents\n| summarize Events = count() by Source\n| order by Source asc\n');
    await quickOpen(page, path.join(workspace, 'queries.kql'));
    const editor = page.locator('.monaco-editor[data-uri$="queries.kql"]');
    await expect(editor.locator('.codelens-decoration', { hasText: 'Run' }).first()).toBeVisible({ timeout: 30_000 });
    await editor.locator('.view-line', { hasText: 'summarize Events' }).click();
    await page.keyboard.press('Shift+Enter');
    await expect(page.locator('.tab', { hasText: 'Eventline Results' })).toBeVisible({ timeout: 30_000 });
    const output = page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
    const last = output.locator('.el-result').last();
    await expect(last.locator('.el-grid .el-row')).toHaveCount(2, { timeout: 60_000 });
    await expect(last.locator('.el-grid')).toContainText('sensor');
    await expect(last.locator('.el-grid')).toContainText('20');
    await page.screenshot({ path: 'test-results/e2e-kql-file-run.png' });
    await runCommand(page, 'View: Close All Editors');
  });
});
