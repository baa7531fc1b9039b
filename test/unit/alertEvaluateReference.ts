// The alert evaluator as it was before its fast path (eb9a54f's src/core/alerts/evaluate.ts, unchanged below this
// header but for the import paths): alertEvaluateFast.test.ts checks on random rules and rows that the evaluator gives
// the same series, firings and state as this plain version.
// The alert evaluator: one rule over the rows its source returned for a window, per object, with Activator's
// semantics (fabric-docs activator-detection-conditions.md): "is" conditions activate for each event where they are
// true; "becomes" only when the condition goes from false to true; enters/exits range only when the previous value
// was outside/inside; occurrence "every time", "number of times" (within a span) or "stays" (continuously true for a
// span); "no presence of data" (heartbeat) when no event arrives for a span. Pure and vscode-free: the local runner
// and the dry run both call it, and its per-object state is plain JSON so the runner can persist it.
import { isNumericCondition, isStateCondition, type AlertRule, type Condition, type NumberOp, type Scalar } from '../../src/core/alerts/rule';

/** One property value of one object at one event time, with the row it came from (for the email's fields). */
export interface Point { time: number; value: Scalar | null; row: Record<string, unknown> }

export interface ObjectState {
  /** The previous property value (transitions compare against it). */
  last?: { time: number; value: Scalar | null; row?: Record<string, unknown> };
  /** Event time of the object's latest row (heartbeat conditions). */
  lastSeen?: number;
  /** staysFor: since when the condition has held without a break, and whether this run fired already. */
  trueSince?: number;
  runFired?: boolean;
  /** times-within: when the condition was met, inside the span. */
  hits?: number[];
  /** The event time of the last firing (cooldown). */
  lastFired?: number;
  /** noDataFor: fired for the current silence already. */
  silenceFired?: boolean;
  /** The aggregation's open tumbling window. */
  win?: { start: number; count: number; sum: number; min: number; max: number; row: Record<string, unknown> };
}

export interface RuleState {
  version: 1;
  /** What the state was built for; a changed rule starts over rather than compare against another condition. */
  fingerprint: string;
  /** The end of the last evaluated window (event time, ms). */
  watermark?: number;
  /** When the rule was first evaluated: the start of the silence for an object never seen (heartbeat). */
  firstEvaluated?: number;
  objects: Record<string, ObjectState>;
}

export interface Firing {
  rule: string;
  object: string;
  /** Event time the rule fired at (ms). */
  time: number;
  value: Scalar | null;
  previous?: Scalar | null;
  row: Record<string, unknown>;
  /** What happened, in words: "Value becomes greater than 30 (31.5)". */
  reason: string;
}

export interface EvaluationResult {
  firings: Firing[];
  /** Firings held back by the rule's cooldown. */
  suppressed: number;
  state: RuleState;
}

/** The source returned something the rule cannot read: a missing column, text where a number is needed. */
export class AlertEvalError extends Error {}

/** The rule's parts that give state its meaning. */
export function ruleFingerprint(rule: AlertRule): string {
  return JSON.stringify([rule.source.query, rule.source.eventTimeColumn ?? null, rule.object ?? null, rule.property ?? null, rule.condition, rule.occurrence]);
}

export function emptyState(rule: AlertRule): RuleState {
  return { version: 1, fingerprint: ruleFingerprint(rule), objects: {} };
}

const SINGLE_OBJECT = '*';

/**
 * Groups a query result into per-object series of property points, in event-time order. With an event-time
 * column, rows outside [from, to) are left out (so a query that ignores the window parameters still sees each row
 * once); without one, every row is at `to`.
 */
