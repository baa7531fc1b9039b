// The evaluator's fast path (series built in one pass, sorted only where rows came out of order; per-rule
// condition tests; objects copied as they are walked) against the plain version it replaced
// (alertEvaluateReference.ts), on random rules, rows and windows: the same series, the same firings in the same
// order, the same suppressed count, the same state, and the given state left as it was.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlertEvalError, evaluateRule, parseUtc, seriesFromRows, type Point, type RuleState } from '../../src/core/alerts/evaluate';
import type { AlertRule, Condition, Occurrence } from '../../src/core/alerts/rule';
import * as reference from './alertEvaluateReference';
import { unnestState, type NestedRuleState } from '../../src/core/alerts/packedState';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const COLUMNS = ['Timestamp', 'Device', 'Value', 'Note'];

// Values and thresholds are drawn from a small range so that edges (equal to, at a bound) come up often.
const scalar = fc.oneof(fc.integer({ min: -1, max: 12 }), fc.constantFrom('a', 'B', 'ab', '10', ''), fc.boolean());
const op = fc.constantFrom('greaterThan', 'greaterThanOrEqual', 'lessThan', 'lessThanOrEqual', 'equal', 'notEqual' as const);
const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ kind: fc.constantFrom('is', 'becomes' as const), op, value: fc.integer({ min: 0, max: 10 }) }),
  fc.record({ kind: fc.constantFrom('insideRange', 'outsideRange', 'entersRange', 'leavesRange' as const), low: fc.integer({ min: 0, max: 5 }), high: fc.integer({ min: 5, max: 10 }), includeLow: fc.boolean(), includeHigh: fc.boolean() }),
  fc.constant({ kind: 'changes' as const }),
  fc.record({ kind: fc.constant('changesFrom' as const), from: scalar }),
  fc.record({ kind: fc.constant('changesTo' as const), to: scalar }),
  fc.record({ kind: fc.constant('changesFromTo' as const), from: scalar, to: scalar }),
  fc.record({ kind: fc.constantFrom('increasesBy', 'decreasesBy', 'changesBy' as const), by: fc.integer({ min: 0, max: 8 }), percent: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('textEquals', 'textNotEquals', 'textContains', 'textBeginsWith', 'textEndsWith' as const), value: fc.constantFrom('a', 'B', '1', ''), ignoreCase: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('noDataFor', 'firstDataAfter' as const), durationMs: fc.integer({ min: 1, max: 5 }).map((m) => m * MIN) }),
  fc.constant({ kind: 'everyValue' as const }),
);
const occurrence: fc.Arbitrary<Occurrence> = fc.oneof(
  fc.constant({ kind: 'everyTime' as const }),
  fc.record({ kind: fc.constant('staysFor' as const), periodMs: fc.integer({ min: 0, max: 4 }).map((m) => m * MIN) }),
  fc.record({ kind: fc.constant('times' as const), n: fc.integer({ min: 1, max: 3 }), withinMs: fc.integer({ min: 1, max: 5 }).map((m) => m * MIN) }),
);
const rule: fc.Arbitrary<AlertRule> = fc.record({
  condition, occurrence,
  object: fc.option(fc.constant('Device'), { nil: undefined }),
  eventTime: fc.boolean(),
  aggregation: fc.option(fc.record({ op: fc.constantFrom('average', 'min', 'max', 'sum', 'count' as const), windowMs: fc.integer({ min: 1, max: 3 }).map((m) => m * MIN) }), { nil: undefined }),
  cooldownMs: fc.constantFrom(0, 0, MIN, 3 * MIN),
}).map((r) => ({
  name: 'r', enabled: true, muted: false, legacy: false,
  source: { query: 'T', everyMs: MIN, delayMs: 0, eventTimeColumn: r.eventTime ? 'Timestamp' : undefined },
  object: r.object, property: { column: 'Value', aggregation: r.aggregation }, condition: r.condition, occurrence: r.occurrence, cooldownMs: r.cooldownMs,
}));
const time = fc.integer({ min: -2 * MIN, max: 32 * MIN }).map((t) => T0 + t);
const row = fc.tuple(
  fc.oneof({ weight: 4, arbitrary: time.map((t) => new Date(t).toISOString()) }, { weight: 1, arbitrary: time }, { weight: 1, arbitrary: fc.constant(new Date(T0 + 5 * MIN).toISOString()) }),
  fc.oneof(fc.constantFrom('d1', 'd2', 'D1', 'ä', 'a', 'a\u0000', 'a\u00ad', '', 'x y'), fc.constantFrom(null, 7, true)),
  fc.oneof({ weight: 6, arbitrary: fc.oneof(fc.integer({ min: -1, max: 12 }), fc.double({ min: -1, max: 12, noNaN: true })) }, { weight: 1, arbitrary: fc.constantFrom(null, '42.5', 'a', 'B1', '', true, false, 10n, { k: 1 }) }),
  fc.constantFrom('n1', 'n2'),
);
// Objects include names the collator calls equal ('a', 'a\u0000', 'a\u00ad'): their firings keep the old order too.
/** Rows of a few windows: sometimes in time order (as a query that sorts), sometimes as they came. */
const rows = fc.tuple(fc.array(row, { maxLength: 40 }), fc.boolean()).map(([rs, sorted]) => (sorted ? [...rs].sort((a, b) => Date.parse(String(a[0])) - Date.parse(String(b[0]))) : rs) as unknown[][]);

function outcome<T>(f: () => T): { ok: T } | { error: string } {
  try { return { ok: f() }; } catch (e) {
    assert.ok(e instanceof AlertEvalError || e instanceof reference.AlertEvalError, String(e));
    return { error: e.message };
  }
}

