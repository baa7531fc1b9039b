// Each condition and option of the evaluator against hand-built series. The expected firings follow Activator's
// documentation: fabric-docs docs/real-time-intelligence/data-activator/activator-detection-conditions.md ("DC"
// below: Is / Becomes / Enters, Exits Range / Changes / text / Heartbeat conditions and the Every time / Number of
// times / Stays occurrences) and the rule rows of skills-for-fabric authoring/rule-conditions.md ("RC": NumberTrendsBy
// with inPercent, NoHeartbeat, OnFirstHeartbeat, tumbling NumberSummary windows where hop == width).
import * as assert from 'node:assert/strict';
import { AlertEvalError, evaluateRule, seriesFromRows, type Point, type RuleState } from '../../src/core/alerts/evaluate';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';

const MIN = 60_000;
const rule = (a: Partial<Alert>): AlertRule => normalizeAlert({ name: 'r', source: { query: 'T', eventTimeColumn: 'Timestamp' }, property: 'Value', ...a }, 0);
/** A series of one object: values one minute apart starting at minute 1 (null: no row that minute). */
const series = (values: (number | string | null)[], object = 'S1'): Map<string, Point[]> => new Map([[object, values.flatMap((v, i) => (v === null ? [] : [{ time: (i + 1) * MIN, value: v, row: { Value: v, Site: object } }]))]]);
/** Minutes (1-based positions in the series) at which the rule fired. */
function firedAt(r: AlertRule, values: (number | string | null)[], watermark = (values.length + 1) * MIN, state?: RuleState): number[] {
  return evaluateRule(r, state, series(values), watermark).firings.map((f) => f.time / MIN);
}

