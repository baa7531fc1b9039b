// Test helpers: a tiny HTTP source, an in-memory producer with the EventHubProducerClient shape, a logger that keeps
// every line, and an in-memory watermark store.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Batch, Logger, Producer } from '../src/lib/ingest';
import type { IngestConfig, SourceSettings } from '../src/lib/settings';
import type { Watermark, WatermarkStore } from '../src/lib/watermark';

export type Handler = (req: http.IncomingMessage, url: URL, res: http.ServerResponse) => void | Promise<void>;

export interface TinyServer { url: string; requests: { url: URL; headers: http.IncomingHttpHeaders }[]; close(): Promise<void> }

export async function tinyServer(handler: Handler): Promise<TinyServer> {
  const requests: TinyServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ url, headers: req.headers });
    Promise.resolve(handler(req, url, res)).catch((e: unknown) => { res.statusCode = 599; res.end(String(e)); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** An event as the hub got it: its body parsed back (as a consumer sees it) and the bytes that were sent. */
export interface SentEvent { body: unknown; bytes?: Buffer; properties?: Record<string, unknown>; partitionKey?: string }

/** Batches of at most `maxBytes`; `failOn(n)` makes the n-th send (1-based) fail as a hub that went away. */
export class MemoryProducer implements Producer {
  readonly sent: SentEvent[] = [];
  sends = 0;
  constructor(private readonly opts: { maxBytes?: number; failOn?: (send: number) => Error | undefined } = {}) {}

  async createBatch(options?: { partitionKey?: string }): Promise<Batch> {
    const max = this.opts.maxBytes ?? 1024 * 1024;
    const events: SentEvent[] = [];
    let size = 0;
    return {
      get count() { return events.length; },
      tryAdd(event: { body: unknown; properties?: Record<string, unknown> }) {
        // A Buffer body is sent as is; anything else as its JSON (what @azure/event-hubs does).
        const bytes = Buffer.isBuffer(event.body) ? event.body : Buffer.from(JSON.stringify(event.body));
        const n = bytes.length + 100;
        if (size + n > max) return false;
        size += n;
        // What a consumer gets back: the client parses a JSON data section into a value.
        events.push({ ...event, body: JSON.parse(bytes.toString('utf8')) as unknown, bytes, partitionKey: options?.partitionKey });
        return true;
      },
      events,
    } as Batch & { events: SentEvent[] };
  }

  async sendBatch(batch: Batch): Promise<void> {
    this.sends++;
    const err = this.opts.failOn?.(this.sends);
    if (err) throw err;
    this.sent.push(...(batch as Batch & { events: SentEvent[] }).events);
  }
}

export class MemoryWatermarks implements WatermarkStore {
  readonly saves: Watermark[] = [];
  constructor(public current?: Watermark) {}
  async load(): Promise<Watermark | undefined> { return this.current ? { ...this.current, ids: [...this.current.ids] } : undefined; }
  async save(_key: string, w: Watermark): Promise<void> { this.current = { ...w, ids: [...w.ids] }; this.saves.push(this.current); }
}

export class CapturingLog implements Logger {
  readonly lines: string[] = [];
  info(m: string): void { this.lines.push(`info ${m}`); }
  warn(m: string): void { this.lines.push(`warn ${m}`); }
  error(m: string): void { this.lines.push(`error ${m}`); }
  get text(): string { return this.lines.join('\n'); }
}

export function config(source: Partial<SourceSettings> & { url: string }, extra: Partial<IngestConfig> = {}): IngestConfig {
  return {
    source: { name: 'test-source', idField: 'id', timeField: 'ts', recordsPath: 'items', ...source },
    hubName: 'hub',
    maxRunMs: 20_000,
    requestTimeoutMs: 2_000,
    maxRetries: 3,
    ...extra,
  };
}

/** Records r0..r(n-1) with increasing ts (one second apart) and a site for the partition key. */
export function records(from: number, count: number): { id: string; ts: string; site: string; n: number }[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return { id: `r${n}`, ts: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(), site: `s${n % 3}`, n };
  });
}

export const noSleep = { sleep: async () => undefined, random: () => 0.5 };
