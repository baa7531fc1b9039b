import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import type { SampleApiDatasetInput, SampleApiFault, SampleApiFaultKind, SampleApiInfo } from '../../protocol/controlApi';
import type { LocalReady } from '../../protocol/localReady';
import { ControlError } from '../control';
import { listenLocal } from '../listen';
import { DEFAULT_OPTIONS, type ServiceContext, type StartedService } from '../service';
import type { SecretStore } from '../vault';
import { countReadings, firstSlot, lastSlot, readRangeJson, SITES, type Dataset, type Position } from './readings';

export const SAMPLE_API_SECRET = 'sample-api-key';
export const SAMPLE_API_KEY_HEADER = 'x-api-key';
const DEFAULT_DATASET: Dataset & { historySeconds: number } = { epochMs: 0, intervalMs: 10_000, recordBytes: 0, historySeconds: 3600 };
const FAULTS: SampleApiFaultKind[] = ['http500', 'http429', 'slow', 'malformed', 'emptyPage', 'reset'];
const MAX_PAGE = 5000;

interface Cursor { slot: number; site: number; until: number }

/**
 * The sample REST source on --api-port: `GET /readings` with the key in `x-api-key`; `since` (ISO time or epoch
 * ms, inclusive: readings at or after it), `pageSize` (default 100, at most 5,000); pages by a next link in the
 * body (`next`) and a `Link: <…>; rel="next"` header, or by `page` or `offset` (+ `pageSize`/`limit`). A page
 * run sees the readings up to the moment its first page was asked for. Its key is generated on first start,
 * kept in `<data>/sample-api/` and stored in the local Key Vault as `sample-api-key`.
 */
export class SampleApi {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private base = '';
  private fault: SampleApiFault | undefined;
  private requests = 0;
  private dataset: Dataset;
  private readonly apiKey: string;

