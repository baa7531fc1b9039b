// Benchmark of the hub → table connector (not a test). With 1 KiB JSON events, a json mapping and an update policy
// into a typed table (the sample schema's shape):
//   1. sustained events/s from the hub into queryable rows: a connection PUT on a backlog of N events, timed until
//      `count` sees all N; against the bare SDK receive rate of the same backlog (EventHubConsumerClient) and against
//      the same rows through streaming ingestion alone (StreamingIngestClient, one request in flight, 1,000-row
//      requests as the connector's batches, and 10,000-row ones for reference). Goal: ≥ 0.7 × the smaller of the two.
//   2. latency from enqueued to queryable at 1,000 events/s: rows polled every 100 ms, enqueued times read back from
//      the hub. Goal: p95 < 1.5 s.
// Rounds alternate the three sides so each sees the same moments of a shared machine; medians are reported. The
// load average and the pipeline's CPU time are printed with every figure.
// Usage: npm run bench:connector   (BENCH_EVENTS=100000, BENCH_ROUNDS=3, BENCH_LIVE_SECONDS=30, BENCH_PARTS=throughput,latency,
// BENCH_NICE=-10 to favour the pipeline over the machine's other work; compiled by scripts/bench.js)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition, type ReceivedEventData } from '@azure/event-hubs';
import { Client } from 'azure-kusto-data';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import type { ConnectionList, ConnectionStatus } from '../../src/protocol/controlApi';
import { CONTROL_PATHS } from '../../src/protocol/controlApi';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../local/pipeline';

const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const LIVE_RATE = 1000;
/** A niceness for the pipeline and this process (e.g. -10, as root): what the figures are on a machine to themselves. */
const NICE = process.env.BENCH_NICE === undefined ? undefined : Number(process.env.BENCH_NICE);
/** Which parts to run: throughput, latency (both by default). */
const PARTS = (process.env.BENCH_PARTS ?? 'throughput,latency').split(',');
const PARTITIONS = 4;
const DB = 'NetDefaultDB';
const NOTE = 'x'.repeat(820);

/** One event's body, about 1 KiB. */
function event(seq: number): Record<string, unknown> {
  return {
    site: `site-${seq % 7}`, sensor: `sensor-${seq % 50}`, temperature: 20 + (seq % 15) / 10, humidity: 0.4 + (seq % 10) / 100,
    pressure: 1013 + (seq % 20), battery: 3.7, eventTime: new Date(Date.UTC(2026, 0, 1) + seq * 10).toISOString(), seq, note: NOTE,
  };
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks of 1/100 s). */
function cpuOf(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Measured { rate: number; seconds: number; pipelineCpu: number; benchCpu: number; loadBefore: string; loadAfter: string }

async function measure(n: number, pipeline: LocalPipeline, f: () => Promise<void>): Promise<Measured> {
  const loadBefore = load();
  const c0 = cpuOf(pipeline.process.pid!);
  const b0 = ownCpu();
  const t0 = performance.now();
  await f();
  const seconds = (performance.now() - t0) / 1000;
  return { rate: n / seconds, seconds, pipelineCpu: cpuOf(pipeline.process.pid!) - c0, benchCpu: ownCpu() - b0, loadBefore, loadAfter: load() };
}

function show(label: string, m: Measured): void {
  console.log(`  ${label.padEnd(44)} ${fmt(m.rate).padStart(8)} events/s  (${m.seconds.toFixed(2)} s; CPU: pipeline ${m.pipelineCpu.toFixed(1)} s, bench ${m.benchCpu.toFixed(1)} s; load ${m.loadBefore} → ${m.loadAfter})`);
}

async function schema(kusto: Client, raw: string, typed: string): Promise<void> {
  const mgmt = (csl: string) => kusto.executeMgmt(DB, csl);
  await mgmt(`.create table ${raw} (site: string, sensor: string, temperature: dynamic, humidity: dynamic, pressure: dynamic, battery: dynamic, eventTime: string, seq: long, note: string)`);
  const mapping = ['site', 'sensor', 'temperature', 'humidity', 'pressure', 'battery', 'eventTime', 'seq', 'note'].map((c) => ({ column: c, Properties: { Path: `$.${c}` } }));
  await mgmt(`.create table ${raw} ingestion json mapping "${raw}Mapping" '${JSON.stringify(mapping)}'`);
  await mgmt(`.create table ${typed} (Site: string, Sensor: string, Temperature: real, Humidity: real, Pressure: real, Battery: real, EventTime: datetime, Seq: long)`);
  const query = `${raw} | project Site = site, Sensor = sensor, Temperature = toreal(temperature), Humidity = toreal(humidity), Pressure = toreal(pressure), Battery = toreal(battery), EventTime = todatetime(eventTime), Seq = seq | where isnotnull(EventTime)`;
  await mgmt(`.alter table ${typed} policy update @'${JSON.stringify([{ IsEnabled: true, Source: raw, Query: query, IsTransactional: false }])}'`);
}

async function count(kusto: Client, table: string): Promise<number> {
  return (await kusto.execute(DB, `${table} | count`)).primaryResults[0].toJSON<{ Count: number }>().data[0].Count;
}

async function control<T>(pipeline: LocalPipeline, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${pipeline.ready.control}${p}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function fill(producer: EventHubProducerClient, n: number): Promise<void> {
  await Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => {
    let batch = await producer.createBatch({ partitionId: String(p) });
    for (let seq = p; seq < n; seq += PARTITIONS) {
      const e = { body: event(seq) };
      if (batch.tryAdd(e)) continue;
      await producer.sendBatch(batch);
      batch = await producer.createBatch({ partitionId: String(p) });
      batch.tryAdd(e);
    }
    if (batch.count) await producer.sendBatch(batch);
  }));
}

