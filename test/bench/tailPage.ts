// A Chromium page that hosts the real live tail bundle (dist/webviews/tail.js) with the panel's HTML and CSP, as
// VS Code's webview does: acquireVsCodeApi() records what the view posts in window.toHost. Shared by bench:tail and
// the tail page's browser tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { tailHtml } from '../../src/tail/tailFeed';

export const TAIL_BUNDLE = path.resolve(__dirname, '../../dist/webviews/tail.js');
const ORIGIN = 'https://tail.webview';

/** What the view posted, as the page keeps it. */
export type TailPageWindow = { toHost: { type: string; key?: string }[] };

/**
 * Loads the panel in `page` and waits for its 'ready'. `beforeLoad` adds what must be in place before the view's
 * script runs (init scripts, exposed functions); window.onHostMessage, when it sets one, sees each post as it is made.
 */
export async function openTailPage(page: Page, beforeLoad?: () => Promise<void>): Promise<void> {
  if (!fs.existsSync(TAIL_BUNDLE)) throw new Error(`${TAIL_BUNDLE} is missing: run "node esbuild.js" first`);
  const script = fs.readFileSync(TAIL_BUNDLE, 'utf8');
  const html = tailHtml({ nonce: 'tailnonce', cspSource: ORIGIN, scriptUri: `${ORIGIN}/tail.js` });
  await page.route(`${ORIGIN}/**`, (route) => route.fulfill(route.request().url().endsWith('/tail.js')
    ? { contentType: 'text/javascript', body: script }
    : { contentType: 'text/html', body: html }));
  // Plain text, not a function: tsx's keepNames would wrap a function handed to the page in __name().
  await page.addInitScript({ content: 'window.toHost = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.toHost.push(m); window.onHostMessage?.(m); }, setState: () => undefined });' });
  await beforeLoad?.();
  await page.goto(`${ORIGIN}/panel.html`);
  await page.waitForFunction(() => (window as unknown as TailPageWindow).toHost.some((m) => m.type === 'ready'));
}
