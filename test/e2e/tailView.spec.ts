// The live tail page (the real dist/webviews/tail.js with the panel's HTML and CSP) in headless Chromium, without a
// workbench: what a real mouse does to a list that is drawn anew with every update.
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
    // An update between the press and the release (counters come twice a second, rows as they arrive): the row
    // under the mouse is a new element by the release, so a click never fires on it.
    const before = await target.elementHandle();
    await post(page, update([row(4)], 4));
    await page.waitForFunction((el) => !el?.isConnected, before);
    await page.mouse.up();
    await expect(page.locator('.row.sel')).toHaveAttribute('data-key', '0:2');
    await expect.poll(() => page.evaluate(() => (window as unknown as Window).toHost.filter((m) => m.type === 'details').map((m) => m.key))).toEqual(['0:2']);
  });

  test('the right button does not select', async ({ tailPage: page }) => {
    await page.locator('.row[data-key="0:3"]').click({ button: 'right' });
    await post(page, update([], 3));
    await expect(page.locator('.row')).toHaveCount(3);
    await expect(page.locator('.row.sel')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as Window).toHost.filter((m) => m.type === 'details'))).toEqual([]);
  });
});
