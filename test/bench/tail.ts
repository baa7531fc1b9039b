// npm run bench:tail — host-side cost of the live tail per event, next to a bare SDK receive loop, in one run.
// Fills the local hub with N events of ~1 KiB JSON, then reads them all from "earliest" twice: once with a bare
// EventHubConsumerClient.subscribe that only counts, once through TailSession + the panel's ring buffer and row
// conversion (everything the extension host does per event except posting to the webview).
import { EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import { RingBuffer } from '../../src/core/tail/ringBuffer';
import { TailSession } from '../../src/tail/tailSession';
import { startLocalPipeline } from '../local/pipeline';

const N = Number(process.env.EVENTLINE_BENCH_EVENTS ?? 40000);
const payload = { sensor: 'sensor-042', site: 'north', temperature: 21.5, humidity: 0.43, tags: ['a', 'b'], note: 'x'.repeat(900) };

async function fill(cs: string): Promise<void> {
  const producer = new EventHubProducerClient(cs, 'telemetry');
  let sent = 0;
  while (sent < N) {
    const batch = await producer.createBatch();
    while (sent < N && batch.tryAdd({ body: { ...payload, i: sent } })) sent++;
    await producer.sendBatch(batch);
  }
  await producer.close();
}

async function bare(cs: string): Promise<number> {
  const client = new EventHubConsumerClient('$Default', cs, 'telemetry');
  let got = 0;
  const t0 = process.cpuUsage();
  const w0 = Date.now();
  await new Promise<void>((resolve) => {
    const sub = client.subscribe({
      processEvents: async (events) => { got += events.length; if (got >= N) { void sub.close().then(resolve); } },
      processError: async () => undefined,
    }, { startPosition: { offset: '-1' }, maxBatchSize: 500, maxWaitTimeInSeconds: 1 });
  });
  const cpu = process.cpuUsage(t0);
  await client.close();
  console.log(`bare SDK receive          ${N} events in ${(Date.now() - w0) / 1000} s, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  return (cpu.user + cpu.system) / N;
}

async function tail(cs: string): Promise<number> {
  const ring = new RingBuffer<unknown>(10000);
  let got = 0;
  const t0 = process.cpuUsage();
  const w0 = Date.now();
  await new Promise<void>((resolve) => {
    const session = new TailSession({
      client: async () => new EventHubConsumerClient('$Default', cs, 'telemetry'),
      start: { kind: 'earliest' },
      onEvents: (events) => {
        for (const e of events) ring.push({ key: `${e.partitionId}:${e.sequenceNumber}`, preview: e.body.preview, enqueued: e.enqueuedTime.toISOString(), detail: e.body.kind === 'json' ? e.body.pretty : '' });
        got += events.length;
        if (got >= N) void session.stop().then(resolve);
      },
      onState: () => undefined,
    });
    void session.start();
  });
  const cpu = process.cpuUsage(t0);
  console.log(`tail session + ring       ${N} events in ${(Date.now() - w0) / 1000} s, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ring total ${ring.total}, dropped from view ${ring.dropped}`);
  return (cpu.user + cpu.system) / N;
}

async function main(): Promise<void> {
  const p = await startLocalPipeline();
  try {
    const cs = p.ready.eventHubs.connectionString;
    await fill(cs);
    const rss0 = process.memoryUsage().rss;
    const bareUs = await bare(cs);
    const tailUs = await tail(cs);
    console.log(`host CPU per event: bare ${bareUs.toFixed(1)} µs, tail ${tailUs.toFixed(1)} µs, ratio ${(tailUs / bareUs).toFixed(2)}`);
    console.log(`bench process RSS ${(rss0 / 2 ** 20).toFixed(0)} MiB before reading, ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB after (ring of 10,000 rows)`);
  } finally {
    await p.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
