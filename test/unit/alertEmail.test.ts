// The email a firing sends (core/alerts/email.ts), in particular a "no data for" (heartbeat) firing: it has no row
// of its own, so the object placeholder comes from the per-object state and the value placeholders say "no data".
import * as assert from 'node:assert/strict';
import { composeEmail, emailContent, renderEmail } from '../../src/core/alerts/email';
import { evaluateRule, ruleFingerprint, type Point } from '../../src/core/alerts/evaluate';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';

const MIN = 60_000;
const rule = (a: Partial<Alert>): AlertRule => normalizeAlert({
  name: 'r', source: { query: 'T', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value',
  action: { email: { to: ['ops@contoso.com'], subject: 'No data from {Site} ({object})', headline: '{Site} is silent', message: 'Value {Value}, value {value}, was {previous}, region {Region}', fields: ['Site', 'Value', 'Region'] } },
  ...a,
}, 0);
const point = (minute: number, site: string, value: number): Point => ({ time: minute * MIN, value, row: { Timestamp: new Date(minute * MIN).toISOString(), Site: site, Value: value, Region: 'north' } });

describe('alert email', () => {
  it('fills the object placeholder of a "no data for" firing for an object whose first row came after the silence', () => {
    const r = rule({ condition: { kind: 'noDataFor', duration: '5m' } });
    // Watching since minute 0; B's first row arrives at minute 8, so its silence reached 5 minutes at minute 5.
    const out = evaluateRule(r, { version: 1, fingerprint: ruleFingerprint(r), firstEvaluated: 0, objects: {} }, new Map([['B', [point(8, 'B', 3)]]]), 9 * MIN);
    assert.deepEqual(out.firings.map((f) => [f.object, f.time / MIN]), [['B', 5]]);
    const m = composeEmail(r, out.firings[0]);
    assert.equal(m.subject, 'No data from B (B)');
    assert.match(m.text, /^B is silent\n\nValue no data, value no data, was no data, region no data\n/);
    assert.match(m.text, /\nValue: no data\n/);
    assert.match(m.text, /\nSite: B\nValue: no data\nRegion: no data$/);
    assert.ok(!/\{[A-Za-z]+\}/.test(`${m.subject}\n${m.text}\n${m.html}`), 'no placeholder left unfilled');
  });

  it('a "no data for" firing of an object seen before: its last row fills the other columns, the value reads "no data"', () => {
    const r = rule({ condition: { kind: 'noDataFor', duration: '5m' } });
    const first = evaluateRule(r, undefined, new Map([['A', [point(1, 'A', 21.5)]]]), 2 * MIN);
    const out = evaluateRule(r, first.state, new Map(), 10 * MIN);
    assert.equal(out.firings.length, 1);
    const m = composeEmail(r, out.firings[0]);
    assert.equal(m.subject, 'No data from A (A)');
    assert.match(m.text, /^A is silent\n\nValue no data, value no data, was 21\.5, region north\n/);
  });

  it('a rule without an object column: {object} is the single object, the value placeholders still read "no data"', () => {
    const r = rule({ object: undefined, property: undefined, condition: { kind: 'noDataFor', duration: '5m' }, action: { email: { to: ['ops@contoso.com'], subject: 'Silent: {rule} {value}' } } });
    const first = evaluateRule(r, undefined, new Map(), 0);
    const out = evaluateRule(r, first.state, new Map(), 6 * MIN);
    assert.equal(composeEmail(r, out.firings[0]).subject, 'Silent: r no data');
  });

  it('leaves an unknown placeholder of a firing with a row as written, so a typo shows', () => {
    const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 10 }, action: { email: { to: ['ops@contoso.com'], subject: '{Site} at {value} {Nope}' } } });
    const out = evaluateRule(r, undefined, new Map([['A', [point(1, 'A', 12)]]]), 2 * MIN);
    assert.equal(composeEmail(r, out.firings[0]).subject, 'A at 12 {Nope}');
  });
  it('the firing\'s own names come before the row\'s columns; a name only an object\'s prototype has is unknown', () => {
    const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 10 }, action: { email: { to: ['ops@contoso.com'], subject: '{rule} {object} {value} {time} {Region} {constructor} {toString}', fields: ['value', 'constructor'] } } });
    // A row with columns named like the firing's own placeholders: {rule} and {value} are the firing's.
    const row = { Timestamp: new Date(MIN).toISOString(), Site: 'A', Value: 12, Region: 'north', rule: 'from the row', value: 'from the row' };
    const out = evaluateRule(r, undefined, new Map([['A', [{ time: MIN, value: 12, row }]]]), 2 * MIN);
    const m = composeEmail(r, out.firings[0]);
    assert.equal(m.subject, `r A 12 ${new Date(MIN).toISOString()} north {constructor} {toString}`);
    assert.match(m.text, /\nvalue: 12\nconstructor: $/);
  });

  it('the outbox keeps the value as shown and the rule\'s own fields; the entry\'s fields give the rest, in the same order as before', () => {
    const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 10 } });
    const out = evaluateRule(r, undefined, new Map([['A', [point(1, 'A', 12)]]]), 2 * MIN);
    const f = out.firings[0];
    const content = JSON.parse(JSON.stringify(emailContent(r, f))) as ReturnType<typeof emailContent>;
    assert.deepEqual(Object.keys(content).sort(), ['cc', 'fields', 'headline', 'message', 'subject', 'to', 'value']);
    assert.deepEqual(content.fields, [['Site', 'A'], ['Value', '12'], ['Region', 'north']]);
    // As the runner sends it: the outbox entry (read back from its file) supplies rule, object, condition and time.
    const entry = { id: 'x', rule: r.name, object: f.object, reason: f.reason, eventTime: f.time, firedAt: 0, value: f.value };
    const sent = renderEmail(content, JSON.parse(JSON.stringify(entry)) as typeof entry);
    assert.deepEqual(sent, composeEmail(r, f));
    assert.match(sent.text, new RegExp(`\\nRule: r\\nObject: A\\nCondition: ${f.reason.replace(/[()]/g, '\\$&')}\\nValue: 12\\nEvent time: ${new Date(MIN).toISOString()}\\nSite: A\\nValue: 12\\nRegion: north$`));
  });
});