export function seriesFromRows(rule: AlertRule, columns: string[], rows: unknown[][], from: number | undefined, to: number): Map<string, Point[]> {
  const index = (name: string, what: string) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new AlertEvalError(`The source query returns no column "${name}" (${what}); it returns ${columns.join(', ') || 'no columns'}.`);
    return i;
  };
  const timeCol = rule.source.eventTimeColumn;
  const ti = timeCol === undefined ? -1 : index(timeCol, 'source.eventTimeColumn');
  const oi = rule.object === undefined ? -1 : index(rule.object, 'object');
  const pi = rule.property === undefined ? -1 : index(rule.property.column, 'property');
  const numeric = isNumericCondition(rule.condition.kind) || rule.property?.aggregation !== undefined;
  const out = new Map<string, Point[]>();
  for (const r of rows) {
    let time = to;
    if (ti >= 0) {
      const raw = r[ti];
      time = typeof raw === 'number' ? raw : Date.parse(String(raw));
      if (!Number.isFinite(time)) throw new AlertEvalError(`Column "${timeCol}" (source.eventTimeColumn) holds ${JSON.stringify(raw)}, which is not a datetime.`);
      if ((from !== undefined && time < from) || time >= to) continue;
    }
    const object = oi < 0 ? SINGLE_OBJECT : objectKey(r[oi]);
    let value: Scalar | null = null;
    if (pi >= 0) {
      const raw = r[pi];
      if (raw === null || raw === undefined) value = null;
      else if (typeof raw === 'number' || typeof raw === 'boolean') value = raw;
      else if (typeof raw === 'bigint') value = Number(raw);
      else if (typeof raw === 'string') {
        // Kusto's decimal travels as text; a number condition takes it, words it does not.
        const n = Number(raw);
        if (numeric && (raw.trim() === '' || !Number.isFinite(n))) {
          throw new AlertEvalError(`Column "${rule.property!.column}" (property) holds the text ${JSON.stringify(raw.slice(0, 60))} for object "${object}", but condition "${rule.condition.kind}" compares numbers. Choose a numeric column or a text condition.`);
        }
        value = numeric ? n : raw;
      } else value = JSON.stringify(raw);
      if (numeric && typeof value === 'boolean') value = value ? 1 : 0;
    }
    const row: Record<string, unknown> = {};
    columns.forEach((c, i) => { row[c] = r[i]; });
    let list = out.get(object);
    if (!list) out.set(object, list = []);
    list.push({ time, value, row });
  }
  for (const list of out.values()) list.sort((a, b) => a.time - b.time);
  return out;
}

function objectKey(v: unknown): string {
  if (v === null || v === undefined || v === '') return '(empty)';
  return typeof v === 'object' ? JSON.stringify(v) : (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '?');
}

function compare(op: NumberOp, v: number, x: number): boolean {
  switch (op) {
    case 'greaterThan': return v > x;
    case 'greaterThanOrEqual': return v >= x;
    case 'lessThan': return v < x;
    case 'lessThanOrEqual': return v <= x;
    case 'equal': return v === x;
    case 'notEqual': return v !== x;
  }
}

const OP_WORDS: Record<NumberOp, string> = { greaterThan: 'greater than', greaterThanOrEqual: 'at least', lessThan: 'less than', lessThanOrEqual: 'at most', equal: 'equal to', notEqual: 'not equal to' };

function inside(c: Extract<Condition, { low: number }>, v: number): boolean {
  return (c.includeLow ? v >= c.low : v > c.low) && (c.includeHigh ? v <= c.high : v < c.high);
}

function text(c: Extract<Condition, { ignoreCase: boolean }>, v: Scalar): boolean {
  const s = c.ignoreCase ? String(v).toLowerCase() : String(v);
  const x = c.ignoreCase ? c.value.toLowerCase() : c.value;
  switch (c.kind) {
    case 'textEquals': return s === x;
    case 'textNotEquals': return s !== x;
    case 'textContains': return s.includes(x);
    case 'textBeginsWith': return s.startsWith(x);
    case 'textEndsWith': return s.endsWith(x);
  }
}

/** A state condition on one value. */
function holds(c: Condition, v: Scalar): boolean {
  switch (c.kind) {
    case 'is': case 'becomes': return compare(c.op, Number(v), c.value);
    case 'insideRange': case 'entersRange': return inside(c, Number(v));
    case 'outsideRange': case 'leavesRange': return !inside(c, Number(v));
    case 'textEquals': case 'textNotEquals': case 'textContains': case 'textBeginsWith': case 'textEndsWith': return text(c, v);
    default: return false;
  }
}

const same = (a: Scalar | null, b: Scalar | null) => a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

/**
 * Whether one value (after `prev`, undefined for an object's first value) meets the condition. Transitions need a
 * previous value: an object's first value never "becomes", "enters" or "changes".
 */
