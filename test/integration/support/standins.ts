// Local HTTPS stand-ins for Azure Resource Manager and the Fabric REST API. They answer from fixed data,
// record every request, and can be told to fail a path with 401, 403 or silence (for timeouts).
import * as fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  headers: IncomingHttpHeaders;
  /** The request body: parsed JSON when it is JSON, else the text (undefined when empty). */
  body?: unknown;
  /** The request body as received. */
  raw: Buffer;
  /** When the request arrived (Date.now()), to check what was sent after a moment such as a Cancel. */
  at: number;
  /** The client went away before the reply was sent (an aborted request). */
  abandoned?: boolean;
}
export interface StandInReply { status: number; body?: unknown; headers?: Record<string, string>; /** Sent as is instead of JSON. */ raw?: string | Buffer }
type Handler = (url: URL, req: RecordedRequest) => StandInReply | 'hang' | Promise<StandInReply | 'hang'>;

export class StandIn {
  readonly requests: RecordedRequest[] = [];
  private server: https.Server | undefined;
  private readonly routes: { pattern: RegExp; handler: Handler; method?: string }[] = [];
  url = '';

  /** Answers requests whose path matches (and whose method is `method`, when given); the first matching route wins. */
  route(pattern: RegExp, handler: Handler, method?: string): this {
    this.routes.push({ pattern, handler, method });
    return this;
  }

  async start(): Promise<this> {
    const dir = process.env.EVENTLINE_TEST_TLS_DIR;
    if (!dir) throw new Error('EVENTLINE_TEST_TLS_DIR is not set: run the integration suite through test/harness/integration.js');
    const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'server-key.pem')), cert: fs.readFileSync(path.join(dir, 'server.pem')) }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let body: unknown = text || undefined;
        try { if (text) body = JSON.parse(text); } catch { /* not JSON: kept as text */ }
        const method = req.method ?? '';
        const recorded: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, headers: req.headers, body, raw, at: Date.now() };
        this.requests.push(recorded);
        res.on('close', () => { if (!res.writableFinished) recorded.abandoned = true; });
        const route = this.routes.find((r) => r.pattern.test(url.pathname) && (!r.method || r.method === method));
        void Promise.resolve(route ? route.handler(url, recorded) : { status: 404, body: { error: { code: 'NotFound', message: `no stand-in for ${method} ${url.pathname}` } } }).then((reply) => {
          if (reply === 'hang' || res.destroyed) return; // never answers: the client's timeout (or Cancel) must end the wait
          res.writeHead(reply.status, { 'content-type': reply.raw !== undefined ? 'text/plain' : 'application/json', ...reply.headers });
          res.end(reply.raw !== undefined ? reply.raw : reply.body === undefined ? '' : JSON.stringify(reply.body));
        }, (e: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'StandInError', message: String(e) } }));
        });
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  requestsTo(pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => pattern.test(r.path));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
