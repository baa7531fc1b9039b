// Benchmark of the local Event Hubs (not a test): `npm run bench:eventhubs`. Its goals are ratios to baselines
// measured in the same run, so a loaded machine moves both sides (other processes share the 2 cores; every result
// line carries os.loadavg()):
// 1. Throughput: 1 KiB JSON events in SDK batches, sent by EventHubProducerClient and received end to end by
//    EventHubConsumerClient through the local hub (a separate process, as users run it). Goal: end to end ≥ 0.5× the
//    bare sink (aim 0.8×).
// 2. The ceiling: the same producers against a bare rhea sink (also a separate process) that accepts and discards,
//    run just before and just after the hub's run; the ratio uses their mean.
// 3. Latency at 1,000 events/s on the AMQP links (raw rhea sender and receiver, send time in the body), at the hub
//    and at a bare rhea forwarder (the floor: rhea and this machine, no hub), in alternating one-second slices after
//    a discarded warm-up slice each, so both see the same load. Goal: hub p99 ≤ 2× the forwarder's p99. Then
//    through the SDK (a producer process sending single events; the consumer polls its queue every 20 ms).
// 4. Resident memory of the hub process.
// BENCH_PROBE=1 also loads test/bench/loopProbe.js into the hub and the forwarder and prints what their main
// threads' stalls during the latency slices were made of (running, waiting for a core, GC).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { performance } from 'node:perf_hooks';
import * as rhea from 'rhea';
import { EventHubConsumerClient, EventHubProducerClient, latestEventPosition, type EventData } from '@azure/event-hubs';
import { startLocalPipeline, tempDataDir } from '../local/pipeline';

const HUB = 'bench';
const PARTITIONS = 4;
const PRODUCERS = 4;
const TOTAL = Number(process.env.BENCH_EVENTS ?? 200_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const PROBE = process.env.BENCH_PROBE === '1';
const PROBE_OUT = path.join(os.tmpdir(), `eventline-bench-probe-${process.pid}`);
const RATE = 1000;

const payload = (i: number) => ({ id: i, device: `device-${i % 100}`, t: 0, pad: 'x'.repeat(1024 - 60) });
const eventSize = Buffer.byteLength(JSON.stringify(payload(123456)));

// ---------- the bare sink (runs in its own process when started with --sink) ----------

/**
 * The bare sink: accepts and discards. With `forward` it is the latency floor instead: every accepted message goes
 * straight out again on the receiver links, with no storage and no Event Hubs logic, so the same client can time
 * rhea and this machine alone.
 */
function runSink(forward: boolean): void {
  const container = rhea.create_container({ id: 'bare-sink' });
  const replies = new Map<string, rhea.Sender>();
  const outlets: rhea.Sender[] = [];
  container.on('sender_open', (ctx: rhea.EventContext) => {
    const s = ctx.sender!;
    s.set_source({ address: s.source?.address });
    replies.set(s.name, s);
    if (s.target?.address) replies.set(s.target.address, s);
    if (forward && s.source?.address !== '$cbs') outlets.push(s);
  });
  container.on('receiver_open', (ctx: rhea.EventContext) => {
    const r = ctx.receiver!;
    r.set_target({ address: r.target?.address });
    (r as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = 1024 * 1024;
  });
  container.on('message', (ctx: rhea.EventContext) => {
    const target = ctx.receiver?.target?.address;
    ctx.delivery?.accept();
    if (target !== '$cbs') {
      for (const o of outlets) if (o.sendable()) o.send(ctx.message!);
    } else {
      const m = ctx.message!;
      replies.get(String(m.reply_to))?.send({ correlation_id: m.message_id, application_properties: { 'status-code': 202, 'status-description': 'Accepted' }, body: '' });
    }
  });
  const server = container.listen({ port: 0, host: '127.0.0.1', autoaccept: false } as unknown as Parameters<rhea.Container['listen']>[0]);
  server.on('listening', () => process.stdout.write(`${(server.address() as import('node:net').AddressInfo).port}\n`));
}

/** Every child process, killed when this one exits however it exits: a failed run must leave no hub behind. */
const children = new Set<ChildProcess>();
process.on('exit', () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const probeEnv = (): NodeJS.ProcessEnv => (PROBE ? { NODE_OPTIONS: `--require ${path.join(__dirname, 'loopProbe.js')}`, EVENTLINE_PROBE_OUT: PROBE_OUT } : {});

async function startSink(forward = false): Promise<{ port: number; child: ChildProcess }> {
  const child = track(spawn(process.execPath, [...process.execArgv, __filename, '--sink', ...(forward ? ['--forward'] : [])], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...(forward ? probeEnv() : {}) } }));
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve));
  return { port: Number(line), child };
}

