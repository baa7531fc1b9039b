// Each fault of the list against the real runner, template, sample API, Key Vault and hub: a clear message,
// and nothing lost (the watermark never moves past what the hub accepted; the next good run catches up).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Manifest } from '../../../src/core/manifest';
import type { FunctionRunResult } from '../../../src/protocol/controlApi';
import { startLocalPipeline, type LocalPipeline } from '../pipeline';
import { Control, freePort, idOf, manifestFor, readAll, startOn, vaultClient, workspace, type Workspace } from './helpers';

describe('function runner: bad input and faults', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let pipeline: LocalPipeline;
  let control: Control;

  const apply = async (m: Manifest) => { ws.write(m); await control.reload(); };
  const good = async (over: Parameters<typeof manifestFor>[1] = {}) => apply(manifestFor(ws.apiPort, over));
  const resetWatermark = () => fs.rmSync(path.join(pipeline.dataDir, 'functions', 'watermarks', 'ingest_sample-api.json'), { force: true });
  const watermark = () => {
    const f = path.join(pipeline.dataDir, 'functions', 'watermarks', 'ingest_sample-api.json');
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { value: string }).value : undefined;
  };
  const succeeded = (r: FunctionRunResult) => { assert.equal(r.status, 'succeeded', JSON.stringify(r.error)); return r; };
  const failed = (r: FunctionRunResult, message: RegExp) => { assert.equal(r.status, 'failed', JSON.stringify(r)); assert.match(r.error?.message ?? '', message); return r; };

  before(async () => {
    ws = await workspace();
    pipeline = await startOn(ws);
    control = new Control(pipeline.ready.control);
    succeeded(await control.run());
  });
  after(async () => { await pipeline?.stop(); });
  afterEach(async () => { await control.fault(undefined); });

  it('500s: retried with backoff, the run succeeds and counts them', async () => {
    await control.fault({ kind: 'http500', count: 2 });
    const r = succeeded(await control.run());
    assert.equal(r.retries, 2);
    const logs = (await control.logs()).lines.map((l) => l.message).join('\n');
    assert.match(logs, /HTTP 500; retry 1 of 4/);
  });

  it('429 with Retry-After: waits what the source asks', async () => {
    await control.fault({ kind: 'http429', count: 1, retryAfterSeconds: 1 });
    const r = succeeded(await control.run());
    assert.equal(r.retries, 1);
    assert.ok(r.durationMs >= 1000, `took ${r.durationMs} ms`);
  });

  it('a slow response times out and is retried (INGEST_REQUEST_TIMEOUT_SECONDS from the functions entry)', async () => {
    await good({ settings: { INGEST_REQUEST_TIMEOUT_SECONDS: '1' } });
    await control.fault({ kind: 'slow', count: 1, delayMs: 3000 });
    const r = succeeded(await control.run());
    assert.equal(r.retries, 1);
    assert.match((await control.logs()).lines.map((l) => l.message).join('\n'), /no response within 1 s/);
    await good();
  });

  it('a dropped connection is a network error, retried', async () => {
    await control.fault({ kind: 'reset', count: 1 });
    assert.equal(succeeded(await control.run()).retries, 1);
  });

  it('an empty page with a next link is followed', async () => {
    await control.fault({ kind: 'emptyPage', count: 1 });
    succeeded(await control.run());
  });

  it('the source down: the run fails naming the source and the URL; the watermark stays', async () => {
    const closed = await freePort();
    const before = watermark();
    await good({ sourceOver: { url: `http://127.0.0.1:${closed}/readings` } });
    failed(await control.run(), new RegExp(`Source "sample-api" \\(GET http://127\\.0\\.0\\.1:${closed}/readings\\?pageSize=200&since=[^)]+\\) failed after 4 retries: network error: connection refused`));
    assert.equal(watermark(), before);
    await good();
  });

  it('malformed JSON fails the run, naming the source, the URL and the problem; nothing is marked sent', async () => {
    const before = watermark();
    await control.fault({ kind: 'malformed' });
    failed(await control.run(), /Source "sample-api" \(http:\/\/127\.0\.0\.1:\d+\/readings\?[^)]*\) returned a response that is not JSON/);
    assert.equal(watermark(), before);
  });

  it('a missing records path says which path and what keys there are', async () => {
    await good({ sourceOver: { recordsPath: 'results' } });
    failed(await control.run(), /without the records path "results" \(its top-level keys: items, next, count\)\. Fix recordsPath/);
    await good();
  });

  it('a wrong API key: the message names the secret and how to set it; setting the right one fixes it', async () => {
    const vault = vaultClient(pipeline);
    const right = fs.readFileSync(path.join(pipeline.dataDir, 'sample-api', 'api-key'), 'utf8').trim();
    await vault.setSecret('sample-api-key', 'not-the-key');
    const r = failed(await control.run(), /refused the API key \(HTTP 401.*Key Vault secret "sample-api-key".*Eventline: Set Secret/);
    assert.ok(!JSON.stringify(r).includes('not-the-key'), 'the wrong key is not shown either');
    await vault.setSecret('sample-api-key', right);
    succeeded(await control.run());
    const all = (await control.logs()).lines.map((l) => l.message).join('\n') + pipeline.logs();
    assert.ok(!all.includes(right) && !all.includes('not-the-key'), 'no key in any log');
  });

  it('a missing secret names it and says how to set it', async () => {
    const m = manifestFor(ws.apiPort);
    m.sources![0].auth!.secret = { keyVaultSecret: 'no-such-secret' };
    await apply(m);
    failed(await control.run(), /INGEST_SOURCE_API_KEY refers to Key Vault secret "no-such-secret", which is not in the local Key Vault\. Set it with "Eventline: Set Secret"/);
    await good();
  });

  it('an unknown hub says so', async () => {
    const m = manifestFor(ws.apiPort, { hub: 'ghost' });
    m.eventHubs!.push({ name: 'ghost' });
    await apply(m);
    const before = watermark();
    resetWatermark();
    failed(await control.run(), /The hub did not (create a batch|accept a batch of \d+ events): the event hub was not found/);
    assert.equal(watermark(), undefined, 'nothing marked sent');
    await good();
    fs.writeFileSync(path.join(pipeline.dataDir, 'functions', 'watermarks', 'ingest_sample-api.json'), JSON.stringify({ value: before, ids: [], updated: '' }));
  });

  it('an invalid NCRONTAB: the manifest problem with line and column, no run', async () => {
    await good({ schedule: '0 */5 25 * * *' });
    const list = (await control.call<{ functions: unknown[]; problem?: { message: string; line: number; column: number } }>('GET', '/api/functions')).body;
    assert.match(list.problem?.message ?? '', /Function "ingest" schedule: The hour field "25" is not valid/);
    assert.ok(list.problem!.line > 1 && list.problem!.column > 1);
    assert.deepEqual(list.functions, []);
    await good();
    await waitFor(async () => (await control.fn()).state === 'idle');
  });

  it('the hub going down mid-run: nothing marked sent that the hub did not accept, and the next run resends', async function () {
    this.timeout(240_000);
    // The function sends to a second local pipeline's hub, which is killed (SIGKILL) between pages.
    const hubConfig = path.join(ws.dir, 'hub-only.json');
    fs.writeFileSync(hubConfig, JSON.stringify({ eventHubs: [{ name: 'telemetry', partitions: 2 }] }));
    let hub = await startLocalPipeline({ args: ['--config', hubConfig] });
    try {
      await control.dataset({ intervalMs: 100, historySeconds: 120 });
      resetWatermark();
      const viaHub = (h: LocalPipeline) => good({ settings: { EventHubConnection: h.ready.eventHubs.connectionString, INGEST_MAX_RUN_SECONDS: '25' }, sourceOver: { query: { pageSize: '100' } } });
      await viaHub(hub);
      await control.fault({ kind: 'slow', delayMs: 150 });
      const from = (await control.logs()).lastSeq;
      const run = control.run();
      await waitFor(async () => (await control.logs('ingest', from)).lines.some((l) => /page 5:/.test(l.message)));
      await hub.kill();
      const r = failed(await run, /The hub did not (accept|create) a batch.*: .+\. The watermark stays at the last page the hub accepted, so the next run sends the rest again/);
      assert.ok(r.eventsSent > 0 && r.pages >= 5, JSON.stringify(r));
      const mark = watermark()!;
      hub = await startLocalPipeline({ dataDir: hub.dataDir, args: ['--config', hubConfig] });
      const inHub = await readAll(hub.ready.eventHubs.connectionString, 'telemetry', { idleMs: 3000 });
      const newest = Math.max(...inHub.map((e) => Date.parse((e.body as { timestamp: string }).timestamp)));
      assert.ok(Date.parse(mark) <= newest, `the watermark ${mark} is not past what the hub holds (${new Date(newest).toISOString()})`);
      await control.fault(undefined);
      await viaHub(hub);
      const again = succeeded(await control.run());
      assert.ok(again.eventsSent > 0);
      const ids = new Set((await readAll(hub.ready.eventHubs.connectionString, 'telemetry', { idleMs: 3000 })).map(idOf));
      const info = await control.api();
      const key = fs.readFileSync(path.join(pipeline.dataDir, 'sample-api', 'api-key'), 'utf8').trim();
      let page = (await (await fetch(`${info.url}?pageSize=5000&until=${Date.parse(watermark()!)}`, { headers: { 'x-api-key': key } })).json()) as { items: { id: string }[]; next: string | null };
      const expected = page.items.map((x) => x.id);
      while (page.next) {
        page = (await (await fetch(page.next, { headers: { 'x-api-key': key } })).json()) as typeof page;
        expected.push(...page.items.map((x) => x.id));
      }
      assert.ok(expected.length > 1000);
      assert.deepEqual(expected.filter((id) => !ids.has(id)), [], 'every record up to the watermark is in the hub');
    } finally {
      await hub.stop();
      await good();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