  constructor(private readonly dir: string, store: SecretStore, log: (m: string) => void) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'api-key');
    if (fs.existsSync(keyFile)) {
      this.apiKey = fs.readFileSync(keyFile, 'utf8').trim();
    } else {
      this.apiKey = crypto.randomBytes(24).toString('base64url');
      fs.writeFileSync(keyFile, this.apiKey, { mode: 0o600 });
      try {
        store.set(SAMPLE_API_SECRET, this.apiKey, { contentType: 'sample API key (x-api-key)' });
        log(`sample api: generated its API key and stored it in the local Key Vault as "${SAMPLE_API_SECRET}"`);
      } catch (e) {
        log(`sample api: could not store its key in the local Key Vault as "${SAMPLE_API_SECRET}": ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const stateFile = path.join(dir, 'dataset.json');
    if (fs.existsSync(stateFile)) {
      this.dataset = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Dataset;
    } else {
      this.dataset = this.newDataset({});
    }
  }

  private newDataset(input: SampleApiDatasetInput): Dataset {
    const intervalMs = input.intervalMs ?? DEFAULT_DATASET.intervalMs;
    const history = input.historySeconds ?? DEFAULT_DATASET.historySeconds;
    const ds: Dataset = {
      intervalMs,
      // Slots fall on whole intervals, so timestamps look like a real sensor's.
      epochMs: Math.floor((Date.now() - history * 1000) / intervalMs) * intervalMs,
      recordBytes: input.recordBytes ?? DEFAULT_DATASET.recordBytes,
      ...(input.burstEverySeconds ? { burstEveryMs: input.burstEverySeconds * 1000 } : {}),
    };
    fs.writeFileSync(path.join(this.dir, 'dataset.json'), JSON.stringify(ds));
    return ds;
  }

  async listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => { void this.handle(req, res); });
    server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.server = server;
    const actual = await listenLocal(server, port);
    this.base = `http://127.0.0.1:${actual}`;
    return actual;
  }

  get url(): string { return `${this.base}/readings`; }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  info(): SampleApiInfo {
    const last = lastSlot(this.dataset, Date.now());
    const available = countReadings(this.dataset, last);
    return {
      url: this.url, secretName: SAMPLE_API_SECRET, keyHeader: SAMPLE_API_KEY_HEADER, sites: SITES.map((s) => s.id),
      epoch: new Date(this.dataset.epochMs).toISOString(), intervalMs: this.dataset.intervalMs, recordBytes: this.dataset.recordBytes,
      ...(this.dataset.burstEveryMs ? { burstEverySeconds: this.dataset.burstEveryMs / 1000 } : {}),
      available, requests: this.requests, fault: this.fault,
    };
  }

  setFault(body: unknown): SampleApiInfo {
    const b = (body ?? {}) as Partial<SampleApiFault>;
    if (!FAULTS.includes(b.kind as SampleApiFaultKind)) throw new ControlError(400, `"kind" must be one of ${FAULTS.join(', ')}, e.g. {"kind": "http429", "count": 2, "retryAfterSeconds": 1}.`);
    for (const k of ['count', 'retryAfterSeconds', 'delayMs'] as const) {
      if (b[k] !== undefined && (typeof b[k] !== 'number' || b[k] < 0)) throw new ControlError(400, `"${k}" must be a number ≥ 0.`);
    }
    this.fault = { kind: b.kind!, count: b.count, retryAfterSeconds: b.retryAfterSeconds, delayMs: b.delayMs };
    return this.info();
  }

  clearFault(): void { this.fault = undefined; }

  setDataset(body: unknown): SampleApiInfo {
    const b = (body ?? {}) as SampleApiDatasetInput;
    for (const k of ['intervalMs', 'historySeconds', 'recordBytes', 'burstEverySeconds'] as const) {
      if (b[k] !== undefined && (typeof b[k] !== 'number' || b[k] < 0)) throw new ControlError(400, `"${k}" must be a number ≥ 0.`);
    }
    if (b.burstEverySeconds !== undefined && b.burstEverySeconds > 0 && b.burstEverySeconds < 2) throw new ControlError(400, '"burstEverySeconds" must be at least 2 (or 0 for no burst).');
    if (b.intervalMs !== undefined && b.intervalMs < 10) throw new ControlError(400, '"intervalMs" must be at least 10.');
    this.dataset = this.newDataset(b);
    return this.info();
  }

  /** Takes one request's share of the current fault, if any. */
  private takeFault(): SampleApiFault | undefined {
    const f = this.fault;
    if (!f) return undefined;
    if (f.count !== undefined) {
      if (f.count <= 0) { this.fault = undefined; return undefined; }
      f.count--;
      if (f.count === 0) this.fault = undefined;
    }
    return f;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume();
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const url = new URL(req.url ?? '/', this.base);
    if (url.pathname !== '/readings') return json(404, { error: `No such endpoint ${url.pathname}; the sample API serves GET /readings.` });
    if (req.method !== 'GET') return json(405, { error: 'Use GET /readings.' });
    this.requests++;
    const fault = this.takeFault();
    if (fault?.kind === 'reset') { req.socket.destroy(); return; }
    if (fault?.kind === 'http500') return json(500, { error: 'Internal server error (a fault switched on through the control API).' });
    if (fault?.kind === 'http429') return json(429, { error: 'Too many requests.' }, { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs ?? 5000));
    if (res.destroyed) return;
    const given = req.headers[SAMPLE_API_KEY_HEADER];
    if (typeof given !== 'string' || !safeEqual(given, this.apiKey)) {
      return json(401, { error: `Missing or wrong API key: send the key in the ${SAMPLE_API_KEY_HEADER} header.` });
    }
    let page: { items: string[]; next: string | null };
    try {
      page = this.page(url);
    } catch (e) {
      return json(400, { error: e instanceof Error ? e.message : String(e) });
    }
    if (fault?.kind === 'emptyPage') page = { items: [], next: url.toString() };
    const body = pageBody(page);
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body.subarray(0, 40));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, ...(page.next ? { link: `<${page.next}>; rel="next"` } : {}) });
    res.end(body);
  }

  private page(url: URL): { items: string[]; next: string | null } {
    const q = url.searchParams;
    const size = intParam(q.get('pageSize') ?? q.get('limit'), 100, 'pageSize');
    if (size < 1 || size > MAX_PAGE) throw new Error(`pageSize must be 1-${MAX_PAGE}.`);
    const ds = this.dataset;
    const cursorText = q.get('cursor');
    let cursor: Cursor;
    if (cursorText) {
      try {
        cursor = JSON.parse(Buffer.from(cursorText, 'base64url').toString('utf8')) as Cursor;
      } catch {
        throw new Error('cursor is not one this API gave out.');
      }
    } else {
      const sinceText = q.get('since');
      let since: number | undefined;
      if (sinceText) {
        since = /^\d+$/.test(sinceText) ? Number(sinceText) : Date.parse(sinceText);
        if (Number.isNaN(since)) throw new Error(`since "${sinceText}" is not an ISO time or epoch milliseconds.`);
      }
      const untilText = q.get('until');
      const until = untilText ? lastSlot(ds, /^\d+$/.test(untilText) ? Number(untilText) : Date.parse(untilText)) : lastSlot(ds, Date.now());
      cursor = { slot: firstSlot(ds, since), site: 0, until };
    }
    const pageNo = q.get('page');
    const offsetText = q.get('offset');
    if (pageNo !== null || offsetText !== null) {
      // Page and offset styles: the position comes from the numbers, `until` from the request time.
      const skip = offsetText !== null ? intParam(offsetText, 0, 'offset') : (intParam(pageNo, 1, 'page') - 1) * size;
      const r = readRangeJson(ds, { slot: cursor.slot, site: 0 }, cursor.until, size, skip);
      return { items: r.items, next: null };
    }
    const r = readRangeJson(ds, { slot: cursor.slot, site: cursor.site }, cursor.until, size);
    if (!r.next) return { items: r.items, next: null };
    const next = new URL('/readings', this.base);
    next.searchParams.set('cursor', Buffer.from(JSON.stringify({ ...(r.next satisfies Position), until: cursor.until } satisfies Cursor)).toString('base64url'));
    next.searchParams.set('pageSize', String(size));
    return { items: r.items, next: next.toString() };
  }
}

