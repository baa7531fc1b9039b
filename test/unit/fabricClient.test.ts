import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FabricClient, FabricError } from '../../src/azure/fabric';

interface Seen { method: string; path: string; body: string; authorization?: string }
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** A plain HTTP stand-in for Fabric: replies come from a queue per "METHOD path" (the last one repeats). */
async function standIn(routes: Record<string, Reply[]>) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, body, authorization: req.headers.authorization });
      const queue = routes[`${req.method} ${url.pathname}${url.search}`] ?? routes[`${req.method} ${url.pathname}`];
      const reply = queue ? (queue.length > 1 ? queue.shift()! : queue[0]) : { status: 404, body: { errorCode: 'NotFound', message: `no route ${url.pathname}` } };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, routes, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function client(url: string) {
  return new FabricClient(url, () => Promise.resolve('token-1'), 5000, { defaultPollMs: 10 });
}

const ITEM = { id: 'es-1', displayName: 'x', type: 'Eventstream', workspaceId: 'ws' };

describe('FabricClient (against a local HTTP stand-in)', () => {
  it('follows a 202 through Location and Retry-After to Succeeded, then reads /result', async () => {
    const s = await standIn({});
    try {
      Object.assign(s.routes, {
        'POST /v1/workspaces/ws/items': [{ status: 202, headers: { location: `${s.url}/v1/operations/op-1`, 'x-ms-operation-id': 'op-1', 'retry-after': '0' } }],
        'GET /v1/operations/op-1': [
          { status: 200, body: { status: 'Running', percentComplete: 40 }, headers: { 'retry-after': '0' } },
          { status: 200, body: { status: 'Succeeded', percentComplete: 100 }, headers: { location: `${s.url}/v1/operations/op-1/result` } },
        ],
        'GET /v1/operations/op-1/result': [{ status: 200, body: ITEM }],
      });
      const states: string[] = [];
      const item = await client(s.url).createItem('ws', { displayName: 'x', type: 'Eventstream' }, { onOperation: (st) => states.push(`${st.status}:${st.percentComplete}`) });
      assert.deepEqual(item, ITEM);
      assert.deepEqual(states, ['Running:40', 'Succeeded:100']);
      assert.deepEqual(s.seen.map((r) => `${r.method} ${r.path}`), ['POST /v1/workspaces/ws/items', 'GET /v1/operations/op-1', 'GET /v1/operations/op-1', 'GET /v1/operations/op-1/result']);
      assert.deepEqual(JSON.parse(s.seen[0].body), { displayName: 'x', type: 'Eventstream' });
      assert.ok(s.seen.every((r) => r.authorization === 'Bearer token-1'));
    } finally {
      await s.close();
    }
  });

  it('never sends the token to a Location on another host: polls the operation on Fabric instead', async () => {
    const s = await standIn({
      'POST /v1/workspaces/ws/items/es-1/updateDefinition': [{ status: 202, headers: { location: 'https://evil.example/v1/operations/op-2', 'x-ms-operation-id': 'op-2', 'retry-after': '0' } }],
      'GET /v1/operations/op-2': [{ status: 200, body: { status: 'Succeeded' } }],
    });
    try {
      await client(s.url).updateItemDefinition('ws', 'es-1', { parts: [] });
      assert.deepEqual(s.seen.map((r) => `${r.method} ${r.path}`), ['POST /v1/workspaces/ws/items/es-1/updateDefinition', 'GET /v1/operations/op-2']);
    } finally {
      await s.close();
    }
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    const s = await standIn({
      'POST /v1/workspaces/ws/items/es-1/getDefinition': [
        { status: 429, body: { errorCode: 'TooManyRequests', message: 'slow down' }, headers: { 'retry-after': '1' } },
        { status: 200, body: { definition: { parts: [] } } },
      ],
    });
    try {
      const started = Date.now();
      assert.deepEqual(await client(s.url).getItemDefinition('ws', 'es-1'), { parts: [] });
      assert.ok(Date.now() - started >= 900, 'waited the Retry-After');
      assert.equal(s.seen.length, 2);
      assert.equal(s.seen[0].body, '{}');
    } finally {
      await s.close();
    }
  });

  it('turns an error reply into a FabricError with its status, errorCode, message, details and request id', async () => {
    const s = await standIn({
      'POST /v1/workspaces/ws/items': [{ status: 400, body: { errorCode: 'CorruptedPayload', message: 'The payload is corrupted', requestId: 'req-9', moreDetails: [{ errorCode: 'InvalidJson', message: 'eventstream.json line 1' }] } }],
    });
    try {
      const e = await client(s.url).createItem('ws', { displayName: 'x', type: 'Eventstream' }).then(() => undefined, (err: unknown) => err);
      assert.ok(e instanceof FabricError);
      assert.equal(e.status, 400);
      assert.equal(e.errorCode, 'CorruptedPayload');
      assert.equal(e.requestId, 'req-9');
      assert.equal(e.message, 'Fabric answered 400 for POST /v1/workspaces/ws/items (CorruptedPayload: The payload is corrupted; InvalidJson: eventstream.json line 1). Request id req-9.');
    } finally {
      await s.close();
    }
  });

  it('reports an operation that ends Failed with the operation\'s error', async () => {
    const s = await standIn({
      'POST /v1/workspaces/ws/items': [{ status: 202, headers: { 'x-ms-operation-id': 'op-3', 'retry-after': '0' } }],
      'GET /v1/operations/op-3': [{ status: 200, body: { status: 'Failed', error: { errorCode: 'InvalidDefinition', message: 'Source EventlineTelemetrySource: connection not found', requestId: 'req-3' } } }],
    });
    try {
      await assert.rejects(client(s.url).createItem('ws', { displayName: 'x', type: 'Eventstream' }), (e: unknown) => {
        assert.ok(e instanceof FabricError);
        assert.equal(e.errorCode, 'InvalidDefinition');
        assert.equal(e.operationId, 'op-3');
        assert.equal(e.message, 'The Fabric operation op-3 failed: InvalidDefinition: Source EventlineTelemetrySource: connection not found (request id req-3)');
        return true;
      });
    } finally {
      await s.close();
    }
  });

  it('stops at once when aborted while waiting on an operation, and sends nothing more', async () => {
    const s = await standIn({
      'POST /v1/workspaces/ws/items': [{ status: 202, headers: { 'x-ms-operation-id': 'op-4', 'retry-after': '30' } }],
    });
    try {
      const controller = new AbortController();
      const started = Date.now();
      const pending = client(s.url).createItem('ws', { displayName: 'x', type: 'Eventstream' }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(pending, (e: unknown) => (e as Error).name === 'AbortError');
      assert.ok(Date.now() - started < 2000);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(s.seen.map((r) => r.method), ['POST']);
    } finally {
      await s.close();
    }
  });

  it('pages with continuationToken', async () => {
    const s = await standIn({
      'GET /v1/connections': [{ status: 200, body: { value: [{ id: 'c1' }], continuationToken: 'p2' } }],
      'GET /v1/connections?continuationToken=p2': [{ status: 200, body: { value: [{ id: 'c2' }] } }],
    });
    try {
      assert.deepEqual((await client(s.url).listConnections()).map((c) => c.id), ['c1', 'c2']);
    } finally {
      await s.close();
    }
  });
});
