import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, expand, runCommand, test, treeRow, viewPane } from './vscode';

// Nothing runs beside code-server here: the installed .vsix must start the local pipeline from its own files
// (dist/local.js, the bundled Kusto parser and DuckDB's native binding), as it does for a user without the repo.
test.use({ attachLocal: false });

test.describe('The packaged extension runs its own local pipeline', () => {
  test('"Eventline: Start Local Pipeline" starts it from the .vsix and the tree shows its hub and database', async ({ workbench }) => {
    const { page, workspace } = workbench;
    const manifest = { version: 1, name: 'own-pipeline', eventHubs: [{ name: 'orders', partitions: 2 }], eventhouse: { database: 'Sales' }, profiles: { local: { kind: 'local' } }, activeProfile: 'local' };
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify(manifest, null, 2));
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    await runCommand(page, 'Eventline: Start Local Pipeline');
    await expect(page.locator('.notification-toast', { hasText: 'Local pipeline running' })).toBeVisible({ timeout: 90_000 });
    const pane = viewPane(page, 'Pipeline');
    await runCommand(page, 'Eventline: Refresh');
    await expect(treeRow(pane, 'orders')).toBeVisible({ timeout: 30_000 });
    await expand(pane, 'orders');
    await expand(pane, 'Partitions');
    await expect(treeRow(pane, 'Partition 1')).toBeVisible({ timeout: 30_000 });
    await expect(treeRow(pane, 'Sales')).toBeVisible();
    await page.screenshot({ path: 'test-results/e2e-own-local-pipeline.png' });
  });
});