function detects(c: Condition, prev: Scalar | null | undefined, cur: Scalar): boolean {
  if (isStateCondition(c.kind)) return holds(c, cur);
  if (c.kind === 'everyValue') return true;
  if (prev === undefined || prev === null) return false;
  switch (c.kind) {
    case 'becomes': case 'entersRange': case 'leavesRange': return !holds(c, prev) && holds(c, cur);
    case 'changes': return !same(prev, cur);
    case 'changesFrom': return same(prev, c.from) && !same(cur, c.from);
    case 'changesTo': return !same(prev, c.to) && same(cur, c.to);
    case 'changesFromTo': return same(prev, c.from) && same(cur, c.to);
    case 'increasesBy': case 'decreasesBy': case 'changesBy': {
      const p = Number(prev);
      const delta = Number(cur) - p;
      if (delta === 0 || (c.kind === 'increasesBy' && delta < 0) || (c.kind === 'decreasesBy' && delta > 0)) return false;
      const size = c.percent ? (p === 0 ? Infinity : (Math.abs(delta) / Math.abs(p)) * 100) : Math.abs(delta);
      return size >= c.by;
    }
    default: return false;
  }
}

function describe(rule: AlertRule, value: Scalar | null, prev: Scalar | null | undefined): string {
  const c = rule.condition;
  const col = rule.property ? (rule.property.aggregation ? `${rule.property.aggregation.op} of ${rule.property.column}` : rule.property.column) : 'row';
  const v = value === null ? 'null' : String(value);
  switch (c.kind) {
    case 'is': return `${col} is ${OP_WORDS[c.op]} ${c.value} (${v})`;
    case 'becomes': return `${col} becomes ${OP_WORDS[c.op]} ${c.value} (${String(prev)} → ${v})`;
    case 'insideRange': case 'outsideRange': case 'entersRange': case 'leavesRange':
      return `${col} ${{ insideRange: 'is inside', outsideRange: 'is outside', entersRange: 'enters', leavesRange: 'leaves' }[c.kind]} ${c.includeLow ? '[' : '('}${c.low}, ${c.high}${c.includeHigh ? ']' : ')'} (${v})`;
    case 'changes': case 'changesFrom': case 'changesTo': case 'changesFromTo': return `${col} changes (${String(prev)} → ${v})`;
    case 'increasesBy': case 'decreasesBy': case 'changesBy':
      return `${col} ${{ increasesBy: 'increases', decreasesBy: 'decreases', changesBy: 'changes' }[c.kind]} by at least ${c.by}${c.percent ? '%' : ''} (${String(prev)} → ${v})`;
    case 'noDataFor': return `no data for ${c.durationMs / 1000}s`;
    case 'firstDataAfter': return `first data after at least ${c.durationMs / 1000}s of silence`;
    case 'everyValue': return 'a row arrived';
    default: return `${col} ${c.kind} ${JSON.stringify((c as { value?: unknown }).value)} (${v})`;
  }
}

function aggregate(op: NonNullable<AlertRule['property']>['aggregation'] & object, w: NonNullable<ObjectState['win']>): number {
  switch (op.op) {
    case 'average': return w.count ? w.sum / w.count : 0;
    case 'sum': return w.sum;
    case 'min': return w.min;
    case 'max': return w.max;
    case 'count': return w.count;
  }
}

/**
 * A copy the evaluation may change without touching `state`. Only the open window is changed in place; every other
 * field is replaced whole, and rows are never changed, so they are shared: structuredClone of 1,000 objects' rows
 * was a third of a rule's evaluation.
 */
function copyState(state: RuleState): RuleState {
  const objects: Record<string, ObjectState> = {};
  for (const [k, o] of Object.entries(state.objects)) objects[k] = o.win ? { ...o, win: { ...o.win } } : { ...o };
  return { ...state, objects };
}

/**
 * Evaluates one window of the rule. `series` holds the window's points per object; `watermark` is the window's
 * end: time-driven parts (stays for, no data for, closing an aggregation window) are decided up to it. Returns a
 * new state; `state` is not changed.
 */
