// The alert evaluator: one rule over the rows its source returned for a window, per object, with Activator's
// semantics (fabric-docs activator-detection-conditions.md): "is" conditions activate for each event where they are
// true; "becomes" only when the condition goes from false to true; enters/exits range only when the previous value
// was outside/inside; occurrence "every time", "number of times" (within a span) or "stays" (continuously true for a
// span); "no presence of data" (heartbeat) when no event arrives for a span. Pure and vscode-free: the local runner
// and the dry run both call it, and its per-object state is plain JSON so the runner can persist it.
import { isNumericCondition, isStateCondition, type AlertRule, type Condition, type NumberOp, type Scalar } from './rule';

/** One property value of one object at one event time, with the row it came from (for the email's fields). */
export interface Point { time: number; value: Scalar | null; row: Record<string, unknown> }

/**
 * A point of a query result whose row, as an object keyed by column, is made when first read: only firings and the
 * rules that keep the last row read it. Made for every row, they were one more object per row per evaluation
 * (100,000 a cycle in bench:alerts' 100 rules over 1,000 objects).
 */
class ResultPoint implements Point {
  private made: Record<string, unknown> | undefined;
  constructor(readonly time: number, readonly value: Scalar | null, private readonly raw: readonly unknown[], private readonly columns: readonly string[]) {}
  get row(): Record<string, unknown> {
    if (!this.made) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < this.columns.length; i++) row[this.columns[i]] = this.raw[i];
      this.made = row;
    }
    return this.made;
  }
}

/** What a firing takes its row from: a point (read only when it fires) or an aggregation window. */
interface HasRow { readonly row: Record<string, unknown> }

export interface ObjectState {
  /**
   * The previous property value (transitions compare against it; undefined: none yet, null: a row without one), its
   * event time, and its row where a later firing reads it. Fields of the object rather than an object of their own:
   * a rule's state is made anew each evaluation, and that was one more object per watched object each time
   * (100,000 a cycle in bench:alerts, all kept until the next).
   */
  lastTime?: number;
  lastValue?: Scalar | null;
  lastRow?: Record<string, unknown>;
  /** Event time of the object's latest row; kept by heartbeat conditions only, which alone read it. */
  lastSeen?: number;
  /** staysFor: since when the condition has held without a break, and whether this run fired already. */
  trueSince?: number;
  runFired?: boolean;
  /** times-within: when the condition was met, inside the span (none since the last firing: absent). */
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

/** Per-object state keyed by values from the data: no prototype, so an object named "__proto__" is just a key. */
function objectMap(): RuleState['objects'] {
  return Object.create(null) as RuleState['objects'];
}

export function emptyState(rule: AlertRule): RuleState {
  return { version: 1, fingerprint: ruleFingerprint(rule), objects: objectMap() };
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
  // Lists whose points came out of time order: only those are sorted (a source ordered by time, or one point per
  // object, needs none). Sorting is stable, so a list already in order would come out of it unchanged anyway.
  const unordered = new Set<Point[]>();
  // Consecutive rows often carry the same timestamp text (one reading per object per tick): parse it once.
  let lastRaw: unknown;
  let lastTime = NaN;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    let time = to;
    if (ti >= 0) {
      const raw = r[ti];
      if (typeof raw === 'number') time = raw;
      else if (raw === lastRaw && typeof raw === 'string') time = lastTime;
      else {
        time = typeof raw === 'string' ? parseUtc(raw) : Date.parse(String(raw));
        lastRaw = raw;
        lastTime = time;
      }
      if (!Number.isFinite(time)) throw new AlertEvalError(`Column "${timeCol}" (source.eventTimeColumn) holds ${JSON.stringify(raw)}, which is not a datetime.`);
      if ((from !== undefined && time < from) || time >= to) continue;
    }
    const object = oi < 0 ? SINGLE_OBJECT : objectKey(r[oi]);
    let value: Scalar | null = null;
    if (pi >= 0) {
      const raw = r[pi];
      if (raw === null || raw === undefined) value = null;
      else if (typeof raw === 'number') value = raw;
      else if (typeof raw === 'boolean') value = numeric ? (raw ? 1 : 0) : raw;
      else if (typeof raw === 'bigint') value = Number(raw);
      else if (typeof raw === 'string') {
        // Kusto's decimal travels as text; a number condition takes it, words it does not.
        const n = Number(raw);
        if (numeric && (raw.trim() === '' || !Number.isFinite(n))) {
          throw new AlertEvalError(`Column "${rule.property!.column}" (property) holds the text ${JSON.stringify(raw.slice(0, 60))} for object "${object}", but condition "${rule.condition.kind}" compares numbers. Choose a numeric column or a text condition.`);
        }
        value = numeric ? n : raw;
      } else value = JSON.stringify(raw);
    }
    let list = out.get(object);
    if (!list) out.set(object, list = []);
    else if (time < list[list.length - 1].time) unordered.add(list);
    list.push(new ResultPoint(time, value, r, columns));
  }
  for (const list of unordered) list.sort((a, b) => a.time - b.time);
  return out;
}