/**
 * The same value with every object given the ordinary prototype: the evaluator keeps per-object state in maps with
 * no prototype (an object named "__proto__" is a key), which deepStrictEqual would otherwise tell apart.
 */
function plainProto(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainProto);
  if (v === null || typeof v !== 'object') return v;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== null && proto !== Object.prototype) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: plainProto((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  return out;
}

/** A series' points as plain objects: the evaluator's make their rows only when read. */
function plainSeries(o: { ok: Map<string, Point[]> } | { error: string }): unknown {
  if (!('ok' in o)) return o;
  return { ok: new Map([...o.ok].map(([k, ps]) => [k, ps.map((p) => ({ time: p.time, value: p.value, row: p.row }))])) };
}

describe('alert evaluator fast path (property: same results as the plain version)', function () {
  // Thousands of random cases each; a loaded machine (other suites running) can take many seconds.
  this.timeout(60_000);

  it('builds the same series from random rows', () => {
    fc.assert(fc.property(rule, rows, fc.option(time, { nil: undefined }), time, (r, rs, from, to) => {
      assert.deepStrictEqual(plainSeries(outcome(() => seriesFromRows(r, COLUMNS, rs, from, to))), outcome(() => reference.seriesFromRows(r, COLUMNS, rs, from, to)));
    }), { numRuns: 2000 });
  });

  it('fires the same, counts the same suppressions and keeps the same state over consecutive windows', () => {
    fc.assert(fc.property(rule, rows, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), (r, rs, steps) => {
      let fast: RuleState | undefined;
      let plain: RuleState | undefined;
      // The runner's way: the state it is given updated in place.
      let own: RuleState | undefined;
      let from = T0;
      for (const minutes of steps) {
        const to = from + minutes * MIN;
        // Compared on a copy: the evaluator then reads rows from points that have not made them yet.
        const a = outcome(() => seriesFromRows(r, COLUMNS, rs, from, to));
        const b = outcome(() => reference.seriesFromRows(r, COLUMNS, rs, from, to));
        assert.deepStrictEqual(plainSeries(outcome(() => seriesFromRows(r, COLUMNS, rs, from, to))), b);
        if (!('ok' in a) || !('ok' in b)) return;
        const given = fast === undefined ? undefined : structuredClone(fast);
        const x = evaluateRule(r, fast, a.ok, to);
        const y = reference.evaluateRule(r, plain, b.ok, to);
        assert.deepStrictEqual(x.firings, y.firings);
        assert.equal(x.suppressed, y.suppressed);
        // The reference keeps the last value as an object of its own; the evaluator now keeps its fields flat.
        assert.deepStrictEqual(plainProto(x.state), plainProto(unnestState(y.state as unknown as NestedRuleState)));
        if (given !== undefined) assert.deepStrictEqual(plainProto(fast), given, 'the given state stays as it was');
        const z = evaluateRule(r, own, a.ok, to, true);
        if (own !== undefined && own.fingerprint === z.state.fingerprint) assert.equal(z.state, own, 'in place: the same state object');
        assert.deepStrictEqual(z.firings, x.firings);
        assert.equal(z.suppressed, x.suppressed);
        assert.deepStrictEqual(plainProto(z.state), plainProto(x.state));
        own = z.state;
        fast = x.state;
        plain = y.state;
        from = to;
      }
    }), { numRuns: 2000 });
  });

  it('starts over the same way when the state was built for another rule', () => {
    fc.assert(fc.property(rule, rule, rows, (r1, r2, rs) => {
      const to = T0 + 20 * MIN;
      const s1 = reference.evaluateRule(r1, undefined, reference.seriesFromRows(r1, COLUMNS, rs.filter((x) => typeof x[2] === 'number'), T0, T0 + 10 * MIN), T0 + 10 * MIN).state;
      const a = outcome(() => evaluateRule(r2, unnestState(s1 as unknown as NestedRuleState), seriesFromRows(r2, COLUMNS, rs, T0 + 10 * MIN, to), to));
      const b = outcome(() => reference.evaluateRule(r2, s1, reference.seriesFromRows(r2, COLUMNS, rs, T0 + 10 * MIN, to), to));
      const flatB = 'ok' in b ? { ok: { ...b.ok, state: unnestState(b.ok.state) } } : b;
      assert.deepStrictEqual(plainProto(a), plainProto(flatB));
    }), { numRuns: 1000 });
  });

  it('reads datetime text exactly as Date.parse does', () => {
    // Kusto's own form (7 fraction digits), JavaScript's (3), none, and text that only looks like it.
    const text = fc.tuple(fc.integer({ min: -62_198_755_200_000, max: 253_402_300_799_999 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9_999_999 }), fc.constantFrom('', 'z', ' ', 'x', '13', '31', '24', '60', '00'), fc.nat({ max: 30 }))
      .map(([t, digits, fraction, junk, at]) => {
        const iso = new Date(t).toISOString().slice(0, 19);
        let s = `${iso}${digits ? `.${String(fraction).padStart(7, '0').slice(0, digits)}` : ''}Z`;
        if (junk) s = s.slice(0, at) + junk + s.slice(at + junk.length);
        return s;
      });
    fc.assert(fc.property(text, (s) => { assert.equal(parseUtc(s), Date.parse(s), s); }), { numRuns: 20_000 });
    for (const s of ['2026-02-31T00:00:00Z', '2024-02-29T12:00:00.5Z', '2026-01-01T24:00:00Z', '0999-12-31T23:59:59Z', '2026-01-01T00:00:00.Z', '2026-01-01T00:00:00.0000000001Z', '+002026-01-01T00:00:00Z', '2026-1-01T00:00:00Z']) {
      assert.equal(parseUtc(s), Date.parse(s), s);
    }
  });
});
