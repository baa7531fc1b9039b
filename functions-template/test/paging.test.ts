// Every paging style against a tiny HTTP source, through the real run loop.
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runIngest } from '../src/lib/ingest';
import { CapturingLog, config, json, MemoryProducer, MemoryWatermarks, noSleep, records, tinyServer, type TinyServer } from './support';

const ALL = records(0, 23);
const servers: TinyServer[] = [];
after(async () => { for (const s of servers) await s.close(); });

async function run(paging: object, serve: (url: URL, base: string) => { status?: number; body: unknown; headers?: Record<string, string> }) {
  let base = '';
  const server = await tinyServer((_req, url, res) => {
    const r = serve(url, base);
    json(res, r.status ?? 200, r.body, r.headers);
  });
  servers.push(server);
  base = server.url;
  const producer = new MemoryProducer();
  const summary = await runIngest({ config: config({ url: `${base}/items`, paging: paging as never }), producer, watermarks: new MemoryWatermarks(), watermarkKey: 'k', log: new CapturingLog(), ...noSleep });
  return { summary, producer, server };
}

describe('paging styles', () => {
  it('next link in the body (absolute or relative)', async () => {
    const { summary, producer } = await run({ style: 'nextLink', nextLinkPath: 'links.next' }, (url) => {
      const at = Number(url.searchParams.get('at') ?? 0);
      const next = at + 10 < ALL.length ? `/items?at=${at + 10}` : null;
      return { body: { items: ALL.slice(at, at + 10), links: { next } } };
    });
    assert.equal(summary.pages, 3);
    assert.deepEqual(producer.sent.map((e) => (e.body as { id: string }).id), ALL.map((r) => r.id));
  });

  it('Link header', async () => {
    const { summary, producer } = await run({ style: 'linkHeader' }, (url, base) => {
      const at = Number(url.searchParams.get('at') ?? 0);
      return { body: { items: ALL.slice(at, at + 10) }, headers: at + 10 < ALL.length ? { link: `<${base}/items?at=${at + 10}>; rel="next"` } : undefined };
    });
    assert.equal(summary.pages, 3);
    assert.equal(producer.sent.length, ALL.length);
  });

  it('page numbers, stopping at a short page', async () => {
    const { summary, producer, server } = await run({ style: 'page', pageParam: 'p', pageSizeParam: 'size', pageSize: 10, firstPage: 1 }, (url) => {
      const p = Number(url.searchParams.get('p'));
      const size = Number(url.searchParams.get('size'));
      return { body: { items: ALL.slice((p - 1) * size, p * size) } };
    });
    assert.equal(summary.pages, 3);
    assert.deepEqual(server.requests.map((r) => r.url.searchParams.get('p')), ['1', '2', '3']);
    assert.equal(producer.sent.length, ALL.length);
  });

  it('offsets, stopping at an empty page when no limit is known', async () => {
    const { summary, producer, server } = await run({ style: 'offset', offsetParam: 'offset' }, (url) => {
      const o = Number(url.searchParams.get('offset'));
      return { body: { items: ALL.slice(o, o + 10) } };
    });
    assert.equal(summary.pages, 4);
    assert.deepEqual(server.requests.map((r) => r.url.searchParams.get('offset')), ['0', '10', '20', '23']);
    assert.equal(producer.sent.length, ALL.length);
  });

  it('one page when the source does not page', async () => {
    const { summary, producer } = await run({ style: 'none' }, () => ({ body: { items: ALL } }));
    assert.equal(summary.pages, 1);
    assert.equal(producer.sent.length, ALL.length);
  });

  it('refuses a next link that loops back', async () => {
    await assert.rejects(run({ style: 'nextLink' }, () => ({ body: { items: ALL.slice(0, 2), next: '/items' } })), /leads back to a page already read/);
  });
});