/**
 * The page's JSON, {"items": […], "next": …, "count": n}, copied piece by piece into one buffer. Everything in it is
 * ASCII (the readings' fields and a URL), so latin1 writes are byte-exact copies; building one 1 MiB string first
 * and encoding it cost more than making the readings.
 */
export function pageBody(page: { items: string[]; next: string | null }): Buffer {
  const head = '{"items":[';
  const tail = `],"next":${JSON.stringify(page.next)},"count":${page.items.length}}`;
  let size = head.length + tail.length + Math.max(0, page.items.length - 1);
  for (const item of page.items) size += item.length;
  const buf = Buffer.allocUnsafe(size);
  let at = buf.write(head, 0, 'latin1');
  page.items.forEach((item, i) => {
    if (i > 0) buf[at++] = 0x2c;
    at += buf.write(item, at, 'latin1');
  });
  at += buf.write(tail, at, 'latin1');
  if (at !== size) throw new Error(`sample API page: wrote ${at} of ${size} bytes`);
  return buf;
}

function intParam(text: string | null, fallback: number, name: string): number {
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, not "${text}".`);
  return Number(text);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Starts the sample API and its control routes (GET /api/sample-api, PUT/DELETE …/fault, PUT …/dataset). */
export async function startSampleApi(ctx: ServiceContext, store: SecretStore): Promise<StartedService<NonNullable<LocalReady['sampleApi']>> & { api: SampleApi }> {
  const api = new SampleApi(path.join(ctx.dataDir, 'sample-api'), store, (m) => ctx.log(m));
  try {
    await api.listen(ctx.options.apiPort);
  } catch (e) {
    // The default port is the one the starter manifest's source names; when something else holds it (another
    // pipeline, a second VS Code window) the pipeline still starts, and says which URL the source must name.
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || ctx.options.apiPort !== DEFAULT_OPTIONS.apiPort) throw e;
    await api.listen(0);
    ctx.log(`sample api: port ${DEFAULT_OPTIONS.apiPort} is in use, so it listens on ${api.url} instead; a source that names 127.0.0.1:${DEFAULT_OPTIONS.apiPort} will not reach it (change its url, or free the port and restart)`);
  }
  ctx.control.route('GET', /^\/api\/sample-api\/?$/, () => ({ status: 200, body: api.info() }));
  ctx.control.route('PUT', /^\/api\/sample-api\/fault\/?$/, (_req, _p, body) => ({ status: 200, body: api.setFault(body) }));
  ctx.control.route('DELETE', /^\/api\/sample-api\/fault\/?$/, () => { api.clearFault(); return { status: 204 }; });
  ctx.control.route('PUT', /^\/api\/sample-api\/dataset\/?$/, (_req, _p, body) => ({ status: 200, body: api.setDataset(body) }));
  ctx.log(`sample api: ${api.url} (key in the local Key Vault as "${SAMPLE_API_SECRET}")`);
  return { ready: { url: api.url, secretName: SAMPLE_API_SECRET }, api, stop: () => api.close() };
}
