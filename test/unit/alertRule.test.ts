import * as assert from 'node:assert/strict';
import { fillPlaceholders, formatDuration, normalizeAlert, parseDuration, UNKNOWN_PLACEHOLDER } from '../../src/core/alerts/rule';
import { parseManifest, type Alert, type ManifestProblem } from '../../src/core/manifest';

const manifest = (alerts: unknown[]) => JSON.stringify({ version: 1, name: 'p', alerts }, null, 2);
function problems(alerts: unknown[]): ManifestProblem[] {
  const r = parseManifest(manifest(alerts));
  assert.equal(r.ok, false, 'expected the manifest to be rejected');
  return r.ok ? [] : r.problems;
}
const rule = (a: Partial<Alert>) => normalizeAlert({ name: 'r', ...a }, 0);
const src = { query: 'Readings', eventTimeColumn: 'Timestamp' };

describe('alert rules (the manifest model)', () => {
  it('reads durations in ms, s, m, h and d, and names the forms that work when one is wrong', () => {
    assert.equal(parseDuration('500ms', 'x'), 500);
    assert.equal(parseDuration('30s', 'x'), 30_000);
    assert.equal(parseDuration('5m', 'x'), 300_000);
    assert.equal(parseDuration('2h', 'x'), 7_200_000);
    assert.equal(parseDuration('1d', 'x'), 86_400_000);
    assert.throws(() => parseDuration('5x', 'options.staysFor'), /options\.staysFor is "5x", which is not a duration: .*ms, s, m, h or d/);
    assert.equal(formatDuration(300_000), '5m');
    assert.equal(formatDuration(1500), '1500ms');
  });

  it('keeps the older shape working: name, query, every, email read as "each row fires"', () => {
    const r = parseManifest(manifest([{ name: 'old', query: 'Readings | where Value > 30', every: '5m', email: ['ops@contoso.com'] }]));
    assert.ok(r.ok, JSON.stringify(r));
    const n = normalizeAlert(r.manifest.alerts![0], 0);
    assert.equal(n.legacy, true);
    assert.deepEqual(n.condition, { kind: 'everyValue' });
    assert.equal(n.source.everyMs, 300_000);
    assert.deepEqual(n.email?.to, ['ops@contoso.com']);
    assert.equal(n.enabled, true);
  });

  it('reads the full rule: source, object, aggregated property, becomes, N times within, email, cooldown', () => {
    const a = {
      name: 'hot', muted: true, cooldown: '10m',
      source: { query: 'Readings | where Timestamp between (startTime .. endTime)', every: '30s', eventTimeColumn: 'Timestamp', delay: '2m' },
      object: 'SiteId', property: { column: 'Value', aggregation: 'average', window: '5m' },
      condition: { kind: 'becomes', op: 'greaterThan', value: 30 }, options: { times: 3, within: '1h' },
      action: { email: { to: ['ops@contoso.com'], cc: ['lead@contoso.com'], subject: 'Hot {object}', fields: ['SiteId'] } },
    };
    const r = parseManifest(manifest([a]));
    assert.ok(r.ok, JSON.stringify(r));
    const n = normalizeAlert(r.manifest.alerts![0], 0);
    assert.deepEqual(n.source, { query: a.source.query, everyMs: 30_000, eventTimeColumn: 'Timestamp', delayMs: 120_000 });
    assert.deepEqual(n.property, { column: 'Value', aggregation: { op: 'average', windowMs: 300_000 } });
    assert.deepEqual(n.occurrence, { kind: 'times', n: 3, withinMs: 3_600_000 });
    assert.deepEqual(n.condition, { kind: 'becomes', op: 'greaterThan', value: 30 });
    assert.equal(n.muted, true);
    assert.equal(n.cooldownMs, 600_000);
    assert.equal(n.email?.subject, 'Hot {object}');
    assert.deepEqual(n.email?.cc, ['lead@contoso.com']);
  });

  it('rejects a duration like 5x at its place in the file (schema) and with words in the runner (normalize)', () => {
    const ps = problems([{ name: 'a', source: src, property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 1 }, options: { staysFor: '5x' } }]);
    assert.ok(ps.some((p) => p.path === 'alerts[0].options.staysFor'), JSON.stringify(ps));
    assert.throws(() => rule({ source: src, property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 1 }, options: { staysFor: '5x' } }), /Alert "r": options\.staysFor is "5x", which is not a duration/);
  });

  it('rejects an invalid address, in the schema and in normalize', () => {
    const ps = problems([{ name: 'a', source: src, condition: { kind: 'everyValue' }, action: { email: { to: ['not-an-address'] } } }]);
    assert.ok(ps.some((p) => p.path === 'alerts[0].action.email.to[0]'), JSON.stringify(ps));
    assert.throws(() => rule({ source: src, action: { email: { to: ['ops@contoso'] } } }), /action\.email\.to\[0\] is "ops@contoso", which is not an email address/);
  });

  it('reports what the schema cannot: a condition missing its fields, staysFor on a transition, options that exclude each other', () => {
    const cases: [Partial<Alert>, RegExp, string][] = [
      [{ source: src, property: 'Value', condition: { kind: 'is', op: 'greaterThan' } }, /needs a number in condition\.value/, 'alerts[0].condition.value'],
      [{ source: src, property: 'Value', condition: { kind: 'becomes', op: 'greaterThan', value: 3 }, options: { staysFor: '5m' } }, /staysFor needs a condition that holds over time/, 'alerts[0].options.staysFor'],
      [{ source: src, property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 3 }, options: { staysFor: '5m', times: 2, within: '1m' } }, /choose one of/, 'alerts[0].options'],
      [{ source: src, property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 3 }, options: { times: 2 } }, /needs options\.within/, 'alerts[0].options'],
      [{ source: src, condition: { kind: 'is', op: 'greaterThan', value: 3 } }, /set "property"/, 'alerts[0].property'],
      [{ source: src, property: 'Value', condition: { kind: 'insideRange', low: 5, high: 1 } }, /low \(5\) is above condition\.high \(1\)/, 'alerts[0].condition.low'],
      [{ source: { query: 'T' }, property: { column: 'Value', aggregation: 'average', window: '5m' }, condition: { kind: 'is', op: 'greaterThan', value: 3 } }, /needs source\.eventTimeColumn/, 'alerts[0].source.eventTimeColumn'],
    ];
    for (const [a, message, path] of cases) {
      const ps = problems([{ name: 'r', ...a }]);
      const p = ps.find((x) => x.kind === 'alert');
      assert.ok(p, `${String(message)}: ${JSON.stringify(ps)}`);
      assert.match(p.message, message);
      assert.equal(p.path, path);
      assert.ok(p.line > 1);
    }
  });

  it('rejects a rule with both the older query and a source, and one with neither', () => {
    assert.ok(problems([{ name: 'a', query: 'T', source: src }]).length > 0);
    assert.ok(problems([{ name: 'a' }]).length > 0);
  });

  it('fills placeholders from the firing and leaves unknown ones as written', () => {
    const values: Record<string, unknown> = { rule: 'hot', object: 'S1', value: 31.5, Site: 'North' };
    const lookup = (name: string) => (Object.hasOwn(values, name) ? values[name] : UNKNOWN_PLACEHOLDER);
    assert.equal(fillPlaceholders('{rule}: {object} at {value} ({Site}) {nope}', lookup), 'hot: S1 at 31.5 (North) {nope}');
    assert.equal(fillPlaceholders('{rule} {nope}', lookup, 'no data'), 'hot no data');
  });
});
