// Benchmark of the alerts (not a test), against the real local Eventhouse (dist/local.js) through azure-kusto-data:
// (a) one evaluation cycle of 100 rules over 1,000 objects (the runner's queueCycle: each rule's windowed query,
//     one in flight at a time, seriesFromRows + evaluateRule, the outbox, then the one flush its drain starts with;
//     each cycle the minute after the last one's) divided by the same 100 queries alone, one after another
//     (goal ≤ 1.3×);
// (b) a dry run over 24 h of one reading per second from 100 objects (8.64 M rows: the one summarize query plus
//     the evaluator's walk) divided by a plain `summarize avg(value) by bin(Timestamp, 1m), object` over the same
//     rows (goal ≤ 3×).
// Both sides of each ratio run in turns in the same run; os.loadavg() is printed with every result (other work on
// this machine changes the absolute times). (a) also prints, from one more cycle after the timed ones, the cycle's
// flush and the event loop's longest stall (the gap between ticks of a 2 ms timer): inside eventline-local the
// runner shares its event loop with the other servers. Last, the runner alone: the CPU of a cycle whose queries are
// answered from memory (what the runner itself costs, free of the Eventhouse and of the wall clock's noise).
// Usage: npm run bench:alerts   (BENCH_DRY_OBJECTS=10 for a smaller (b): the rows are objects × 86,400; BENCH_RUNS)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'azure-kusto-data';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { dryRunQuery, evaluateDryRun } from '../../src/core/alerts/dryRun';
import { evaluateRule, seriesFromRows, type RuleState } from '../../src/core/alerts/evaluate';
import { packState, unpackState } from '../../src/core/alerts/packedState';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import { AlertRunner, windowed } from '../../src/local/alerts/runner';
import { localRoute } from '../../src/local/alerts/mail';
import { AlertStore } from '../../src/local/alerts/store';
import { benchRules } from './alertRules';
import type { Engine } from '../../src/local/eventhouse/engine';
import { startLocalPipeline, tempDataDir } from '../local/pipeline';
import { median, timePair } from './timing';

const DB = 'NetDefaultDB';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const OBJECTS_A = 1000;
const RULES_A = 100;
const DRY_OBJECTS = Number(process.env.BENCH_DRY_OBJECTS ?? 100);
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const load = () => `load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min, ${os.cpus().length} cores)`;

async function ingestRows(ingest: StreamingIngestClient, table: string, total: number, row: (k: number) => string, batch = 250_000): Promise<number> {
  const props = new IngestionProperties({ database: DB, table, format: DataFormat.JSON });
  let ms = 0;
  for (let from = 0; from < total; from += batch) {
    const n = Math.min(batch, total - from);
    const parts = new Array<string>(n);
    for (let i = 0; i < n; i++) parts[i] = row(from + i);
    const body = Buffer.from(parts.join('\n'));
    const t = performance.now();
    await ingest.ingestFromStream(Readable.from([body]), props);
    ms += performance.now() - t;
  }
  return ms;
}

const dirBytes = (dir: string): number => fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);

const rulesA = (): AlertRule[] => benchRules(RULES_A, 'Readings | where Timestamp >= startTime and Timestamp < endTime');

