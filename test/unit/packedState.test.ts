// A rule's state as its file holds it (core/alerts/packedState.ts): packed into columns and back through JSON, it
// must be the state the evaluator left, field for field, so that an evaluation after a restart fires exactly as one
// without the restart would have.
import * as assert from 'node:assert/strict';
import { evaluateRule, type Point, type RuleState } from '../../src/core/alerts/evaluate';
import { packState, unpackState, type PackedRuleState } from '../../src/core/alerts/packedState';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const throughFile = (s: RuleState): RuleState => unpackState(JSON.parse(JSON.stringify(packState(s))) as PackedRuleState);
const asJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const objects = (o: RuleState['objects']) => Object.assign(Object.create(null) as RuleState['objects'], o);

const rule = (a: Partial<Alert>): AlertRule => normalizeAlert({
  name: 'r', source: { query: 'T', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value',
  condition: { kind: 'is', op: 'greaterThan', value: 50 }, action: { email: { to: ['ops@contoso.com'] } }, ...a,
}, 0);

// Three sites over ten minutes; B goes silent after minute 4, C crosses 50 and stays there.
function series(fromMinute: number, toMinute: number): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  for (let m = fromMinute; m < toMinute; m++) {
    for (const [site, value] of [['A', (m * 37) % 100], ['B', m < 4 ? 10 : undefined], ['C', 40 + m * 3]] as const) {
      if (value === undefined) continue;
      const p: Point = { time: T0 + m * MIN + 5_000, value, row: { Timestamp: new Date(T0 + m * MIN + 5_000).toISOString(), Site: site, Value: value } };
      out.set(site, [...(out.get(site) ?? []), p]);
    }
  }
  return out;
}

describe('packed alert state', () => {
  it('gives back every field of every object, with nulls, false, rows, hits and an open window', () => {
    const state: RuleState = {
      version: 1, fingerprint: 'f', watermark: T0 + 10 * MIN, firstEvaluated: T0,
      objects: objects({
        a: { lastTime: T0 + 1, lastValue: 42, lastFired: T0 + 2, trueSince: T0 - 5, runFired: false },
        b: { lastTime: T0 + 3, lastValue: null, lastRow: { Site: 'b', Value: null, Note: 'x"\n' }, lastSeen: T0 + 3, silenceFired: true },
        c: { hits: [T0 + 4, T0 + 5], win: { start: T0, count: 2, sum: 3.5, min: 1, max: 2.5, row: { Site: 'c' } } },
        d: {},
        __proto__: { lastTime: T0, lastValue: 'text' },
        constructor: { lastTime: T0, lastValue: true, runFired: true },
      }),
    };
    const back = throughFile(state);
    assert.deepStrictEqual(back, state);
    assert.equal(Object.getPrototypeOf(back.objects), null, 'objects named like Object.prototype members are plain keys');
  });

  it('leaves out a field no object has, and stores times as offsets from the watermark', () => {
    const state: RuleState = { version: 1, fingerprint: 'f', watermark: T0 + MIN, objects: objects({ a: { lastTime: T0 + 59_000, lastValue: 1 }, b: { lastTime: T0 + 58_000, lastValue: 2 } }) };
    const packed = packState(state).packed;
    assert.deepEqual(Object.keys(packed).sort(), ['base', 'keys', 'lastTime', 'lastValue']);
    assert.deepEqual(packed.lastTime, [-1_000, -2_000]);
    // No watermark yet (a rule that never finished an evaluation): offsets from 0, the times themselves.
    const none: RuleState = { version: 1, fingerprint: 'f', objects: objects({ a: { lastFired: T0 } }) };
    assert.deepEqual(packState(none).packed, { base: 0, keys: ['a'], lastFired: [T0] });
    assert.deepStrictEqual(throughFile(none), none);
  });

  it('an evaluation from the state read back fires as one from the state in memory, for each kind of condition', () => {
    const kinds: Partial<Alert>[] = [
      {},
      { condition: { kind: 'becomes', op: 'greaterThan', value: 50 } },
      { condition: { kind: 'outsideRange', low: 10, high: 90 }, options: { times: 2, within: '5m' } },
      { condition: { kind: 'increasesBy', by: 20, percent: true } },
      { condition: { kind: 'changes' } },
      { options: { staysFor: '3m' } },
      { condition: { kind: 'noDataFor', duration: '2m' } },
      { property: { column: 'Value', aggregation: 'average', window: '2m' } },
    ];
    for (const k of kinds) {
      const r = rule(k);
      const first = evaluateRule(r, undefined, series(0, 5), T0 + 5 * MIN + 30_000);
      const stayed = evaluateRule(r, first.state, series(5, 10), T0 + 10 * MIN);
      const restarted = evaluateRule(r, throughFile(first.state), series(5, 10), T0 + 10 * MIN);
      // The evaluator clears a field by setting it to undefined, which no JSON file ever kept: compared as JSON.
      assert.deepStrictEqual(asJson(throughFile(first.state)), asJson(first.state), JSON.stringify(k));
      assert.deepStrictEqual(restarted.firings, stayed.firings, JSON.stringify(k));
      assert.deepStrictEqual(asJson(restarted.state), asJson(stayed.state), JSON.stringify(k));
    }
  });

  it('refuses a packed state whose columns do not match its objects', () => {
    const packed = packState({ version: 1, fingerprint: 'f', watermark: 0, objects: objects({ a: { lastFired: 1 }, b: {} }) });
    assert.throws(() => unpackState({ ...packed, packed: { ...packed.packed, lastFired: [1] } }), /lastFired has 1 entries for 2 objects/);
    assert.throws(() => unpackState({ ...packed, packed: { ...packed.packed, lastFired: 'x' as never } }), /lastFired has no entries for 2 objects/);
    assert.throws(() => unpackState({ version: 1, fingerprint: 'f', packed: { keys: ['a'] } } as never), /without base and keys/);
  });
});