/** The bare SDK: receive the whole backlog from earliest, as fast as the client takes it. */
async function sdkReceive(cs: string, hub: string, n: number): Promise<void> {
  const consumer = new EventHubConsumerClient('$Default', cs, hub);
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    const sub = consumer.subscribe({
      processEvents: (events) => { got += events.length; if (got >= n) resolve(); return Promise.resolve(); },
      processError: (e) => { reject(e); return Promise.resolve(); },
    }, { startPosition: earliestEventPosition, maxBatchSize: 1000, maxWaitTimeInSeconds: 0.1 });
    void sub;
  });
  await consumer.close();
}

async function streaming(uri: string, table: string, chunks: Buffer[]): Promise<void> {
  const ingest = new StreamingIngestClient(uri);
  const props = new IngestionProperties({ database: DB, table, format: DataFormat.JSON, ingestionMappingReference: `${table}Mapping` });
  for (const chunk of chunks) await ingest.ingestFromStream(Readable.from([chunk]), props);
  ingest.close();
}

function ndjson(n: number, per: number): Buffer[] {
  const out: Buffer[] = [];
  for (let from = 0; from < n; from += per) {
    const lines: string[] = [];
    for (let seq = from; seq < Math.min(n, from + per); seq++) lines.push(JSON.stringify(event(seq)));
    out.push(Buffer.from(lines.join('\n')));
  }
  return out;
}

/**
 * Until a query counts all n rows. The connector's status is polled first (it counts only committed events, and a
 * commit makes rows queryable): a count query every 50 ms would load the server more than the connector does.
 */
