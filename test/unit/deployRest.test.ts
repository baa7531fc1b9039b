// The hand-written REST client of the scm site and admin endpoint, against a real local HTTP server: retries after
// Retry-After, one fresh token after a 401, and an abort that really closes the request.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { restRequest } from '../../src/azure/restClient';

interface Seen { at: number; auth: string | undefined; closedEarly: boolean }

async function server(handler: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    const entry: Seen = { at: Date.now(), auth: req.headers.authorization, closedEarly: false };
    seen.push(entry);
    res.on('close', () => { if (!res.writableFinished) entry.closedEarly = true; });
    req.resume();
    req.on('end', () => handler(seen.length, req, res));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

describe('deploy: the scm REST client', () => {
  it('retries a 429 after its Retry-After and a 503 after a backoff, then returns the reply', async () => {
    const srv = await server((n, _req, res) => {
      if (n === 1) { res.writeHead(429, { 'retry-after': '1' }); res.end(); return; }
      if (n === 2) { res.writeHead(503); res.end(); return; }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    try {
      const waits: number[] = [];
      const res = await restRequest({ method: 'GET', url: `${srv.url}/x` }, { service: 'test', onRetry: (_w, ms) => waits.push(ms) });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { ok: true });
      assert.equal(srv.seen.length, 3);
      assert.ok(srv.seen[1].at - srv.seen[0].at >= 950, 'waited for Retry-After: 1');
      assert.equal(waits[0], 1000);
    } finally {
      await srv.close();
    }
  });

  it('after a 401 asks for a fresh token once, and returns a second 401 to the caller', async () => {
    const srv = await server((n, _req, res) => { res.writeHead(n === 1 || n >= 3 ? 401 : 200); res.end(); });
    try {
      let issued = 0;
      const token = async () => `t${++issued}`;
      assert.equal((await restRequest({ method: 'GET', url: srv.url }, { service: 'test', token })).status, 200);
      assert.deepEqual(srv.seen.map((s) => s.auth), ['Bearer t1', 'Bearer t2']);
      assert.equal((await restRequest({ method: 'GET', url: srv.url }, { service: 'test', token })).status, 401);
      assert.equal(srv.seen.length, 4, 'one refresh per request, not a loop');
    } finally {
      await srv.close();
    }
  });

  it('an abort closes the request on the wire and ends with a cancellation, also during a Retry-After wait', async () => {
    const srv = await server((n, _req, res) => { if (n === 2) { res.writeHead(429, { 'retry-after': '30' }); res.end(); } /* 1: never answers */ });
    try {
      const c1 = new AbortController();
      const p1 = restRequest({ method: 'POST', url: srv.url, body: Buffer.alloc(1024), signal: c1.signal }, { service: 'test' });
      while (srv.seen.length < 1) await new Promise((r) => setTimeout(r, 10));
      c1.abort();
      await assert.rejects(p1, (e: unknown) => (e as { isUserCancelled?: boolean }).isUserCancelled === true);
      while (!srv.seen[0].closedEarly) await new Promise((r) => setTimeout(r, 10));
      const c2 = new AbortController();
      const started = Date.now();
      const p2 = restRequest({ method: 'GET', url: srv.url, signal: c2.signal }, { service: 'test', onRetry: () => c2.abort() });
      await assert.rejects(p2, (e: unknown) => (e as { isUserCancelled?: boolean }).isUserCancelled === true);
      assert.ok(Date.now() - started < 5000, 'the 30 s wait was cut short');
      assert.equal(srv.seen.length, 2, 'nothing sent after the abort');
    } finally {
      await srv.close();
    }
  });

  it('a request that never answers times out with a message that says so', async () => {
    const srv = await server(() => undefined);
    try {
      await assert.rejects(restRequest({ method: 'GET', url: `${srv.url}/slow`, timeoutMs: 300 }, { service: 'test', maxRetries: 0 }), /GET 127\.0\.0\.1:\d+\/slow did not answer within 0\.3 s \(timed out\)/);
    } finally {
      await srv.close();
    }
  });
});
