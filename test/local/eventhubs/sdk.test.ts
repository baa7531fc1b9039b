// The local Event Hubs as a user's code sees it: the unchanged @azure/event-hubs SDK against the real CLI process.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EventHubBufferedProducerClient,
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  latestEventPosition,
  type EventPosition,
  type ReceivedEventData,
} from '@azure/event-hubs';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';
import { control, receive, runClient, sdkMapPartitionKeyToId, sleep } from './helpers';

describe('local Event Hubs with the @azure/event-hubs SDK', function () {
  this.timeout(30_000);
  let p: LocalPipeline;
  let cs: string;
  const clients: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(c: T): T => { clients.push(c); return c; };
  const producer = (hub: string) => track(new EventHubProducerClient(cs, hub));
  const consumer = (hub: string, group = '$Default') => track(new EventHubConsumerClient(group, cs, hub));

  before(async () => {
    const dataDir = tempDataDir();
    const config = path.join(dataDir, 'eventline.json');
    fs.writeFileSync(config, JSON.stringify({
      eventHubs: [
        { name: 'orders', partitions: 4, consumerGroups: ['audit'] },
        { name: 'keys', partitions: 7 },
        { name: 'positions', partitions: 1 },
        { name: 'busy', partitions: 2 },
      ],
    }));
    p = await startLocalPipeline({ dataDir, args: ['--config', config] });
    cs = p.ready.eventHubs.connectionString;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  });

  after(async () => {
    if (p) assert.equal(await p.stop(), 0, p.logs());
  });

  it('answers $management READ for the hub and its partitions with the right types', async () => {
    const prod = producer('orders');
    const hub = await prod.getEventHubProperties();
    assert.equal(hub.name, 'orders');
    assert.deepEqual(hub.partitionIds, ['0', '1', '2', '3']);
    assert.ok(hub.createdOn instanceof Date && hub.createdOn.getTime() > 0);
    const empty = await prod.getPartitionProperties('3');
    assert.deepEqual(
      { ...empty, lastEnqueuedOnUtc: empty.lastEnqueuedOnUtc.getTime() },
      { eventHubName: 'orders', partitionId: '3', beginningSequenceNumber: -1, lastEnqueuedSequenceNumber: -1, lastEnqueuedOffset: '-1', lastEnqueuedOnUtc: 0, isEmpty: true },
    );
    await assert.rejects(prod.getPartitionProperties('9'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ArgumentOutOfRangeError');
      assert.match(e.message, /The specified partition is invalid for an EventHub partition sender or receiver\./);
      return true;
    });
  });

  it('sends batches to every partition and receives them all with exact annotations', async () => {
    const prod = producer('orders');
    const before = Date.now();
    for (const id of ['0', '1', '2', '3']) {
      const batch = await prod.createBatch({ partitionId: id });
      assert.equal(batch.maxSizeInBytes, 1024 * 1024);
      for (let i = 0; i < 25; i++) assert.ok(batch.tryAdd({ body: { id, i }, properties: { n: i, tag: 'x' }, contentType: 'application/json', messageId: `${id}-${i}` }));
      await prod.sendBatch(batch);
    }
    const props = await prod.getPartitionProperties('2');
    assert.equal(props.lastEnqueuedSequenceNumber, 24);
    assert.equal(props.beginningSequenceNumber, 0);
    assert.equal(typeof props.lastEnqueuedOffset, 'string');
    assert.equal(props.isEmpty, false);
    const { events, errors } = await receive(consumer('orders'), 100, { startPosition: earliestEventPosition });
    assert.deepEqual(errors, []);
    assert.equal(events.length, 100);
    for (const { partitionId, event } of events) {
      const body = event.body as { id: string; i: number };
      assert.equal(body.id, partitionId);
      assert.equal(event.sequenceNumber, body.i);
      assert.equal(typeof event.offset, 'string');
      assert.ok(event.enqueuedTimeUtc.getTime() >= before - 1000 && event.enqueuedTimeUtc.getTime() <= Date.now() + 1000);
      assert.deepEqual(event.properties, { n: body.i, tag: 'x' });
      assert.equal(event.contentType, 'application/json');
      assert.equal(event.messageId, `${partitionId}-${body.i}`);
    }
    const p2 = events.filter((e) => e.partitionId === '2').map((e) => e.event);
    assert.equal(p2.at(-1)?.offset, props.lastEnqueuedOffset);
    // Offsets are byte positions: strictly increasing within a partition.
    for (let i = 1; i < p2.length; i++) assert.ok(Number(p2[i].offset) > Number(p2[i - 1].offset));
  });

  it('routes partition keys with the service hash, the same as the buffered producer', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `device-${i}`);
    const prod = producer('keys');
    for (const key of keys) await prod.sendBatch([{ body: { key, via: 'producer' } }], { partitionKey: key });
    const buffered = track(new EventHubBufferedProducerClient(cs, 'keys', { onSendEventsErrorHandler: () => undefined, maxWaitTimeInMs: 50 }));
    for (const key of keys) await buffered.enqueueEvent({ body: { key, via: 'buffered' } }, { partitionKey: key });
    await buffered.flush();
    const { events } = await receive(consumer('keys'), 80, { startPosition: earliestEventPosition });
    assert.equal(events.length, 80);
    for (const { partitionId, event } of events) {
      const { key } = event.body as { key: string };
      assert.equal(Number(partitionId), sdkMapPartitionKeyToId(key, 7), `key ${key}`);
      // The buffered producer routes client-side and sends to a partition id, so only direct sends keep the key.
      if ((event.body as { via: string }).via === 'producer') assert.equal(event.partitionKey, key);
    }
  });

  it('honours every start position, in the subscribe and the partition form', async () => {
    const prod = producer('positions');
    for (let i = 0; i < 10; i++) await prod.sendBatch([{ body: i }], { partitionId: '0' });
    const all = (await receive(consumer('positions'), 10, { partitionId: '0', startPosition: earliestEventPosition })).events.map((e) => e.event);
    assert.deepEqual(all.map((e) => e.body as number), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bodies = async (startPosition: EventPosition, expect: number) => {
      const r = await receive(consumer('positions'), expect, { partitionId: '0', startPosition, timeoutMs: expect === 0 ? 600 : 10_000 });
      return r.events.map((e) => e.event.body as number);
    };
    assert.deepEqual(await bodies({ sequenceNumber: 6 }, 3), [7, 8, 9]);
    assert.deepEqual(await bodies({ sequenceNumber: 6, isInclusive: true }, 4), [6, 7, 8, 9]);
    assert.deepEqual(await bodies({ offset: all[7].offset }, 2), [8, 9]);
    assert.deepEqual(await bodies({ offset: all[7].offset, isInclusive: true }, 3), [7, 8, 9]);
    // Enqueued time is "strictly after"; two events can share a millisecond, so the expectation comes from the data.
    for (const at of [all[8].enqueuedTimeUtc.getTime() - 1, all[4].enqueuedTimeUtc.getTime()]) {
      const expected = all.filter((e) => e.enqueuedTimeUtc.getTime() > at).map((e) => e.body as number);
      assert.deepEqual(await bodies({ enqueuedOn: at }, expected.length), expected);
    }
    // Latest: only what arrives after the receiver attached.
    const cons = consumer('positions');
    const got: ReceivedEventData[] = [];
    let polls = 0;
    const sub = cons.subscribe('0', { processEvents: (evs) => { polls++; got.push(...evs); return Promise.resolve(); }, processError: () => Promise.resolve() }, { startPosition: latestEventPosition, maxWaitTimeInSeconds: 0.2 });
    // The first (empty) call comes after the receiver link is attached: only then is "latest" fixed.
    for (let i = 0; i < 100 && polls === 0; i++) await sleep(50);
    await prod.sendBatch([{ body: 'late' }], { partitionId: '0' });
    for (let i = 0; i < 50 && got.length === 0; i++) await sleep(100);
    await sub.close();
    assert.deepEqual(got.map((e) => e.body as unknown), ['late']);
  });

  it('lets two consumer groups read the same events independently', async () => {
    const prod = producer('orders');
    const start = await prod.getPartitionProperties('1');
    await prod.sendBatch([{ body: 'a' }, { body: 'b' }, { body: 'c' }], { partitionId: '1' });
    const pos = { sequenceNumber: start.lastEnqueuedSequenceNumber };
    const [one, two] = await Promise.all([
      receive(consumer('orders', '$Default'), 3, { partitionId: '1', startPosition: pos }),
      receive(consumer('orders', 'audit'), 3, { partitionId: '1', startPosition: pos }),
    ]);
    assert.deepEqual(one.events.map((e) => e.event.body as string), ['a', 'b', 'c']);
    assert.deepEqual(two.events.map((e) => e.event.body as string), ['a', 'b', 'c']);
  });

  it('reports last-enqueued runtime metrics when asked', async () => {
    const prod = producer('orders');
    await prod.sendBatch([{ body: 'm1' }, { body: 'm2' }], { partitionId: '3' });
    const cons = consumer('orders');
    let info: { sequenceNumber?: number; offset?: string; enqueuedOn?: Date; retrievedOn?: Date } | undefined;
    const sub = cons.subscribe('3', {
      processEvents: (evs, ctx) => { if (evs.length > 0) info = ctx.lastEnqueuedEventProperties; return Promise.resolve(); },
      processError: () => Promise.resolve(),
    }, { startPosition: earliestEventPosition, trackLastEnqueuedEventProperties: true, maxWaitTimeInSeconds: 0.2 });
    for (let i = 0; i < 50 && info?.sequenceNumber === undefined; i++) await sleep(100);
    await sub.close();
    const props = await prod.getPartitionProperties('3');
    assert.equal(info?.sequenceNumber, props.lastEnqueuedSequenceNumber);
    assert.equal(info?.offset, props.lastEnqueuedOffset);
    assert.ok(info?.enqueuedOn instanceof Date && info.retrievedOn instanceof Date);
  });

  it('steals a partition for a higher ownerLevel and refuses a lower one (amqp:link:stolen)', async () => {
    const errorsOf = (group: EventHubConsumerClient, ownerLevel: number) => {
      const errors: (Error & { code?: string })[] = [];
      const sub = group.subscribe('0', { processEvents: () => Promise.resolve(), processError: (e) => { errors.push(e); return Promise.resolve(); } }, { ownerLevel, maxWaitTimeInSeconds: 0.2 });
      return { errors, sub };
    };
    const first = errorsOf(consumer('orders'), 1);
    await sleep(500);
    const second = errorsOf(consumer('orders'), 2);
    for (let i = 0; i < 50 && first.errors.length === 0; i++) await sleep(100);
    assert.ok(first.errors.some((e) => e.code === 'ReceiverDisconnectedError' && /higher epoch/.test(e.message)), first.errors.map((e) => `${e.code}: ${e.message}`).join('\n'));
    await first.sub.close();
    const lower = errorsOf(consumer('orders'), 1);
    for (let i = 0; i < 50 && lower.errors.length === 0; i++) await sleep(100);
    assert.ok(lower.errors.some((e) => e.code === 'ReceiverDisconnectedError'), lower.errors.map((e) => `${e.code}: ${e.message}`).join('\n'));
    assert.deepEqual(second.errors, []);
    await lower.sub.close();
    await second.sub.close();
  });

  it('fails clearly with a wrong key', async () => {
    const bad = track(new EventHubProducerClient(cs.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=not-the-key'), 'orders', { retryOptions: { maxRetries: 0 } }));
    await assert.rejects(bad.getEventHubProperties(), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'UnauthorizedError');
      assert.match(e.message, /invalid signature/);
      return true;
    });
    await assert.rejects(bad.sendBatch([{ body: 1 }]), (e: Error & { code?: string }) => e.code === 'UnauthorizedError');
  });

  it('checks the security_token of every $management request, so a changed key fails the next call on an authorized link', async function () {
    // A node process of its own that loads the SDK and speaks TLS: slow on a loaded machine.
    this.timeout(90_000);
    const { amqpsPort, caCertificate } = p.ready.eventHubs;
    // A NamedKeyCredential signs each request's security_token with its key as it is at that moment; the
    // $management link itself was authorized once through $cbs with the first key. The credential form of the
    // client always speaks TLS, hence the process of its own that trusts the local CA.
    const script = `
      const { EventHubProducerClient } = require('@azure/event-hubs');
      const credential = { name: process.env.EH_KEY_NAME, key: process.env.EH_KEY };
      const prod = new EventHubProducerClient('127.0.0.1:' + process.env.EH_PORT, 'orders', credential, { retryOptions: { maxRetries: 0, timeoutInMs: 30000 } });
      const outcome = async (call) => { try { await call(); return 'ok'; } catch (e) { return e.code + ': ' + e.message; } };
      (async () => {
        const r = {};
        r.first = await outcome(() => prod.getEventHubProperties());
        credential.key = 'a-revoked-key';
        r.hub = await outcome(() => prod.getEventHubProperties());
        r.partition = await outcome(() => prod.getPartitionProperties('0'));
        credential.key = process.env.EH_KEY;
        r.restored = await outcome(() => prod.getPartitionIds());
        await prod.close();
        console.log(JSON.stringify(r));
      })();`;
    const r = await runClient<Record<string, string>>(script, {
      NODE_EXTRA_CA_CERTS: caCertificate,
      EH_PORT: String(amqpsPort),
      EH_KEY_NAME: /SharedAccessKeyName=([^;]+)/.exec(cs)![1],
      EH_KEY: /SharedAccessKey=([^;]+)/.exec(cs)![1],
    }, 80_000);
    assert.equal(r.first, 'ok');
    assert.match(r.hub, /^UnauthorizedError: .*invalid signature/);
    assert.match(r.partition, /^UnauthorizedError: .*invalid signature/);
    assert.equal(r.restored, 'ok');
  });

  it('reports an unknown hub or consumer group as not found', async () => {
    const nope = track(new EventHubProducerClient(cs, 'no-such-hub', { retryOptions: { maxRetries: 0 } }));
    await assert.rejects(nope.getEventHubProperties(), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'MessagingEntityNotFoundError');
      assert.match(e.message, /could not be found/);
      return true;
    });
    await assert.rejects(nope.sendBatch([{ body: 1 }]), (e: Error & { code?: string }) => e.code === 'MessagingEntityNotFoundError');
    const { errors } = await receive(consumer('orders', 'nobody'), 1, { partitionId: '0', timeoutMs: 3000, untilError: true });
    assert.ok(errors.some((e) => (e as Error & { code?: string }).code === 'MessagingEntityNotFoundError' && /could not be found/.test(e.message)), errors.map((e) => e.message).join('\n'));
  });

  it('rejects an event over 1 MiB with MessageTooLargeError and keeps the link usable', async () => {
    const prod = producer('orders');
    await assert.rejects(prod.sendBatch([{ body: Buffer.alloc(1024 * 1024 + 10) }], { partitionId: '0' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'MessageTooLargeError');
      // The service's sentence, which clients match on (the SDK's own tests use this pattern).
      assert.match(e.message, /^The received message \(delivery-id:\d+, size:(\d+) bytes\) exceeds the limit \(1048576 bytes\) currently allowed on the link\. TrackingId:/);
      assert.ok(Number(/size:(\d+)/.exec(e.message)![1]) > 1024 * 1024);
      return true;
    });
    const batch = await prod.createBatch();
    assert.equal(batch.tryAdd({ body: Buffer.alloc(1024 * 1024 + 10) }), false);
    await prod.sendBatch([{ body: 'small' }], { partitionId: '0' });
  });

  it('keeps every event from concurrent producers, each sequence number once', async () => {
    const before = await producer('busy').getPartitionProperties('0').then(async (p0) => [p0, await producer('busy').getPartitionProperties('1')]);
    const senders = Array.from({ length: 4 }, () => producer('busy'));
    await Promise.all(senders.map(async (s, w) => {
      for (let b = 0; b < 10; b++) {
        const batch = await s.createBatch();
        for (let i = 0; i < 50; i++) batch.tryAdd({ body: { w, n: b * 50 + i } });
        await s.sendBatch(batch);
      }
    }));
    const start = Object.fromEntries(before.map((pp) => [pp.partitionId, { sequenceNumber: pp.lastEnqueuedSequenceNumber }]));
    const { events } = await receive(consumer('busy'), 2000, { startPosition: start, timeoutMs: 15_000 });
    assert.equal(events.length, 2000);
    const seen = new Set(events.map((e) => { const b = e.event.body as { w: number; n: number }; return `${b.w}/${b.n}`; }));
    assert.equal(seen.size, 2000);
    for (const id of ['0', '1']) {
      const seqs = events.filter((e) => e.partitionId === id).map((e) => e.event.sequenceNumber);
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), `partition ${id} sequence numbers are contiguous`);
    }
  });

  it('answers GET /health as the official emulator does', async () => {
    const res = await fetch(`${p.ready.control}/health`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), { status: 'healthy', message: 'Service is healthy.' });
  });

  it('manages hubs and consumer groups through the control API', async () => {
    const base = p.ready.control;
    const list = await control(base, 'GET', '/api/eventhubs');
    assert.equal(list.status, 200);
    const orders = (list.body as { eventHubs: { name: string; consumerGroups: string[]; partitions: { id: string; beginSequenceNumber: number; lastEnqueuedSequenceNumber: number; lastEnqueuedTimeUtc: string | null }[] }[] }).eventHubs.find((h) => h.name === 'orders');
    assert.deepEqual(orders?.consumerGroups, ['$Default', 'audit']);
    assert.equal(orders?.partitions.length, 4);
    assert.ok(orders.partitions[2].lastEnqueuedSequenceNumber >= 24);
    assert.equal(typeof orders.partitions[2].lastEnqueuedTimeUtc, 'string');

    assert.equal((await control(base, 'PUT', '/api/eventhubs/fresh', { partitionCount: 2, consumerGroups: ['one'] })).status, 201);
    assert.equal((await control(base, 'PUT', '/api/eventhubs/fresh/consumergroups/two')).status, 201);
    const fresh = await control(base, 'PUT', '/api/eventhubs/fresh');
    assert.equal(fresh.status, 200);
    assert.deepEqual((fresh.body as { consumerGroups: string[] }).consumerGroups, ['$Default', 'one', 'two']);
    const conflict = await control(base, 'PUT', '/api/eventhubs/fresh', { partitionCount: 3 });
    assert.equal(conflict.status, 409);
    assert.match((conflict.body as { error: { message: string } }).error.message, /cannot change a partition count/);
    assert.equal((await control(base, 'PUT', '/api/eventhubs/bad name!')).status, 400);

    const prod = producer('fresh');
    assert.deepEqual((await prod.getEventHubProperties()).partitionIds, ['0', '1']);
    await prod.sendBatch([{ body: 'hello' }], { partitionId: '1' });
    const { events } = await receive(consumer('fresh', 'two'), 1, { startPosition: earliestEventPosition });
    assert.equal(events[0]?.event.body, 'hello');

    assert.equal((await control(base, 'DELETE', '/api/eventhubs/fresh/consumergroups/two')).status, 204);
    assert.equal((await control(base, 'DELETE', '/api/eventhubs/fresh/consumergroups/$Default')).status, 400);
    assert.equal((await control(base, 'DELETE', '/api/eventhubs/fresh/consumergroups/two')).status, 404);
    const gone = await receive(consumer('fresh', 'two'), 1, { partitionId: '0', timeoutMs: 3000, untilError: true });
    assert.ok(gone.errors.some((e) => (e as Error & { code?: string }).code === 'MessagingEntityNotFoundError'));

    assert.equal((await control(base, 'DELETE', '/api/eventhubs/fresh')).status, 204);
    assert.equal((await control(base, 'DELETE', '/api/eventhubs/fresh')).status, 404);
    const nope = track(new EventHubProducerClient(cs, 'fresh', { retryOptions: { maxRetries: 0 } }));
    await assert.rejects(nope.getEventHubProperties(), (e: Error & { code?: string }) => e.code === 'MessagingEntityNotFoundError');
    const hubs = JSON.parse(fs.readFileSync(path.join(p.dataDir, 'eventhubs', 'hubs.json'), 'utf8')) as { hubs: { name: string }[] };
    assert.deepEqual(hubs.hubs.map((h) => h.name).sort(), ['busy', 'keys', 'orders', 'positions']);
  });
});
