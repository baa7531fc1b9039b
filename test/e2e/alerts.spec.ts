import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from '@playwright/test';
import { expand, expect, runCommand, test, treeRow, viewPane } from './vscode';

// The extension runs its own local pipeline from the .vsix (started by the tree's refresh), so the alert runner
// reads the workspace's eventline.json, and re-reads it when the editor saves the rule authored here.
test.use({ attachLocal: false, isolate: 'alerts' });

const webview = (page: Page): FrameLocator => page.frameLocator('iframe.webview.ready[src*="extensionId=eventline.eventline"]').frameLocator('#active-frame');

test.describe('Alerts (packaged .vsix, local pipeline)', () => {
  test('author an alert in the editor, dry-run it, evaluate it, and read its email in the mailbox', async ({ workbench }) => {
    // Editor, dry run, tree, mailbox, each waiting on the local pipeline: minutes on a loaded 2-core machine.
    test.setTimeout(300_000);
    const { page, workspace } = workbench;
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify({ version: 1, name: 'alerts-e2e', alerts: [], profiles: { local: { kind: 'local' } }, activeProfile: 'local' }, null, 2));
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    await runCommand(page, 'Eventline: Refresh');

    await runCommand(page, 'Eventline: New Alert');
    const editor = webview(page);
    await expect(editor.locator('h1')).toHaveText('New alert');
    const field = (id: string, inner = 'input') => editor.locator(`#${id}`).locator(inner);

    // Typed values are checked as they are typed, with the rule model's messages at their fields.
    await field('f-name').fill('e2e-hot');
    // Readings every 10 minutes for two hours; only the latest (10 minutes ago) is hot: one firing in a dry run over
    // the last day, and one when evaluated now (its window is the last hour).
    await field('f-source-query', 'textarea').fill("range Timestamp from ago(2h) to ago(2m) step 10m | extend Site = 'A', Value = iff(Timestamp > ago(12m), 42.5, 20.0)");
    await field('f-source-every').fill('5x');
    await expect(editor.locator('#f-source-every-message')).toContainText('"5x", which is not a duration');
    await field('f-source-every').fill('1h');
    await expect(editor.locator('#f-source-every-message')).toBeEmpty();
    await field('f-source-eventTimeColumn').fill('Timestamp');
    await field('f-object').fill('Site');
    await field('f-property-column').fill('Value');
    await field('f-condition-value').fill('30');
    await field('f-action-email-to').fill('ops@contoso.com, not an address');
    await expect(editor.locator('#f-action-email-to-message')).toContainText('which is not an email address');
    await field('f-action-email-to').fill('ops@contoso.com');
    await field('f-action-email-subject').fill('Hot: {object} at {value}');
    await field('f-action-email-headline').fill('{object} is too hot');

    // The query is checked against the live schema of the local pipeline (the tree's refresh has started it: autoStart).
    await expect(editor.locator('#schema')).toContainText('its columns: Timestamp: datetime, Site: string, Value: real', { timeout: 90_000 });
    await field('f-property-column').fill('Site');
    await expect(editor.locator('#f-property-column-message')).toContainText('"Site" is of type string, not a number');
    await field('f-property-column').fill('Value');
    await expect(editor.locator('#f-property-column-message')).toBeEmpty();
    await page.screenshot({ path: 'test-results/e2e-alert-editor.png' });

    await editor.locator('#save').click();
    await expect(editor.locator('#save-state')).toHaveText('Saved to eventline.json.');
    const manifest = JSON.parse(fs.readFileSync(path.join(workspace, 'eventline.json'), 'utf8')) as { alerts: { name: string; condition: unknown }[] };
    expect(manifest.alerts.map((a) => a.name)).toEqual(['e2e-hot']);
    expect(manifest.alerts[0].condition).toEqual({ kind: 'is', op: 'greaterThan', value: 30 });
    await runCommand(page, 'View: Close All Editors');

    // Dry Run over the last day: one query against the local Eventhouse, walked by the runner's evaluator, drawn by uPlot.
    await runCommand(page, 'Eventline: Dry Run Alert', { prompts: true });
    const quick = page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { hasText: 'e2e-hot' }).first().click();
    await expect(quick.locator('.quick-input-title')).toContainText('Dry run over how much history?');
    await quick.locator('.monaco-list-row', { hasText: 'Last 24 hours' }).first().click();
    const dry = webview(page);
    await expect(dry.locator('h1')).toHaveText('Dry run: e2e-hot', { timeout: 90_000 });
    await expect(dry.locator('#root')).toContainText('1 firing over 1 object');
    await expect(dry.locator('#root')).toContainText('12 rows from one query');
    await expect(dry.locator('.object h2')).toHaveText(['A — fired 1 time']);
    const chart = dry.locator('.object [role=img]');
    await expect(chart).toHaveAttribute('aria-label', 'A: 12 values, fired 1 times');
    for (const label of ['value', 'threshold', 'fired']) await expect(chart.locator('.u-legend .u-series .u-label', { hasText: new RegExp(`^${label}$`) })).toHaveCount(1);
    // What uPlot drew on its canvas: the threshold's dashed line (charts-orange) and the firing's marker (charts-red).
    const drawn = await chart.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
      const rgb = (name: string, fallback: string) => {
        const probe = document.createElement('div');
        probe.style.color = getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
        document.body.append(probe);
        const m = /(\d+), (\d+), (\d+)/.exec(getComputedStyle(probe).color)!;
        probe.remove();
        return [Number(m[1]), Number(m[2]), Number(m[3])];
      };
      const want = { threshold: rgb('--vscode-charts-orange', '#d18616'), marker: rgb('--vscode-charts-red', '#f14c4c') };
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const count = { threshold: 0, marker: 0 };
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] < 200) continue;
        for (const k of ['threshold', 'marker'] as const) {
          const [r, g, b] = want[k];
          if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 30) count[k]++;
        }
      }
      return { width: canvas.width, height: canvas.height, ...count };
    });
    expect(drawn.width).toBeGreaterThan(300);
    expect(drawn.threshold, JSON.stringify(drawn)).toBeGreaterThan(100);
    expect(drawn.marker, JSON.stringify(drawn)).toBeGreaterThan(20);
    await expect(dry.locator('h2', { hasText: 'Emails that would have been sent' })).toHaveText('Emails that would have been sent (1)');
    await expect(dry.locator('.email strong')).toHaveText(['Hot: A at 42.5']);
    await expect(dry.locator('.email')).toContainText('To: ops@contoso.com');
    await page.screenshot({ path: 'test-results/e2e-alert-dryrun.png' });
    await runCommand(page, 'View: Close All Editors');

    // The running pipeline re-reads eventline.json when it is saved: the new rule runs without a restart.
    const pane = viewPane(page, 'Pipeline');
    await runCommand(page, 'Eventline: Refresh');
    await expand(pane, 'Alerts');
    const row = treeRow(pane, 'e2e-hot');
    await expect(row).toContainText('OK · not evaluated yet', { timeout: 90_000 });
    await row.hover();
    await row.locator('.action-label[aria-label="Evaluate Alert Now"]').click();
    const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'Alert "e2e-hot" fired for 1 object' });
    await expect(toast).toBeVisible({ timeout: 90_000 });
    await runCommand(page, 'Eventline: Refresh');
    await expand(pane, 'Alerts');
    await expect(treeRow(pane, 'e2e-hot')).toContainText('firing for 1 object');
    await page.screenshot({ path: 'test-results/e2e-alert-tree.png' });

    await runCommand(page, 'Eventline: Show Alert Emails');
    const mailbox = webview(page);
    const mail = mailbox.locator('#list li', { hasText: 'Hot: A at 42.5' }).first();
    await expect(mail).toBeVisible();
    await expect(mail).toContainText('alerts@eventline.local → ops@contoso.com');
    await mail.click();
    await expect(mailbox.locator('#subject')).toHaveText('Hot: A at 42.5');
    await expect(mailbox.locator('#text')).toContainText('A is too hot');
    await expect(mailbox.locator('#html')).toHaveAttribute('sandbox', '');
    await expect(mailbox.frameLocator('#html').locator('h2')).toHaveText('A is too hot');
    await page.screenshot({ path: 'test-results/e2e-alert-mailbox.png' });
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Eventline: Stop Local Pipeline');
  });
});