async function connectorDrain(pipeline: LocalPipeline, kusto: Client, name: string, table: string, n: number, maxBatchEvents?: number): Promise<void> {
  await control(pipeline, 'PUT', CONTROL_PATHS.connection(name), { hub: 'bench', table, mapping: `${table}Mapping`, ...(maxBatchEvents ? { maxBatchEvents } : {}) });
  for (;;) {
    const s = await control<ConnectionStatus>(pipeline, 'GET', CONTROL_PATHS.connection(name));
    if (s.eventsIngested >= n && (await count(kusto, table)) >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `rate` events/s for `seconds`: every 100 ms, what is due, across the partitions; returns how many were sent. */
async function paced(producer: EventHubProducerClient, seconds: number, rate: number): Promise<number> {
  const started = Date.now();
  let sent = 0;
  for (let tick = 1; tick <= seconds * 10; tick++) {
    const due = Math.floor((tick / 10) * rate);
    const bodies = new Map<number, Record<string, unknown>[]>();
    for (; sent < due; sent++) bodies.set(sent % PARTITIONS, [...(bodies.get(sent % PARTITIONS) ?? []), event(sent)]);
    await Promise.all([...bodies].map(([p, list]) => producer.sendBatch(list.map((body) => ({ body })), { partitionId: String(p) })));
    await new Promise((r) => setTimeout(r, Math.max(0, started + tick * 100 - Date.now())));
  }
  return sent;
}

async function main(): Promise<void> {
  const dir = tempDataDir('eventline-bench-connector-');
  const config = path.join(dir, 'eventline.json');
  fs.writeFileSync(config, JSON.stringify({ version: 1, name: 'bench', eventHubs: [{ name: 'bench', partitions: PARTITIONS }, { name: 'live', partitions: PARTITIONS }] }));
  const pipeline = await startLocalPipeline({ dataDir: path.join(dir, 'data'), args: ['--config', config] });
  if (NICE !== undefined) {
    // Every thread of both processes (Linux niceness is per thread; DuckDB's workers already exist).
    for (const pid of [pipeline.process.pid!, process.pid]) for (const tid of fs.readdirSync(`/proc/${pid}/task`)) os.setPriority(Number(tid), NICE);
    console.log(`BENCH_NICE=${NICE}: the pipeline and this process run favoured over the machine's other work`);
  }
  const kusto = new Client(pipeline.ready.eventhouse.uri);
  const cs = pipeline.ready.eventHubs.connectionString;
  try {
    console.log(`connector bench: ${fmt(N)} events of ${Buffer.byteLength(JSON.stringify(event(12345)))} bytes, ${PARTITIONS} partitions, json mapping + update policy; ${os.cpus().length} cores; load ${load()}`);
    if (PARTS.includes('throughput')) {
      const producer = new EventHubProducerClient(cs, 'bench');
      let t = performance.now();
      await fill(producer, N);
      console.log(`  backlog of ${fmt(N)} events sent in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      await producer.close();
      t = performance.now();
      const chunks1k = ndjson(N, 1000);
      const chunks10k = ndjson(N, 10_000);
      console.log(`  NDJSON for streaming ingestion made in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`);
      await throughput(pipeline, kusto, cs, chunks1k, chunks10k);
    }
    if (PARTS.includes('latency')) await latency(pipeline, kusto, cs);
  } finally {
    kusto.close();
    await pipeline.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function throughput(pipeline: LocalPipeline, kusto: Client, cs: string, chunks1k: Buffer[], chunks10k: Buffer[]): Promise<void> {
  const sdk: Measured[] = [];
  const stream1k: Measured[] = [];
  const stream10k: Measured[] = [];
  const conn: Measured[] = [];
  const conn10k: Measured[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    console.log(`round ${r}:`);
    const m1 = await measure(N, pipeline, () => sdkReceive(cs, 'bench', N));
    show('bare SDK receive (EventHubConsumerClient)', m1);
    sdk.push(m1);
    await schema(kusto, `S${r}Raw`, `S${r}Readings`);
    const m2 = await measure(N, pipeline, () => streaming(pipeline.ready.eventhouse.uri, `S${r}Raw`, chunks1k));
    show('streaming ingestion, 1,000-row requests', m2);
    stream1k.push(m2);
    await schema(kusto, `C${r}Raw`, `C${r}Readings`);
    const m3 = await measure(N, pipeline, () => connectorDrain(pipeline, kusto, `bench-${r}`, `C${r}Raw`, N));
    show('connector, hub → queryable rows', m3);
    conn.push(m3);
    await schema(kusto, `T${r}Raw`, `T${r}Readings`);
    const m4 = await measure(N, pipeline, () => streaming(pipeline.ready.eventhouse.uri, `T${r}Raw`, chunks10k));
    show('streaming ingestion, 10,000-row requests', m4);
    stream10k.push(m4);
    await schema(kusto, `B${r}Raw`, `B${r}Readings`);
    const m5 = await measure(N, pipeline, () => connectorDrain(pipeline, kusto, `big-${r}`, `B${r}Raw`, N, 10_000));
    show('connector, maxBatchEvents 10,000', m5);
    conn10k.push(m5);
    await control(pipeline, 'DELETE', CONTROL_PATHS.connection(`big-${r}`));
    for (const tbl of [`S${r}Readings`, `C${r}Readings`, `T${r}Readings`, `B${r}Readings`]) {
      const c = await count(kusto, tbl);
      if (c !== N) throw new Error(`${tbl} has ${c} rows, not ${N}: the update policy did not keep up`);
    }
    await control(pipeline, 'DELETE', CONTROL_PATHS.connection(`bench-${r}`));
  }
  const rate = (ms: Measured[]) => median(ms.map((m) => m.rate));
  const baseline = Math.min(rate(sdk), rate(stream1k));
  console.log(`medians of ${ROUNDS}: SDK ${fmt(rate(sdk))}/s, streaming (1,000-row) ${fmt(rate(stream1k))}/s, streaming (10,000-row) ${fmt(rate(stream10k))}/s, connector ${fmt(rate(conn))}/s`);
  console.log(`  connector / min(SDK, streaming 1,000-row) = ${(rate(conn) / baseline).toFixed(2)}  (goal ≥ 0.7); with 10,000-event batches ${fmt(rate(conn10k))}/s = ${(rate(conn10k) / rate(stream10k)).toFixed(2)} × 10,000-row streaming`);
  const perCpu = (ms: Measured[], cpu: (m: Measured) => number) => median(ms.map((m) => N / cpu(m)));
  console.log(`  events per pipeline CPU-second: connector ${fmt(perCpu(conn, (m) => m.pipelineCpu))}, streaming 1,000-row ${fmt(perCpu(stream1k, (m) => m.pipelineCpu))} (its client: ${fmt(perCpu(stream1k, (m) => m.benchCpu))}), SDK receive hub side ${fmt(perCpu(sdk, (m) => m.pipelineCpu))} (client: ${fmt(perCpu(sdk, (m) => m.benchCpu))})`);
}

/** Latency at 1,000 events/s: enqueued → queryable, with the connector's own figures. */
async function latency(pipeline: LocalPipeline, kusto: Client, cs: string): Promise<void> {
  await schema(kusto, 'LiveRaw', 'LiveReadings');
  await control(pipeline, 'PUT', CONTROL_PATHS.connection('live'), { hub: 'live', table: 'LiveRaw', mapping: 'LiveRawMapping' });
  const live = new EventHubProducerClient(cs, 'live');
  const seen = new Map<number, number>();
  let watermark = -1;
  let sending = true;
  const loadBefore = load();
  const c0 = cpuOf(pipeline.process.pid!);
  const poller = (async () => {
    for (let idle = 0; sending || idle < 30;) {
      const r = await kusto.execute(DB, `LiveRaw | where seq > ${watermark} | project seq`);
      const now = Date.now();
      let fresh = 0;
      for (const row of r.primaryResults[0].toJSON<{ seq: number }>().data) if (!seen.has(row.seq)) { seen.set(row.seq, now); fresh++; }
      while (seen.has(watermark + 1)) watermark++;
      idle = !sending && fresh === 0 ? idle + 1 : 0;
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  const sent = await paced(live, LIVE_SECONDS, LIVE_RATE);
  sending = false;
  await poller;
  const loadAfter = load();
  const liveCpu = cpuOf(pipeline.process.pid!) - c0;
  await live.close();
  // The hub's own enqueued times, read back.
  const enqueued = new Map<number, number>();
  const consumer = new EventHubConsumerClient('$Default', cs, 'live');
  await new Promise<void>((resolve, reject) => {
    consumer.subscribe({
      processEvents: (events: ReceivedEventData[]) => {
        for (const e of events) enqueued.set((e.body as { seq: number }).seq, e.enqueuedTimeUtc.getTime());
        if (enqueued.size >= sent) resolve();
        return Promise.resolve();
      },
      processError: (e) => { reject(e); return Promise.resolve(); },
    }, { startPosition: earliestEventPosition, maxBatchSize: 1000, maxWaitTimeInSeconds: 0.1 });
  });
  await consumer.close();
  const lat = [...seen].map(([seq, at]) => at - enqueued.get(seq)!).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)];
  const status = (await control<ConnectionList>(pipeline, 'GET', CONTROL_PATHS.connections)).connections.find((c) => c.name === 'live')!;
  console.log(`latency at ${fmt(LIVE_RATE)} events/s for ${LIVE_SECONDS} s: ${fmt(sent)} sent, ${fmt(seen.size)} seen, LiveReadings ${fmt(await count(kusto, 'LiveReadings'))} rows`);
  console.log(`  enqueued → queryable (polled every 100 ms): p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, p99 ${pct(0.99)} ms, max ${lat[lat.length - 1]} ms  (goal p95 < 1,500 ms)`);
  console.log(`  enqueued → committed (the connector's own, last 10,000 events): p50 ${status.latencyMs.p50} ms, p95 ${status.latencyMs.p95} ms; ${status.batches} batches, each committed in p50 ${status.commitMs.p50} ms, p95 ${status.commitMs.p95} ms`);
  console.log(`  pipeline CPU ${liveCpu.toFixed(1)} s over the ${LIVE_SECONDS} s; load ${loadBefore} → ${loadAfter}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