// ---------- measurements ----------

/** Runs the producers in their own process, so the SDK's encoding does not compete with the consumer's thread. */
async function sendAll(cs: string, total: number): Promise<{ seconds: number; startedAt: number }> {
  const child = track(spawn(process.execPath, [...process.execArgv, __filename, '--produce', cs, String(total)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`producer process exited with ${code}`)));
  });
  return JSON.parse(line) as { seconds: number; startedAt: number };
}

/** `startedAt`: when the first batch went out, on the clock all processes share (epoch ms, sub-millisecond). */
async function produce(cs: string, total: number, hub = HUB): Promise<{ seconds: number; startedAt: number }> {
  const producers = Array.from({ length: PRODUCERS }, () => new EventHubProducerClient(cs, hub));
  // Warm up links and CBS before the clock starts.
  await Promise.all(producers.map((p, i) => p.sendBatch([{ body: payload(-1) }], { partitionId: String(i % PARTITIONS) })));
  const perProducer = Math.ceil(total / PRODUCERS);
  const t0 = performance.now();
  await Promise.all(producers.map(async (p, w) => {
    let sent = 0;
    let b = 0;
    while (sent < perProducer) {
      const batch = await p.createBatch({ partitionId: String((w + b++) % PARTITIONS) });
      while (sent < perProducer && batch.tryAdd({ body: payload(sent) })) sent++;
      await p.sendBatch(batch);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(producers.map((p) => p.close()));
  return { seconds, startedAt: performance.timeOrigin + t0 };
}

async function throughput(cs: string): Promise<{ sendRate: number; e2eRate: number; received: number }> {
  const consumer = new EventHubConsumerClient('$Default', cs, HUB);
  let received = 0;
  let last = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => { resolveDone = r; });
  const expected = Math.ceil(TOTAL / PRODUCERS) * PRODUCERS;
  const sub = consumer.subscribe({
    processEvents: (evs) => {
      for (const e of evs) if ((e.body as { id: number }).id >= 0) received++;
      last = performance.timeOrigin + performance.now();
      if (received >= expected) resolveDone();
      return Promise.resolve();
    },
    processError: (e) => { console.error(`consumer error: ${e.message}`); return Promise.resolve(); },
  }, { startPosition: latestEventPosition, maxBatchSize: 1000, maxWaitTimeInSeconds: 0.05 });
  await new Promise((r) => setTimeout(r, 1500)); // let every partition receiver attach at "latest"
  // End to end runs from the producers' first batch to the consumer's last event: the producer process's start-up
  // and link warm-up are not sending (counted, they put end to end 8% under the send rate at 48,000 events/s).
  const { seconds, startedAt } = await sendAll(cs, TOTAL);
  const timeout = setTimeout(resolveDone, 60_000);
  await done;
  clearTimeout(timeout);
  await sub.close();
  await consumer.close();
  return { sendRate: expected / seconds, e2eRate: received / ((last - startedAt) / 1000), received };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function sasToken(uri: string, keyName: string, key: string): string {
  const se = Math.floor(Date.now() / 1000) + 3600;
  const sr = encodeURIComponent(uri);
  const sig = encodeURIComponent(createHmac('sha256', key).update(`${sr}\n${se}`).digest('base64'));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${encodeURIComponent(keyName)}`;
}

/** Paces `fn` at RATE calls per second for `seconds`, catching up after timer jitter. */
async function paced(seconds: number, fn: (i: number) => void): Promise<void> {
  const total = seconds * RATE;
  const t0 = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
      while (i < due) fn(i++);
      if (i >= total) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
}

/**
 * A raw rhea sender and receiver on partition 0 of a hub (or the forwarder), with the send time stamped in the
 * body. Events go into whichever array `into` holds when they arrive. A send the link has no room for waits in
 * order (its time was stamped when it was due, so the wait counts): a stall used to overflow rhea's session buffer
 * and end the run.
 */
async function openLink(port: number, keyName: string, key: string, into: { samples: number[] }) {
  const container = rhea.create_container({ id: 'bench-raw' });
  const conn = container.connect({ host: '127.0.0.1', port, reconnect: false });
  const cbsIn = conn.open_receiver({ source: { address: '$cbs' }, name: 'cbs-bench' });
  const cbsOut = conn.open_sender({ target: { address: '$cbs' } });
  const pending = new Map<string, () => void>();
  cbsIn.on('message', (ctx: rhea.EventContext) => {
    const id = String(ctx.message?.correlation_id);
    pending.get(id)?.();
  });
  await new Promise<void>((r) => cbsOut.once('sendable', () => r()));
  const put = (p: string) => new Promise<void>((resolve) => {
    const id = `put-${p}`;
    pending.set(id, resolve);
    const uri = `sb://127.0.0.1:${port}/${p}`;
    cbsOut.send({ message_id: id, reply_to: 'cbs-bench', to: '$cbs', application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name: uri }, body: sasToken(uri, keyName, key) });
  });
  await put(`${HUB}/Partitions/0`);
  await put(`${HUB}/ConsumerGroups/$Default/Partitions/0`);
  const receiver = conn.open_receiver({
    source: { address: `${HUB}/ConsumerGroups/$Default/Partitions/0`, filter: rhea.filter.selector("amqp.annotation.x-opt-offset > '@latest'") },
    credit_window: 500,
  });
  receiver.on('message', (ctx: rhea.EventContext) => {
    // A data-section body arrives as rhea's Section object holding the bytes.
    const body = ctx.message?.body as { content?: Buffer } | Buffer | undefined;
    const bytes = Buffer.isBuffer(body) ? body : body?.content;
    const ev = bytes ? (JSON.parse(bytes.toString()) as { id: number; t: number }) : undefined;
    // Warm-up events (id -1) arriving late under load must not land among the measured ones.
    if (ev && ev.id >= 0) into.samples.push(performance.now() - ev.t);
  });
  await new Promise<void>((r) => receiver.once('receiver_open', () => r()));
  const sender = conn.open_sender({ target: { address: `${HUB}/Partitions/0` } });
  await new Promise<void>((r) => sender.once('sendable', () => r()));
  const queue: Buffer[] = [];
  const drain = () => { while (queue.length > 0 && sender.sendable()) sender.send({ body: rhea.message.data_section(queue.shift()!) }); };
  sender.on('sendable', drain);
  return {
    send(warmUp = false): void {
      const p = payload(warmUp ? -1 : 0);
      p.t = performance.now();
      queue.push(Buffer.from(JSON.stringify(p)));
      drain();
    },
    /** Waits for the close handshake: the forwarder is killed right after, and a half-closed connection logs noise. */
    close: () => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      conn.once('connection_close', () => { clearTimeout(timer); resolve(); });
      conn.close();
    }),
  };
}

