import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, runCommand, test, treeLabels, viewPane } from './vscode';

test.describe('Eventline in VS Code (packaged .vsix)', () => {
  test('the Eventline view shows the welcome content when there is no manifest', async ({ workbench }) => {
    const { page } = workbench;
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    const pane = viewPane(page, 'Pipeline');
    await expect(pane.locator('.welcome-view-content')).toContainText('no pipeline manifest');
    await expect(pane.getByRole('button', { name: 'Create Pipeline Manifest' })).toBeVisible();
    await page.screenshot({ path: 'test-results/e2e-welcome.png' });
  });

  test('"Eventline: Create Pipeline Manifest" from the palette writes eventline.json and fills the tree', async ({ workbench }) => {
    const { page, workspace } = workbench;
    await runCommand(page, 'Eventline: Create Pipeline Manifest');
    const pane = viewPane(page, 'Pipeline');
    await expect.poll(() => treeLabels(pane)).toEqual(expect.arrayContaining(['Sources', 'Ingest function', 'Event Hubs', 'Eventhouse', 'Alerts', 'Secrets']));
    const labels = await treeLabels(pane);
    expect(labels.indexOf('Sources')).toBeLessThan(labels.indexOf('Event Hubs'));
    expect(labels).toContain('telemetry');
    await expect(pane.locator('.welcome-view-content')).toHaveCount(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(workspace, 'eventline.json'), 'utf8')) as { version: number };
    expect(manifest.version).toBe(1);
    // The new manifest is opened in an editor.
    await expect(page.locator('.tabs-container .tab', { hasText: 'eventline.json' })).toBeVisible();
    await page.screenshot({ path: 'test-results/e2e-tree.png' });
  });
});
