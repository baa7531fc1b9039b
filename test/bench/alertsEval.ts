// Micro-benchmark of the alert evaluator alone (not a test): the CPU time of seriesFromRows + evaluateRule per rule
// for bench:alerts' workload (100 rules, 1,000 objects, one row per object in the evaluated minute, after nine
// minutes of state), on rows shaped as the Kusto reply gives them (datetimes as ISO text). CPU time, not wall time,
// so the number says little about the load of the machine (printed anyway). Then the same through the runner's
// evaluateAndQueue (CPU and wall time per rule), its engine handing back the same rows.
// Usage: node scripts/bench.js alertsEval   (BENCH_RUNS cycles, default 30)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateRule, seriesFromRows, type RuleState } from '../../src/core/alerts/evaluate';
import { packState, unpackState } from '../../src/core/alerts/packedState';
import type { AlertRule } from '../../src/core/alerts/rule';
import { AlertRunner } from '../../src/local/alerts/runner';
import { localRoute } from '../../src/local/alerts/mail';
import { AlertStore } from '../../src/local/alerts/store';
import { benchRules } from './alertRules';
import type { Engine } from '../../src/local/eventhouse/engine';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const OBJECTS = 1000;
const RULES = 100;
const START = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const load = () => `load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min, ${os.cpus().length} cores)`;

const rules = (): AlertRule[] => benchRules(RULES, 'Readings');

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

// The runner's part of a cycle on the same rows (AlertRunner.evaluateAndQueue after its query: the evaluator, the
// firings queued with their emails, the rule's line of the state file serialized), its engine handing back the rows.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-bench-alerts-eval-'));
const store = new AlertStore(path.join(dir, 'alerts', 'state.json'), (m) => console.log(m));
const engine = { query: () => Promise.resolve({ table: { name: 'PrimaryResult', columns: columns.map((name) => ({ name, type: 'string' })), rows: windowRows }, visualization: null }) };
const runner = new AlertRunner(rs, [], { engine: engine as unknown as Engine, database: 'db', mail: localRoute({ host: '127.0.0.1', port: 1, user: '', pass: '' }), store, log: (m) => console.log(m), now: () => end + rs[0].source.delayMs });
// Each cycle starts from a copy of the nine minutes' state, made before it is timed: the runner evaluates in place,
// so given the same state objects again it would find the minute evaluated already and do nothing (it did: this
// line read 0.001 ms a rule from the day the runner began to evaluate in place until it was noticed).
const freshStates = () => new Map(rs.map((r) => [r.name, unpackState(packState(states.get(r.name)!))]));
const runnerCycle = async (fresh: Map<string, RuleState>) => {
  for (const r of rs) {
    const record = store.rule(r.name);
    record.state = fresh.get(r.name);
    record.fired = [];
    await runner.evaluateAndQueue(r);
    runnerFirings += store.data.outbox.length;
    store.data.outbox = [];
  }
};
const runnerCpu: number[] = [];
const runnerWall: number[] = [];
let runnerFirings = 0;
void (async () => {
  await runnerCycle(freshStates());
  for (let i = 0; i < Math.max(3, Math.floor(RUNS / 5)); i++) {
    const fresh = freshStates();
    const t = performance.now();
    const c = process.cpuUsage();
    runnerFirings = 0;
    await runnerCycle(fresh);
    const d = process.cpuUsage(c);
    runnerWall.push(performance.now() - t);
    runnerCpu.push((d.user + d.system) / 1000);
  }
  await runner.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  runnerCpu.sort((a, b) => a - b);
  runnerWall.sort((a, b) => a - b);
  console.log(`runner per rule after its query (evaluator, outbox, state line): CPU median ${(runnerCpu[Math.floor(runnerCpu.length / 2)] / RULES).toFixed(3)} ms, wall median ${(runnerWall[Math.floor(runnerWall.length / 2)] / RULES).toFixed(3)} ms; ${runnerFirings} firings queued in the last cycle; ${load()}`);
})();
console.log(`evaluator CPU per rule (1,000 objects, 1,000 rows): median ${(med / RULES).toFixed(3)} ms (min ${(cpu[0] / RULES).toFixed(3)}), of which seriesFromRows ${(seriesCpu / RUNS / RULES).toFixed(3)} ms; ${firings} firings per cycle; ${RUNS} cycles; ${load()}`);
