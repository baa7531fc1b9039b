import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client as KustoClient } from 'azure-kusto-data';
import { expect, ROOT, runCommand, test } from './vscode';

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
});
