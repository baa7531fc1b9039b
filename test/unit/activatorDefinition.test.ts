// The Activator (Reflex) definition builder and its import: shapes from functions-fabric-activator.md §6.2–6.6
// (Learn "Reflex definition", skills-for-fabric activator-cli authoring.md and rule-conditions.md).
import * as assert from 'node:assert/strict';
import {
  buildReflexEntities, containerName, entitiesOf, explainReflexError, mergeReflexEntities, reflexDefinition, sourceQuery, stableId, validateReflexEntities,
} from '../../src/core/fabric/activator';
import { importReflexRules } from '../../src/core/fabric/activatorImport';
import { parseTemplate, REFLEX_PART, type ReflexEntity, type Template } from '../../src/core/fabric/reflexFormat';
import { normalizeAlert, type AlertRule } from '../../src/core/alerts/rule';
import type { Alert } from '../../src/core/manifest';
import { upsertAlertEntries } from '../../src/core/manifestEdits';

const TARGET = { workspaceId: 'ws-1', kqlDatabaseItemId: 'db-1' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EMAIL = { to: ['ops@contoso.com'], cc: ['lead@contoso.com'], subject: 'Hot at {object}', headline: '{rule}: {value}', message: 'Check {object} now.', fields: ['Region'] };

const hot: Alert = {
  name: 'hot', source: { query: 'Readings | where Timestamp between (startTime .. endTime)', every: '1m', eventTimeColumn: 'Timestamp', delay: '2m' },
  object: 'Site', property: { column: 'Temperature', aggregation: 'average', window: '5m' },
  condition: { kind: 'becomes', op: 'greaterThan', value: 30 }, action: { email: EMAIL },
};
const heartbeat: Alert = {
  name: 'silent', source: { query: 'Readings', eventTimeColumn: 'Timestamp' }, object: 'Site',
  condition: { kind: 'noDataFor', duration: '10m' }, action: { email: { to: ['ops@contoso.com'], subject: 'No data from {Site}', headline: 'Silent' } },
};
const rules = (...alerts: Alert[]): AlertRule[] => alerts.map((a, i) => normalizeAlert(a, i));
const byName = (es: ReflexEntity[], name: string) => es.find((e) => e.payload.name === name)!;
const tmpl = (e: ReflexEntity): Template => parseTemplate(e)!;

describe('Activator definition (ReflexEntities.json)', () => {
  it('stable ids are uuid v5-shaped, the same for the same names and different for different ones', () => {
    assert.match(stableId('a', 'b'), GUID);
    assert.equal(stableId('a', 'b'), stableId('a', 'b'));
    assert.notEqual(stableId('a', 'b'), stableId('ab'));
    const one = buildReflexEntities('p', rules(hot, heartbeat), TARGET).entities.map((e) => e.uniqueIdentifier);
    const two = buildReflexEntities('p', rules(hot, heartbeat), TARGET).entities.map((e) => e.uniqueIdentifier);
    assert.deepEqual(one, two, 'a rebuild gives the same ids (a redeploy updates in place)');
    assert.equal(new Set(one).size, one.length, 'ids are unique');
  });

  it('an attribute rule: container, KQL source, source event, object, identity, split event, property, field, rule (§6.5)', () => {
    const { entities, skipped } = buildReflexEntities('p', rules(hot), TARGET);
    assert.deepEqual(skipped, []);
    assert.deepEqual(entities.map((e) => [e.type, e.payload.definition?.type ?? e.payload.type, e.payload.name]), [
      ['container-v1', 'kqlQueries', containerName('p')],
      ['kqlSource-v1', undefined, 'hot source'],
      ['timeSeriesView-v1', 'Event', 'hot events'],
      ['timeSeriesView-v1', 'Object', 'hot Site'],
      ['timeSeriesView-v1', 'Attribute', 'Site'],
      ['timeSeriesView-v1', 'Event', 'hot events by Site'],
      ['timeSeriesView-v1', 'Attribute', 'Temperature'],
      ['timeSeriesView-v1', 'Attribute', 'Region'],
      ['timeSeriesView-v1', 'Rule', 'hot'],
    ]);
    const src = byName(entities, 'hot source').payload as Record<string, unknown>;
    assert.deepEqual(src.query, { queryString: 'declare query_parameters(startTime:datetime, endTime:datetime);\nReadings | where Timestamp between (startTime .. endTime)' });
    assert.deepEqual(src.runSettings, { executionIntervalInSeconds: 60 });
    assert.deepEqual(src.eventhouseItem, { itemId: 'db-1', workspaceId: 'ws-1', itemType: 'KustoDatabase' });
    assert.deepEqual(src.eventTimeSettings, { timeFieldName: 'Timestamp', ingestionDelayInSeconds: 120, timeZone: 'UTC' });
    assert.deepEqual((src.queryParameters as { name: string; type: string }[]).map((p) => [p.name, p.type]), [['startTime', 'DURATION_START'], ['endTime', 'DURATION_END']]);
    assert.deepEqual(src.metadata, { workspaceId: 'ws-1', measureName: '', querySetId: '', queryId: '' });

    const rule = byName(entities, 'hot');
    assert.equal(typeof rule.payload.definition!.instance, 'string', 'instance is a JSON string, never an object');
    assert.deepEqual(rule.payload.definition!.settings, { shouldRun: true, shouldApplyRuleOnUpdate: false });
    const t = tmpl(rule);
    assert.equal(t.templateId, 'AttributeTrigger');
    assert.deepEqual(t.steps.map((s) => s.name), ['ScalarSelectStep', 'ScalarDetectStep', 'ActStep']);
    for (const s of t.steps) assert.match(s.id, GUID);
    const summary = t.steps[0].rows[1];
    assert.equal(summary.kind, 'NumberSummary');
    assert.deepEqual(summary.arguments[1].arguments, [{ name: 'width', type: 'timeSpan', value: 300000 }, { name: 'hop', type: 'timeSpan', value: 300000 }]);
    assert.deepEqual(t.steps[1].rows, [
      { name: 'NumberBecomes', kind: 'NumberBecomes', arguments: [{ name: 'op', type: 'string', value: 'BecomesGreaterThan' }, { name: 'value', type: 'number', value: 30 }] },
      { name: 'OccurrenceOption', kind: 'EachTime', arguments: [] },
    ]);
    const mail = t.steps[2].rows[0];
    assert.equal(t.steps[2].rows.length, 1, 'ActStep has exactly one binding row');
    assert.equal(mail.kind, 'EmailMessage');
    const arg = (n: string) => mail.arguments.find((a) => a.name === n)!;
    assert.deepEqual(arg('sentTo').values, [{ type: 'string', value: 'ops@contoso.com' }]);
    assert.deepEqual(arg('copyTo').values, [{ type: 'string', value: 'lead@contoso.com' }]);
    const identity = byName(entities, 'Site').uniqueIdentifier;
    const value = byName(entities, 'Temperature').uniqueIdentifier;
    assert.deepEqual(arg('subject').values, [{ type: 'string', value: 'Hot at ' }, { kind: 'AttributeReference', type: 'complex', arguments: [{ name: 'entityId', type: 'string', value: identity }] }]);
    assert.deepEqual(arg('headline').values, [{ type: 'string', value: 'hot: ' }, { kind: 'AttributeReference', type: 'complex', arguments: [{ name: 'entityId', type: 'string', value }] }]);
    assert.equal(arg('additionalInformation').values![0].kind, 'NameReferencePair');
    assert.deepEqual(validateReflexEntities(entities), []);
  });

  it('a heartbeat rule is an EventTrigger on the split event with NoHeartbeat; email fields become event field references (§6.6)', () => {
    const { entities } = buildReflexEntities('p', rules(heartbeat), TARGET);
    const t = tmpl(byName(entities, 'silent'));
    assert.equal(t.templateId, 'EventTrigger');
    assert.deepEqual(t.steps.map((s) => s.name), ['FieldsDefaultsStep', 'EventDetectStep', 'ActStep']);
    assert.equal(t.steps[0].rows[0].arguments[0].kind, 'EventReference');
    assert.equal(t.steps[0].rows[0].arguments[0].arguments![0].value, byName(entities, 'silent events by Site').uniqueIdentifier);
    assert.deepEqual(t.steps[1].rows, [{ name: 'NoHeartbeat', kind: 'NoHeartbeat', arguments: [{ name: 'duration', type: 'timeSpan', value: 600000 }] }]);
    const subject = t.steps[2].rows[0].arguments.find((a) => a.name === 'subject')!.values;
    assert.deepEqual(subject, [{ type: 'string', value: 'No data from ' }, { kind: 'EventFieldReference', type: 'complex', arguments: [{ name: 'fieldName', type: 'string', value: 'Site' }] }]);
    assert.deepEqual(validateReflexEntities(entities), []);
  });

  it('conditions and options map to their rows; what Activator cannot express is skipped with the reason', () => {
    const base = { source: { query: 'T', eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value', action: { email: { to: ['a@contoso.com'] } } };
    const built = buildReflexEntities('p', rules(
      { ...base, name: 'range', condition: { kind: 'outsideRange', low: 1, high: 5, includeLow: false }, options: { staysFor: '5m' } },
      { ...base, name: 'trend', condition: { kind: 'increasesBy', by: 10, percent: true }, options: { times: 3, within: '10m' } },
      { ...base, name: 'text', condition: { kind: 'textContains', value: 'err' } },
      { ...base, name: 'eq', condition: { kind: 'becomes', op: 'equal', value: 1 } },
      { ...base, name: 'nomail', action: undefined, condition: { kind: 'is', op: 'greaterThan', value: 1 } },
      { ...base, name: 'muted', muted: true, condition: { kind: 'is', op: 'lessThan', value: 1 } },
    ), TARGET);
    const detect = (n: string) => tmpl(byName(built.entities, n)).steps[1].rows;
    assert.deepEqual(detect('range'), [
      { name: 'NumberRangeCondition', kind: 'NumberRangeCondition', arguments: [{ name: 'op', type: 'string', value: 'IsOutsideRange' }, { name: 'low', type: 'number', value: 1 }, { name: 'includeLow', type: 'boolean', value: false }, { name: 'high', type: 'number', value: 5 }, { name: 'includeHigh', type: 'boolean', value: true }] },
      { name: 'SustainedPeriodOption', kind: 'SustainedPeriodOption', arguments: [{ name: 'period', type: 'timeSpan', value: 300000 }] },
    ]);
    assert.deepEqual(detect('trend'), [
      { name: 'NumberTrends', kind: 'NumberTrendsBy', arguments: [{ name: 'op', type: 'string', value: 'IncreasesByAtLeast' }, { name: 'offset', type: 'number', value: 10 }, { name: 'inPercent', type: 'boolean', value: true }] },
      { name: 'OccurrenceOption', kind: 'ForNthTime', arguments: [{ name: 'n', type: 'number', value: 3 }, { name: 'duration', type: 'timeSpan', value: 600000 }] },
    ]);
    assert.equal(detect('text')[0].kind, 'TextValueCondition');
    assert.deepEqual(byName(built.entities, 'muted').payload.definition!.settings, { shouldRun: false, shouldApplyRuleOnUpdate: false });
    assert.deepEqual(built.skipped.map((s) => s.rule), ['eq', 'nomail']);
    assert.match(built.skipped[0].reason, /NumberBecomes has greater\/less than only/);
    assert.match(built.skipped[1].reason, /no email or Teams action/);
    assert.deepEqual(validateReflexEntities(built.entities), []);
  });

  it('validation names the entity of each broken reference, duplicate id, object-valued instance and extra action row', () => {
    const { entities } = buildReflexEntities('p', rules(hot), TARGET);
    const broken = structuredClone(entities);
    broken.splice(broken.findIndex((e) => e.payload.name === 'Temperature'), 1);
    const problems = validateReflexEntities(broken);
    const value = byName(entities, 'Temperature').uniqueIdentifier;
    const id = byName(entities, 'hot').uniqueIdentifier;
    assert.deepEqual(problems, [
      `Rule "hot" (${id}): ScalarSelectStep/AttributeSelector refers to ${value} is not in the definition.`,
      `Rule "hot" (${id}): ActStep/EmailBinding refers to ${value} is not in the definition.`,
    ]);

    const more = structuredClone(entities);
    more.push({ ...more[1] });
    const rule = byName(more, 'hot');
    const t = tmpl(rule);
    t.steps[2].rows.push(t.steps[2].rows[0]);
    rule.payload.definition!.instance = JSON.stringify(t);
    (byName(more, 'Region').payload.definition as { instance: unknown }).instance = JSON.parse(byName(more, 'Region').payload.definition!.instance!);
    byName(more, 'hot Site').payload.parentContainer = { targetUniqueIdentifier: 'nowhere' };
    const all = validateReflexEntities(more).join('\n');
    assert.match(all, /kqlSource-v1 "hot source" .* has the same uniqueIdentifier/);
    assert.match(all, /Rule "hot" .*: ActStep has 2 rows; it takes exactly one action\./);
    assert.match(all, /Attribute "Region" .*: definition\.instance must be a JSON string\./);
    assert.match(all, /Object "hot Site" .*: parentContainer nowhere is not in the definition\./);
  });

  it('a redeploy keeps the user\'s entities, replaces Eventline\'s container and drops a rule removed from the manifest', () => {
    const first = buildReflexEntities('p', rules(hot, heartbeat), TARGET).entities;
    const userContainer: ReflexEntity = { uniqueIdentifier: 'u-c', type: 'container-v1', payload: { name: 'Mine', type: 'kqlQueries' } };
    const userRule: ReflexEntity = { uniqueIdentifier: 'u-r', type: 'timeSeriesView-v1', payload: { name: 'portal rule', parentContainer: { targetUniqueIdentifier: 'u-c' }, definition: { type: 'Object' } } };
    const current = [...first, userContainer, userRule];
    const second = buildReflexEntities('p', rules(hot), TARGET).entities;
    const merged = mergeReflexEntities(current, second);
    assert.deepEqual(merged.map((e) => e.uniqueIdentifier), ['u-c', 'u-r', ...second.map((e) => e.uniqueIdentifier)]);
    assert.ok(!merged.some((e) => e.payload.name === 'silent'), 'the removed rule is gone');
    const firstIds = new Set(first.map((e) => e.uniqueIdentifier));
    assert.ok(second.every((e) => firstIds.has(e.uniqueIdentifier)), 'the kept rule has the same ids');
    assert.equal(merged.length, current.length - (first.length - second.length));
    const def = reflexDefinition(merged, { parts: [{ path: REFLEX_PART, payload: '', payloadType: 'InlineBase64' }, { path: '.platform', payload: 'x', payloadType: 'InlineBase64' }] });
    assert.deepEqual(def.parts.map((p) => p.path), [REFLEX_PART]);
    assert.deepEqual(entitiesOf(def), merged);
    assert.deepEqual(entitiesOf(undefined), []);
  });

  it('a Fabric error that names an id says which entity it is', () => {
    const { entities } = buildReflexEntities('p', rules(hot), TARGET);
    const rule = byName(entities, 'hot');
    const step = tmpl(rule).steps[1].id;
    assert.equal(explainReflexError(`FailedToResolveEntity: DocumentType timeSeriesView not found: ${rule.uniqueIdentifier.toUpperCase()}`, entities),
      `FailedToResolveEntity: DocumentType timeSeriesView not found: ${rule.uniqueIdentifier.toUpperCase()} [Rule "hot" (${rule.uniqueIdentifier})]`);
    assert.match(explainReflexError(`InvalidTemplateInstance in step ${step}`, entities), /\[ScalarDetectStep of Rule "hot"/);
  });

  it('the source query is declared once', () => {
    assert.equal(sourceQuery('declare query_parameters(a:int);\nT'), 'declare query_parameters(a:int);\nT');
  });
});

describe('Import from Activator', () => {
  it('round trip: what Eventline deploys imports back to the same rules', () => {
    const alerts = [hot, heartbeat, { name: 'legacy', query: 'Errors | take 5', every: '5m', email: ['ops@contoso.com'] } as Alert];
    const built = buildReflexEntities('p', rules(...alerts), TARGET).entities;
    const { alerts: back, others } = importReflexRules(built);
    assert.deepEqual(others, []);
    assert.deepEqual(back.map((a) => a.name), ['hot', 'silent', 'legacy']);
    // Normalized, the imported rules mean what the originals meant ({rule} becomes the rule's name in the text).
    const norm = (a: Alert, i: number) => {
      const r = normalizeAlert(a, i);
      return { ...r, legacy: false, email: r.email && { ...r.email, subject: r.email.subject.replace('{rule}', r.name), headline: r.email.headline.replace('{rule}', r.name) } };
    };
    assert.deepEqual(back.slice(0, 2).map(norm), alerts.slice(0, 2).map(norm));
    assert.deepEqual(back[0].property, { column: 'Temperature', aggregation: 'average', window: '5m' });
    assert.deepEqual(back[2].condition, { kind: 'everyValue' });
    assert.equal(back[2].source?.query, 'Errors | take 5');
  });

  it('a Teams message is a TeamsMessage row (§6.4); with an email too, the alert deploys as two rules, each with one action', () => {
    const TEAMS = { to: ['oncall@contoso.com'], headline: '{rule}: {value} at {object}', message: 'See {object}.', fields: ['Region', 'Zone'] };
    const both: Alert = { ...hot, action: { email: EMAIL, teams: TEAMS } };
    const onlyTeams: Alert = { ...heartbeat, name: 'quiet', action: { teams: { to: ['oncall@contoso.com'], headline: 'No data from {Site}' } } };
    const { entities, skipped } = buildReflexEntities('p', rules(both, onlyTeams), TARGET);
    assert.deepEqual(skipped, []);
    assert.deepEqual(validateReflexEntities(entities), []);
    const container = containerName('p');
    const email = byName(entities, 'hot');
    const teams = byName(entities, 'hot-teams');
    assert.equal(email.uniqueIdentifier, stableId(container, 'hot', 'rule'), 'the email rule keeps its id');
    assert.equal(teams.uniqueIdentifier, stableId(container, 'hot', 'rule', 'teams'));
    assert.deepEqual(teams.payload.parentObject, email.payload.parentObject, 'both rules watch the same object');
    const row = tmpl(teams).steps[2].rows;
    assert.equal(row.length, 1);
    assert.equal(row[0].kind, 'TeamsMessage');
    assert.deepEqual(row[0].arguments.map((a) => a.name), ['messageLocale', 'recipients', 'headline', 'optionalMessage', 'additionalInformation']);
    assert.deepEqual(row[0].arguments[1].values, [{ type: 'string', value: 'oncall@contoso.com' }]);
    const value = entities.find((e) => e.payload.definition?.type === 'Attribute' && e.payload.name === 'Temperature')!.uniqueIdentifier;
    assert.deepEqual(row[0].arguments[2].values?.[1], { kind: 'AttributeReference', type: 'complex', arguments: [{ name: 'entityId', type: 'string', value }] });
    assert.ok(entities.some((e) => e.payload.definition?.type === 'Attribute' && e.payload.name === 'Zone'), 'a field only the Teams message lists is an attribute too');
    const quiet = byName(entities, 'quiet');
    assert.equal(quiet.uniqueIdentifier, stableId(container, 'quiet', 'rule', 'teams'));
    assert.deepEqual(tmpl(quiet).steps[2].rows[0].arguments[2].values, [{ type: 'string', value: 'No data from ' }, { kind: 'EventFieldReference', type: 'complex', arguments: [{ name: 'fieldName', type: 'string', value: 'Site' }] }]);

    // Imported back: each Activator rule is one alert with its one action.
    const { alerts: back, others } = importReflexRules(entities);
    assert.deepEqual(others, []);
    assert.deepEqual(back.map((a) => [a.name, Object.keys(a.action ?? {})]), [['hot', ['email']], ['hot-teams', ['teams']], ['quiet', ['teams']]]);
    assert.deepEqual(back[1].action?.teams, { to: ['oncall@contoso.com'], headline: 'hot: {value} at {object}', message: 'See {object}.', fields: ['Region', 'Zone'] });
    assert.deepEqual(back[2].action?.teams, { to: ['oncall@contoso.com'], headline: 'No data from {Site}' });
    assert.deepEqual(back[2].condition, { kind: 'noDataFor', duration: '10m' });

    // A rule named in the portal with characters an alert name cannot have reads as a valid name.
    const renamed = structuredClone(byName(entities, 'hot'));
    renamed.payload.name = '  Too hot! (site)';
    assert.equal(importReflexRules([...entities.filter((e) => e.payload.name !== 'hot'), renamed]).alerts.find((x) => x.action?.email)?.name, 'Too-hot-site');
  });

  it('a Teams message needs recipients', () => {
    assert.throws(() => normalizeAlert({ ...hot, action: { teams: { to: [] } } }, 0), /action\.teams\.to needs at least one recipient/);
    assert.throws(() => normalizeAlert({ ...hot, action: { teams: { to: ['not an address'] } } }, 0), /action\.teams\.to\[0\] is "not an address", which is not an email address/);
  });

  it('rules this model cannot express are listed with the reason', () => {
    const built = buildReflexEntities('p', rules(hot), TARGET).entities;
    const teams = structuredClone(byName(built, 'hot'));
    teams.uniqueIdentifier = 'teams-rule';
    teams.payload.name = 'to teams';
    const t = tmpl(teams);
    t.steps[2].rows = [{ name: 'FabricItemBinding', kind: 'FabricItemInvocation', arguments: [] }];
    teams.payload.definition!.instance = JSON.stringify(t);
    const pbi: ReflexEntity = { uniqueIdentifier: 'pbi', type: 'timeSeriesView-v1', payload: { name: 'from pbi', definition: { type: 'Rule', instance: JSON.stringify({ templateId: 'AttributeTrigger', templateVersion: '1.1', steps: [{ name: 'ScalarSelectStep', id: 'x', rows: [{ name: 'AttributeSelector', kind: 'Attribute', arguments: [{ kind: 'AttributeReference', type: 'complex', name: 'attribute', arguments: [{ name: 'entityId', type: 'string', value: 'missing' }] }] }] }, { name: 'ActStep', id: 'y', rows: [{ name: 'EmailBinding', kind: 'EmailMessage', arguments: [] }] }] }) } } };
    const { alerts, others } = importReflexRules([...built, teams, pbi]);
    assert.deepEqual(alerts.map((a) => a.name), ['hot']);
    assert.deepEqual(others, [
      { name: 'to teams', id: 'teams-rule', reason: 'its action is FabricItemInvocation; Eventline\'s alerts send email or a Teams message.' },
      { name: 'from pbi', id: 'pbi', reason: 'its attribute missing is not in the item.' },
    ]);
  });

  it('writes imported alerts into eventline.json: same name replaced in place, new ones appended, formatting kept', () => {
    const text = '{\n    "version": 1,\n    "alerts": [\n        { "name": "hot", "query": "old" },\n        { "name": "keep", "query": "K" }\n    ]\n}\n';
    const out = upsertAlertEntries(text, [{ name: 'hot', query: 'new' }, { name: 'added', query: 'A' }]);
    assert.deepEqual(out.replaced, ['hot']);
    assert.deepEqual(out.added, ['added']);
    const parsed = JSON.parse(out.text) as { alerts: Alert[] };
    assert.deepEqual(parsed.alerts.map((a) => [a.name, a.query]), [['hot', 'new'], ['keep', 'K'], ['added', 'A']]);
    assert.match(out.text, /\n {8}\{ "name": "keep", "query": "K" \}/);
    const none = upsertAlertEntries('{\n  "version": 1\n}\n', [{ name: 'x', query: 'Q' }]);
    assert.deepEqual((JSON.parse(none.text) as { alerts: Alert[] }).alerts, [{ name: 'x', query: 'Q' }]);
  });
});
