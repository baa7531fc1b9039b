// Data that outlives the process: restart, kill -9 mid-send, retention, config files, and TLS with a TokenCredential.
import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as rhea from 'rhea';
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from '@azure/event-hubs';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';
import { control, receive, runClient, sleep } from './helpers';

describe('local Event Hubs storage, retention and TLS', function () {
  this.timeout(40_000);
  const running: LocalPipeline[] = [];
  const clients: { close(): Promise<void> }[] = [];
  const start = async (opts: Parameters<typeof startLocalPipeline>[0] = {}) => { const p = await startLocalPipeline(opts); running.push(p); return p; };
  const track = <T extends { close(): Promise<void> }>(c: T): T => { clients.push(c); return c; };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    await Promise.all(running.splice(0).map((p) => p.kill()));
  });

  it('keeps events, sequence numbers and offsets across a restart', async () => {
    const dataDir = tempDataDir();
    let p = await start({ dataDir });
    let prod = track(new EventHubProducerClient(p.ready.eventHubs.connectionString, 'telemetry'));
    for (const id of ['0', '1']) await prod.sendBatch(Array.from({ length: 20 }, (_, i) => ({ body: { id, i } })), { partitionId: id });
    const before = await prod.getPartitionProperties('1');
    await prod.close();
    assert.equal(await p.stop(), 0);

    p = await start({ dataDir });
    const cs = p.ready.eventHubs.connectionString;
    prod = track(new EventHubProducerClient(cs, 'telemetry'));
    const after = await prod.getPartitionProperties('1');
    assert.deepEqual({ ...after, lastEnqueuedOnUtc: after.lastEnqueuedOnUtc.getTime() }, { ...before, lastEnqueuedOnUtc: before.lastEnqueuedOnUtc.getTime() });
    await prod.sendBatch([{ body: 'next' }], { partitionId: '1' });
    const { events } = await receive(track(new EventHubConsumerClient('$Default', cs, 'telemetry')), 41, { startPosition: earliestEventPosition });
    assert.equal(events.length, 41);
    const p1 = events.filter((e) => e.partitionId === '1').map((e) => e.event);
    assert.deepEqual(p1.map((e) => e.sequenceNumber), Array.from({ length: 21 }, (_, i) => i));
    assert.equal(p1[19].offset, before.lastEnqueuedOffset);
    assert.ok(Number(p1[20].offset) > Number(before.lastEnqueuedOffset));
    assert.equal(p1[20].body, 'next');
  });

  it('loses at most unacknowledged sends when killed with SIGKILL mid-send, and stays readable', async () => {
    const dataDir = tempDataDir();
    let p = await start({ dataDir });
    const prod = track(new EventHubProducerClient(p.ready.eventHubs.connectionString, 'telemetry', { retryOptions: { maxRetries: 0, timeoutInMs: 2000 } }));
    let acked = 0;
    let stop = false;
    const loop = (async () => {
      for (let n = 0; !stop; n++) {
        // Alternate single events and 20-event batches so the kill can land inside either kind of write.
        const events = n % 2 === 0 ? [{ body: { n: acked } }] : Array.from({ length: 20 }, (_, i) => ({ body: { n: acked + i } }));
        try {
          await prod.sendBatch(events, { partitionId: '0' });
          acked += events.length;
        } catch {
          return;
        }
      }
    })();
    await sleep(800);
    await p.kill();
    stop = true;
    await loop;
    assert.ok(acked > 20, `only ${acked} sends were acknowledged before the kill`);

    p = await start({ dataDir });
    const cs = p.ready.eventHubs.connectionString;
    const { events } = await receive(track(new EventHubConsumerClient('$Default', cs, 'telemetry')), acked, { partitionId: '0', startPosition: earliestEventPosition, timeoutMs: 15_000 });
    const ns = events.map((e) => (e.event.body as { n: number }).n);
    assert.ok(ns.length >= acked, `${ns.length} events survived, ${acked} were acknowledged`);
    assert.deepEqual(ns, ns.map((_, i) => i), 'events are complete and in order');
    assert.ok(ns.length <= acked + 20, 'nothing but the unacknowledged send was added');
    const prod2 = track(new EventHubProducerClient(cs, 'telemetry'));
    await prod2.sendBatch([{ body: 'after' }], { partitionId: '0' });
    assert.equal((await prod2.getPartitionProperties('0')).lastEnqueuedSequenceNumber, ns.length);
  });

  describe('one pipeline started from the emulator Config.json', () => {
    let p: LocalPipeline;
    before(async () => {
      const dataDir = tempDataDir();
      const config = path.join(dataDir, 'Config.json');
      fs.writeFileSync(config, JSON.stringify({
        UserConfig: {
          NamespaceConfig: [{ Type: 'EventHub', Name: 'emulatorNs1', Entities: [{ Name: 'eh1', PartitionCount: '3', ConsumerGroups: [{ Name: 'cg1' }] }] }],
          LoggingConfig: { Type: 'File' },
        },
      }));
      p = await startLocalPipeline({ dataDir, args: ['--config', config] });
    });
    after(async () => { if (p) assert.equal(await p.stop(), 0, p.logs()); });

    it('reads the official emulator Config.json, with $Default on every hub', async () => {
      const list = (await control(p.ready.control, 'GET', '/api/eventhubs')).body as { eventHubs: { name: string; partitionCount: number; consumerGroups: string[] }[] };
      assert.deepEqual(list.eventHubs.map((h) => [h.name, h.partitionCount, h.consumerGroups]), [['eh1', 3, ['$Default', 'cg1']]]);
    });

    it('drops events past the retention age and size without stopping traffic', async () => {
      const cs = p.ready.eventHubs.connectionString;
      const base = p.ready.control;
      assert.equal((await control(base, 'PUT', '/api/eventhubs/shortlived', { partitionCount: 1, retentionHours: 0.0005 })).status, 201);
      assert.equal((await control(base, 'PUT', '/api/eventhubs/small', { partitionCount: 1, retentionBytes: 64 * 1024 })).status, 201);
      const prod = track(new EventHubProducerClient(cs, 'shortlived'));
      await prod.sendBatch(Array.from({ length: 5 }, (_, i) => ({ body: i })));
      const small = track(new EventHubProducerClient(cs, 'small'));
      const kb = 'x'.repeat(1000);
      // Size: keep sending while retention trims the oldest segments.
      for (let b = 0; b < 30; b++) await small.sendBatch(Array.from({ length: 10 }, (_, i) => ({ body: { b, i, kb } })));
      await sleep(2500);
      await prod.sendBatch([{ body: 'fresh' }]);
      const props = await prod.getPartitionProperties('0');
      assert.equal(props.beginningSequenceNumber, 5);
      assert.equal(props.lastEnqueuedSequenceNumber, 5);
      const { events } = await receive(track(new EventHubConsumerClient('$Default', cs, 'shortlived')), 1, { startPosition: earliestEventPosition });
      assert.deepEqual(events.map((e) => e.event.body as unknown), ['fresh']);

      const list = (await control(base, 'GET', '/api/eventhubs')).body as { eventHubs: { name: string; partitions: { beginSequenceNumber: number; lastEnqueuedSequenceNumber: number; sizeBytes: number }[] }[] };
      const part = list.eventHubs.find((h) => h.name === 'small')!.partitions[0];
      assert.equal(part.lastEnqueuedSequenceNumber, 299);
      assert.ok(part.beginSequenceNumber > 100, `begin ${part.beginSequenceNumber}`);
      assert.ok(part.sizeBytes <= 64 * 1024 + 16 * 1024 + 12 * 1024, `size ${part.sizeBytes}`);
      const kept = await receive(track(new EventHubConsumerClient('$Default', cs, 'small')), 300 - part.beginSequenceNumber, { startPosition: earliestEventPosition });
      assert.equal(kept.events[0]?.event.sequenceNumber, part.beginSequenceNumber);
      assert.equal(kept.events.length, 300 - part.beginSequenceNumber);
    });

    it('refuses jwt tokens on the plain AMQP port, and answers put-token for unknown hubs with not-found', async () => {
      const port = Number(/:(\d+);/.exec(p.ready.eventHubs.connectionString)![1]);
      const conn = rhea.create_container({ id: 'raw-test' }).connect({ host: '127.0.0.1', port, reconnect: false });
      try {
        const replies = conn.open_receiver({ source: { address: '$cbs' }, name: 'cbs-raw' });
        const requests = conn.open_sender({ target: { address: '$cbs' } });
        await new Promise<void>((r) => requests.once('sendable', () => r()));
        const put = (id: string, type: string, name: string, body: string) => new Promise<Record<string, unknown>>((resolve) => {
          const onMessage = (ctx: rhea.EventContext) => {
            if (ctx.message?.correlation_id !== id) return;
            replies.removeListener('message', onMessage);
            resolve(ctx.message.application_properties as Record<string, unknown>);
          };
          replies.on('message', onMessage);
          requests.send({ message_id: id, reply_to: 'cbs-raw', to: '$cbs', application_properties: { operation: 'put-token', type, name }, body });
        });
        const jwt = await put('1', 'jwt', `sb://127.0.0.1:${port}/eh1`, 'a.b.c');
        assert.equal(jwt['status-code'], 401);
        assert.equal(jwt['error-condition'], 'amqp:unauthorized-access');
        assert.match(String(jwt['status-description']), /only over AMQPS/);
        const sas = (uri: string) => {
          const se = Math.floor(Date.now() / 1000) + 600;
          const sr = encodeURIComponent(uri);
          const sig = encodeURIComponent(createHmac('sha256', 'SAS_KEY_VALUE').update(`${sr}\n${se}`).digest('base64'));
          return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=RootManageSharedAccessKey`;
        };
        const missing = await put('2', 'servicebus.windows.net:sastoken', `sb://127.0.0.1:${port}/nohub`, sas(`sb://127.0.0.1:${port}/nohub`));
        assert.equal(missing['status-code'], 404);
        assert.match(String(missing['status-description']), /could not be found/);
        const ok = await put('3', 'servicebus.windows.net:sastoken', `sb://127.0.0.1:${port}/eh1/Partitions/2`, sas(`sb://127.0.0.1:${port}/eh1`));
        assert.equal(ok['status-code'], 202);
      } finally {
        conn.close();
      }
    });

    it('serves AMQPS with its own CA, accepting jwt tokens from a TokenCredential', async () => {
      const { amqpsPort, caCertificate } = p.ready.eventHubs;
      assert.ok(typeof amqpsPort === 'number' && typeof caCertificate === 'string' && fs.existsSync(caCertificate));
      const script = `
        const { EventHubProducerClient, EventHubConsumerClient, earliestEventPosition } = require('@azure/event-hubs');
        const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const exp = Math.floor(Date.now() / 1000) + 3600;
        const credential = { getToken: async (scopes) => ({ token: b64({ alg: 'none' }) + '.' + b64({ aud: String(scopes), exp }) + '.sig', expiresOnTimestamp: exp * 1000 }) };
        const host = '127.0.0.1:' + process.env.EH_PORT;
        const retryOptions = { maxRetries: 0, timeoutInMs: 5000 };
        (async () => {
          const prod = new EventHubProducerClient(host, 'eh1', credential, { retryOptions });
          try {
            await prod.sendBatch([{ body: 'over tls' }], { partitionId: '2' });
            const props = await prod.getPartitionProperties('2');
            const cons = new EventHubConsumerClient('cg1', host, 'eh1', credential, { retryOptions });
            const body = await new Promise((resolve) => {
              const sub = cons.subscribe('2', { processEvents: async (evs) => { if (evs.length) { await sub.close(); resolve(evs[0].body); } }, processError: async (e) => { await sub.close(); resolve('error: ' + e.message); } }, { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 0.2 });
            });
            await cons.close();
            console.log(JSON.stringify({ ok: true, seq: props.lastEnqueuedSequenceNumber, body }));
          } catch (e) {
            console.log(JSON.stringify({ ok: false, error: e.message }));
          } finally {
            await prod.close();
          }
        })();`;
      const run = (env: NodeJS.ProcessEnv) => runClient<{ ok: boolean; seq?: number; body?: string; error?: string }>(script, { EH_PORT: String(amqpsPort), ...env });
      const withCa = await run({ NODE_EXTRA_CA_CERTS: caCertificate });
      assert.deepEqual(withCa, { ok: true, seq: 0, body: 'over tls' });
      const withoutCa = await run({ NODE_EXTRA_CA_CERTS: '' });
      assert.equal(withoutCa.ok, false);
      assert.match(withoutCa.error ?? '', /certificate/i);
    });
  });
});
