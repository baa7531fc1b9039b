// Dry run: the one KQL query per rule, the walk of its rows with the runner's evaluator (compared with what the
// runner's window-by-window evaluation gives for the same data), and Activator's limit warnings (fabric-docs
// activator-limitations.md, "Maximum number of actions": 500 emails/item/hour, 30 emails/rule/recipient/hour).
import * as assert from 'node:assert/strict';
import { dryRunQuery, evaluateDryRun, kqlName } from '../../src/core/alerts/dryRun';
import { evaluateRule, seriesFromRows, type RuleState } from '../../src/core/alerts/evaluate';
import { historyLimitWarnings, maxFiringsPerObjectPerHour, ruleLimitWarnings } from '../../src/core/alerts/limits';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';

const MIN = 60_000;
const FROM = Date.UTC(2026, 0, 1);
const TO = FROM + 60 * MIN;
const rule = (a: Partial<Alert>): AlertRule => normalizeAlert({ name: 'r', source: { query: 'Readings;  ', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 10 }, action: { email: { to: ['ops@contoso.com'], subject: '{object} at {value}' } }, ...a }, 0);

/** What the summarize would return: per object per 5-minute window (closing time), the average. */
function summarized(values: Record<string, number[]>, windowMs: number): { columns: string[]; rows: unknown[][] } {
  const rows: unknown[][] = [];
  for (const [site, list] of Object.entries(values)) list.forEach((v, i) => rows.push([site, new Date(FROM + (i + 1) * windowMs).toISOString(), v]));
  return { columns: ['Site', 'Timestamp', 'Value'], rows };
}

describe('alert dry run', () => {
  it('an aggregated rule is one summarize by object and tumbling window, the value at the window\'s close', () => {
    const r = rule({ property: { column: 'Value', aggregation: 'average', window: '5m' }, action: { email: { to: ['ops@contoso.com'], fields: ['Region'] } } });
    const q = dryRunQuery(r, FROM, TO);
    assert.equal(q.text, [
      'let startTime = datetime(2026-01-01T00:00:00.000Z); let endTime = datetime(2026-01-01T01:00:00.000Z);',
      'Readings',
      '| where Timestamp >= datetime(2026-01-01T00:00:00.000Z) and Timestamp < datetime(2026-01-01T01:00:00.000Z)',
      '| summarize Value = avg(Value), Region = take_any(Region) by Site, Timestamp = bin(Timestamp, 300s)',
      '| extend Timestamp = Timestamp + 300s',
      '| order by Timestamp asc',
    ].join('\n'));
    assert.equal(q.windowMs, 5 * MIN);
    assert.deepEqual(q.rule.property, { column: 'Value' });
    assert.match(dryRunQuery(rule({ property: { column: 'Value', aggregation: 'count', window: '1m' } }), FROM, TO).text, /summarize Value = count\(\) by Site, Timestamp = bin\(Timestamp, 60s\)/);
  });

  it('a rule without aggregation reads only its columns; names that are not identifiers are quoted', () => {
    assert.match(dryRunQuery(rule({ object: 'site id' }), FROM, TO).text, /\| project Timestamp, \['site id'\], Value\n\| order by Timestamp asc$/);
    assert.equal(kqlName("it's"), "['it\\'s']");
    assert.doesNotMatch(dryRunQuery(rule({ condition: { kind: 'everyValue' }, property: undefined }), FROM, TO).text, /project/);
  });

  it('walks the series with the evaluator: firings, markers per object, rendered emails, the threshold', () => {
    const r = rule({ property: { column: 'Value', aggregation: 'average', window: '5m' }, condition: { kind: 'becomes', op: 'greaterThan', value: 10 } });
    const q = dryRunQuery(r, FROM, TO);
    const data = summarized({ S1: [5, 12, 13, 4, 20, 3, 3, 3, 3, 3, 3, 11], S2: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }, 5 * MIN);
    const out = evaluateDryRun(r, q, data.columns, data.rows, FROM, TO);
    assert.equal(out.firings, 3);
    assert.deepEqual(out.series.map((s) => s.object), ['S1', 'S2']);
    assert.deepEqual(out.series[0].fired.map((t) => (t - FROM) / MIN), [10, 25, 60], 'the last window closes at the span\'s end and counts');
    assert.equal(out.series[0].points.length, 12);
    assert.deepEqual(out.series[1].fired, []);
    assert.deepEqual(out.thresholds, [10]);
    assert.equal(out.emails.length, 3);
    assert.equal(out.emails[0].email.subject, 'S1 at 12');
    assert.match(out.emails[0].reason, /^average of Value becomes greater than 10 \(5 → 12\)$/);
    assert.deepEqual(out.emails[0].email.to, ['ops@contoso.com']);
  });

  it('gives the firings the runner gives evaluating the same raw rows window by window', () => {
    const r = rule({ condition: { kind: 'is', op: 'greaterThan', value: 10 }, options: { staysFor: '3m' } });
    const values = [5, 12, 13, 14, 15, 2, 11, 12, 13, 14, 3, 3];
    const columns = ['Timestamp', 'Site', 'Value'];
    const rows = values.map((v, i) => [new Date(FROM + i * MIN + 30_000).toISOString(), 'S1', v]);
    const dry = evaluateDryRun(r, dryRunQuery(r, FROM, TO), columns, rows, FROM, TO);
    let state: RuleState | undefined;
    const runner: number[] = [];
    for (let t = FROM; t < TO; t += MIN) {
      const out = evaluateRule(r, state, seriesFromRows(r, columns, rows, t, t + MIN), t + MIN);
      state = out.state;
      runner.push(...out.firings.map((f) => f.time));
    }
    assert.deepEqual(dry.series[0].fired, runner);
    assert.equal(dry.firings, 2);
  });

  it('a rule over a source with no rows fires nothing, and "no data for" fires for the silence', () => {
    const r = rule({});
    assert.equal(evaluateDryRun(r, dryRunQuery(r, FROM, TO), ['Timestamp', 'Site', 'Value'], [], FROM, TO).firings, 0);
    const hb = rule({ object: undefined, property: undefined, condition: { kind: 'noDataFor', duration: '10m' } });
    const out = evaluateDryRun(hb, dryRunQuery(hb, FROM, TO), ['Timestamp'], [], FROM, TO);
    assert.equal(out.firings, 1);
    assert.deepEqual(out.thresholds, []);
  });
});