const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
};
const digits = (s: string, i: number, n: number): number => {
  let v = 0;
  for (let k = 0; k < n; k++) v = v * 10 + digit(s, i + k);
  return v;
};

/**
 * Date.parse for text as Kusto writes a datetime (2026-01-01T00:09:00.0010000Z: UTC, any number of fraction
 * digits, of which milliseconds count) without Date.parse's general parser, which took half of the time of
 * turning a result into series. Anything else, or a date where calendar rules could matter (days past the 28th,
 * hour 24), goes to Date.parse, so the result is always Date.parse's.
 */
export function parseUtc(s: string): number {
  const n = s.length;
  if (n >= 20 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 84 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58 && s.charCodeAt(n - 1) === 90) {
    const y = digits(s, 0, 4);
    const mo = digits(s, 5, 2);
    const d = digits(s, 8, 2);
    const h = digits(s, 11, 2);
    const mi = digits(s, 14, 2);
    const se = digits(s, 17, 2);
    let ms = 0;
    let ok = y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h <= 23 && mi <= 59 && se <= 59;
    if (ok && n > 20) {
      // A fraction: a dot, then at least one digit up to the Z; the first three are the milliseconds.
      ok = s.charCodeAt(19) === 46 && n > 21;
      for (let i = 20; ok && i < n - 1; i++) {
        const f = digit(s, i);
        if (Number.isNaN(f)) ok = false;
        else if (i < 23) ms += f * (i === 20 ? 100 : i === 21 ? 10 : 1);
      }
    }
    if (ok) {
      // Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse; eras of 400 years).
      const yy = mo <= 2 ? y - 1 : y;
      const era = Math.floor(yy / 400);
      const yoe = yy - era * 400;
      const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
      const days = era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
      return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + se * 1000 + ms;
    }
  }
  return Date.parse(s);
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

/** The condition's test of one value, decided once per rule rather than per value. */
function holdsFor(c: Condition): (v: Scalar) => boolean {
  switch (c.kind) {
    case 'is': case 'becomes': {
      const x = c.value;
      switch (c.op) {
        case 'greaterThan': return (v) => Number(v) > x;
        case 'greaterThanOrEqual': return (v) => Number(v) >= x;
        case 'lessThan': return (v) => Number(v) < x;
        case 'lessThanOrEqual': return (v) => Number(v) <= x;
        case 'equal': return (v) => Number(v) === x;
        case 'notEqual': return (v) => Number(v) !== x;
      }
      break;
    }
    case 'insideRange': case 'entersRange': return (v) => inside(c, Number(v));
    case 'outsideRange': case 'leavesRange': return (v) => !inside(c, Number(v));
    default: break;
  }
  return (v) => holds(c, v);
}

/** detects() for one rule: the same decision, with the condition's kind looked at once. */
function detectorFor(c: Condition): (prev: Scalar | null | undefined, cur: Scalar) => boolean {
  const test = holdsFor(c);
  if (isStateCondition(c.kind)) return (_prev, cur) => test(cur);
  if (c.kind === 'everyValue') return () => true;
  if (c.kind === 'becomes' || c.kind === 'entersRange' || c.kind === 'leavesRange') {
    return (prev, cur) => prev !== undefined && prev !== null && !test(prev) && test(cur);
  }
  return (prev, cur) => detects(c, prev, cur);
}

const collator = new Intl.Collator();

/**
 * Evaluates one window of the rule. `series` holds the window's points per object; `watermark` is the window's
 * end: time-driven parts (stays for, no data for, closing an aggregation window) are decided up to it. Returns a
 * new state; `state` is not changed: an object's state is copied before it changes (only its open window is
 * changed in place; every other field is replaced whole, and rows are never changed, so they are shared).
 *
 * `inPlace`: the given state is updated and returned instead, for a caller that replaces it with the result anyway
 * (the runner; only seriesFromRows throws, so no evaluation stops half way through a state). The copies were one
 * more object per watched object per evaluation, each kept until the next one (100,000 a cycle in bench:alerts' 100
 * rules over 1,000 objects): without them the runner's CPU for a cycle, its queries' results given, fell from
 * 228–246 to 178–204 ms (median of 40 cycles, three runs each).
 */
export function evaluateRule(rule: AlertRule, state: RuleState | undefined, series: Map<string, Point[]>, watermark: number, inPlace = false): EvaluationResult {
  const fp = ruleFingerprint(rule);
  const kept = state && state.fingerprint === fp ? state : undefined;
  const next: RuleState = kept && inPlace ? kept : kept ? { ...kept, objects: objectMap() } : { version: 1, fingerprint: fp, objects: objectMap() };
  next.firstEvaluated ??= watermark;
  const firstEvaluated = next.firstEvaluated;
  const firings: Firing[] = [];
  let suppressed = 0;
  const c = rule.condition;
  const occ = rule.occurrence;
  const agg = rule.property?.aggregation;
  const heartbeat = c.kind === 'noDataFor' || c.kind === 'firstDataAfter';
  // The last value's row is read only by firings that come with no row of their own (a silence, a run that has held
  // long enough by the clock); other rules keep it out of the state, which is written to disk every cycle.
  const keepRow = c.kind === 'noDataFor' || occ.kind === 'staysFor';
  const holdsNow = holdsFor(c);
  const detect = detectorFor(c);
  const cooldown = rule.cooldownMs;

  // The object being walked: the helpers below are made once per rule, not once per object.
  let s: ObjectState = {};
  let object = '';
  const fire = (time: number, value: Scalar | null, prev: Scalar | null | undefined, row: Record<string, unknown>) => {
    if (cooldown > 0 && s.lastFired !== undefined && time - s.lastFired < cooldown) { suppressed++; return; }
    s.lastFired = time;
    firings.push({ rule: rule.name, object, time, value, previous: prev, row, reason: describe(rule, value, prev) });
  };
  // `at`: where the row comes from, read only when it is kept or fires.
  const detected = (time: number, value: Scalar | null, at: HasRow, prev: Scalar | null | undefined) => {
    if (occ.kind === 'times') {
      const hits = (s.hits ?? []).filter((h) => h > time - occ.withinMs);
      hits.push(time);
      s.hits = hits;
      if (hits.length >= occ.n) { s.hits = undefined; fire(time, value, prev, at.row); }
    } else fire(time, value, prev, at.row);
  };
  // One property value, in event-time order.
  const step = (time: number, value: Scalar | null, at: HasRow) => {
    if (c.kind === 'everyValue') { detected(time, value, at, s.lastValue); s.lastTime = time; s.lastValue = value; return; }
    if (value === null) return;
    const prev = s.lastValue;
    s.lastTime = time;
    s.lastValue = value;
    if (keepRow) s.lastRow = at.row;
    if (occ.kind === 'staysFor') {
      if (!holdsNow(value)) { s.trueSince = undefined; s.runFired = false; return; }
      if (s.trueSince === undefined) { s.trueSince = time; s.runFired = false; }
      if (!s.runFired && time - s.trueSince >= occ.periodMs) { s.runFired = true; fire(time, value, prev, at.row); }
      return;
    }
    if (detect(prev, value)) detected(time, value, at, prev);
  };
  const closeWindow = () => {
    const w = s.win!;
    s.win = undefined;
    step(w.start + agg!.windowMs, aggregate(agg!, w), w);
  };
  const walk = (points: Point[] | undefined) => {
    if (points) {
      for (let i = 0; i < points.length; i++) {
        const p = points[i];
        if (heartbeat) {
          if (c.kind === 'noDataFor' && !s.silenceFired) {
            const since = s.lastSeen ?? firstEvaluated;
            if (p.time - since >= c.durationMs) { s.silenceFired = true; fire(since + c.durationMs, null, s.lastValue, s.lastRow ?? {}); }
          }
          if (c.kind === 'firstDataAfter' && s.lastSeen !== undefined && p.time - s.lastSeen >= c.durationMs) detected(p.time, p.value, p, s.lastValue);
          s.silenceFired = false;
          s.lastSeen = Math.max(s.lastSeen ?? p.time, p.time);
          s.lastTime = p.time;
          s.lastValue = p.value;
          if (keepRow) s.lastRow = p.row;
          continue;
        }
        if (!agg) { step(p.time, p.value, p); continue; }
        const start = Math.floor(p.time / agg.windowMs) * agg.windowMs;
        if (s.win && start < s.win.start) continue; // later than its window's close: Activator has moved on too
        if (s.win && start > s.win.start) closeWindow();
        if (p.value === null) continue;
        const v = Number(p.value);
        s.win ??= { start, count: 0, sum: 0, min: v, max: v, row: p.row };
        const w = s.win;
        w.count++; w.sum += v; w.min = Math.min(w.min, v); w.max = Math.max(w.max, v); w.row = p.row;
      }
    }
    // Time-driven: what the passing of time up to the watermark decides.
    if (agg && s.win && s.win.start + agg.windowMs <= watermark) closeWindow();
    if (occ.kind === 'staysFor' && s.trueSince !== undefined && !s.runFired && watermark - s.trueSince >= occ.periodMs && s.lastTime !== undefined) {
      s.runFired = true;
      fire(s.trueSince + occ.periodMs, s.lastValue ?? null, s.lastValue, s.lastRow ?? {});
    }
    if (c.kind === 'noDataFor' && !s.silenceFired) {
      const since = s.lastSeen ?? firstEvaluated;
      if (watermark - since >= c.durationMs) { s.silenceFired = true; fire(since + c.durationMs, null, s.lastValue, s.lastRow ?? {}); }
    }
  };

  // Objects are independent: each is walked once, those with state first, then those new in this window.
  if (kept) {
    const objects = kept.objects;
    for (const k of Object.keys(objects)) {
      const o = objects[k];
      object = k;
      s = inPlace ? o : (next.objects[k] = o.win ? { ...o, win: { ...o.win } } : { ...o });
      walk(series.get(k));
    }
  }
  const visit = (k: string) => {
    // Walked already (it had state, or it is the single object and had points).
    if (Object.prototype.hasOwnProperty.call(next.objects, k)) return;
    object = k;
    s = (next.objects[k] ??= {});
    walk(series.get(k));
  };
  for (const k of series.keys()) visit(k);
  if (c.kind === 'noDataFor' && rule.object === undefined) visit(SINGLE_OBJECT);
  next.watermark = watermark;
  // By time, then object as before; objects the collator calls equal keep the order of their names' code units, as
  // when objects were walked in that order.
  firings.sort((a, b) => a.time - b.time || collator.compare(a.object, b.object) || (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
  return { firings, suppressed, state: next };
}