describe('alert evaluator', () => {
  describe('numbers: is vs becomes (DC: "Becomes greater than 10" activates when the value goes from 5 to 11, only false → true)', () => {
    const values = [5, 11, 12, 8, 15];
    it('"is greater than 10" fires for each value where it is true', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'is', op: 'greaterThan', value: 10 } }), values), [2, 3, 5]);
    });
    it('"becomes greater than 10" fires only on the transitions from false to true', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'becomes', op: 'greaterThan', value: 10 } }), values), [2, 5]);
    });
    it('"becomes" needs a previous value: an object\'s first value over the threshold does not fire', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'becomes', op: 'greaterThan', value: 10 } }), [20, 21]), []);
    });
    it('less than and equal, state and transition', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'is', op: 'lessThan', value: 10 } }), values), [1, 4]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'becomes', op: 'lessThanOrEqual', value: 8 } }), values), [4]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'is', op: 'equal', value: 12 } }), values), [3]);
    });
  });

  describe('state kept between windows (written to disk every cycle)', () => {
    it('keeps the last row only where a later firing needs it: a silence or a run that holds by the clock', () => {
      const lastOf = (a: Partial<Alert>) => {
        const o = evaluateRule(rule(a), undefined, series([5, 11]), 3 * MIN).state.objects.S1;
        return o && { time: o.lastTime, value: o.lastValue, ...(o.lastRow ? { row: o.lastRow } : {}) };
      };
      assert.deepEqual(lastOf({ condition: { kind: 'is', op: 'greaterThan', value: 10 } }), { time: 2 * MIN, value: 11 });
      assert.deepEqual(lastOf({ condition: { kind: 'becomes', op: 'greaterThan', value: 10 } }), { time: 2 * MIN, value: 11 });
      assert.deepEqual(lastOf({ condition: { kind: 'noDataFor', duration: '5m' } })?.row, { Value: 11, Site: 'S1' });
      assert.deepEqual(lastOf({ condition: { kind: 'is', op: 'greaterThan', value: 10 }, options: { staysFor: '5m' } })?.row, { Value: 11, Site: 'S1' });
    });
  });

  describe('ranges (DC: enters only when the previous value was outside and the current inside; exits the other way)', () => {
    const values = [0, 5, 7, 12, 9, 20];
    const range = { low: 5, high: 10 };
    it('inside / outside are states', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'insideRange', ...range } }), values), [2, 3, 5]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'outsideRange', ...range } }), values), [1, 4, 6]);
    });
    it('enters / leaves are transitions', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'entersRange', ...range } }), values), [2, 5]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'leavesRange', ...range } }), values), [4, 6]);
    });
    it('respects open bounds', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'insideRange', ...range, includeLow: false } }), values), [3, 5]);
    });
  });

  describe('changes (DC: Changes, Changes to, Changes from; RC: NumberChangesFromTo)', () => {
    const values = ['ok', 'ok', 'warn', 'fail', 'ok'];
    it('changes: any new value', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'changes' } }), values), [3, 4, 5]);
    });
    it('changes from, to, from → to', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'changesFrom', from: 'ok' } }), values), [3]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'changesTo', to: 'ok' } }), values), [5]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'changesFromTo', from: 'warn', to: 'fail' } }), values), [4]);
    });
  });

  describe('increases / decreases by at least N (RC: NumberTrendsBy, offset, inPercent)', () => {
    const values = [100, 104, 115, 110, 55];
    it('absolute', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'increasesBy', by: 5 } }), values), [3]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'decreasesBy', by: 5 } }), values), [4, 5]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'changesBy', by: 5 } }), values), [3, 4, 5]);
    });
    it('percent of the previous value', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'increasesBy', by: 10, percent: true } }), values), [3]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'decreasesBy', by: 50, percent: true } }), values), [5]);
    });
  });

  describe('text (DC: text states such as Contains, Begins, Ends)', () => {
    const values = ['Normal', 'Overheat warning', 'normal', 'OVERHEAT'];
    it('equals, contains, begins, ends, with and without case', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'textEquals', value: 'normal' } }), values), [3]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'textEquals', value: 'normal', ignoreCase: true } }), values), [1, 3]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'textContains', value: 'heat' } }), values), [2]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'textBeginsWith', value: 'over', ignoreCase: true } }), values), [2, 4]);
      assert.deepEqual(firedAt(rule({ condition: { kind: 'textEndsWith', value: 'warning' } }), values), [2]);
    });
  });

  describe('heartbeat (DC: "No presence of data" activates when data does not arrive; RC: NoHeartbeat, OnFirstHeartbeat)', () => {
    it('no data for 3 minutes fires once per silence, at the moment the silence reached 3 minutes', () => {
      const r = rule({ property: undefined, condition: { kind: 'noDataFor', duration: '3m' } });
      // rows at minutes 1 and 2, silence until 8 (fires at 5), a row at 8, silence to the watermark 12 (fires at 11)
      assert.deepEqual(firedAt(r, [1, 1, null, null, null, null, null, 1], 12 * MIN), [5, 11]);
    });
    it('a rule whose source returns no rows at all: that is the firing (counted from the first evaluation)', () => {
      const r = normalizeAlert({ name: 'r', source: { query: 'T' }, condition: { kind: 'noDataFor', duration: '5m' } }, 0);
      const first = evaluateRule(r, undefined, new Map(), 10 * MIN);
      assert.equal(first.firings.length, 0);
      const later = evaluateRule(r, first.state, new Map(), 16 * MIN);
      assert.deepEqual(later.firings.map((f) => [f.object, f.time / MIN]), [['*', 15]]);
      assert.equal(evaluateRule(r, later.state, new Map(), 30 * MIN).firings.length, 0, 'once per silence');
    });
    it('first data after a silence of at least 3 minutes', () => {
      const r = rule({ property: undefined, condition: { kind: 'firstDataAfter', duration: '3m' } });
      assert.deepEqual(firedAt(r, [1, 1, null, null, null, 1, 1, null, 1]), [6]);
    });
  });

  describe('occurrence options (DC: Every time / Number of times / Stays)', () => {
    it('stays for: fires once the condition held continuously for the span, once per run, and starts over after a break', () => {
      const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 30 }, options: { staysFor: '3m' } });
      // true 1-2, false 3, true 4..8 (held 3 minutes at 7), still true at 8: no second firing
      assert.deepEqual(firedAt(r, [31, 32, 10, 33, 34, 35, 36, 37]), [7]);
    });
    it('stays for is decided at the watermark too: a condition still true with no new row fires when the span is up', () => {
      const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 30 }, options: { staysFor: '3m' } });
      const a = evaluateRule(r, undefined, series([31]), 2 * MIN);
      assert.equal(a.firings.length, 0);
      // The state goes through JSON as the runner persists it: a restart keeps the pending "stays for".
      const restored = JSON.parse(JSON.stringify(a.state)) as RuleState;
      const b = evaluateRule(r, restored, new Map(), 5 * MIN);
      assert.deepEqual(b.firings.map((f) => f.time / MIN), [4]);
      assert.equal(evaluateRule(r, b.state, new Map(), 9 * MIN).firings.length, 0, 'not twice');
    });
    it('N times within: fires when the condition was met N times inside the span, then counts again', () => {
      const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 30 }, options: { times: 3, within: '4m' } });
      // hits at 1, 2, 6 (1 and 2 fell out by 6), 7, 8 → fires at 8; 9, 10, 11 → fires at 11
      assert.deepEqual(firedAt(r, [31, 31, 0, 0, 0, 31, 31, 31, 31, 31, 31]), [8, 11]);
    });
    it('every time is the default', () => {
      assert.deepEqual(firedAt(rule({ condition: { kind: 'is', op: 'greaterThan', value: 0 }, options: { everyTime: true } }), [1, 2]), [1, 2]);
    });
  });

  describe('property over a tumbling window (DC: Average / Minimum / Maximum / Count / Total over the window; RC: hop == width)', () => {
    it('averages each closed window and tests the average; the open window waits for the watermark', () => {
      const r = rule({ property: { column: 'Value', aggregation: 'average', window: '2m' }, condition: { kind: 'is', op: 'greaterThan', value: 30 } });
      // windows [0,2): 10 (minute 1), [2,4): 40, 30 → 35, [4,6): 50 → closes only when the watermark passes 6
      const a = evaluateRule(r, undefined, series([10, 40, 30, 50]), 5 * MIN);
      assert.deepEqual(a.firings.map((f) => [f.time / MIN, f.value]), [[4, 35]]);
      const b = evaluateRule(r, a.state, new Map(), 6 * MIN);
      assert.deepEqual(b.firings.map((f) => [f.time / MIN, f.value]), [[6, 50]]);
    });
    it('leaves the state it was given as it was (the runner keeps it until the new one is saved), open window included', () => {
      const r = rule({ property: { column: 'Value', aggregation: 'average', window: '2m' }, condition: { kind: 'is', op: 'greaterThan', value: 30 } });
      const a = evaluateRule(r, undefined, series([10, 40, 30, 50]), 5 * MIN);
      const before = JSON.stringify(a.state);
      evaluateRule(r, a.state, new Map([['S1', [{ time: 5.5 * MIN, value: 70, row: { Value: 70 } }]]]), 7 * MIN);
      assert.equal(JSON.stringify(a.state), before);
    });
    it('count, min, max and sum', () => {
      for (const [op, expected] of [['count', 2], ['min', 30], ['max', 40], ['sum', 70]] as const) {
        const r = rule({ property: { column: 'Value', aggregation: op, window: '2m' }, condition: { kind: 'is', op: 'greaterThan', value: -1 } });
        assert.deepEqual(evaluateRule(r, undefined, series([null, 40, 30]), 4 * MIN).firings.map((f) => f.value), [expected], op);
      }
    });
  });

  describe('objects, cooldown, state', () => {
    it('evaluates each object on its own', () => {
      const r = rule({ object: 'Site', condition: { kind: 'becomes', op: 'greaterThan', value: 10 } });
      const s = new Map([...series([5, 11], 'A'), ...series([11, 12], 'B')]);
      assert.deepEqual(evaluateRule(r, undefined, s, 10 * MIN).firings.map((f) => f.object), ['A']);
    });
    it('cooldown holds back an object\'s firings for the span and counts them', () => {
      const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 0 }, cooldown: '3m' });
      const res = evaluateRule(r, undefined, series([1, 1, 1, 1, 1]), 6 * MIN);
      assert.deepEqual(res.firings.map((f) => f.time / MIN), [1, 4]);
      assert.equal(res.suppressed, 3);
    });
    it('evaluating in two windows gives what one window gives (the state carries the previous value)', () => {
      const r = rule({ condition: { kind: 'becomes', op: 'greaterThan', value: 10 } });
      const all = series([5, 11, 8, 12]).get('S1')!;
      const first = evaluateRule(r, undefined, new Map([['S1', all.slice(0, 1)]]), 1.5 * MIN);
      const second = evaluateRule(r, JSON.parse(JSON.stringify(first.state)) as RuleState, new Map([['S1', all.slice(1)]]), 5 * MIN);
      assert.deepEqual(second.firings.map((f) => f.time / MIN), [2, 4]);
    });
    it('a changed rule starts from a fresh state', () => {
      const a = evaluateRule(rule({ condition: { kind: 'becomes', op: 'greaterThan', value: 10 } }), undefined, series([5]), 2 * MIN);
      const b = evaluateRule(rule({ condition: { kind: 'becomes', op: 'greaterThan', value: 3 } }), a.state, new Map([['S1', [{ time: 3 * MIN, value: 7, row: {} }]]]), 4 * MIN);
      assert.equal(b.firings.length, 0);
    });
    it('the older shape: every row fires', () => {
      const r = normalizeAlert({ name: 'old', query: 'T | where Value > 30' }, 0);
      const s = seriesFromRows(r, ['Value'], [[31], [40]], undefined, 10 * MIN);
      assert.equal(evaluateRule(r, undefined, s, 10 * MIN).firings.length, 2);
    });
  });

  describe('reading the query result', () => {
    const r = rule({ object: 'Site', condition: { kind: 'is', op: 'greaterThan', value: 1 } });
    it('keeps the rows inside the window by their event time, per object, in time order', () => {
      const rows = [['2026-01-01T00:02:00Z', 'A', 2], ['2026-01-01T00:01:00Z', 'A', 1], ['2026-01-01T00:09:00Z', 'B', 3], ['2025-12-31T23:59:00Z', 'B', 4]];
      const s = seriesFromRows(r, ['Timestamp', 'Site', 'Value'], rows, Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T00:05:00Z'));
      assert.deepEqual([...s.keys()], ['A']);
      assert.deepEqual(s.get('A')!.map((p) => p.value), [1, 2]);
    });
    it('reads a row\'s other columns only for the points that fire', () => {
      // The Note column is read only to make a row: counted, it shows which rows were made.
      const noteReads: number[] = [];
      const rows = [1, 5, 2, 7].map((v, i) => new Proxy(['2026-01-01T00:0' + i + ':00Z', 'A', v, `n${i}`], {
        get(target, key, receiver) {
          if (key === '3') noteReads.push(i);
          return Reflect.get(target, key, receiver) as unknown;
        },
      }));
      const becomes = rule({ object: 'Site', condition: { kind: 'becomes', op: 'greaterThan', value: 4 } });
      const s = seriesFromRows(becomes, ['Timestamp', 'Site', 'Value', 'Note'], rows, undefined, Date.parse('2026-01-02T00:00:00Z'));
      assert.deepEqual(noteReads, []);
      const out = evaluateRule(becomes, undefined, s, Date.parse('2026-01-02T00:00:00Z'));
      assert.deepEqual(out.firings.map((f) => f.row.Note), ['n1', 'n3']);
      assert.deepEqual(noteReads, [1, 3]);
    });
    it('names a missing column and lists the ones there are', () => {
      assert.throws(() => seriesFromRows(r, ['Timestamp', 'Value'], [], 0, 1), (e: unknown) => e instanceof AlertEvalError && /no column "Site" \(object\); it returns Timestamp, Value/.test(e.message));
    });
    it('refuses text in the property column of a numeric condition', () => {
      assert.throws(() => seriesFromRows(r, ['Timestamp', 'Site', 'Value'], [['2026-01-01T00:00:00Z', 'A', 'hot']], undefined, Date.parse('2027-01-01')), /holds the text "hot" for object "A", but condition "is" compares numbers/);
    });
  });
  it('an object named "__proto__" (a value from the data) is an object like any other, and Object.prototype stays untouched', () => {
    const r = rule({ object: 'Site', condition: { kind: 'is', op: 'greaterThan', value: 10 } });
    const first = evaluateRule(r, undefined, series([5, 11], '__proto__'), 3 * MIN);
    assert.deepEqual(first.firings.map((f) => [f.object, f.time / MIN]), [['__proto__', 2]]);
    assert.ok(Object.prototype.hasOwnProperty.call(first.state.objects, '__proto__'));
    assert.equal(({} as Record<string, unknown>).last, undefined, 'nothing was written into Object.prototype');
    // Persisted and read back, then evaluated again: the object keeps its state.
    const back = JSON.parse(JSON.stringify(first.state)) as RuleState;
    const second = evaluateRule(r, back, new Map([['__proto__', [{ time: 3 * MIN, value: 12, row: { Value: 12, Site: '__proto__' } }]]]), 4 * MIN);
    assert.deepEqual(second.firings.map((f) => f.object), ['__proto__']);
    assert.equal(second.state.objects.__proto__?.lastValue, 12);
  });
});