describe('Activator limit warnings', () => {
  it('estimates the most emails per object per hour from the rule', () => {
    assert.equal(maxFiringsPerObjectPerHour(rule({})), 60, '"is" every minute: each evaluation');
    assert.equal(maxFiringsPerObjectPerHour(rule({ condition: { kind: 'becomes', op: 'greaterThan', value: 1 } })), 30, 'a transition needs a false value first');
    assert.equal(maxFiringsPerObjectPerHour(rule({ cooldown: '10m' })), 6);
    assert.equal(maxFiringsPerObjectPerHour(rule({ property: { column: 'Value', aggregation: 'max', window: '5m' } })), 12);
    assert.equal(maxFiringsPerObjectPerHour(rule({ options: { times: 3, within: '10m' } })), 20);
    assert.equal(maxFiringsPerObjectPerHour(rule({ property: undefined, condition: { kind: 'noDataFor', duration: '1m' } })), 60);
  });

  it('warns for a rule that can exceed 30 emails per rule per recipient per hour, and says what to do', () => {
    const w = ruleLimitWarnings([rule({ name: 'noisy' }), rule({ name: 'calm', cooldown: '2m' }), rule({ name: 'quiet', action: undefined })]);
    assert.deepEqual(w.map((x) => [x.rule, x.field]), [['noisy', 'cooldown']]);
    assert.match(w[0].message, /up to 60 times an hour .* at most 30 emails per rule per recipient per hour .* cooldown of at least 2m/);
  });

  it('counts the emails a dry run would have sent per rule, recipient and hour, and per item', () => {
    const H = 3_600_000;
    const emails = [
      ...Array.from({ length: 31 }, (_, i) => ({ rule: 'a', time: H + i * 1000, to: ['Ops@contoso.com'], cc: ['lead@contoso.com'] })),
      ...Array.from({ length: 30 }, (_, i) => ({ rule: 'b', time: H + i * 1000, to: ['ops@contoso.com'], cc: [] })),
    ];
    const w = historyLimitWarnings(emails);
    assert.equal(w.length, 1);
    assert.equal(w[0].rule, 'a');
    assert.match(w[0].message, /would have sent ops@contoso\.com 31 emails in the hour from 1970-01-01T01:00Z \(1 hour over the limit\)/);
    const many = Array.from({ length: 501 }, (_, i) => ({ rule: `r${i % 20}`, time: 2 * H, to: [`p${i}@contoso.com`], cc: [] }));
    assert.deepEqual(historyLimitWarnings(many).map((x) => x.rule), [undefined]);
    assert.match(historyLimitWarnings(many)[0].message, /501 emails .* at most 500 emails an hour/);
  });
});
