import * as http from 'node:http';
import { CONTROL_PATHS, type HealthReply } from '../protocol/controlApi';
import { closeServer, listenLocal } from './listen';

export type ControlHandler = (req: http.IncomingMessage, params: string[], body: unknown) => Promise<ControlReply> | ControlReply;
export interface ControlReply { status: number; body?: unknown }

/** Thrown by handlers to answer with a JSON error instead of a 500. */
export class ControlError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

interface Route { method: string; pattern: RegExp; handler: ControlHandler }

const MAX_BODY = 1024 * 1024;

/**
 * The small JSON API the extension uses for what Azure answers through Resource Manager (lists, create, delete).
 * Services register their own routes; path segments captured by the pattern arrive URL-decoded.
 */
export class ControlServer {
  private readonly routes: Route[] = [];
  private readonly healthChecks = new Map<string, () => boolean>();
  private server: http.Server | undefined;

  constructor() {
    // As the official Event Hubs emulator answers it (its HealthCheckApiSchema.md), so scripts that wait on the
    // emulator's /health work unchanged. The API listens only once every part has started.
    this.route('GET', new RegExp(`^${CONTROL_PATHS.health}/?$`), () => {
      const serving = [...this.healthChecks.values()].every((check) => check());
      const body: HealthReply = serving
        ? { status: 'healthy', message: 'Service is healthy.' }
        : { status: 'unhealthy', message: 'Service not available. Please try after some time.' };
      return { status: serving ? 200 : 503, body };
    });
  }

  /** A part of the pipeline says whether it is serving; /health is healthy only while every part is. */
  addHealthCheck(name: string, serving: () => boolean): void {
    this.healthChecks.set(name, serving);
  }

  route(method: string, pattern: RegExp, handler: ControlHandler): void {
    this.routes.push({ method, pattern, handler });
  }

  async listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => { void this.handle(req, res); });
    this.server = server;
    return listenLocal(server, port);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const candidates = this.routes.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) return send(404, { error: { code: 'NotFound', message: `No control API at ${url.pathname}. See the README's "Control API" section.` } });
      const route = candidates.find((r) => r.method === req.method);
      if (!route) return send(405, { error: { code: 'MethodNotAllowed', message: `${req.method} is not supported on ${url.pathname}; use ${candidates.map((r) => r.method).join(', ')}.` } });
      const body = await readJson(req);
      const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
      const reply = await route.handler(req, params, body);
      send(reply.status, reply.body);
    } catch (e) {
      if (e instanceof ControlError) return send(e.status, { error: { code: e.status === 404 ? 'NotFound' : 'BadRequest', message: e.message } });
      send(500, { error: { code: 'InternalError', message: e instanceof Error ? e.message : String(e) } });
    }
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlError(413, 'Request body is larger than 1 MiB.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ControlError(400, 'Request body is not valid JSON.');
  }
}
