// Local HTTPS stand-ins for Azure Resource Manager and the Fabric REST API. They answer from fixed data,
// record every request, and can be told to fail a path with 401, 403 or silence (for timeouts).
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  /** The request body: parsed JSON when it is JSON, else the text (undefined when empty). */
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** When the request arrived (Date.now()), to check what was sent after a moment such as a Cancel. */
  at: number;
}
export interface StandInReply { status: number; body?: unknown; headers?: Record<string, string> }
type Handler = (url: URL, req: { method: string; body: unknown }) => StandInReply | 'hang';

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
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://127.0.0.1');
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text || undefined;
        try { if (text) body = JSON.parse(text); } catch { /* not JSON: kept as text */ }
        const method = req.method ?? '';
        this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, body, headers: req.headers, at: Date.now() });
        const route = this.routes.find((r) => r.pattern.test(url.pathname) && (!r.method || r.method === method));
        const reply = route ? route.handler(url, { method, body }) : { status: 404, body: { error: { code: 'NotFound', message: `no stand-in for ${method} ${url.pathname}` } } };
        if (reply === 'hang') return; // never answers: the client's timeout must end the wait
        res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
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
