// The result renderer's browser checks (test/bench/renderer/checks.ts) as end-to-end tests: the real bundle in
// headless Chromium with real mouse and keyboard events, without a workbench, so sort, selection, copy, export,
// tabs, resize, virtual scrolling and every chart kind are checked on every `npm test`, not only by the benchmark.
import { test as base, type Browser, type BrowserContext, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import { BUNDLE, openRendererPage } from '../bench/renderer/page';
import { CHECKS } from '../bench/renderer/checks';

/* eslint-disable @typescript-eslint/no-require-imports -- the harness is plain CommonJS shared with the runner */
const { ensureToolchain } = require('../harness/toolchain') as typeof import('../harness/toolchain');
const { launchChromium } = require('../harness/codeserver') as typeof import('../harness/codeserver');
/* eslint-enable @typescript-eslint/no-require-imports */

const test = base.extend<object, { rendererPage: { page: Page; errors: string[] } }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
  rendererPage: [async ({}, use) => {
    if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "node esbuild.js" first`);
    const browser: Browser = await launchChromium(ensureToolchain().chromium);
    let context: BrowserContext | undefined;
    try {
      const opened = await openRendererPage(browser, { clipboard: true });
      context = opened.context;
      const errors: string[] = [];
      opened.page.on('pageerror', (e) => errors.push(String(e)));
      await use({ page: opened.page, errors });
    } finally {
      await context?.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    }
  }, { scope: 'worker' }],
});

test.describe('results renderer in Chromium (real bundle, no workbench)', () => {
  for (const [name, run] of CHECKS) {
    test(name, async ({ rendererPage: { page, errors } }) => {
      errors.length = 0;
      await run(page);
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    });
  }
});
