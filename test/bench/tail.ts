// npm run bench:tail — the live tail under load, in one run.
// 1. Host cost per event: fills the local hub with N events of ~1 KiB JSON, then reads them all from "earliest"
//    twice: once with a bare EventHubConsumerClient.subscribe that only counts, once through TailSession + the
//    panel's feed (row conversion, ring buffer, batching).
// 2. The open panel: a producer child process sends RATE events/s of ~1 KiB JSON for SECONDS; a tail from
//    "latest" feeds the real panel page (dist/webviews/tail.js in headless Chromium, the same HTML and CSP as in
//    VS Code, messages delivered with window.postMessage at the panel's ~10 posts/s). Checks received = sent, the
//    page's longest task and frame gap, and host/page memory over time.
// Every result carries os.loadavg(): other processes share the cores, and a task that waits for a core is long
// by the wall clock. The trace of the panel phase tells the two apart: each long task's own CPU time is printed.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import type { HostToView, TailState } from '../../src/protocol/tailProtocol';
import { FLUSH_MS, TailFeed } from '../../src/tail/tailFeed';
import { TailSession } from '../../src/tail/tailSession';
import { startLocalPipeline } from '../local/pipeline';
import { openTailPage } from './tailPage';

const N = Number(process.env.EVENTLINE_BENCH_EVENTS ?? 40000);
const RATE = Number(process.env.EVENTLINE_BENCH_RATE ?? 20000);
const SECONDS = Number(process.env.EVENTLINE_BENCH_SECONDS ?? 30);
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
  const feed = new TailFeed({ bufferSize: 10000, post: () => undefined, stats: () => [], state: () => ({ state: 'live' }) });
  const ring = feed.buffer;
  let got = 0;
  const t0 = process.cpuUsage();
  const w0 = Date.now();
  await new Promise<void>((resolve) => {
    const session = new TailSession({
      client: async () => new EventHubConsumerClient('$Default', cs, 'telemetry'),
      start: { kind: 'earliest' },
      onEvents: (events) => {
        feed.push(events);
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

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

async function panel(cs: string): Promise<void> {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- the harness is plain CommonJS */
  const { ensureToolchain } = require('../harness/toolchain') as typeof import('../harness/toolchain');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: ensureToolchain().chromium, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // The view acknowledges each update it took in, as in VS Code; the feed sends the next one only then.
    let acks = 0;
    await openTailPage(page, async () => {
      // tsx compiles this file with esbuild's keepNames, which wraps the functions handed to the page in __name().
      await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      await page.addInitScript(() => {
        const w = window as unknown as Record<string, unknown>;
        w.onHostMessage = (m: { type: string }) => { if (m.type === 'ack') void (w.hostAck as () => Promise<void>)(); };
        w.longest = 0;
        w.longTasks = 0;
        new PerformanceObserver((list) => { for (const e of list.getEntries()) { w.longTasks = (w.longTasks as number) + 1; w.longest = Math.max(w.longest as number, e.duration); } }).observe({ type: 'longtask', buffered: true });
        w.maxGap = 0;
        let last = performance.now();
        const frame = (t: number) => { w.maxGap = Math.max(w.maxGap as number, t - last); last = t; requestAnimationFrame(frame); };
        requestAnimationFrame(frame);
        w.viewTotal = 0;
        w.viewRows = 0;
        window.addEventListener('message', (ev: MessageEvent<{ type: string; total?: number; rows?: unknown[] }>) => {
          if (ev.data.type === 'update') { w.viewTotal = ev.data.total; w.viewRows = (w.viewRows as number) + (ev.data.rows?.length ?? 0); }
        });
      });
      await page.exposeFunction('hostAck', () => { acks++; feed.ack(); });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('HeapProfiler.enable');
    // While measuring, the heap as it is (garbage included): forcing a collection every few seconds to see the
    // live heap put 100-275 ms full GCs into the page's longest tasks. The live heap is taken once, at the end.
    const heap = async (collect: boolean) => {
      if (collect) await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
    };

    // Posts go one at a time as JSON text, as VS Code's webview channel carries them (a structured Playwright
    // argument would cost far more than the real channel); a slow view shows up as a backlog.
    let chain = Promise.resolve();
    let backlog = 0;
    let maxBacklog = 0;
    const post = (m: HostToView) => {
      backlog++;
      maxBacklog = Math.max(maxBacklog, backlog);
      chain = chain.then(() => page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(m))).then(() => { backlog--; }, () => { backlog--; });
    };
    let state = 'connecting' as TailState;
    const session = new TailSession({
      client: async () => new EventHubConsumerClient('$Default', cs, 'telemetry'),
      start: { kind: 'latest' },
      onEvents: (events) => feed.push(events),
      onState: (s) => { state = s; },
    });
    const feed = new TailFeed({ bufferSize: 10000, post, stats: () => session.stats, state: () => ({ state }) });
    post({ type: 'init', title: 'telemetry', consumerGroup: '$Default', start: 'latest', bufferSize: 10000, restore: { hub: 'telemetry', consumerGroup: '$Default' } });
    feed.viewReady();
    const timer = setInterval(() => feed.flush(), FLUSH_MS);
    await session.start();
    while (state !== 'live') await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    await page.evaluate(() => { const w = window as unknown as Record<string, number>; w.longest = 0; w.longTasks = 0; w.maxGap = 0; });

    const trace: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (d) => { for (const e of d.value as unknown as TraceEvent[]) if (e.ph === 'X' || e.name === 'thread_name') trace.push(e); });
    await cdp.send('Tracing.start', { categories: 'toplevel,devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
    // The page's own work (script, style, layout, all its tasks) over the phase, from Chromium's counters.
    const pageWork = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const work0 = await pageWork();
    const load0 = os.loadavg();
    const cpu0 = process.cpuUsage();
    const producer = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'tailProducer.ts'), cs, String(RATE), String(SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    producer.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const samples: string[] = [];
    const sampler = setInterval(() => {
      void heap(false).then((h) => samples.push(`t+${samples.length * 5 + 5}s host heap ${mib(process.memoryUsage().heapUsed)} rss ${mib(process.memoryUsage().rss)}, page heap ${mib(h)} (with garbage), received ${feed.buffer.total}, load ${os.loadavg()[0].toFixed(1)}`));
    }, 5000);
    await new Promise<void>((resolve) => producer.once('exit', () => resolve()));
    const { sent, seconds } = JSON.parse(out.trim()) as { sent: number; seconds: number };
    // Let the tail drain what is still in flight.
    const drainEnd = Date.now() + 60_000;
    while (feed.buffer.total < sent && Date.now() < drainEnd) await new Promise((r) => setTimeout(r, 100));
    // …and let the view catch up with the host (one update in flight, acknowledged when drawn).
    const viewTotal = () => page.evaluate(() => (window as unknown as { viewTotal: number }).viewTotal);
    const viewEnd = Date.now() + 30_000;
    while ((await viewTotal()) < feed.buffer.total && Date.now() < viewEnd) await new Promise((r) => setTimeout(r, 200));
    await chain;
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpu0);
    const work1 = await pageWork();
    const view = await page.evaluate(() => { const w = window as unknown as Record<string, number>; return { total: w.viewTotal, rows: w.viewRows, longest: w.longest, longTasks: w.longTasks, maxGap: w.maxGap }; });
    const load1 = os.loadavg();
    const traced = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
    await cdp.send('Tracing.end');
    await traced;
    const tasks = pageTasks(trace);
    const liveHeap = await heap(true);
    const statusText = await page.locator('#status').textContent();
    clearInterval(timer);
    await session.stop();
    for (const line of samples) console.log(`  ${line}`);
    console.log(`panel: sent ${sent} in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s); host received ${feed.buffer.total}; view total ${view.total}; rows posted ${view.rows}; received = sent: ${feed.buffer.total === sent && view.total === sent ? 'yes' : 'NO'}`);
    console.log(`panel: ${acks} updates taken in and acknowledged by the view`);
    console.log(`panel: webview longest task ${view.longTasks ? `${view.longest.toFixed(0)} ms (${view.longTasks} tasks over 50 ms)` : 'none over 50 ms'}; longest frame gap ${view.maxGap.toFixed(0)} ms; largest post backlog ${maxBacklog}`);
    const cpuLong = tasks.filter((t) => t.cpu > 50).length;
    console.log(`panel: page tasks over 50 ms by the wall clock (trace): ${tasks.filter((t) => t.wall > 50).length}, of which ${cpuLong} used over 50 ms of CPU; the longest: ${tasks.slice(0, 3).map((t) => `${t.wall.toFixed(0)} ms wall / ${t.cpu.toFixed(0)} ms CPU (${t.what})`).join('; ') || 'none'}`);
    const spent = (name: string) => `${((work1[name] - work0[name]) * 1000).toFixed(0)} ms`;
    console.log(`panel: page main thread over the phase: tasks ${spent('TaskDuration')}, script ${spent('ScriptDuration')}, style ${spent('RecalcStyleDuration')}, layout ${spent('LayoutDuration')}`);
    console.log(`panel: page live heap at the end ${mib(liveHeap)}`);
    console.log(`panel: host CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms = ${((cpu.user + cpu.system) / Math.max(1, feed.buffer.total)).toFixed(1)} µs/event (receive, rows, ring, posting to the page)`);
    console.log(`panel: load average ${load0.map((l) => l.toFixed(1)).join(' ')} at the start, ${load1.map((l) => l.toFixed(1)).join(' ')} at the end (${os.cpus().length} CPUs)`);
    console.log(`panel: status line "${statusText?.slice(0, 160)}"`);
  } finally {
    await browser.close();
  }
}

interface TraceEvent { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } }

/**
 * The page's main-thread tasks from a Chromium trace, longest first: wall time, the thread's CPU time in it, and
 * what took most of it. The bench's own message delivery (a DevTools evaluate per post, standing in for VS Code's
 * channel) runs as tasks of their own and is left out.
 */
function pageTasks(trace: TraceEvent[]): { wall: number; cpu: number; what: string }[] {
  const main = trace.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return [];
  const own = trace.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const out: { wall: number; cpu: number; what: string }[] = [];
  for (let i = 0; i < own.length; i++) {
    const t = own[i];
    if (t.name !== 'ThreadControllerImpl::RunTask' || t.dur! < 20_000) continue;
    const inside = new Map<string, number>();
    for (let j = i + 1; j < own.length && own[j].ts < t.ts + t.dur!; j++) {
      const e = own[j];
      if (e.name !== 'ThreadControllerImpl::RunTask') inside.set(e.name, Math.max(inside.get(e.name) ?? 0, e.dur!));
    }
    if ((inside.get('Receive mojo message') ?? 0) > 0.8 * t.dur!) continue;
    const what = [...inside].filter(([n]) => n !== 'Receive mojo message').sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'task';
    out.push({ wall: t.dur! / 1000, cpu: (t.tdur ?? 0) / 1000, what });
  }
  return out.sort((a, b) => b.wall - a.wall);
}

async function main(): Promise<void> {
  console.log(`tail bench: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const p = await startLocalPipeline();
  try {
    const cs = p.ready.eventHubs.connectionString;
    if (!process.env.EVENTLINE_BENCH_PANEL_ONLY) {
      await fill(cs);
      const rss0 = process.memoryUsage().rss;
      const bareUs = await bare(cs);
      const tailUs = await tail(cs);
      console.log(`host CPU per event: bare ${bareUs.toFixed(1)} µs, tail ${tailUs.toFixed(1)} µs, ratio ${(tailUs / bareUs).toFixed(2)}`);
      console.log(`bench process RSS ${mib(rss0)} before reading, ${mib(process.memoryUsage().rss)} after (ring of 10,000 rows)`);
    }
    await panel(cs);
  } finally {
    await p.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