interface Slices { hub: number[]; forwarder: number[]; windows: { hub: [number, number][]; forwarder: [number, number][] }; load: number[] }

/**
 * Latency at RATE events/s at the hub and at the bare forwarder, in alternating one-second slices: measured one
 * after the other, the two phases met different load from other processes and a ratio of their p99s said more
 * about that than about the hub. A first slice each warms links and code up and is not counted.
 */
async function latencySlices(hubPort: number, fwdPort: number, keyName: string, key: string): Promise<Slices> {
  const hubInto = { samples: [] as number[] };
  const fwdInto = { samples: [] as number[] };
  const hub = await openLink(hubPort, keyName, key, hubInto);
  const fwd = await openLink(fwdPort, keyName, key, fwdInto);
  await paced(1, () => hub.send(true));
  await paced(1, () => fwd.send(true));
  const out: Slices = { hub: [], forwarder: [], windows: { hub: [], forwarder: [] }, load: [] };
  hubInto.samples = out.hub;
  fwdInto.samples = out.forwarder;
  for (let i = 0; i < LATENCY_SECONDS; i++) {
    out.load.push(os.loadavg()[0]);
    let t0 = clock();
    await paced(1, () => hub.send());
    out.windows.hub.push([t0, clock()]);
    t0 = clock();
    await paced(1, () => fwd.send());
    out.windows.forwarder.push([t0, clock()]);
  }
  await new Promise((r) => setTimeout(r, 300));
  await hub.close();
  await fwd.close();
  return out;
}

