import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, expand, runCommand, test, treeLabels, treeRow, viewPane } from './vscode';

// The extension in code-server is attached to a local pipeline started by the fixture (as `npm start` does).
test.describe('Pipeline tree over the local pipeline (packaged .vsix)', () => {
  test('shows the local pipeline\'s hub and table and expands them', async ({ workbench }) => {
    const { page, workspace, local } = workbench;
    // A table in the local Eventhouse, created through its Kusto REST endpoint.
    const res = await fetch(`${local.eventhouse.uri}/v1/rest/mgmt`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: 'NetDefaultDB', csl: '.create table Telemetry (Timestamp: datetime, Sensor: string, Temperature: real)' }),
    });
    expect(res.status).toBe(200);
    const manifest = { version: 1, name: 'e2e', eventHubs: [{ name: 'telemetry', partitions: 4 }], eventhouse: { database: 'NetDefaultDB' }, profiles: { local: { kind: 'local' } }, activeProfile: 'local' };
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify(manifest, null, 2));
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    const pane = viewPane(page, 'Pipeline');
    await runCommand(page, 'Eventline: Refresh');
    await expect(treeRow(pane, 'telemetry')).toBeVisible();
    await expand(pane, 'telemetry');
    await expand(pane, 'Partitions');
    await expect(treeRow(pane, 'Partition 3')).toBeVisible({ timeout: 40_000 });
    await expand(pane, 'NetDefaultDB');
    await expand(pane, 'Tables');
    await expand(pane, 'Telemetry');
    await expect(treeRow(pane, 'Temperature')).toBeVisible();
    const labels = await treeLabels(pane);
    expect(labels.indexOf('telemetry')).toBeLessThan(labels.indexOf('NetDefaultDB'));
    // The status bar shows the active profile; clicking it runs "Eventline: Select Profile".
    await expect(page.locator('.statusbar-item', { hasText: 'local · local pipeline' })).toBeVisible();
    await page.screenshot({ path: 'test-results/e2e-local-tree.png' });
  });

  test('a malformed eventline.json shows an editor diagnostic and an error row, not a crash', async ({ workbench }) => {
    const { page, workspace } = workbench;
    fs.writeFileSync(path.join(workspace, 'eventline.json'), '{\n  "version": 1,\n  "name": "e2e",\n  "eventHubs": [{ "name": "telemetry", "partitions": "four" }]\n}\n');
    await runCommand(page, 'Eventline: Open Pipeline Manifest');
    // VS Code's JSON language service validates against the contributed schema.
    await expect(page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning').first()).toBeVisible({ timeout: 30_000 });
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    const pane = viewPane(page, 'Pipeline');
    await expect(treeRow(pane, 'eventline.json has 1 problem')).toBeVisible();
    await expect(pane.locator('.label-name', { hasText: 'eventHubs[0].partitions must be integer' })).toBeVisible();
    await page.screenshot({ path: 'test-results/e2e-manifest-error.png' });
  });
});
