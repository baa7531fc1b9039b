// Benchmark of the alerts (not a test), against the real local Eventhouse (dist/local.js) through azure-kusto-data:
// (a) one evaluation cycle of 100 rules over 1,000 objects (each rule's windowed query, then the runner's
//     seriesFromRows + evaluateRule) divided by the same 100 queries alone (goal ≤ 1.3×);
// (b) a dry run over 24 h of one reading per second from 100 objects (8.64 M rows: the one summarize query plus
//     the evaluator's walk) divided by a plain `summarize avg(value) by bin(Timestamp, 1m), object` over the same
//     rows (goal ≤ 3×).
// Both sides of each ratio run in turns in the same run; os.loadavg() is printed with every result (other work on
// this machine changes the absolute times).
// Usage: npm run bench:alerts   (BENCH_DRY_OBJECTS=10 for a smaller (b): the rows are objects × 86,400; BENCH_RUNS)
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Readable } from 'node:stream';
import { Client } from 'azure-kusto-data';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { dryRunQuery, evaluateDryRun } from '../../src/core/alerts/dryRun';
import { evaluateRule, seriesFromRows } from '../../src/core/alerts/evaluate';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';
import { windowed } from '../../src/local/alerts/runner';
import { startLocalPipeline, tempDataDir } from '../local/pipeline';
import { timePair } from './timing';

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

function rulesA(): AlertRule[] {
  const kinds: Alert['condition'][] = [
    { kind: 'is', op: 'greaterThan', value: 90 },
    { kind: 'becomes', op: 'greaterThan', value: 80 },
    { kind: 'outsideRange', low: 10, high: 90 },
    { kind: 'increasesBy', by: 20, percent: true },
    { kind: 'changes' },
  ];
  return Array.from({ length: RULES_A }, (_, i) => normalizeAlert({
    name: `rule${i}`, source: { query: 'Readings | where Timestamp >= startTime and Timestamp < endTime', eventTimeColumn: 'Timestamp' },
    object: 'Device', property: 'Value', condition: kinds[i % kinds.length], options: i % 7 === 0 ? { times: 2, within: '5m' } : undefined,
    action: { email: { to: ['ops@contoso.com'] } },
  }, i));
}

async function main(): Promise<void> {
  const dataDir = tempDataDir('eventline-bench-alerts-');
  const p = await startLocalPipeline({ dataDir });
  const client = new Client(p.ready.eventhouse.uri);
  const ingest = new StreamingIngestClient(p.ready.eventhouse.uri);
  try {
    // ─── (a) one cycle of 100 rules over 1,000 objects ─────────────────────────────────────────────────────
    await client.executeMgmt(DB, '.create table Readings (Timestamp:datetime, Device:string, Value:real)');
    const minutes = 10;
    const aRows = OBJECTS_A * minutes;
    await ingestRows(ingest, 'Readings', aRows, (k) => `{"Timestamp":"${iso(START + Math.floor(k / OBJECTS_A) * 60_000 + (k % OBJECTS_A))}","Device":"d${k % OBJECTS_A}","Value":${(k * 7919) % 100}}`);
    const rules = rulesA();
    // The cycle evaluates the last full minute after nine minutes of state.
    const end = START + minutes * 60_000;
    const start = end - 60_000;
    const states = new Map<string, ReturnType<typeof evaluateRule>['state']>();
    for (const r of rules) {
      const res = await client.execute(DB, windowed(r.source.query, START, start));
      const t = res.primaryResults[0];
      states.set(r.name, evaluateRule(r, undefined, seriesFromRows(r, t.columns.map((c) => c.name ?? ''), (t as unknown as { _rows: unknown[][] })._rows, START, start), start).state);
    }
    let firings = 0;
    let rowsSeen = 0;
    const cycle = async () => {
      firings = 0;
      rowsSeen = 0;
      for (const r of rules) {
        const res = await client.execute(DB, windowed(r.source.query, start, end));
        const t = res.primaryResults[0];
        const rows = (t as unknown as { _rows: unknown[][] })._rows;
        rowsSeen += rows.length;
        const out = evaluateRule(r, states.get(r.name), seriesFromRows(r, t.columns.map((c) => c.name ?? ''), rows, start, end), end);
        firings += out.firings.length;
      }
    };
    const queriesOnly = async () => {
      for (const r of rules) await client.execute(DB, windowed(r.source.query, start, end));
    };
    const [cycleMs, queryMs] = await timePair(cycle, queriesOnly, RUNS, 1);
    console.log(`(a) ${RULES_A} rules × ${OBJECTS_A} objects, one cycle: ${cycleMs.toFixed(0)} ms vs the ${RULES_A} queries alone ${queryMs.toFixed(0)} ms → ${(cycleMs / queryMs).toFixed(2)}× (goal ≤ 1.3×); ${rowsSeen} rows evaluated, ${firings} firings; ${load()}`);

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