/** What the probe saw in one process during its own slices: stalls split by cause, and GC pauses by kind. */
function probeSummary(pid: number, windows: [number, number][]): string {
  let text = '';
  try { text = fs.readFileSync(`${PROBE_OUT}.${pid}`, 'utf8'); } catch { return 'no probe output'; }
  const inside = (t: number) => windows.some(([a, b]) => t >= a && t <= b);
  let stalls = 0; let total = 0; let ran = 0; let waited = 0;
  const gc = new Map<string, { n: number; ms: number; max: number }>();
  for (const line of text.split('\n')) {
    const f = line.split(',');
    if (f.length < 4 || !inside(Number(f[1]))) continue;
    if (f[0] === 'stall') { stalls++; total += Number(f[2]); ran += Number(f[3]); waited += Number(f[4]); }
    if (f[0] === 'gc') {
      const g = gc.get(f[3]) ?? { n: 0, ms: 0, max: 0 };
      g.n++; g.ms += Number(f[2]); g.max = Math.max(g.max, Number(f[2]));
      gc.set(f[3], g);
    }
  }
  const gcText = [...gc].map(([k, g]) => `${k} ${g.n}× ${g.ms.toFixed(0)} ms (max ${g.max.toFixed(0)})`).join(', ') || 'none';
  return `${stalls} stalls over 4 ms, ${total.toFixed(0)} ms: running ${ran.toFixed(0)}, waiting for a core ${waited.toFixed(0)}, blocked ${(total - ran - waited).toFixed(0)}; GC ${gcText}`;
}

/** A shared clock across processes: wall-clock origin plus the monotonic offset, sub-millisecond. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * Latency through the SDK: single-event sends at 1,000/s from a producer process (as the ingest function is),
 * received by EventHubConsumerClient here. One process doing both would time its own sends' encoding and GC
 * against its consumer's 20 ms polling.
 */
async function sdkLatency(cs: string): Promise<number[]> {
  const consumer = new EventHubConsumerClient('$Default', cs, HUB);
  const samples: number[] = [];
  let warm = false;
  const sub = consumer.subscribe('1', {
    processEvents: (evs) => {
      const now = clock();
      for (const e of evs) {
        const { t } = e.body as { t: number };
        if (t >= 0) samples.push(now - t); else warm = true;
      }
      return Promise.resolve();
    },
    processError: (e) => { console.error(`consumer error: ${e.message}`); return Promise.resolve(); },
  }, { startPosition: latestEventPosition, maxBatchSize: 100, maxWaitTimeInSeconds: 0.05 });
  await new Promise((r) => setTimeout(r, 1000));
  const child = track(spawn(process.execPath, [...process.execArgv, __filename, '--paced', cs], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`paced producer exited with ${code}`)));
  });
  if (!warm) console.error('the paced producer\'s warm-up event did not arrive');
  await new Promise((r) => setTimeout(r, 300));
  await sub.close();
  await consumer.close();
  return samples;
}

