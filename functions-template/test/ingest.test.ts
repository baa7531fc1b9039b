// The run loop against a tiny HTTP source: watermarks and at-least-once, every fault, and no secret in any output.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { MAX_EVENT_BYTES, runIngest, type IngestDeps } from '../src/lib/ingest';
import { IngestError, readConfig } from '../src/lib/settings';
import { FileWatermarkStore } from '../src/lib/watermark';
import { CapturingLog, config, json, MemoryProducer, MemoryWatermarks, noSleep, records, tinyServer, type TinyServer } from './support';

const SECRET = 'sk-live-0123456789abcdef';
const servers: TinyServer[] = [];
after(async () => { for (const s of servers) await s.close(); });

/** A source with `since` (inclusive, like many APIs) and next links, over a growing list of records. */
async function sinceSource(data: { list: ReturnType<typeof records> }, opts: { pageSize?: number; keyHeader?: string } = {}) {
  const server = await tinyServer((req, url, res) => {
    if (opts.keyHeader && req.headers[opts.keyHeader] !== SECRET) return json(res, 401, { error: 'bad key' });
    const since = url.searchParams.get('since');
    const at = Number(url.searchParams.get('at') ?? 0);
    const list = data.list.filter((r) => !since || r.ts >= since);
    const size = opts.pageSize ?? 10;
    const page = list.slice(at, at + size);
    const next = at + size < list.length ? `/items?at=${at + size}${since ? `&since=${encodeURIComponent(since)}` : ''}` : null;
    json(res, 200, { items: page, next });
  });
  servers.push(server);
  return server;
}

function deps(over: Partial<IngestDeps> & { url: string }): IngestDeps & { log: CapturingLog; producer: MemoryProducer; watermarks: MemoryWatermarks } {
  const { url, ...rest } = over;
  return {
    config: config({ url: `${url}/items`, paging: { style: 'nextLink' }, watermark: { param: 'since' } }, { partitionKeyField: 'site' }),
    producer: new MemoryProducer(),
    watermarks: new MemoryWatermarks(),
    watermarkKey: 'ingest/test-source',
    log: new CapturingLog(),
    ...noSleep,
    ...rest,
  } as IngestDeps & { log: CapturingLog; producer: MemoryProducer; watermarks: MemoryWatermarks };
}

const ids = (p: MemoryProducer) => p.sent.map((e) => (e.body as { id: string }).id);

describe('watermark and delivery', () => {
  it('sends every record once across runs while the source grows, skipping repeats at the since boundary', async () => {
    const data = { list: records(0, 25) };
    const server = await sinceSource(data);
    const d = deps({ url: server.url });
    const first = await runIngest(d);
    assert.equal(first.eventsSent, 25);
    assert.equal(d.watermarks.current?.value, data.list[24].ts);
    data.list.push(...records(25, 12));
    const second = await runIngest(d);
    assert.equal(second.recordsFetched, 13, 'the boundary record comes back (since is inclusive)…');
    assert.equal(second.eventsSent, 12, '…and is not sent again');
    const third = await runIngest(d);
    assert.equal(third.eventsSent, 0);
    assert.deepEqual(ids(d.producer).sort(), records(0, 37).map((r) => r.id).sort());
    assert.equal(new Set(ids(d.producer)).size, 37, 'no duplicate');
    assert.ok(server.requests.some((r) => r.url.searchParams.get('since') === data.list[36].ts), 'asks only from the watermark on');
  });

  it('moves the watermark only after the hub accepted a page; a failed run resends from there', async () => {
    const data = { list: records(0, 30) };
    const server = await sinceSource(data);
    const d = deps({ url: server.url });
    // 3 partition keys → 3 sends per page; the 5th send is on page 2.
    d.producer = new MemoryProducer({ failOn: (n) => (n === 5 ? Object.assign(new Error('connection lost'), { name: 'ServiceUnavailableError' }) : undefined) });
    await assert.rejects(runIngest(d), (e: unknown) => e instanceof IngestError && /The hub did not accept a batch.*next run sends the rest again/.test(e.message) && (e.summary as { pages: number }).pages === 2);
    assert.equal(d.watermarks.current?.value, data.list[9].ts, 'the watermark is the last record of page 1');
    const hub = new MemoryProducer();
    d.producer = hub;
    const again = await runIngest(d);
    assert.equal(again.eventsSent, 20);
    assert.deepEqual(hub.sent.map((e) => (e.body as { id: string }).id).sort(), records(10, 20).map((r) => r.id).sort());
  });

  it('keeps the watermark in a file, replaced whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-'));
    const store = new FileWatermarkStore(dir);
    assert.equal(await store.load('ingest/source'), undefined);
    await store.save('ingest/source', { value: '2026-01-01T00:00:00.000Z', ids: ['a'], updated: 'now' });
    assert.deepEqual(await store.load('ingest/source'), { value: '2026-01-01T00:00:00.000Z', ids: ['a'], updated: 'now' });
    assert.deepEqual(fs.readdirSync(dir), ['ingest_source.json']);
    fs.writeFileSync(path.join(dir, 'ingest_source.json'), '{oops');
    await assert.rejects(store.load('ingest/source'), /not readable.*delete it/);
  });

  it('builds events: body is the record, partition key from the field, source and eventTime properties', async () => {
    const server = await sinceSource({ list: records(0, 6) });
    const d = deps({ url: server.url });
    await runIngest(d);
    const e = d.producer.sent[0];
    assert.deepEqual(e.body, records(0, 1)[0]);
    assert.equal(e.partitionKey, 's0');
    assert.deepEqual(e.properties, { source: 'test-source', eventTime: records(0, 1)[0].ts });
    assert.deepEqual(new Set(d.producer.sent.map((x) => x.partitionKey)), new Set(['s0', 's1', 's2']));
  });

  it('skips a record over 1 MiB by id and sends the rest', async () => {
    const list = records(0, 3) as ({ blob?: string } & ReturnType<typeof records>[number])[];
    list[1].blob = 'x'.repeat(MAX_EVENT_BYTES);
    const server = await sinceSource({ list });
    const d = deps({ url: server.url });
    const s = await runIngest(d);
    assert.equal(s.recordsSkipped, 1);
    assert.deepEqual(ids(d.producer), ['r0', 'r2']);
    assert.match(d.log.text, /record r1 is \d+ bytes, over the 1 MiB event limit of the hub; skipped/);
  });
});

