// Micro-benchmark of the alert evaluator alone (not a test): the CPU time of seriesFromRows + evaluateRule per rule
// for bench:alerts' workload (100 rules, 1,000 objects, one row per object in the evaluated minute, after nine
// minutes of state), on rows shaped as the Kusto reply gives them (datetimes as ISO text). CPU time, not wall time,
// so the number says little about the load of the machine (printed anyway).
// Usage: node scripts/bench.js alertsEval   (BENCH_RUNS cycles, default 30)
import * as os from 'node:os';
import { evaluateRule, seriesFromRows, type RuleState } from '../../src/core/alerts/evaluate';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const OBJECTS = 1000;
const RULES = 100;
const START = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const load = () => `load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min, ${os.cpus().length} cores)`;

function rules(): AlertRule[] {
  const kinds: Alert['condition'][] = [
    { kind: 'is', op: 'greaterThan', value: 90 },
    { kind: 'becomes', op: 'greaterThan', value: 80 },
    { kind: 'outsideRange', low: 10, high: 90 },
    { kind: 'increasesBy', by: 20, percent: true },
    { kind: 'changes' },
  ];
  return Array.from({ length: RULES }, (_, i) => normalizeAlert({
    name: `rule${i}`, source: { query: 'Readings', eventTimeColumn: 'Timestamp' },
    object: 'Device', property: 'Value', condition: kinds[i % kinds.length], options: i % 7 === 0 ? { times: 2, within: '5m' } : undefined,
    action: { email: { to: ['ops@contoso.com'] } },
  }, i));
}

const columns = ['Timestamp', 'Device', 'Value'];
const rowsFor = (from: number, to: number): unknown[][] => {
  const out: unknown[][] = [];
  for (let k = from; k < to; k++) out.push([iso(START + Math.floor(k / OBJECTS) * 60_000 + (k % OBJECTS)), `d${k % OBJECTS}`, (k * 7919) % 100]);
  return out;
};

const rs = rules();
const end = START + 10 * 60_000;
const start = end - 60_000;
const history = rowsFor(0, 9 * OBJECTS);
const windowRows = rowsFor(9 * OBJECTS, 10 * OBJECTS);
const states = new Map<string, RuleState>();
for (const r of rs) states.set(r.name, evaluateRule(r, undefined, seriesFromRows(r, columns, history, START, start), start).state);

let firings = 0;
const cycle = () => {
  firings = 0;
  for (const r of rs) firings += evaluateRule(r, states.get(r.name), seriesFromRows(r, columns, windowRows, start, end), end).firings.length;
};
cycle();
cycle();
const cpu: number[] = [];
let seriesCpu = 0;
for (let i = 0; i < RUNS; i++) {
  const c = process.cpuUsage();
  cycle();
  const d = process.cpuUsage(c);
  cpu.push((d.user + d.system) / 1000);
}
for (let i = 0; i < RUNS; i++) {
  const c = process.cpuUsage();
  for (const r of rs) seriesFromRows(r, columns, windowRows, start, end);
  const d = process.cpuUsage(c);
  seriesCpu += (d.user + d.system) / 1000;
}
cpu.sort((a, b) => a - b);
const med = cpu[Math.floor(cpu.length / 2)];
console.log(`evaluator CPU per rule (1,000 objects, 1,000 rows): median ${(med / RULES).toFixed(3)} ms (min ${(cpu[0] / RULES).toFixed(3)}), of which seriesFromRows ${(seriesCpu / RUNS / RULES).toFixed(3)} ms; ${firings} firings per cycle; ${RUNS} cycles; ${load()}`);