async function main(): Promise<void> {
  const dataDir = tempDataDir('eventline-bench-alerts-');
  const p = await startLocalPipeline({ dataDir });
  const client = new Client(p.ready.eventhouse.uri);
  const ingest = new StreamingIngestClient(p.ready.eventhouse.uri);
  try {
    // ─── (a) one cycle of 100 rules over 1,000 objects ─────────────────────────────────────────────────────
    await client.executeMgmt(DB, '.create table Readings (Timestamp:datetime, Device:string, Value:real)');
    // Nine minutes of state, then one minute per cycle: the warm-up, the timed runs, the instrumented one.
    const history = 9;
    const minutes = history + 1 + RUNS + 1;
    const aRows = OBJECTS_A * minutes;
    await ingestRows(ingest, 'Readings', aRows, (k) => `{"Timestamp":"${iso(START + Math.floor(k / OBJECTS_A) * 60_000 + (k % OBJECTS_A))}","Device":"d${k % OBJECTS_A}","Value":${(k * 7919) % 100}}`);
    const rules = rulesA();
    // Each cycle evaluates the minute after the one before it, as the runner does: its state is the one the last
    // cycle left (the first's, nine minutes of it), updated in place, and the garbage earlier cycles left is
    // collected when V8 decides. Not the same minute on a fresh copy of the state each run: the runner never makes
    // that copy, and its promotion out of V8's young generation fell in the timed cycle.
    const history0 = START + history * 60_000;
    const base = new Map<string, RuleState>();
    for (const r of rules) {
      const res = await client.execute(DB, windowed(r.source.query, START, history0));
      const t = res.primaryResults[0];
      base.set(r.name, evaluateRule(r, undefined, seriesFromRows(r, t.columns.map((c) => c.name ?? ''), (t as unknown as { _rows: unknown[][] })._rows, START, history0), history0).state);
    }
    let minute = history - 1;
    let end = 0;
    let at = 0;
    // Untimed, before each cycle: the next minute.
    const nextMinute = () => {
      minute++;
      end = START + (minute + 1) * 60_000;
      at = end + rules[0].source.delayMs;
    };
    // The runner's own code does the cycle: AlertRunner.queueCycle is a scheduled cycle up to the outbox (each due
    // rule's query, seriesFromRows + evaluateRule, the firings queued with their emails composed), then the store's
    // flush, which the cycle's drain starts with, with its store in a data folder of its own. Its queries go through
    // azure-kusto-data to the same server as the baseline's (the runner inside eventline-local calls the engine
    // directly), so both sides pay the same for them. Delivery (EventlineAlerts rows, SMTP) is left out: it is per
    // firing, not per rule and object.
    const storeDir = tempDataDir('eventline-bench-alert-store-');
    const store = new AlertStore(path.join(storeDir, 'alerts', 'state.json'), (m) => console.log(m));
    let rowsSeen = 0;
    // The flush and the event loop's stalls are measured in one more cycle after the timed ones: a 2 ms timer costs
    // CPU the queries alone never paid. (The runner's CPU per rule, from one answer to the next query, was measured
    // there too until the runner began sending the next query before working on an answer; the runner alone, below,
    // measures its CPU instead.)
    let instrumented = false;
    // The answers of the instrumented cycle, for the runner measured alone (below). Kept from that cycle only: kept
    // from the timed ones, every answer outlived V8's young generation there, a cost the runner does not have.
    const answers = new Map<string, Awaited<ReturnType<Client['execute']>>>();
    let fromMemory = false;
    const engine = {
      async query(db: string, text: string) {
        let res = fromMemory ? answers.get(text) : undefined;
        if (res) await Promise.resolve();
        else {
          res = await client.execute(db, text);
          if (instrumented) answers.set(text, res);
        }
        const t = res.primaryResults[0];
        const rows = (t as unknown as { _rows: unknown[][] })._rows;
        rowsSeen += rows.length;
        return { table: { name: 'PrimaryResult', columns: t.columns.map((c) => ({ name: c.name ?? '', type: c.type ?? 'string' })), rows }, visualization: null };
      },
    };
    const runner = new AlertRunner(rules, [], {
      engine: engine as unknown as Engine, database: DB, mail: localRoute({ host: '127.0.0.1', port: 1, user: '', pass: '' }), store,
      log: (m) => console.log(m), now: () => at,
    });
    let firings = 0;
    let flushMs = 0;
    // The event loop's longest stall in a cycle: eventline-local's servers (Event Hubs, the Eventhouse) share it.
    let stallMs = 0;
    // As the runner holds state read back from its files (no prototype on the objects map, as after a restart).
    for (const r of rules) store.rule(r.name).state = unpackState(packState(base.get(r.name)!));
    base.clear();
    const cycle = async () => {
      rowsSeen = 0;
      let tick = performance.now();
      stallMs = 0;
      const ticker = instrumented ? setInterval(() => { const t = performance.now(); stallMs = Math.max(stallMs, t - tick); tick = t; }, 2) : undefined;
      firings = await runner.queueCycle(rules, at);
      // What the cycle's drain does first: every rule's state and every firing made durable in one flush (delivery
      // itself is left out). The outbox is then emptied as delivery would.
      const f = performance.now();
      await store.flush();
      flushMs = performance.now() - f;
      if (ticker) {
        clearInterval(ticker);
        stallMs = Math.max(stallMs, performance.now() - tick);
      }
      store.data.outbox = [];
    };
    const queriesOnly = async () => {
      for (const r of rules) await client.execute(DB, windowed(r.source.query, end - 60_000, end));
    };
    const [cycleMs, queryMs] = await timePair(cycle, queriesOnly, RUNS, 1, nextMinute);
    instrumented = true;
    nextMinute();
    // The state the instrumented cycle starts from, for the runner alone (below), which evaluates that minute again.
    const before = new Map(rules.map((r) => [r.name, packState(store.rule(r.name).state!)]));
    const fired = new Map(rules.map((r) => [r.name, [...store.rule(r.name).fired]]));
    await cycle();
    const seen = { rows: rowsSeen, firings, flushMs, stallMs };
    const stateMb = dirBytes(path.join(storeDir, 'alerts')) / 1e6;
    // The runner alone: its cycle with the queries' answers given from memory, so neither the Eventhouse nor the
    // HTTP client shares the measure. This process's CPU (all its threads: the GC's helpers, the file writes), which
    // varies far less from run to run than the wall-clock ratio on this machine.
    instrumented = false;
    fromMemory = true;
    const runnerCpu: number[] = [];
    for (let i = 0; i < 10; i++) {
      for (const r of rules) {
        const record = store.rule(r.name);
        record.state = unpackState(before.get(r.name)!);
        record.fired = [...fired.get(r.name)!];
      }
      (globalThis as { gc?: () => void }).gc?.();
      const u = process.cpuUsage();
      await cycle();
      const d = process.cpuUsage(u);
      runnerCpu.push((d.user + d.system) / 1000);
    }
    console.log(`(a) ${RULES_A} rules × ${OBJECTS_A} objects, one cycle: ${cycleMs.toFixed(0)} ms vs the ${RULES_A} queries alone ${queryMs.toFixed(0)} ms → ${(cycleMs / queryMs).toFixed(2)}× (goal ≤ 1.3×); ${seen.rows} rows evaluated, ${seen.firings} firings; in one more cycle, instrumented: its flush ${seen.flushMs.toFixed(0)} ms, its longest event-loop stall ${seen.stallMs.toFixed(0)} ms (${stateMb.toFixed(1)} MB in the state file); the runner alone, the answers given (median of 10 cycles): ${median(runnerCpu).toFixed(0)} ms of CPU (${(median(runnerCpu) / RULES_A).toFixed(2)} ms per rule); ${load()}`);
    await runner.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });

    // ─── (b) dry run over 24 h × 1/s × objects ─────────────────────────────────────────────────────────────
    await client.executeMgmt(DB, '.create table Telemetry (Timestamp:datetime, Sensor:string, Value:real)');
    const bRows = DRY_OBJECTS * 86_400;
    console.log(`ingesting ${bRows.toLocaleString('en-US')} rows (${DRY_OBJECTS} objects × 86,400 s)… ${load()}`);
    const ingestMs = await ingestRows(ingest, 'Telemetry', bRows, (k) => {
      const second = Math.floor(k / DRY_OBJECTS);
      const obj = k % DRY_OBJECTS;
      // A daily wave per object plus noise: crosses the threshold a few times a day.
      const v = 50 + 30 * Math.sin((second / 86_400) * 2 * Math.PI * 4 + obj) + ((k * 7919) % 1000) / 100;
      return `{"Timestamp":"${iso(START + second * 1000)}","Sensor":"s${obj}","Value":${v.toFixed(2)}}`;
    });
    const count = (await client.execute(DB, 'Telemetry | count')).primaryResults[0].toJSON<{ Count: number }>().data[0].Count;
    if (count !== bRows) throw new Error(`expected ${bRows} rows, found ${count}`);
    console.log(`ingested in ${(ingestMs / 1000).toFixed(1)} s (${Math.round(bRows / (ingestMs / 1000)).toLocaleString('en-US')} rows/s); ${load()}`);
    const rule = normalizeAlert({
      name: 'hot', source: { query: 'Telemetry', eventTimeColumn: 'Timestamp' }, object: 'Sensor',
      property: { column: 'Value', aggregation: 'average', window: '1m' }, condition: { kind: 'becomes', op: 'greaterThan', value: 80 },
      action: { email: { to: ['ops@contoso.com'] } },
    }, 0);
    const from = START;
    const to = START + DAY;
    const q = dryRunQuery(rule, from, to);
    let dry: ReturnType<typeof evaluateDryRun> | undefined;
    const dryRun = async () => {
      const res = await client.execute(DB, q.text);
      const t = res.primaryResults[0];
      dry = evaluateDryRun(rule, q, t.columns.map((c) => c.name ?? ''), (t as unknown as { _rows: unknown[][] })._rows, from, to);
    };
    const plain = () => client.execute(DB, 'Telemetry | summarize avg(Value) by bin(Timestamp, 1m), Sensor');
    const [dryMs, plainMs] = await timePair(dryRun, plain, RUNS, 1);
    console.log(`(b) dry run over 24 h of ${bRows.toLocaleString('en-US')} rows: ${dryMs.toFixed(0)} ms vs plain summarize ${plainMs.toFixed(0)} ms → ${(dryMs / plainMs).toFixed(2)}× (goal ≤ 3×); ${dry!.rows.toLocaleString('en-US')} window values, ${dry!.firings} firings; ${load()}`);
  } finally {
    ingest.close();
    client.close();
    await p.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