describe('faults', () => {
  it('retries 500s with backoff and counts the retries', async () => {
    let calls = 0;
    const server = await tinyServer((_req, _url, res) => (++calls <= 2 ? json(res, 500, { error: 'boom' }) : json(res, 200, { items: records(0, 2), next: null })));
    servers.push(server);
    const delays: number[] = [];
    const d = deps({ url: server.url, sleep: async (ms) => { delays.push(ms); } });
    const s = await runIngest(d);
    assert.equal(s.retries, 2);
    assert.equal(s.eventsSent, 2);
    assert.equal(delays.length, 2);
    assert.ok(delays[1] >= delays[0] / 2 && delays[0] >= 250, delays.join(','));
    assert.match(d.log.text, /HTTP 500; retry 1 of 3/);
  });

  it('honours 429 Retry-After (really waits it)', async () => {
    let calls = 0;
    const server = await tinyServer((_req, _url, res) => (++calls === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { items: records(0, 1), next: null })));
    servers.push(server);
    const d = deps({ url: server.url, sleep: undefined, random: undefined });
    const t = Date.now();
    const s = await runIngest(d);
    assert.ok(Date.now() - t >= 1000, 'waited the Retry-After');
    assert.equal(s.retries, 1);
    assert.match(d.log.text, /HTTP 429; retry 1 of 3 in 1000 ms \(Retry-After\)/);
  });

  it('gives up when Retry-After is past the time budget, saying the next run continues', async () => {
    const server = await tinyServer((_req, _url, res) => json(res, 429, {}, { 'retry-after': '3600' }));
    servers.push(server);
    await assert.rejects(runIngest(deps({ url: server.url })), /HTTP 429, and waiting 3600 s \(its Retry-After\) would pass the run's time budget/);
  });

  it('times out a request that hangs, retries, then fails naming the source and the URL', async () => {
    const server = await tinyServer(() => new Promise(() => undefined));
    servers.push(server);
    const d = deps({ url: server.url });
    d.config.requestTimeoutMs = 200;
    await assert.rejects(runIngest(d), (e: unknown) => e instanceof IngestError && /Source "test-source" \(GET http:\/\/127\.0\.0\.1:\d+\/items\) failed after 3 retries: no response within 0 s/.test(e.message));
  });

  it('reports a source that is down', async () => {
    const server = await tinyServer(() => undefined);
    await server.close();
    await assert.rejects(runIngest(deps({ url: server.url })), /failed after 3 retries: network error: connection refused \(is the source running\?\)/);
  });

  it('fails a malformed response: not JSON, records path missing, wrong type — naming source, URL and problem', async () => {
    const bodies = ['{"items": [ {"id": 1', JSON.stringify({ data: [] }), JSON.stringify({ items: 'nope' })];
    const expected = [/Source "test-source" \(http:\/\/127\.0\.0\.1:\d+\/items\) returned a response that is not JSON/, /without the records path "items" \(its top-level keys: data\)/, /records path "items" holds string, not an array/];
    for (let i = 0; i < bodies.length; i++) {
      const server = await tinyServer((_req, _url, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(bodies[i]); });
      servers.push(server);
      const d = deps({ url: server.url });
      await assert.rejects(runIngest(d), expected[i]);
      assert.equal(d.producer.sent.length, 0);
      assert.equal(d.watermarks.current, undefined, 'nothing marked sent');
    }
  });

  it('a wrong API key (401) names the secret and how to set it', async () => {
    const server = await sinceSource({ list: records(0, 1) }, { keyHeader: 'x-api-key' });
    const d = deps({ url: server.url });
    d.config.source.auth = { header: 'x-api-key', secretName: 'sample-api-key' };
    d.config.apiKey = 'wrong';
    await assert.rejects(runIngest(d), /refused the API key \(HTTP 401.*Key Vault secret "sample-api-key" \(app setting INGEST_SOURCE_API_KEY\); put the right key there \(in VS Code: Eventline: Set Secret\)/);
  });
});

describe('settings', () => {
  const base = { INGEST_SOURCE: JSON.stringify({ name: 's', url: 'https://api.example.com/x', auth: { header: 'x-api-key', secretName: 'api-key' } }), INGEST_EVENTHUB_NAME: 'hub' };
  it('an unresolved Key Vault reference says the platform could not read the secret', () => {
    assert.throws(() => readConfig({ ...base, INGEST_SOURCE_API_KEY: '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/api-key)' }), /INGEST_SOURCE_API_KEY is still a Key Vault reference \(secret "api-key"\).*Key Vault Secrets User/);
  });
  it('a missing key names the secret', () => {
    assert.throws(() => readConfig(base), /needs an API key.*INGEST_SOURCE_API_KEY \(Key Vault secret "api-key"\)/);
  });
  it('missing or broken settings name the setting', () => {
    assert.throws(() => readConfig({}), /INGEST_SOURCE is missing/);
    assert.throws(() => readConfig({ INGEST_SOURCE: '{' }), /INGEST_SOURCE is not valid JSON/);
    assert.throws(() => readConfig({ ...base, INGEST_SOURCE_API_KEY: 'k', INGEST_EVENTHUB_NAME: '' }), /INGEST_EVENTHUB_NAME is missing/);
    assert.throws(() => readConfig({ ...base, INGEST_SOURCE_API_KEY: 'k', INGEST_MAX_RUN_SECONDS: 'soon' }), /INGEST_MAX_RUN_SECONDS must be a number/);
  });
});

describe('secrets', () => {
  it('the API key never appears in a log line or an error, in a header or in the query string', async () => {
    const outputs: string[] = [];
    // Header key: a good run, a 401 and a 500 run.
    for (const status of [200, 401, 500]) {
      const server = await tinyServer((_req, _url, res) => (status === 200 ? json(res, 200, { items: records(0, 2), next: null }) : json(res, status, { error: 'no' })));
      servers.push(server);
      const d = deps({ url: server.url });
      d.config.source.auth = { header: 'authorization', prefix: 'Bearer ', secretName: 'k' };
      d.config.apiKey = SECRET;
      try { await runIngest(d); } catch (e) { outputs.push(String((e as Error).message)); }
      outputs.push(d.log.text);
      assert.equal(server.requests[0].headers.authorization, `Bearer ${SECRET}`);
    }
    // Query key: next links from the source, a malformed page, and a connection that breaks.
    for (const kind of ['ok', 'malformed', 'reset']) {
      const server = await tinyServer((req, url, res) => {
        if (kind === 'reset') return void req.socket.destroy();
        if (kind === 'malformed') { res.end('<html>'); return; }
        const at = Number(url.searchParams.get('at') ?? 0);
        json(res, 200, { items: records(at, 2), next: at < 4 ? `/items?at=${at + 2}` : null });
      });
      servers.push(server);
      const d = deps({ url: server.url });
      d.config.source.auth = { query: 'api_key', secretName: 'k' };
      d.config.apiKey = SECRET;
      try { await runIngest(d); } catch (e) { outputs.push(String((e as Error).message)); }
      outputs.push(d.log.text);
      if (kind === 'ok') assert.ok(server.requests.every((r) => r.url.searchParams.get('api_key') === SECRET), 'the key rides along on next links');
    }
    const all = outputs.join('\n');
    assert.ok(all.length > 500, 'there was output to check');
    assert.ok(!all.includes(SECRET), 'the secret leaked');
    assert.match(all, /api_key=\*\*\*/);
  });
});