/** The paced producer (child process): a warm-up event, then LATENCY_SECONDS × RATE single-event sends. */
async function pacedProducer(cs: string): Promise<void> {
  const producer = new EventHubProducerClient(cs, HUB);
  await producer.sendBatch([{ body: { t: -1 } }], { partitionId: '1' });
  await new Promise((r) => setTimeout(r, 500));
  const inflight = new Set<Promise<void>>();
  await paced(LATENCY_SECONDS, () => {
    const p = payload(0);
    p.t = clock();
    const ev: EventData = { body: p };
    const s = producer.sendBatch([ev], { partitionId: '1' }).catch((e: unknown) => console.error(String(e)));
    inflight.add(s);
    void s.finally(() => inflight.delete(s));
  });
  await Promise.all(inflight);
  await producer.close();
}

/** CPU seconds used so far by a process (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Waits until the pipeline process is idle (other services finish warming up) so we measure the hub only. */
async function settle(pid: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 120; i++) {
    const before = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 500));
    if (cpuSeconds(pid) - before < 0.05) break;
  }
  return (performance.now() - t0) / 1000;
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const loadavg = () => `load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
const spread = (a: number[]) => `${percentile(a, 50).toFixed(2)} / ${percentile(a, 99).toFixed(2)} / ${a[a.length - 1].toFixed(2)} ms`;

async function main(): Promise<void> {
  const dataDir = tempDataDir('eventline-bench-');
  const config = path.join(dataDir, 'eventline.json');
  fs.writeFileSync(config, JSON.stringify({ eventHubs: [{ name: HUB, partitions: PARTITIONS }] }));
  const hub = await startLocalPipeline({ dataDir, args: ['--config', config], env: probeEnv() });
  track(hub.process);
  const sink = await startSink();
  try {
    const cs = hub.ready.eventHubs.connectionString;
    const keyName = /SharedAccessKeyName=([^;]+)/.exec(cs)![1];
    const key = /SharedAccessKey=([^;]+)/.exec(cs)![1];
    const port = Number(/:(\d+);/.exec(cs)![1]);
    console.log(`eventhubs bench: ${fmt(TOTAL)} events of ${eventSize} bytes (JSON), ${PRODUCERS} producers (one process), ${PARTITIONS} partitions, ${os.cpus().length} CPUs, ${loadavg()}`);
    const waited = await settle(hub.process.pid!);
    console.log(`(waited ${waited.toFixed(1)} s for the pipeline process to go idle after start)`);

    // Latency first: right after a 200 MB burst the kernel's write-back and the GC of the consumer-side buffers
    // add hundreds of ms of stalls that say nothing about the steady state at 1,000 events/s.
    const forwarder = await startSink(true);
    const slices = await latencySlices(port, forwarder.port, keyName, key).finally(() => forwarder.child.kill('SIGKILL'));
    const atHub = [...slices.hub].sort((a, b) => a - b);
    const atFloor = [...slices.forwarder].sort((a, b) => a - b);
    console.log(`latency slices done, ${loadavg()} (1-min load during the slices ${Math.min(...slices.load).toFixed(1)}–${Math.max(...slices.load).toFixed(1)})`);
    const viaSdk = (await sdkLatency(cs)).sort((a, b) => a - b);

    // The sink just before and just after the hub's run: load from other processes moves both.
    const sinkCs = `Endpoint=sb://127.0.0.1:${sink.port};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true`;
    const sent = Math.ceil(TOTAL / PRODUCERS) * PRODUCERS;
    const sinkBefore = sent / (await sendAll(sinkCs, TOTAL)).seconds;
    const loadBefore = loadavg();
    const cpu0 = cpuSeconds(hub.process.pid!);
    const t = await throughput(cs);
    const hubCpu = cpuSeconds(hub.process.pid!) - cpu0;
    const loadAfter = loadavg();
    const sinkAfter = sent / (await sendAll(sinkCs, TOTAL)).seconds;
    const sinkRate = (sinkBefore + sinkAfter) / 2;
    const mem = rssMiB(hub.process.pid!);

    const e2eRatio = t.e2eRate / sinkRate;
    const p99Ratio = percentile(atHub, 99) / percentile(atFloor, 99);
    console.log('');
    console.log(`bare rhea sink (ceiling)      send    ${fmt(sinkBefore)} events/s before the hub's run, ${fmt(sinkAfter)} after (mean ${fmt(sinkRate)})`);
    console.log(`local hub                     send    ${fmt(t.sendRate)} events/s`);
    console.log(`local hub                     end-to-end (SDK producer -> hub -> SDK consumer) ${fmt(t.e2eRate)} events/s (${fmt(t.received)} received); ${loadBefore} before, ${loadAfter} after`);
    console.log(`hub process CPU during that run: ${hubCpu.toFixed(1)} s, ${((hubCpu * 1e6) / t.received).toFixed(1)} µs per event (stored + delivered)`);
    console.log(`ratio hub end-to-end / sink    ${e2eRatio.toFixed(2)}`);
    console.log(`latency at ${RATE}/s in ${LATENCY_SECONDS} alternating 1 s slices each, p50 / p99 / max:`);
    console.log(`  at the hub (AMQP link in -> link out, ${atHub.length} events)        ${spread(atHub)}`);
    console.log(`  bare rhea forwarder (same client, ${atFloor.length} events)          ${spread(atFloor)}`);
    console.log(`  ratio hub p99 / forwarder p99 ${p99Ratio.toFixed(2)}; events over 10 ms: hub ${((100 * atHub.filter((x) => x > 10).length) / atHub.length).toFixed(1)}%, forwarder ${((100 * atFloor.filter((x) => x > 10).length) / atFloor.length).toFixed(1)}%`);
    if (PROBE) {
      console.log(`  hub process main thread in its slices: ${probeSummary(hub.process.pid!, slices.windows.hub)}`);
      console.log(`  forwarder main thread in its slices:   ${probeSummary(forwarder.child.pid!, slices.windows.forwarder)}`);
    }
    console.log(`latency at ${RATE}/s, through the SDK (${viaSdk.length} events): ${spread(viaSdk)}`);
    console.log(`hub process RSS: ${mem.rss.toFixed(0)} MiB at the end, peak ${mem.peak.toFixed(0)} MiB`);
    const goals = [
      [`end to end ${e2eRatio.toFixed(2)}× the bare sink (goal ≥ 0.5×, aim 0.8×)`, e2eRatio >= 0.5],
      [`hub p99 ${p99Ratio.toFixed(2)}× the forwarder's (goal ≤ 2×)`, p99Ratio <= 2],
    ] as const;
    console.log(`goals: ${goals.map(([g, ok]) => `${ok ? 'met' : 'MISSED'}: ${g}`).join('; ')}; ${loadavg()}`);
  } finally {
    sink.child.kill('SIGKILL');
    await hub.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (PROBE) for (const f of fs.readdirSync(os.tmpdir())) if (f.startsWith(path.basename(PROBE_OUT))) fs.rmSync(path.join(os.tmpdir(), f), { force: true });
  }
}

if (process.argv.includes('--sink')) {
  runSink(process.argv.includes('--forward'));
} else if (process.argv.includes('--paced')) {
  pacedProducer(process.argv[process.argv.indexOf('--paced') + 1]).then(() => { process.stdout.write('done\n'); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
} else if (process.argv.includes('--produce')) {
  const i = process.argv.indexOf('--produce');
  produce(process.argv[i + 1], Number(process.argv[i + 2])).then((r) => { process.stdout.write(`${JSON.stringify(r)}\n`); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
} else {
  main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
}
