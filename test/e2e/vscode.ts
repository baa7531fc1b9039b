// Worker-scoped fixture: one code-server with the packaged Eventline .vsix installed, one Chromium page,
// shared by the tests of a file (each workbench load costs ~10 s on this machine).
import { test as base, expect, type Browser, type Locator, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/* eslint-disable @typescript-eslint/no-require-imports -- the harness is plain CommonJS shared with the runner */
const { ensureToolchain } = require('../harness/toolchain') as typeof import('../harness/toolchain');
const { startCodeServer, launchChromium } = require('../harness/codeserver') as typeof import('../harness/codeserver');
/* eslint-enable @typescript-eslint/no-require-imports */

export const ROOT = path.resolve(__dirname, '../..');
export const VSIX = path.join(ROOT, 'dist', 'eventline.vsix');

export interface Workbench {
  page: Page;
  workspace: string;
}

export const test = base.extend<object, { workbench: Workbench }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  workbench: [async ({}, use) => {
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run "npm run package" first`);
    const toolchain = ensureToolchain();
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-e2e-ws-'));
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    const server = await startCodeServer({ toolchain, workspace, vsix: VSIX });
    const browser: Browser = await launchChromium(toolchain.chromium);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.activitybar a[aria-label="Eventline"], .activitybar [aria-label="Eventline"]').first().waitFor({ timeout: 60_000 });
      await use({ page, workspace });
    } finally {
      await browser.close().catch(() => undefined);
      await server.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  }, { scope: 'worker' }],
});

export { expect };

/** Runs a command by its palette title ("Eventline: Create Pipeline Manifest"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: title }) })
    .filter({ hasText: title }).first();
  // The palette builds its rows when it opens; right after an editor opens, retry until the command is there.
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** The pane of a view by its title, e.g. "Pipeline". */
export function viewPane(page: Page, title: string): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: title }) });
}

/** Labels of the rendered tree rows in order (trees are virtualized: only rendered rows exist). */
export async function treeLabels(pane: Locator): Promise<string[]> {
  const rows = pane.locator('.monaco-list[role=tree] [role=treeitem]');
  const items = await rows.evaluateAll((els) => els
    .map((el) => ({ i: Number(el.getAttribute('data-index')), label: el.querySelector('.label-name')?.textContent ?? '' }))
    .sort((a, b) => a.i - b.i)
    .map((x) => x.label));
  return items;
}
