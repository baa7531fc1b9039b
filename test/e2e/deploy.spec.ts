// The happy path of Eventline: Deploy Ingest Function in code-server with the packaged .vsix (its own esbuild
// binary builds the function): pick the app, read the plan, Confirm in the dialog, watch the progress, and see the
// verification, against the HTTPS stand-ins and a real local hub. Screenshots of the plan and the verification.
import { EventHubProducerClient } from '@azure/event-hubs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { ensureTls } from '../../src/local/tls';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../local/pipeline';
import { FunctionCloud, SUB } from '../integration/support/functionStandins';
import { expect, ROOT, runCommand, test, treeRow, viewPane, VSIX } from './vscode';

/* eslint-disable @typescript-eslint/no-require-imports -- the harness is plain CommonJS shared with the runner */
const { ensureToolchain } = require('../harness/toolchain') as typeof import('../harness/toolchain');
const { startCodeServer, launchChromium } = require('../harness/codeserver') as typeof import('../harness/codeserver');
/* eslint-enable @typescript-eslint/no-require-imports */

test.describe('Deploy Ingest Function (packaged .vsix, stand-ins for Azure, a real local hub)', () => {
  let page: Page;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startCodeServer>>;
  let cloud: FunctionCloud;
  let local: LocalPipeline;
  let workspace: string;
  let tlsDir: string;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run "npm run package" first`);
    tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-e2e-deploy-tls-'));
    const tls = await ensureTls(tlsDir);
    process.env.EVENTLINE_TEST_TLS_DIR = tlsDir;
    const data = tempDataDir('eventline-e2e-deploy-hub-');
    fs.cpSync(tlsDir, path.join(data, 'eventhubs', 'tls'), { recursive: true });
    local = await startLocalPipeline({ dataDir: data });
    cloud = await new FunctionCloud().start();
    cloud.namespaceHost = `127.0.0.1:${local.ready.eventHubs.amqpsPort}`;
    cloud.addSite({ name: 'func-ingest', settings: { USER_SETTING: 'keep-me' } });
    cloud.scenario.onRunNow = async () => {
      const producer = new EventHubProducerClient(local.ready.eventHubs.connectionString, 'telemetry');
      try { await producer.sendBatch([{ body: { site: 'north', temperature: 21.5, from: 'run-now' } }]); } finally { await producer.close(); }
    };

    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-e2e-deploy-ws-'));
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'ingest-function'), path.join(workspace, 'ingest-function'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(workspace, 'ingest-function', 'node_modules'), 'dir');
    fs.writeFileSync(path.join(workspace, 'eventline.json'), JSON.stringify({
      version: 1, name: 'deploy-e2e',
      sources: [{ name: 'sample-api', url: 'https://api.example.com/readings', auth: { header: 'x-api-key', secret: { keyVaultSecret: 'https://kv-pipeline.vault.azure.net/secrets/sample-api-key' } } }],
      functions: [{ name: 'ingest', path: 'ingest-function', source: 'sample-api', hub: 'telemetry', schedule: '0 */1 * * * *' }],
      eventHubs: [{ name: 'telemetry' }], keyVault: { name: 'kv-pipeline' },
      profiles: { local: { kind: 'local' }, prod: { kind: 'azure', tenantId: 'tenant-a', subscriptionId: SUB, eventHubsNamespace: 'ns-main' } },
      activeProfile: 'prod',
    }, null, 2));
    // The extension host trusts the stand-ins' CA from its start; a test-only authentication provider signs in.
    const bundle = path.join(tlsDir, 'trusted.pem');
    const system = ['/etc/ssl/certs/ca-certificates.crt'].find((f) => fs.existsSync(f));
    fs.writeFileSync(bundle, `${system ? fs.readFileSync(system, 'utf8') : ''}\n${fs.readFileSync(tls.caCertificate, 'utf8')}`);
    server = await startCodeServer({
      toolchain: ensureToolchain(), workspace, vsix: VSIX,
      extraExtensions: [path.join(ROOT, 'test', 'fixtures', 'test-auth-extension')],
      env: { NODE_EXTRA_CA_CERTS: bundle },
      settings: { 'eventline.cloud': { authProviderId: 'eventline-test', resourceManagerEndpoint: cloud.arm.url }, 'eventline.local.autoStart': false, 'eventline.deploy.verifyTimeoutSeconds': 30 },
    });
    browser = await launchChromium(ensureToolchain().chromium);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 150_000 });
  });

  test.afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await cloud?.stop();
    await local?.stop();
    for (const d of [workspace, tlsDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  // Generous bounds: other runs share this 2-core machine, and each wait ends as soon as its condition holds.
  test('picks the app, shows the plan, applies it on Confirm and shows every check ticked', async () => {
    test.setTimeout(600_000);
    await runCommand(page, 'Eventline: Focus on Pipeline View');
    const pane = viewPane(page, 'Pipeline');
    await expect(treeRow(pane, 'ingest')).toBeVisible({ timeout: 120_000 });

    await runCommand(page, 'Eventline: Deploy Ingest Function', { prompts: true });
    const quick = page.locator('.quick-input-widget');
    await expect(quick.locator('.quick-input-title')).toContainText('Function App');
    await quick.locator('.monaco-list-row', { hasText: 'func-ingest' }).click({ timeout: 120_000 });

    // The plan opens as a read-only document and the modal asks to Confirm.
    const dialog = page.locator('.monaco-dialog-box');
    await expect(dialog).toBeVisible({ timeout: 180_000 });
    await expect(dialog).toContainText('Apply this plan to func-ingest?');
    await expect(page.locator('.tab', { hasText: 'Deploy plan.md' })).toBeVisible();
    await expect(page.locator('.monaco-editor .view-lines')).toContainText('Deploy plan: ingest → func-ingest');
    await page.screenshot({ path: 'test-results/e2e-deploy-plan.png' });
    await dialog.locator('a.monaco-button, button', { hasText: /^Confirm$/ }).first().click();

    // Progress, then the verification document and the notification.
    await expect(page.locator('.notification-toast', { hasText: 'Deployed ingest to func-ingest and verified it' })).toBeVisible({ timeout: 300_000 });
    await expect(page.locator('.tab', { hasText: 'Verification.md' })).toBeVisible();
    await expect(page.locator('.monaco-editor .view-lines')).toContainText('all checks passed');
    await page.screenshot({ path: 'test-results/e2e-deploy-verification.png' });

    expect(cloud.scm.requests.filter((r) => r.path === '/api/publish')).toHaveLength(1);
    expect(cloud.app.requests.filter((r) => r.path === '/admin/functions/ingest')).toHaveLength(1);
    expect(cloud.sites.get('func-ingest')!.settings.USER_SETTING).toBe('keep-me');
    const stored = JSON.parse(fs.readFileSync(path.join(workspace, 'eventline.json'), 'utf8')) as { profiles: { prod: { functionApp?: string } } };
    expect(stored.profiles.prod.functionApp).toMatch(/\/providers\/Microsoft\.Web\/sites\/func-ingest$/);
  });
});
