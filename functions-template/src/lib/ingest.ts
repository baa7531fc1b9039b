// One run: fetch the pages after the watermark, turn records into events, send them in batches, and move the
// watermark after each page the hub accepted. The next page is fetched while the current one is being sent.
import { DEFAULT_RETRY, displayUrl, fetchWithRetry, type FetchContext, type RetryPolicy } from './http';
import { firstRequest, nextRequest, recordsOf, valueAt, type PageRequest } from './paging';
import { IngestError, type IngestConfig } from './settings';
import { compareKeys, watermarkKey, type Watermark, type WatermarkKey, type WatermarkStore } from './watermark';

/** The Event Hubs producer as the run uses it (EventHubProducerClient fits). */
export interface Producer {
  createBatch(options?: { partitionKey?: string; abortSignal?: AbortSignal }): Promise<Batch>;
  sendBatch(batch: Batch, options?: { abortSignal?: AbortSignal }): Promise<void>;
}
export interface Batch {
  readonly count: number;
  tryAdd(event: { body: unknown; properties?: Record<string, unknown> }): boolean;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a run did; the handler returns it (Eventline's local runner shows it). */
export interface IngestRunSummary {
  source: string;
  recordsFetched: number;
  eventsSent: number;
  pages: number;
  retries: number;
  recordsSkipped: number;
  durationMs: number;
  watermark?: string | number;
  /** The run stopped at its time budget with pages left; the next run continues from the watermark. */
  truncated?: boolean;
}

export interface IngestDeps {
  config: IngestConfig;
  producer: Producer;
  watermarks: WatermarkStore;
  /** Key of this function + source in the watermark store. */
  watermarkKey: string;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
}

/** Event Hubs' limit for one event in a batch; a record over it is skipped by id, never split. */
export const MAX_EVENT_BYTES = 1024 * 1024;
const MAX_EMPTY_PAGES = 3;

export async function runIngest(deps: IngestDeps): Promise<IngestRunSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const { config, log } = deps;
  const source = config.source;
  const deadline = started + config.maxRunMs;
  const idField = source.idField ?? 'id';
  const wmField = source.watermark ? (source.watermark.field ?? source.timeField) : undefined;
  if (source.watermark && !wmField) throw new IngestError(`Source "${source.name}" has a watermark parameter but no field to take it from: set watermark.field or timeField.`);
  const summary: IngestRunSummary = { source: source.name, recordsFetched: 0, eventsSent: 0, pages: 0, retries: 0, recordsSkipped: 0, durationMs: 0 };
  const secretParams = source.auth?.query ? [source.auth.query] : [];
  const fetchCtx: FetchContext = {
    source: source.name,
    secretParams,
    keyHint: source.auth?.secretName ? `Key Vault secret "${source.auth.secretName}" (app setting INGEST_SOURCE_API_KEY)` : 'the app setting INGEST_SOURCE_API_KEY',
    timeoutMs: config.requestTimeoutMs,
    deadline,
    policy: { ...DEFAULT_RETRY, maxRetries: config.maxRetries, ...deps.retry },
    fetch: deps.fetch ?? fetch,
    sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    now,
    random: deps.random ?? Math.random,
    onRetry: (m) => { summary.retries++; log.warn(m); },
  };
  const headers: Record<string, string> = { accept: 'application/json', ...(source.headers ?? {}) };
  if (source.auth?.header && config.apiKey !== undefined) headers[source.auth.header] = `${source.auth.prefix ?? ''}${config.apiKey}`;

  const loaded = await deps.watermarks.load(deps.watermarkKey);
  let saved: Watermark | undefined = loaded;
  const sinceValue = loaded !== undefined ? String(loaded.value) : source.watermark?.initial;
  let current: Watermark | undefined = loaded ? { ...loaded, ids: [...loaded.ids] } : undefined;
  const loadedKey = loaded ? watermarkKey(loaded.value) : undefined;
  let currentKey = loadedKey;
  const boundary = new Set(loaded?.ids ?? []);
  const seen = new Set<string>();
  // Moving the watermark after each page is only right while pages come in watermark order.
  let ordered = true;

  const fetchPage = async (req: PageRequest) => {
    const page = await fetchWithRetry(req.url, { method: source.method ?? 'GET', headers }, fetchCtx);
    const { body, records, raw } = recordsOf(source, req.url, page.chunks);
    return { req, page, body, records, raw };
  };
  let request: PageRequest | undefined = firstRequest(source, source.watermark ? sinceValue : undefined, config.apiKey);
  log.info(`ingest ${source.name}: fetching ${displayUrl(request.url, secretParams)}${sinceValue !== undefined ? ` (watermark ${sinceValue})` : ''}`);
  let inflight: Promise<Awaited<ReturnType<typeof fetchPage>>> | undefined = fetchPage(request);
  let emptyPages = 0;
  const visited = new Set<string>();
  let saving: Promise<void> = Promise.resolve();
  try {
    while (inflight) {
      const { req, page, body, records, raw } = await inflight;
      inflight = undefined;
      summary.pages++;
      summary.recordsFetched += records.length;
      visited.add(req.url);
      const next = nextRequest(source, req, body, page.headers, records.length, config.apiKey);
      emptyPages = records.length === 0 ? emptyPages + 1 : 0;
      if (next && records.length > 0 && visited.has(next.url)) throw new IngestError(`Source "${source.name}": the next link leads back to a page already read (${displayUrl(next.url, secretParams)}); stopping so the run does not loop.`);
      if (next && emptyPages >= MAX_EMPTY_PAGES) {
        log.warn(`ingest ${source.name}: ${emptyPages} empty pages in a row that still link onward; stopping here, the next run continues from the watermark`);
      } else if (next && now() < deadline - 1000) {
        request = next;
        inflight = fetchPage(next);
        // A fetch that fails while this page is still being sent is reported after the send, not as unhandled.
        inflight.catch(() => undefined);
      } else if (next) {
        summary.truncated = true;
      }

      const groups = new Map<string | undefined, { body: unknown; properties: Record<string, unknown> }[]>();
      const pageIds: { id: string; key: WatermarkKey | undefined }[] = [];
      const before = currentKey;
      for (let n = 0; n < records.length; n++) {
        const record = records[n];
        const id = stringOf(valueAt(record, idField));
        const wm = wmField ? valueAt(record, wmField) : undefined;
        const wmKey = typeof wm === 'string' || typeof wm === 'number' ? watermarkKey(wm) : undefined;
        if (id !== undefined) {
          if (seen.has(id)) continue;
          if (loadedKey && wmKey && compareKeys(wmKey, loadedKey) === 0 && boundary.has(id)) continue;
        }
        if (ordered && before && wmKey && compareKeys(wmKey, before) < 0) {
          ordered = false;
          log.warn(`ingest ${source.name}: record ${id ?? '(no id)'} is older than records of earlier pages; the watermark moves only at the end of this run`);
        }
        const key = config.partitionKeyField ? stringOf(valueAt(record, config.partitionKeyField)) : undefined;
        const eventTime = source.timeField ? valueAt(record, source.timeField) : undefined;
        const properties: Record<string, unknown> = { source: source.name };
        if (eventTime !== undefined && eventTime !== null) properties.eventTime = typeof eventTime === 'string' ? eventTime : JSON.stringify(eventTime);
        let list = groups.get(key);
        if (!list) groups.set(key, (list = []));
        // The record's bytes as the source sent them when the page could be split: the same JSON data section the
        // client would write for the parsed record, without stringifying it again.
        list.push({ body: raw ? raw[n] : record, properties });
        pageIds.push({ id: id ?? '', key: wmKey });
        if (id !== undefined) seen.add(id);
      }

      // A record that does not fit an empty batch is over the event size limit: skipped by id, never split. Its
      // watermark still moves on, so it is not fetched again and again.
      const sent = await sendGroups(deps.producer, groups, deadline, now, (body) => {
        summary.recordsSkipped++;
        const record = Buffer.isBuffer(body) ? JSON.parse(body.toString('utf8')) as unknown : body;
        const id = stringOf(valueAt(record, idField)) ?? '(no id)';
        const bytes = Buffer.isBuffer(body) ? body.length : Buffer.byteLength(JSON.stringify(body));
        log.warn(`ingest ${source.name}: record ${id} is ${bytes} bytes, over the 1 MiB event limit of the hub; skipped`);
      });
      summary.eventsSent += sent;

      for (const { id, key } of pageIds) {
        if (!key) continue;
        const order = current && currentKey ? compareKeys(key, currentKey) : 1;
        if (!current || order > 0) {
          current = { value: key.value, ids: id ? [id] : [], updated: '' };
          currentKey = key;
        } else if (order === 0 && id && !current.ids.includes(id)) current.ids.push(id);
      }
      if (ordered && current && (!saved || current.ids.length !== saved.ids.length || current.value !== saved.value)) {
        // The hub accepted this page: its watermark is saved while the next page is sent (saves stay in order).
        const snapshot: Watermark = { ...current, ids: [...current.ids], updated: new Date(now()).toISOString() };
        saved = snapshot;
        saving = saving.then(() => deps.watermarks.save(deps.watermarkKey, snapshot));
      }
      log.info(`ingest ${source.name}: page ${summary.pages}: ${records.length} records, ${sent} events sent${current ? `, watermark ${current.value}` : ''}`);
    }
    await saving;
    if (!ordered && current) {
      current.updated = new Date(now()).toISOString();
      await deps.watermarks.save(deps.watermarkKey, current);
    }
  } catch (e) {
    // What the hub accepted before the failure is still recorded.
    await saving.catch(() => undefined);
    summary.durationMs = now() - started;
    summary.watermark = saved?.value;
    const err = e instanceof IngestError ? e : new IngestError(`Source "${source.name}": ${describeError(e)}`);
    err.summary = summary;
    throw err;
  }
  summary.durationMs = now() - started;
  summary.watermark = current?.value;
  if (summary.truncated) log.warn(`ingest ${source.name}: stopped at the run's time budget (${Math.round(config.maxRunMs / 1000)} s) with pages left; the next run continues from the watermark`);
  return summary;
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // Node reports a failed connect to every address of a host as an AggregateError with an empty message.
  const inner = (e as { errors?: unknown[] }).errors;
  if (!e.message && Array.isArray(inner) && inner.length > 0) return describeError(inner[0]);
  const code = (e as { code?: string }).code;
  return [e.name !== 'Error' ? e.name : '', e.message, code && !e.message.includes(code) ? `(${code})` : ''].filter(Boolean).join(': ') || 'unknown error';
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Sends each partition key's events in as few batches as fit; resolves when the hub accepted them all. */
async function sendGroups(
  producer: Producer,
  groups: Map<string | undefined, { body: unknown; properties: Record<string, unknown> }[]>,
  deadline: number,
  now: () => number,
  onTooBig: (body: unknown) => void,
): Promise<number> {
  const abort = AbortSignal.timeout(Math.max(1000, deadline - now()));
  let sent = 0;
  const create = (partitionKey: string | undefined) => hubCall(() => producer.createBatch({ partitionKey, abortSignal: abort }), 'create a batch');
  await Promise.all([...groups].map(async ([partitionKey, events]) => {
    let batch = await create(partitionKey);
    for (const event of events) {
      if (batch.tryAdd(event)) continue;
      if (batch.count > 0) {
        await send(producer, batch, abort);
        sent += batch.count;
        batch = await create(partitionKey);
        if (batch.tryAdd(event)) continue;
      }
      onTooBig(event.body);
    }
    if (batch.count > 0) {
      await send(producer, batch, abort);
      sent += batch.count;
    }
  }));
  return sent;
}

function send(producer: Producer, batch: Batch, abortSignal: AbortSignal): Promise<void> {
  return hubCall(() => producer.sendBatch(batch, { abortSignal }), `accept a batch of ${batch.count} events`);
}

/** Turns the Event Hubs client's errors into a message that says what happened and that nothing is lost. */
async function hubCall<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const err = e as { code?: string; name?: string; message?: string };
    const why = err.code === 'MessagingEntityNotFoundError' || /could not be found|not found/i.test(err.message ?? '')
      ? `the event hub was not found (${err.message}). Create it, or fix INGEST_EVENTHUB_NAME / the functions entry's hub`
      : err.name === 'AbortError' || err.name === 'TimeoutError'
        ? 'no answer before the run\'s time budget ran out'
        : describeError(e);
    throw new IngestError(`The hub did not ${what}: ${why}. The watermark stays at the last page the hub accepted, so the next run sends the rest again.`);
  }
}
