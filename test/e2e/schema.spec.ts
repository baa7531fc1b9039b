import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import { Client as KustoClient } from 'azure-kusto-data';
import { expand, expect, quickOpen, ROOT, runCommand, test, treeRow, untilNotebookOutput, viewPane } from './vscode';

test.describe('Eventhouse schema as code', () => {
  test('"Eventline: Deploy Eventhouse Schema" from the palette deploys the sample schema to the local Eventhouse', async ({ workbench }) => {
    const { page, workspace, local } = workbench;
    fs.cpSync(path.join(ROOT, 'kql', 'schema'), path.join(workspace, 'kql'), { recursive: true });
    const manifest = { version: 1, name: 'schema-e2e', eventHubs: [{ name: 'telemetry', partitions: 2 }], eventhouse: { database: local.eventhouse.database }, profiles: { local: { kind: 'local' } }, activeProfile: 'local' };
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify(manifest, null, 2));

    await runCommand(page, 'Eventline: Deploy Eventhouse Schema', { prompts: true });
    // The first choice is the active profile's database.
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: local.eventhouse.database }).first();
    await expect(pick).toContainText('active profile');
    await pick.click();
    const dialog = page.locator('.monaco-dialog-box');
    await expect(dialog).toContainText(`Run 6 commands on ${local.eventhouse.database}?`);
    // The preview of the commands is open behind the question.
    await expect(page.locator('.tab', { hasText: `Deploy ${local.eventhouse.database}` })).toBeVisible();
    await dialog.locator('.monaco-button', { hasText: /^Deploy$/ }).click();
    await expect(page.locator('.notification-toast', { hasText: `Deployed the schema to ${local.eventhouse.database}: 6 commands ran.` })).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('.editor-instance .view-lines')).toContainText('✓ done in');
    await page.screenshot({ path: 'test-results/e2e-deploy-schema.png' });

    const kusto = new KustoClient(local.eventhouse.uri);
    try {
      const res = await kusto.execute(local.eventhouse.database, '.show tables');
      const names = res.primaryResults[0].toJSON<{ TableName: string }>().data.map((r) => r.TableName);
      expect(names).toEqual(expect.arrayContaining(['RawReadings', 'Readings']));
    } finally {
      kusto.close();
    }
  });

  test('the hop: the connection starts from the tree, an event sent from the palette becomes a typed row, seen in a notebook', async ({ workbench }) => {
    const { page, workspace, local } = workbench;
    const db = local.eventhouse.database;
    // The schema of the test before is in place (RawReadings with its mapping, Readings filled by the update policy).
    const manifest = {
      version: 1, name: 'hop-e2e', eventHubs: [{ name: 'telemetry', partitions: 4 }], eventhouse: { database: db },
      connections: [{ name: 'telemetry-to-raw', hub: 'telemetry', table: 'RawReadings', format: 'json', mapping: 'RawReadingsMapping' }],
      profiles: { local: { kind: 'local' } }, activeProfile: 'local',
    };
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify(manifest, null, 2));
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    await runCommand(page, 'Eventline: Refresh');
    const pane = viewPane(page, 'Pipeline');
    await expand(pane, 'telemetry');
    await expand(pane, 'Connections');
    // The pipeline started without this connection: the row brings the local connector in line with eventline.json.
    const row = treeRow(pane, '→ RawReadings');
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(row).toContainText(/telemetry-to-raw · (starting|running)/);

    const quick = page.locator('.quick-input-widget');
    await runCommand(page, 'Eventline: Send Test Event', { prompts: true });
    await expect(quick.locator('.quick-input-title')).toContainText('Send Test Event: to which hub?');
    await quick.locator('.monaco-list-row', { hasText: 'telemetry' }).first().click();
    await expect(quick.locator('.quick-input-title')).toContainText('Send a test event to telemetry');
    await quick.locator('input').fill('{"id": "e2e-1", "siteId": "e2e-site", "temperature": 21.5, "humidity": 40, "pressure": 1000, "battery": 3.7, "status": "ok", "timestamp": "2026-12-05T10:00:00Z"}');
    await page.keyboard.press('Enter');
    await quick.locator('.monaco-list-row', { hasText: 'To a partition' }).click();
    await quick.locator('.monaco-list-row', { hasText: 'Partition 0' }).click();
    await expect(quick.locator('.quick-input-title')).toContainText('Application properties');
    await quick.locator('input').fill('{"origin": "e2e"}');
    await page.keyboard.press('Enter');

    // Through the connector's batch (up to 1 s) and the update policy: wait for the row before opening the notebook.
    const kusto = new KustoClient(local.eventhouse.uri);
    try {
      await expect(async () => {
        const res = await kusto.execute(db, 'Readings | where Site == "e2e-site" | count');
        expect(res.primaryResults[0].toJSON<{ Count: number }>().data[0].Count).toBe(1);
      }).toPass({ timeout: 60_000 });
    } finally {
      kusto.close();
    }
    fs.writeFileSync(path.join(workspace, 'hop.kqlnb'), `${JSON.stringify({
      version: 1, connection: { cluster: 'local', database: db },
      cells: [{ kind: 'kql', source: 'Readings\n| where Site == "e2e-site"\n| project Site, ReadingId, Temperature, EventTime' }],
    }, null, 2)}\n`);
    await quickOpen(page, path.join(workspace, 'hop.kqlnb'));
    await expect(page.locator('.notebookOverlay').first()).toBeVisible({ timeout: 30_000 });
    await runCommand(page, 'Notebook: Run All');
    const output = page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
    const grid = output.locator('.el-result .el-grid');
    await untilNotebookOutput(page, grid.first());
    await expect(grid.locator('.el-row')).toHaveCount(1, { timeout: 60_000 });
    await expect(grid).toContainText('e2e-site');
    await expect(grid).toContainText('21.5');
    await page.screenshot({ path: 'test-results/e2e-hop-notebook.png' });
    await runCommand(page, 'View: Close All Editors');
  });

  test('"Check Schema Drift" on the connection row reports a field the mapping misses, in a Markdown tab', async ({ workbench }) => {
    const { page, local } = workbench;
    // The connection of the test before, and its one event; now one whose temperature came as "temp".
    const producer = new EventHubProducerClient(local.eventHubs.connectionString, 'telemetry');
    try {
      await producer.sendBatch([{ body: { id: 'e2e-2', siteId: 'e2e-site', temp: 22, humidity: 40, pressure: 1000, battery: 3.7, status: 'ok', timestamp: '2026-12-05T10:00:01Z' } }], { partitionId: '1' });
    } finally {
      await producer.close();
    }
    const pane = viewPane(page, 'Pipeline');
    const row = treeRow(pane, '→ RawReadings').first();
    await expect(row).toBeVisible({ timeout: 30_000 });
    await row.click({ button: 'right' });
    // In two runs a click, then Enter, right after the menu opened left it open with nothing run: click until it closes.
    const item = page.locator('.context-view .action-menu-item', { hasText: 'Check Schema Drift' });
    await expect(async () => {
      if (await item.isVisible()) await item.click({ timeout: 1000 });
      await expect(item).toBeHidden({ timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expect(page.locator('.notification-toast', { hasText: /1 schema drift finding for telemetry → RawReadings \(\d+ records read\)/ })).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('.tab', { hasText: 'Schema drift telemetry → RawReadings' })).toBeVisible();
    const editor = page.locator('.editor-instance .view-lines');
    // The editor draws a wrapped line as several, so the check stays within the first of them.
    await expect(editor).toContainText('$.temp is in 1 record of');
    await expect(editor).toContainText('## Warning (1)');
    await page.screenshot({ path: 'test-results/e2e-schema-drift.png' });
    await runCommand(page, 'View: Close All Editors');
  });
});
