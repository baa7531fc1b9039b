import { EventHubProducerClient } from '@azure/event-hubs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, runCommand, test, treeRow, viewPane } from './vscode';

test.describe('Live tail panel (packaged .vsix, local pipeline)', () => {
  test('opens from the tree, shows arriving events, filters, pauses, details, and renders hostile payloads as text', async ({ workbench }) => {
    const { page, workspace, local } = workbench;
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify({ version: 1, name: 'tail-e2e', eventHubs: [{ name: 'telemetry', partitions: 4 }], profiles: { local: { kind: 'local' } } }, null, 2));
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    await runCommand(page, 'Eventline: Refresh');
    const pane = viewPane(page, 'Pipeline');
    const hubRow = treeRow(pane, 'telemetry');
    await hubRow.click();
    await hubRow.locator('.action-label[aria-label="Tail Event Hub"]').click();
    // Consumer group: create a dedicated one (the default name is eventline-tail), then start at latest.
    const quick = page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { hasText: 'Create a dedicated consumer group' }).click();
    await expect(quick.locator('input')).toHaveValue('eventline-tail');
    await page.keyboard.press('Enter');
    await quick.locator('.monaco-list-row', { hasText: 'Latest' }).first().click();
    // Partitions: all are ticked; Enter keeps them all.
    await expect(quick.locator('.quick-input-title')).toContainText('partitions');
    await page.keyboard.press('Enter');
    const view = page.frameLocator('iframe.webview.ready[src*="extensionId=eventline.eventline"]').frameLocator('#active-frame');
    await expect(view.locator('#status')).toContainText('live', { timeout: 30_000 });

    const producer = new EventHubProducerClient(local.eventHubs.connectionString, 'telemetry');
    try {
      const batch = await producer.createBatch({ partitionId: '0' });
      batch.tryAdd({ body: { temperature: 35, site: 'north' } });
      batch.tryAdd({ body: { temperature: 12, site: 'south' } });
      batch.tryAdd({ body: '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">' });
      await producer.sendBatch(batch);
    } finally {
      await producer.close();
    }
    await expect(view.locator('.row')).toHaveCount(3, { timeout: 20_000 });
    await expect(view.locator('.row', { hasText: '<script>window.pwned=1</script>' })).toBeVisible();
    await expect(view.locator('img')).toHaveCount(0);

    await view.locator('#filter').fill('$.temperature > 30');
    await expect(view.locator('.row')).toHaveCount(1);
    await expect(view.locator('.row')).toContainText('north');
    await view.locator('.row').first().click();
    await expect(view.locator('#details')).toContainText('"temperature": 35');
    await page.screenshot({ path: 'test-results/e2e-tail.png' });

    await view.locator('#filter').fill('');
    await view.locator('#pause').click();
    await expect(view.locator('#status')).toContainText('paused');
    await view.locator('#pause').click();
    await expect(view.locator('#status')).not.toContainText('paused');
    expect(await view.locator('body').evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

    // "Send Test Event" from the palette: body, routing to a partition, properties; it arrives in the open tail.
    await runCommand(page, 'Eventline: Send Test Event', { prompts: true });
    await expect(quick.locator('.quick-input-title')).toContainText('Send Test Event: to which hub?');
    await quick.locator('.monaco-list-row', { hasText: 'telemetry' }).first().click();
    await expect(quick.locator('.quick-input-title')).toContainText('Send a test event to telemetry');
    await quick.locator('input').fill('{"probe": "from-the-palette", "temperature": 99}');
    await page.keyboard.press('Enter');
    await quick.locator('.monaco-list-row', { hasText: 'To a partition' }).click();
    await quick.locator('.monaco-list-row', { hasText: 'Partition 3' }).click();
    await expect(quick.locator('.quick-input-title')).toContainText('Application properties');
    await quick.locator('input').fill('{"origin": "e2e"}');
    await page.keyboard.press('Enter');
    const sent = view.locator('.row', { hasText: 'from-the-palette' });
    await expect(sent).toBeVisible({ timeout: 20_000 });
    await expect(sent).toContainText('p3');
    await sent.click();
    await expect(view.locator('#details')).toContainText('"origin": "e2e"');
    await page.screenshot({ path: 'test-results/e2e-tail-send.png' });
    await runCommand(page, 'View: Close All Editors');
    await expect(page.locator('.tabs-container .tab', { hasText: 'Tail: telemetry' })).toHaveCount(0);
  });
});
