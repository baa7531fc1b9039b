import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { EventHubProducerClient, type EventHubConsumerClient } from '@azure/event-hubs';
import { eventHubConsumerClient } from '../../../src/azure/clients';
import { TailSession, type StartPosition, type TailEvent, type TailState } from '../../../src/tail/tailSession';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function until(probe: () => boolean, what: string, ms = 60000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tail session (real SDK against the local Event Hubs)', function () {
  this.timeout(240000);
  let pipeline: LocalPipeline;
  let dataDir: string;
  let args: string[];
  const sessions: TailSession[] = [];

  before(async () => {
    dataDir = tempDataDir();
    args = ['--amqp-port', String(await freePort())];
    pipeline = await startLocalPipeline({ dataDir, args });
  });

  // @azure/core-amqp's throw around a restart of the local pipeline (Azure/azure-sdk-for-js#20569) is guarded in
  // src/azure/amqpLinkFix.ts, which eventHubConsumerClient applies. It is no longer tolerated here: when it happens
  // (it depends on timing) it fails the test as an uncaught exception; the integration run's restart test hits it
  // every time and is the check that pins the guard.

  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.stop();
    await new Promise((r) => setTimeout(r, 100));
  });

  after(async () => { await pipeline?.stop(); });

  async function send(n: number, tag: string, partitionId?: string): Promise<void> {
    const producer = new EventHubProducerClient(pipeline.ready.eventHubs.connectionString, 'telemetry');
    try {
      const batch = await producer.createBatch(partitionId ? { partitionId } : { partitionKey: tag });
      for (let i = 0; i < n; i++) assert.ok(batch.tryAdd({ body: { tag, i, temperature: 20 + i }, properties: { source: 'test' } }));
      await producer.sendBatch(batch);
    } finally {
      await producer.close();
    }
  }

  /** A consumer of the test hub whose retries come close together, so a restarted pipeline is found again soon. */
  const consumer = () => eventHubConsumerClient({ kind: 'connectionString', connectionString: pipeline.ready.eventHubs.connectionString, hub: 'telemetry' }, '$Default', { retryOptions: { maxRetries: 20, retryDelayInMs: 200, maxRetryDelayInMs: 1000 } });

  /** A tail of the test hub; `client` stands in for the session's client factory (to delay it or act inside it). */
  function tail(start: StartPosition, partitions?: string[], client: () => Promise<EventHubConsumerClient> = consumer): { session: TailSession; events: TailEvent[]; states: TailState[] } {
    const events: TailEvent[] = [];
    const states: TailState[] = [];
    const session = new TailSession({
      client, start, partitions, onEvents: (e) => events.push(...e), onState: (s) => states.push(s),
    });
    sessions.push(session);
    return { session, events, states };
  }

  /** A tail that is live and has had a moment to attach its links (a "latest" start only sees later events). */
  async function liveTail(start: StartPosition, partitions?: string[]): Promise<ReturnType<typeof tail>> {
    const t = tail(start, partitions);
    await t.session.start();
    await until(() => t.states.includes('live'), 'live');
    await new Promise((r) => setTimeout(r, 500));
    return t;
  }

  it('delivers events sent after a "latest" start with every field', async () => {
    const t = await liveTail({ kind: 'latest' });
    await send(5, 'latest-1', '2');
    await until(() => t.events.length >= 5, '5 events');
    const e = t.events[0];
    assert.equal(e.partitionId, '2');
    assert.equal(typeof e.sequenceNumber, 'number');
    assert.equal(typeof e.offset, 'string');
    assert.ok(e.enqueuedTime instanceof Date);
    assert.equal(e.body.kind, 'json');
    assert.deepEqual(e.properties, { source: 'test' });
    assert.deepEqual(t.events.map((x) => (x.body.kind === 'json' ? (x.body.value as { i: number }).i : -1)), [0, 1, 2, 3, 4]);
    assert.equal(t.session.stats.get('2')?.received, 5);
  });

  it('starts at earliest, at a sequence number and at an enqueued time', async () => {
    await send(3, 'pos', '3');
    const earliest = tail({ kind: 'earliest' }, ['3']);
    await earliest.session.start();
    await until(() => earliest.events.length >= 3, 'earliest events');
    const seqs = earliest.events.map((e) => e.sequenceNumber);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    const fromSeq = tail({ kind: 'sequence', sequenceNumber: seqs[1] }, ['3']);
    await fromSeq.session.start();
    await until(() => fromSeq.events.length >= seqs.length - 1, 'events from a sequence number');
    assert.equal(fromSeq.events[0].sequenceNumber, seqs[1]);
    const fromTime = tail({ kind: 'enqueuedTime', time: new Date(Date.now() + 60_000) }, ['3']);
    await fromTime.session.start();
    await until(() => fromTime.states.includes('live'), 'live');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(fromTime.events.length, 0, 'nothing was enqueued after a future time');
  });

  it('pauses and resumes without losing events', async () => {
    const t = await liveTail({ kind: 'latest' }, ['1']);
    await t.session.pause();
    assert.equal(t.session.currentState, 'paused');
    await send(4, 'paused', '1');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(t.events.length, 0);
    await t.session.resume();
    await until(() => t.events.length >= 4, 'events sent while paused');
    assert.equal(t.events.length, 4);
  });

  it('a Resume clicked while the Pause is still closing is not lost, and the last click wins', async () => {
    const t = await liveTail({ kind: 'latest' }, ['1']);
    // Neither awaited before the next, as the panel's messages arrive when a user clicks Pause, Resume quickly.
    const clicks = [t.session.pause(), t.session.resume()];
    await Promise.all(clicks);
    assert.equal(t.session.currentState, 'live');
    await send(3, 'after-resume', '1');
    await until(() => t.events.length >= 3, 'events sent after the quick pause and resume');
    await Promise.all([t.session.pause(), t.session.resume(), t.session.pause()]);
    assert.equal(t.session.currentState, 'paused');
    await send(2, 'while-paused', '1');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(t.events.length, 3);
    await t.session.resume();
    await until(() => t.events.length >= 5, 'events sent while paused');
  });

  it('a Pause clicked while a reconnect is subscribing closes what it opens: no events, no "live", until Resume', async () => {
    let calls = 0;
    let pausing: Promise<void> | undefined;
    const { session, events, states } = tail({ kind: 'latest' }, ['1'], async () => {
      const c = await consumer();
      // The reconnect's client: the user clicks Pause right now, while the reconnect is inside subscribe().
      if (++calls === 2) pausing = session.pause();
      return c;
    });
    await session.start();
    await until(() => states.includes('live'), 'live');
    await new Promise((r) => setTimeout(r, 500));
    await send(2, 'before-drop', '1');
    await until(() => events.length >= 2, 'events before the pipeline stops');
    assert.equal(await pipeline.stop(), 0);
    await until(() => pausing !== undefined, 'the reconnect asking for a new client', 60000);
    pipeline = await startLocalPipeline({ dataDir, args });
    await pausing;
    assert.equal(session.currentState, 'paused');
    await send(3, 'while-paused', '1');
    // Long enough for a subscription the Pause missed to reconnect (its retries are at most a second apart) and deliver.
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(events.length, 2, 'nothing is delivered while paused');
    assert.equal(session.currentState, 'paused');
    assert.equal(states[states.length - 1], 'paused', `states: ${states.join(' → ')}`);
    await session.resume();
    await until(() => events.length >= 5, 'the events sent while paused, after Resume', 60000);
    assert.deepEqual(events.slice(2).map((e) => (e.body.kind === 'json' ? (e.body.value as { tag: string }).tag : '')), ['while-paused', 'while-paused', 'while-paused']);
  });

  it('a Pause clicked while the tail is still connecting holds: no events, no "live", until Resume', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const { session, events, states } = tail({ kind: 'latest' }, ['1'], async () => {
      await gate;
      return consumer();
    });
    const starting = session.start();
    const pausing = session.pause();
    release();
    await Promise.all([starting, pausing]);
    assert.equal(session.currentState, 'paused');
    await send(2, 'while-paused-at-start', '1');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(events.length, 0, 'nothing is delivered while paused');
    assert.equal(states[states.length - 1], 'paused', `states: ${states.join(' → ')}`);
    await session.resume();
    await until(() => events.length >= 2, 'the events sent while paused, after Resume');
  });

  it('a tail stopped while its client is still being made closes that client and opens nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let closed = 0;
    const { session, states } = tail({ kind: 'latest' }, ['1'], async () => {
      await gate;
      const c = await consumer();
      const close = c.close.bind(c);
      c.close = async () => { closed++; return close(); };
      return c;
    });
    const starting = session.start();
    await session.stop();
    release();
    await starting;
    assert.equal(closed, 1, 'the client made after stop() is closed');
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(!states.includes('live'), `states: ${states.join(' → ')}`);
    assert.equal(session.currentState, 'stopped');
  });

  // What the extension does when it restarts its local pipeline (TailManager.followLocal): start over at once.
  it('reconnectNow after a restart subscribes anew from the last events; while paused it does nothing', async () => {
    let clients = 0;
    const t = tail({ kind: 'latest' }, ['0'], async () => { clients++; return consumer(); });
    await t.session.start();
    await until(() => t.states.includes('live'), 'live');
    await new Promise((r) => setTimeout(r, 500));
    await send(3, 'before-now', '0');
    await until(() => t.events.length >= 3, 'events before the restart');
    // On a healthy link nothing else would start over: only reconnectNow can make this new client.
    const healthy = clients;
    t.session.reconnectNow('asked to');
    await until(() => clients > healthy && t.session.currentState === 'live', 'a new client on a healthy tail', 30000);
    assert.equal(await pipeline.stop(), 0);
    pipeline = await startLocalPipeline({ dataDir, args });
    const before = clients;
    t.session.reconnectNow('the local pipeline restarted; reconnecting');
    assert.equal(t.session.currentState, 'reconnecting');
    await until(() => clients > before && t.session.currentState === 'live', 'a new client, live again', 60000);
    await send(3, 'after-now', '0');
    await until(() => t.events.length >= 6, 'events after the restart', 60000);
    const seqs = t.events.map((e) => e.sequenceNumber);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `no gap or duplicate at ${i}: ${seqs.join(', ')}`);
    await t.session.pause();
    const paused = clients;
    t.session.reconnectNow('the local pipeline restarted; reconnecting');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(t.session.currentState, 'paused');
    assert.equal(clients, paused, 'no client made for a paused tail');
  });

  it('reconnects after the local pipeline restarts: no gap, no duplicate', async () => {
    const t = await liveTail({ kind: 'latest' });
    await send(10, 'before', '0');
    await until(() => t.events.length >= 10, 'events before the restart');
    assert.equal(await pipeline.stop(), 0);
    pipeline = await startLocalPipeline({ dataDir, args });
    await send(10, 'after', '0');
    await until(() => t.events.filter((e) => e.partitionId === '0').length >= 20, 'events after the restart', 150000);
    await new Promise((r) => setTimeout(r, 1000));
    const seqs = t.events.filter((e) => e.partitionId === '0').map((e) => e.sequenceNumber);
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `no gap at ${i}`);
  });
});
