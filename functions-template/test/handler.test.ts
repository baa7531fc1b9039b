// The exported handler with @azure/functions' own InvocationContext and app settings in process.env. With
// INGEST_TEST_EVENTHUB_CONNECTION (a connection string, e.g. Eventline's local pipeline) it also sends to a real hub
// (INGEST_TEST_EVENTHUB_NAME, default "telemetry") and reads the events back with EventHubConsumerClient.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventHubConsumerClient, type ReceivedEventData } from '@azure/event-hubs';
import { InvocationContext, type Timer } from '@azure/functions';
import { closeClients, ingest } from '../src/functions/ingest';
import { json, records, tinyServer, type TinyServer } from './support';

const now = new Date().toISOString();
const TIMER: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: now, next: now, lastUpdated: now } };
const HUB = process.env.INGEST_TEST_EVENTHUB_CONNECTION;
const HUB_NAME = process.env.INGEST_TEST_EVENTHUB_NAME ?? 'telemetry';
const KEY = `key-${crypto.randomBytes(6).toString('hex')}`;

function context(lines: string[]): InvocationContext {
  return new InvocationContext({ functionName: 'ingest', invocationId: crypto.randomUUID(), logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`) });
}

describe('the ingest handler', () => {
  let server: TinyServer;
  const saved = { ...process.env };
  const source = `handler-test-${crypto.randomBytes(4).toString('hex')}`;

  before(async () => {
    server = await tinyServer((req, url, res) => {
      if (req.headers['x-api-key'] !== KEY) return json(res, 401, { error: 'bad key' });
      const since = url.searchParams.get('since');
      const list = records(0, 15).filter((r) => !since || r.ts >= since);
      const at = Number(url.searchParams.get('at') ?? 0);
      json(res, 200, { items: list.slice(at, at + 5), next: at + 5 < list.length ? `/r?at=${at + 5}${since ? `&since=${encodeURIComponent(since)}` : ''}` : null });
    });
    Object.assign(process.env, {
      INGEST_SOURCE: JSON.stringify({ name: source, url: `${server.url}/r`, paging: { style: 'nextLink' }, watermark: { param: 'since', field: 'ts' }, recordsPath: 'items', idField: 'id', timeField: 'ts', auth: { header: 'x-api-key', secretName: 'test-key' } }),
      INGEST_SOURCE_API_KEY: KEY,
      INGEST_EVENTHUB_NAME: HUB_NAME,
      INGEST_PARTITION_KEY_FIELD: 'site',
      INGEST_WATERMARK_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-wm-')),
    });
    delete process.env.EventHubConnection__fullyQualifiedNamespace;
  });
  after(async () => {
    process.env = saved;
    await closeClients();
    await server.close();
  });

  it('fails clearly, naming the settings, when there is no Event Hubs connection', async () => {
    delete process.env.EventHubConnection;
    const lines: string[] = [];
    await assert.rejects(ingest(TIMER, context(lines)), /No Event Hubs connection: set EventHubConnection__fullyQualifiedNamespace/);
    assert.match(lines.join('\n'), /^error ingest failed: No Event Hubs connection/m);
  });

  it('fetches every page and sends the records to a real hub, with partition keys and properties', { skip: HUB ? false : 'set INGEST_TEST_EVENTHUB_CONNECTION to a hub connection string (Eventline\'s npm test does) to run it' }, async () => {
    process.env.EventHubConnection = HUB;
    const lines: string[] = [];
    const started = new Date();
    const summary = await ingest(TIMER, context(lines));
    assert.equal(summary.eventsSent, 15);
    assert.equal(summary.pages, 3);
    assert.match(lines.join('\n'), new RegExp(`ingest ${source} finished: fetched=15 sent=15 pages=3 retries=0 skipped=0`));
    assert.ok(!lines.join('\n').includes(KEY), 'the key is never logged');
    const consumer = new EventHubConsumerClient('$Default', HUB!, HUB_NAME);
    const got: ReceivedEventData[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${got.length} of 15 events arrived`)), 30_000);
        const sub = consumer.subscribe({
          processEvents: async (events) => {
            got.push(...events.filter((e) => e.properties?.source === source));
            if (got.length >= 15) { clearTimeout(timer); void sub.close().then(resolve); }
          },
          processError: async () => undefined,
        }, { startPosition: { enqueuedOn: new Date(started.getTime() - 5000) } });
      });
    } finally {
      await consumer.close();
    }
    assert.deepEqual(got.map((e) => (e.body as { id: string }).id).sort(), records(0, 15).map((r) => r.id).sort());
    const first = got.find((e) => (e.body as { id: string }).id === 'r0')!;
    assert.equal(first.partitionKey, 's0');
    assert.equal(first.properties?.eventTime, records(0, 1)[0].ts);
    // A second run finds nothing new (the watermark was saved after the hub accepted).
    const again = await ingest(TIMER, context([]));
    assert.equal(again.recordsFetched, 1, 'only the record at the watermark comes back');
    assert.equal(again.eventsSent, 0);
  });
});
