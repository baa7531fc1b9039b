// The live tail page (the real dist/webviews/tail.js with the panel's HTML and CSP) in headless Chromium, without a
// workbench: what a real mouse does to a list that updates while it is pressed, and what an update redraws.
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import type { HostToView, TailRow } from '../../src/protocol/tailProtocol';
import { openTailPage, type TailPageWindow as Window } from '../bench/tailPage';

/* eslint-disable @typescript-eslint/no-require-imports -- the harness is plain CommonJS shared with the runner */
const { ensureToolchain } = require('../harness/toolchain') as typeof import('../harness/toolchain');
const { launchChromium } = require('../harness/codeserver') as typeof import('../harness/codeserver');
/* eslint-enable @typescript-eslint/no-require-imports */

const test = base.extend<{ tailPage: Page }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
  tailPage: [async ({}, use) => {
    const browser: Browser = await launchChromium(ensureToolchain().chromium);
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await openTailPage(page);
      await use(page);
    } finally {
      await browser.close().catch(() => undefined);
    }
  }, { timeout: 60_000 }],
});

function row(i: number): TailRow {
  return { key: `0:${i}`, partitionId: '0', sequenceNumber: i, offset: String(i * 100), enqueuedTime: new Date(Date.UTC(2026, 11, 5, 10, 0, i)).toISOString(), preview: `{"i":${i}}`, bodyKind: 'json' };
}

async function post(page: Page, m: HostToView): Promise<void> {
  await page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(m));
}

const update = (rows: TailRow[], total: number): HostToView => ({ type: 'update', rows, total, dropped: 0, state: 'live', partitions: [] });

test.describe('live tail page in Chromium (real bundle, no workbench)', () => {
  test.beforeEach(async ({ tailPage: page }) => {
    await post(page, { type: 'init', title: 'telemetry', consumerGroup: 'eventline-tail', start: 'latest', bufferSize: 100, restore: { hub: 'telemetry', consumerGroup: 'eventline-tail' } });
    await post(page, update([row(1), row(2), row(3)], 3));
  });

  test('a row pressed while an update redraws the list is selected and its details asked for', async ({ tailPage: page }) => {
    const target = page.locator('.row[data-key="0:2"]');
    await expect(target).toBeVisible();
    const box = (await target.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    // An update between the press and the release (counters come twice a second, rows as they arrive).
    const before = await target.elementHandle();
    await post(page, update([row(4)], 4));
    await expect(page.locator('.row[data-key="0:4"]')).toBeVisible();
    await page.mouse.up();
    await expect(page.locator('.row.sel')).toHaveAttribute('data-key', '0:2');
    await expect.poll(() => page.evaluate(() => (window as unknown as Window).toHost.filter((m) => m.type === 'details').map((m) => m.key))).toEqual(['0:2']);
    // The drawing kept the pressed row's element: only the new row was made.
    expect(await page.evaluate((el) => el?.isConnected, before)).toBe(true);
  });

  test('an update without rows leaves the list alone; a new row object under a known key is drawn from its own content', async ({ tailPage: page }) => {
    await expect(page.locator('.row')).toHaveCount(3);
    await page.evaluate(() => {
      const w = window as unknown as { mutations: number };
      w.mutations = 0;
      new MutationObserver((records) => { w.mutations += records.length; }).observe(document.getElementById('spacer')!, { childList: true, subtree: true, attributes: true, characterData: true });
    });
    await post(page, update([], 5));
    await expect(page.locator('#status')).toContainText('5 received');
    expect(await page.evaluate(() => (window as unknown as { mutations: number }).mutations)).toBe(0);
    // Cleared, then the same partition and sequence number again (a local hub made anew): the new body shows.
    await post(page, { type: 'cleared' });
    await post(page, update([{ ...row(2), preview: '{"fresh":true}' }], 6));
    await expect(page.locator('.row')).toHaveCount(1);
    await expect(page.locator('.row[data-key="0:2"] .body')).toHaveText('{"fresh":true}');
  });

  test('the right button does not select', async ({ tailPage: page }) => {
    await page.locator('.row[data-key="0:3"]').click({ button: 'right' });
    await post(page, update([], 3));
    await expect(page.locator('.row')).toHaveCount(3);
    await expect(page.locator('.row.sel')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as Window).toHost.filter((m) => m.type === 'details'))).toEqual([]);
  });
});