export function evaluateRule(rule: AlertRule, state: RuleState | undefined, series: Map<string, Point[]>, watermark: number): EvaluationResult {
  const fp = ruleFingerprint(rule);
  const next: RuleState = state && state.fingerprint === fp ? copyState(state) : { version: 1, fingerprint: fp, objects: {} };
  next.firstEvaluated ??= watermark;
  const firings: Firing[] = [];
  let suppressed = 0;
  const c = rule.condition;
  const occ = rule.occurrence;
  const agg = rule.property?.aggregation;
  const heartbeat = c.kind === 'noDataFor' || c.kind === 'firstDataAfter';
  const keepRow = c.kind === 'noDataFor' || occ.kind === 'staysFor';

  const keys = new Set<string>([...Object.keys(next.objects), ...series.keys()]);
  if (c.kind === 'noDataFor' && rule.object === undefined) keys.add(SINGLE_OBJECT);
  for (const object of [...keys].sort()) {
    const s = (next.objects[object] ??= {});
    const fire = (time: number, value: Scalar | null, prev: Scalar | null | undefined, row: Record<string, unknown>) => {
      if (rule.cooldownMs > 0 && s.lastFired !== undefined && time - s.lastFired < rule.cooldownMs) { suppressed++; return; }
      s.lastFired = time;
      firings.push({ rule: rule.name, object, time, value, previous: prev, row, reason: describe(rule, value, prev) });
    };
    const detected = (p: Point, prev: Scalar | null | undefined) => {
      if (occ.kind === 'times') {
        s.hits = [...(s.hits ?? []).filter((h) => h > p.time - occ.withinMs), p.time];
        if (s.hits.length >= occ.n) { s.hits = undefined; fire(p.time, p.value, prev, p.row); }
      } else fire(p.time, p.value, prev, p.row);
    };
    // One property value, in event-time order.
    const step = (p: Point) => {
      if (c.kind === 'everyValue') { detected(p, s.last?.value); s.last = { time: p.time, value: p.value }; return; }
      if (p.value === null) return;
      const prev = s.last?.value;
      s.last = keepRow ? { time: p.time, value: p.value, row: p.row } : { time: p.time, value: p.value };
      if (occ.kind === 'staysFor') {
        if (!holds(c, p.value)) { s.trueSince = undefined; s.runFired = false; return; }
        if (s.trueSince === undefined) { s.trueSince = p.time; s.runFired = false; }
        if (!s.runFired && p.time - s.trueSince >= occ.periodMs) { s.runFired = true; fire(p.time, p.value, prev, p.row); }
        return;
      }
      if (detects(c, prev, p.value)) detected(p, prev);
    };
    const closeWindow = () => {
      const w = s.win!;
      s.win = undefined;
      step({ time: w.start + agg!.windowMs, value: aggregate(agg!, w), row: w.row });
    };

    for (const p of series.get(object) ?? []) {
      if (heartbeat) {
        if (c.kind === 'noDataFor' && !s.silenceFired) {
          const since = s.lastSeen ?? next.firstEvaluated;
          if (p.time - since >= c.durationMs) { s.silenceFired = true; fire(since + c.durationMs, null, s.last?.value, s.last?.row ?? {}); }
        }
        if (c.kind === 'firstDataAfter' && s.lastSeen !== undefined && p.time - s.lastSeen >= c.durationMs) detected(p, s.last?.value);
        s.silenceFired = false;
        s.lastSeen = Math.max(s.lastSeen ?? p.time, p.time);
        s.last = keepRow ? { time: p.time, value: p.value, row: p.row } : { time: p.time, value: p.value };
        continue;
      }
      if (!agg) { step(p); continue; }
      const start = Math.floor(p.time / agg.windowMs) * agg.windowMs;
      if (s.win && start < s.win.start) continue; // later than its window's close: Activator has moved on too
      if (s.win && start > s.win.start) closeWindow();
      if (p.value === null) continue;
      const v = Number(p.value);
      s.win ??= { start, count: 0, sum: 0, min: v, max: v, row: p.row };
      const w = s.win;
      w.count++; w.sum += v; w.min = Math.min(w.min, v); w.max = Math.max(w.max, v); w.row = p.row;
    }
    // Time-driven: what the passing of time up to the watermark decides.
    if (agg && s.win && s.win.start + agg.windowMs <= watermark) closeWindow();
    if (occ.kind === 'staysFor' && s.trueSince !== undefined && !s.runFired && watermark - s.trueSince >= occ.periodMs && s.last) {
      s.runFired = true;
      fire(s.trueSince + occ.periodMs, s.last.value, s.last.value, s.last.row ?? {});
    }
    if (c.kind === 'noDataFor' && !s.silenceFired) {
      const since = s.lastSeen ?? next.firstEvaluated;
      if (watermark - since >= c.durationMs) { s.silenceFired = true; fire(since + c.durationMs, null, s.last?.value, s.last?.row ?? {}); }
    }
  }
  next.watermark = watermark;
  firings.sort((a, b) => a.time - b.time || a.object.localeCompare(b.object));
  return { firings, suppressed, state: next };
}
