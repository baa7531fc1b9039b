import * as assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import { alertToDraft, draftToAlert, emptyDraft, probeQuery, queryPosition, ruleQueryErrorMessage, schemaIssues, validateDraft } from '../../src/core/alerts/alertDraft';
import { alertIndex, setAlertMuted, upsertAlert } from '../../src/core/alerts/alertEdits';
import type { Alert } from '../../src/core/manifest';
import type { AlertDraft } from '../../src/protocol/alertsUi';

const draft = (over: Partial<AlertDraft>): AlertDraft => ({ ...emptyDraft(), ...over });
const hot = draft({
  name: 'hot', 'source.query': 'Readings | where Timestamp between (startTime .. endTime)', 'source.eventTimeColumn': 'Timestamp',
  object: 'Site', 'property.column': 'Value', 'condition.kind': 'becomes', 'condition.op': 'greaterThan', 'condition.value': '30',
  'action.email.to': 'ops@contoso.com, lead@contoso.com', 'action.email.subject': 'Hot: {object}', 'action.email.fields': 'Site, Value',
});

describe('alert editor draft', () => {
  it('turns a draft into the manifest shape with only what was filled in, and back', () => {
    const a = draftToAlert(hot);
    assert.deepEqual(a, {
      name: 'hot', source: { query: hot['source.query'], every: '1m', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value',
      condition: { kind: 'becomes', op: 'greaterThan', value: 30 },
      action: { email: { to: ['ops@contoso.com', 'lead@contoso.com'], subject: 'Hot: {object}', fields: ['Site', 'Value'] } },
    });
    assert.deepEqual(alertToDraft(a), hot);
  });

  it('round-trips every kind of condition, the options and the flags', () => {
    const cases: Alert[] = [
      { name: 'r', source: { query: 'T' }, property: { column: 'V', aggregation: 'average', window: '5m' }, condition: { kind: 'outsideRange', low: 1, high: 2, includeHigh: false }, options: { staysFor: '10m' }, enabled: false, muted: true, cooldown: '1h' },
      { name: 'c', source: { query: 'T' }, property: 'S', condition: { kind: 'changesFromTo', from: 'ok', to: '42' }, options: { times: 3, within: '10m' } },
      { name: 'p', source: { query: 'T' }, property: 'V', condition: { kind: 'increasesBy', by: 10, percent: true } },
      { name: 't', source: { query: 'T' }, property: 'S', condition: { kind: 'textContains', value: '42', ignoreCase: true } },
      { name: 'n', source: { query: 'T' }, condition: { kind: 'noDataFor', duration: '5m' } },
      { name: 'teams', source: { query: 'T' }, object: 'S', condition: { kind: 'noDataFor', duration: '5m' }, action: { teams: { to: ['oncall@contoso.com'], headline: 'Quiet {S}', message: 'm', fields: ['S'] } } },
      { name: 'both', source: { query: 'T' }, property: 'V', condition: { kind: 'is', op: 'greaterThan', value: 1 }, action: { email: { to: ['ops@contoso.com'] }, teams: { to: ['oncall@contoso.com'] } } },
    ];
    for (const a of cases) assert.deepEqual(draftToAlert(alertToDraft(a)), a, a.name);
  });

  it('reads the older shape as its newer equivalent', () => {
    const d = alertToDraft({ name: 'old', query: 'T | where V > 1', every: '2m', email: ['a@b.co'] });
    assert.equal(d['source.query'], 'T | where V > 1');
    assert.equal(d['source.every'], '2m');
    assert.equal(d['condition.kind'], 'everyValue');
    assert.deepEqual(validateDraft(d).issues, []);
  });

  it('validates with the rule model and puts each message at its field', () => {
    const at = (over: Partial<AlertDraft>) => validateDraft({ ...hot, ...over }).issues.filter((i) => i.severity === 'error').map((i) => [i.field, i.message]);
    assert.deepEqual(at({}), []);
    assert.ok(validateDraft(hot).rule);
    const [[field, message]] = at({ 'source.every': '5x' });
    assert.equal(field, 'source.every');
    assert.match(message, /"5x", which is not a duration/);
    assert.deepEqual(at({ 'action.email.to': 'ops@contoso.com, not-an-address' }).map(([f]) => f), ['action.email.to']);
    assert.match(at({ 'action.email.to': 'not-an-address' })[0][1], /"not-an-address", which is not an email address/);
    assert.deepEqual(at({ 'condition.value': 'hot' })[0], ['condition.value', 'condition "becomes" needs a number in condition.value, not "hot".']);
    assert.equal(at({ 'condition.kind': 'insideRange', 'condition.low': '5', 'condition.high': '1' })[0][0], 'condition.low');
    assert.equal(at({ 'options.kind': 'staysFor', 'options.staysFor': '5m' })[0][0], 'options.staysFor');
    assert.equal(at({ 'options.kind': 'times', 'options.times': '3' })[0][0], 'options.kind');
    assert.equal(at({ 'property.aggregation': 'average', 'property.window': '' })[0][0], 'property.aggregation');
    assert.equal(at({ 'source.query': '  ' })[0][0], 'source.query');
    assert.equal(at({ name: '' })[0][0], 'name');
    assert.equal(at({ cooldown: 'soon' })[0][0], 'cooldown');
    assert.match(validateDraft(hot, ['HOT']).issues[0].message, /already has an alert "hot"/);
    assert.deepEqual(at({ 'action.email.to': '' }).map(([f, m]) => [f, m]), [['action.email.to', 'action.email.to needs at least one address.']], 'a subject without recipients');
    const silent = { ...hot, 'action.email.to': '', 'action.email.subject': '', 'action.email.fields': '' };
    assert.deepEqual(validateDraft(silent).issues.map((i) => [i.field, i.severity]), [['action.email.to', 'warning']]);
    assert.ok(validateDraft(silent).rule, 'a warning does not stop the rule');
    assert.deepEqual(at({ 'action.teams.to': 'oncall@contoso.com, nope' }).map(([f]) => f), ['action.teams.to']);
    assert.deepEqual(at({ 'action.teams.headline': 'x' }).map(([f, m]) => [f, m]), [['action.teams.to', 'action.teams.to needs at least one recipient (their Microsoft Entra email address).']]);
    const teamsOnly = validateDraft({ ...silent, 'action.teams.to': 'oncall@contoso.com' });
    assert.deepEqual(teamsOnly.issues.map((i) => [i.field, i.severity]), [['action.email.to', 'warning']]);
    assert.match(teamsOnly.issues[0].message, /Teams message is posted only once it is deployed to Fabric/);
  });

  it('checks the named columns against the query\'s schema: missing, and of the wrong type', () => {
    const columns = [{ name: 'Timestamp', type: 'datetime' }, { name: 'Site', type: 'string' }, { name: 'Value', type: 'real' }];
    assert.deepEqual(schemaIssues(hot, columns), []);
    const issues = schemaIssues({ ...hot, object: 'Device', 'action.email.fields': 'Site, Humidity' }, columns);
    assert.deepEqual(issues.map((i) => i.field), ['object', 'action.email.fields']);
    assert.match(issues[0].message, /no column "Device" \(the object\)\. Its columns: Timestamp, Site, Value\./);
    const wrong = schemaIssues({ ...hot, 'property.column': 'Site' }, columns);
    assert.deepEqual(wrong.map((i) => i.field), ['property.column']);
    assert.match(wrong[0].message, /"Site" is of type string, not a number: condition "becomes" needs a numeric column/);
    assert.deepEqual(schemaIssues({ ...hot, 'property.column': 'Site', 'condition.kind': 'textEquals', 'condition.value': 'A' }, columns), []);
    assert.deepEqual(schemaIssues({ ...hot, 'property.column': 'Site', 'property.aggregation': 'count', 'property.window': '5m' }, columns), []);
    assert.match(schemaIssues({ ...hot, 'source.eventTimeColumn': 'Site' }, columns)[0].message, /type string; the event-time column must be a datetime/);
  });

  it('probes the query with the runner\'s window and take 0, and maps positions back to the user\'s lines', () => {
    const q = probeQuery('T\n| where X > 1;\n', Date.UTC(2026, 0, 1));
    assert.equal(q, 'let startTime = datetime(2025-12-31T23:00:00.000Z); let endTime = datetime(2026-01-01T00:00:00.000Z);\nT\n| where X > 1\n| take 0');
    assert.deepEqual(queryPosition({ line: 3, column: 9 }), { line: 2, column: 9 });
    assert.equal(queryPosition({}), undefined);
    const info = { message: "Syntax error: KS006: Missing expression [line:position=3:15]", line: 3, column: 15 };
    assert.equal(ruleQueryErrorMessage(info, 'The query does not run'), 'The query does not run (line 2, column 15): Syntax error: KS006: Missing expression [line:position=2:15]');
    assert.match(ruleQueryErrorMessage(info, 'Dry run', 1), /^Dry run \(in the filter and aggregation added after the query.*\[line:position=3:15\]$/);
    assert.equal(ruleQueryErrorMessage({ message: 'no position' }, 'X'), 'X: no position');
  });
});

describe('alert manifest edits', () => {
  const file = '{\n  "version": 1,\n  // the team\'s rules\n  "alerts": [\n    { "name": "a", "query": "T", "enabled": false },\n    { "name": "b", "source": { "query": "T" } }\n  ]\n}\n';

  it('mutes and unmutes a rule by name, keeping the rest of the file', () => {
    const muted = setAlertMuted(file, 'b', true);
    assert.deepEqual(parse(muted).alerts[1], { name: 'b', source: { query: 'T' }, muted: true });
    assert.ok(muted.includes('// the team\'s rules'));
    const unmuted = setAlertMuted(muted, 'b', false);
    assert.deepEqual(parse(unmuted).alerts[1], { name: 'b', source: { query: 'T' } });
    assert.deepEqual(parse(setAlertMuted(file, 'a', false)).alerts[0], { name: 'a', query: 'T' }, 'unmute enables a disabled rule');
    assert.throws(() => setAlertMuted(file, 'gone', true), /no alert "gone" any more/);
  });

  it('replaces an edited rule in place (also when renamed), appends a new one, and refuses a taken name', () => {
    const edited = upsertAlert(file, { name: 'b2', source: { query: 'U' } }, 'b');
    assert.equal(edited.index, 1);
    assert.deepEqual(parse(edited.text).alerts.map((x: Alert) => x.name), ['a', 'b2']);
    const added = upsertAlert(file, { name: 'c', source: { query: 'V' } });
    assert.deepEqual(parse(added.text).alerts[2], { name: 'c', source: { query: 'V' } });
    assert.equal(alertIndex(added.text, 'c'), 2);
    assert.throws(() => upsertAlert(file, { name: 'a', source: { query: 'V' } }), /already has an alert "a"/);
    assert.throws(() => upsertAlert(file, { name: 'x', source: { query: 'V' } }, 'gone'), /no alert "gone" any more/);
    const none = upsertAlert('{\n  "version": 1\n}\n', { name: 'first', source: { query: 'T' } });
    assert.deepEqual(parse(none.text), { version: 1, alerts: [{ name: 'first', source: { query: 'T' } }] });
  });
});
