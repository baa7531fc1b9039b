// Worker-scoped fixture: one code-server with the packaged Eventline .vsix installed, one Chromium page,
// shared by the tests of a file (each workbench load costs ~10 s on this machine).
import { test as base, expect, type Browser, type Locator, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/* eslint-disable @typescript-eslint/no-require-imports -- the harness is plain CommonJS shared with the runner */
const { ensureToolchain } = require('../harness/toolchain') as typeof import('../harness/toolchain');
const { startCodeServer, launchChromium, trackProcessGroup } = require('../harness/codeserver') as typeof import('../harness/codeserver');
/* eslint-enable @typescript-eslint/no-require-imports */

export const ROOT = path.resolve(__dirname, '../..');
export const VSIX = path.join(ROOT, 'dist', 'eventline.vsix');

export interface Workbench {
  page: Page;
  workspace: string;
  /** The ready line of the local pipeline the extension is attached to (EVENTLINE_LOCAL_READY). */
  local: { eventHubs: { connectionString: string }; eventhouse: { uri: string; database: string }; control: string };
}

/** Starts the repo's own eventline-local on free ports, as `npm start` does. */
async function startLocalPipeline(dataDir: string): Promise<{ ready: Workbench['local']; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'local.js'), 'start', '--json', '--data', dataDir, '--amqp-port', '0', '--amqps-port', '0', '--control-port', '0', '--kusto-port', '0', '--vault-port', '0', '--api-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  trackProcessGroup(child.pid!);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => { buf += d.toString(); const nl = buf.indexOf('\n'); if (nl >= 0) resolve(buf.slice(0, nl)); });
    void exited.then(() => reject(new Error('the local pipeline exited before it was ready')));
  });
  return { ready: JSON.parse(line) as Workbench['local'], stop: async () => { child.kill('SIGTERM'); await exited; } };
}

export const test = base.extend<object, { workbench: Workbench; attachLocal: boolean; isolate: string }>({
  /** false: no local pipeline is started for the extension to attach to; it starts its own from the .vsix. */
  attachLocal: [true, { scope: 'worker', option: true }],
  /**
   * The workbench (code-server, its workspace, the extension's state and any pipeline it started) lives as long as
   * its worker, and Playwright gives the next spec file the same worker when its options match. A spec that leaves a
   * manifest, a function or a running pipeline behind names itself here, so the files after it start fresh.
   */
  isolate: ['', { scope: 'worker', option: true }],
  workbench: [async ({ attachLocal, isolate }, use) => {
    void isolate;
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run "npm run package" first`);
    const toolchain = ensureToolchain();
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-e2e-ws-'));
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    const data = attachLocal ? fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-e2e-data-')) : undefined;
    const local = data
      ? await startLocalPipeline(data)
      : { ready: undefined as unknown as Workbench['local'], stop: () => Promise.resolve() };
    const server = await startCodeServer({ toolchain, workspace, vsix: VSIX, env: attachLocal ? { EVENTLINE_LOCAL_READY: JSON.stringify({ ready: true, ...local.ready }) } : {} });
    const browser: Browser = await launchChromium(toolchain.chromium);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 150_000 });
      await page.locator('.activitybar a[aria-label="Eventline"], .activitybar [aria-label="Eventline"]').first().waitFor({ timeout: 150_000 });
      await use({ page, workspace, local: local.ready });
    } finally {
      await browser.close().catch(() => undefined);
      await server.stop();
      await local.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
      if (data) fs.rmSync(data, { recursive: true, force: true });
    }
  }, { scope: 'worker', timeout: 300_000 }], // code-server, the .vsix install and the workbench take minutes on a loaded 2-core machine
});

export { expect };

/**
 * Runs a command by its palette title ("Eventline: Create Pipeline Manifest"). With `prompts`, the command is
 * expected to ask something next, so the quick input stays open for the caller to answer.
 */
export async function runCommand(page: Page, title: string, opts: { prompts?: boolean } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: title }) })
    .filter({ hasText: title }).first();
  // The palette builds its rows when it opens; right after an editor opens, retry until the command is there.
  for (let attempt = 0; ; attempt++) {
    // A focused webview keeps F1 to itself: pull focus back to the workbench (the side bar's title) first.
    if (attempt > 0) await page.locator('.part.sidebar .composite.title').first().click().catch(() => undefined);
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
    } catch (e) {
      if (attempt >= 4) throw e;
      continue;
    }
    try {
      // The palette can close again between opening and typing (the workbench still moving focus as it loads):
      // a bounded fill, then a fresh attempt, instead of waiting out the whole test on a hidden input.
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
  await page.keyboard.press('Enter');
  if (opts.prompts) {
    await expect(page.locator('.quick-input-widget input')).not.toHaveValue(`>${title}`);
    return;
  }
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** The pane of a view by its title, e.g. "Pipeline". */
export function viewPane(page: Page, title: string): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: title }) });
}

/** The rendered row with this label (first match). */
export function treeRow(pane: Locator, label: string): Locator {
  return pane.locator('.monaco-list[role=tree] [role=treeitem]', { has: pane.page().locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&')}$`) }) }).first();
}

/** Expands a collapsed row (clicking a row toggles it). */
export async function expand(pane: Locator, label: string): Promise<void> {
  const row = treeRow(pane, label);
  await row.waitFor();
  // Children load lazily and the row may re-render meanwhile: click the twistie until it reports expanded.
  await expect(async () => {
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
    await expect(row).toHaveAttribute('aria-expanded', 'true', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
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

/**
 * Opens a file through Quick Open (Ctrl+P) by its absolute path, which Quick Open looks up (a stat) rather than
 * finding it by its search of the workspace. By name, a file written a moment before was once not listed in 45 s of
 * 3 s attempts on CI, each attempt starting the search over. Done when the file's tab is there.
 */
export async function quickOpen(page: Page, file: string): Promise<void> {
  if (!path.isAbsolute(file)) throw new Error(`quickOpen takes an absolute path, not "${file}"`);
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).first();
  await expect(async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await input.fill(file, { timeout: 5_000 });
    await row.waitFor({ timeout: 15_000 });
    // The row is clicked and the tab awaited here: if the pick opened nothing, this attempt fails and the next one
    // opens it, instead of the caller waiting out its own timeout on an editor that never comes.
    await row.click({ timeout: 5_000 });
    await page.locator('.tabs-container .tab', { hasText: path.basename(file) }).first().waitFor({ timeout: 15_000 });
  }).toPass({ timeout: 90_000 });
}

/**
 * Waits for `until` (a cell's output) after a notebook run. With one controller for the notebook type VS Code picks
 * it; should it ask anyway, at any point of the wait, Eventline KQL is chosen. (Playwright's isVisible does not
 * wait, whatever timeout it is given, so a single check right after the run would miss a picker that came later.)
 */
export async function untilNotebookOutput(page: Page, until: Locator, timeout = 60_000): Promise<void> {
  const kernelPick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Eventline KQL' });
  await expect(async () => {
    if (await kernelPick.isVisible()) await kernelPick.click();
    await expect(until).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout });
}
