// The manifest's alert rules as one Activator (Reflex) item: a container for Eventline's rules, and per rule a KQL
// source on the KQL database, its event, the object with its identity attribute and the event split by it, the
// property attribute, and a rule with the condition, the occurrence option and the email action
// (functions-fabric-activator.md §6.2–6.6). Every uniqueIdentifier (and every step id) is derived from names, so
// a redeploy writes the same ids and Fabric updates the rules in place. Before anything is sent, every reference
// is checked to resolve inside the array (what Fabric rejects as FailedToResolveEntity otherwise).
import { createHash } from 'node:crypto';
import type { AlertRule, Condition } from '../alerts/rule';
import { decodeJsonPart, encodePart, type FabricDefinition } from './definition';
import {
  BECOMES_OPS, bool, CONTAINER_TYPE, describeEntity, EVENTHOUSE_ITEM_TYPE, IS_OPS, MESSAGE_LOCALE, num,
  PARAMETER_PLACEHOLDER_END, PARAMETER_PLACEHOLDER_START, parseTemplate, ref, referencedIds, REFLEX_PART, span, str,
  SUMMARY_OPS, TEMPLATE_VERSION, TEXT_OPS, TREND_OPS, type Arg, type ReflexEntity, type Row, type Step,
} from './reflexFormat';

export interface ActivatorTarget {
  workspaceId: string;
  /** The KQL database item the sources query. */
  kqlDatabaseItemId: string;
}

export interface BuiltReflex {
  entities: ReflexEntity[];
  /** Rules that have no Activator form, with why. */
  skipped: { rule: string; reason: string }[];
  /** Rule name → the rule entity's id. */
  ruleIds: Map<string, string>;
}

// A fixed namespace for Eventline's name-based ids (uuid v5 style: SHA-1 of namespace and name, version and variant set).
const NAMESPACE = Buffer.from('6f1c3e0a5b7d4e2f9a8c1d0e2f3a4b5c', 'hex');

/** A GUID derived from the names: the same names give the same id in every run and on every machine. */
export function stableId(...names: string[]): string {
  const h = createHash('sha1').update(NAMESPACE).update(names.join('\u0000'), 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The name of the container that holds Eventline's entities; everything under it is Eventline's to rewrite. */
export function containerName(pipeline: string): string {
  return `Eventline alerts (${pipeline})`;
}

// The KQL source gets its window as query parameters; Eventline's local runner binds the same two names with `let`.
const DECLARE = 'declare query_parameters(startTime:datetime, endTime:datetime);\n';

export function sourceQuery(query: string): string {
  return /^\s*declare\s+query_parameters/i.test(query) ? query : DECLARE + query;
}

/** The rule's query as the manifest writes it: without the parameter declaration Eventline added. */
export function manifestQuery(query: string): string {
  return query.startsWith(DECLARE) ? query.slice(DECLARE.length) : query;
}

/** The ScalarDetectStep row for an attribute condition, or why it has none. */
function conditionRow(c: Condition): Row | string {
  switch (c.kind) {
    case 'is': return { name: 'NumberValueCondition', kind: 'NumberValueCondition', arguments: [str('op', IS_OPS[c.op]), num('threshold', c.value)] };
    case 'becomes':
      if (c.op === 'equal' || c.op === 'notEqual') return `"becomes ${c.op}" has no Activator condition (NumberBecomes has greater/less than only).`;
      return { name: 'NumberBecomes', kind: 'NumberBecomes', arguments: [str('op', BECOMES_OPS[c.op]), num('value', c.value)] };
    case 'insideRange': case 'outsideRange': case 'entersRange': case 'leavesRange': {
      const range = c.kind === 'insideRange' || c.kind === 'outsideRange';
      const op = { insideRange: 'IsInsideRange', outsideRange: 'IsOutsideRange', entersRange: 'EntersRange', leavesRange: 'LeavesRange' }[c.kind];
      const name = range ? 'NumberRangeCondition' : 'NumberEntersOrLeavesRange';
      return { name, kind: name, arguments: [str('op', op), num('low', c.low), bool('includeLow', c.includeLow), num('high', c.high), bool('includeHigh', c.includeHigh)] };
    }
    case 'changes': return { name: 'AnyValueChange', kind: 'AnyValueChange', arguments: [str('op', 'Changes')] };
    case 'changesFrom': case 'changesTo': {
      const v = c.kind === 'changesFrom' ? c.from : c.to;
      if (typeof v !== 'number') return `"${c.kind}" a text or true/false value has no documented Activator row (NumberChanges takes numbers).`;
      return { name: 'NumberChanges', kind: 'NumberChanges', arguments: [str('op', c.kind === 'changesFrom' ? 'ChangesFrom' : 'ChangesTo'), num('value', v)] };
    }
    case 'changesFromTo':
      if (typeof c.from !== 'number' || typeof c.to !== 'number') return '"changesFromTo" with text or true/false values has no documented Activator row.';
      return { name: 'NumberChanges', kind: 'NumberChangesFromTo', arguments: [num('oldValue', c.from), num('newValue', c.to)] };
    case 'increasesBy': case 'decreasesBy': case 'changesBy':
      return { name: 'NumberTrends', kind: 'NumberTrendsBy', arguments: [str('op', TREND_OPS[c.kind]), num('offset', c.by), bool('inPercent', c.percent)] };
    case 'textEquals': case 'textNotEquals': case 'textContains': case 'textBeginsWith': case 'textEndsWith':
      if (c.ignoreCase) return `"${c.kind}" with ignoreCase has no documented Activator option; remove ignoreCase to deploy it.`;
      return { name: 'TextValueCondition', kind: 'TextValueCondition', arguments: [str('op', TEXT_OPS[c.kind]), str('value', c.value)] };
    default: return `"${c.kind}" is an event condition.`;
  }
}

/** Conditions Activator writes as an EventTrigger (on events, not on an object's attribute). */
function isEventRule(rule: AlertRule): boolean {
  return ['noDataFor', 'firstDataAfter', 'everyValue'].includes(rule.condition.kind) || rule.object === undefined;
}

/**
 * Email text as content parts: `{value}` and `{object}` become references to the property and identity attributes
 * (attribute rules) or to the event's fields (event rules); `{rule}` is the rule's name; `{Column}` is an event
 * field (event rules). What cannot be referenced stays as written.
 */
function contentParts(template: string, rule: AlertRule, ids: { value?: string; identity?: string }, eventRule: boolean): Arg[] {
  const parts: Arg[] = [];
  let last = 0;
  const text = (s: string) => { if (s) parts.push({ type: 'string', value: s }); };
  for (const m of template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    const key = m[1];
    let part: Arg | undefined;
    if (key === 'rule') part = { type: 'string', value: rule.name };
    else if (!eventRule && key === 'value' && ids.value) part = { kind: 'AttributeReference', type: 'complex', arguments: [str('entityId', ids.value)] };
    else if (!eventRule && key === 'object' && ids.identity) part = { kind: 'AttributeReference', type: 'complex', arguments: [str('entityId', ids.identity)] };
    else if (eventRule) {
      const field = key === 'value' ? rule.property?.column : key === 'object' ? rule.object : ['previous', 'time'].includes(key) ? undefined : key;
      if (field) part = { kind: 'EventFieldReference', type: 'complex', arguments: [str('fieldName', field)] };
    }
    if (!part) continue;
    text(template.slice(last, m.index));
    parts.push(part);
    last = m.index + m[0].length;
  }
  text(template.slice(last));
  // Merge neighbouring text so `{rule}` inside a sentence stays one string part.
  const merged: Arg[] = [];
  for (const p of parts) {
    const prev = merged[merged.length - 1];
    if (prev && prev.kind === undefined && p.kind === undefined) prev.value = String(prev.value) + String(p.value);
    else merged.push(p);
  }
  return merged;
}

type Ids = { value?: string; identity?: string; fields: Map<string, string> };

/** The additional information rows: each field by name, referenced from the event (event rules) or its attribute. */
function infoParts(fields: string[], ids: Ids, eventRule: boolean): Arg[] {
  return fields.map((field) => ({
    kind: 'NameReferencePair', type: 'complex', arguments: [
      str('name', field),
      eventRule
        ? { kind: 'EventFieldReference', type: 'complexReference', name: 'reference', arguments: [str('fieldName', field)] }
        : { kind: 'AttributeReference', type: 'complexReference', name: 'reference', arguments: [str('entityId', ids.fields.get(field)!)] },
    ],
  }));
}

const addressList = (list: string[]): Arg[] => list.map((a) => ({ type: 'string', value: a }));

function emailRow(rule: AlertRule, ids: Ids, eventRule: boolean): Row {
  const e = rule.email!;
  return {
    name: 'EmailBinding', kind: 'EmailMessage', arguments: [
      str('messageLocale', MESSAGE_LOCALE),
      { name: 'sentTo', type: 'array', values: addressList(e.to) },
      { name: 'copyTo', type: 'array', values: addressList(e.cc) },
      { name: 'bCCTo', type: 'array', values: [] },
      { name: 'subject', type: 'array', values: contentParts(e.subject, rule, ids, eventRule) },
      { name: 'headline', type: 'array', values: contentParts(e.headline, rule, ids, eventRule) },
      { name: 'optionalMessage', type: 'array', values: contentParts(e.message, rule, ids, eventRule) },
      { name: 'additionalInformation', type: 'array', values: infoParts(e.fields, ids, eventRule) },
    ],
  };
}

/** Learn's reflex-definition sample (§6.4 of the spec): messageLocale, recipients, headline, optionalMessage, additionalInformation. */
function teamsRow(rule: AlertRule, ids: Ids, eventRule: boolean): Row {
  const t = rule.teams!;
  return {
    name: 'TeamsBinding', kind: 'TeamsMessage', arguments: [
      str('messageLocale', MESSAGE_LOCALE),
      { name: 'recipients', type: 'array', values: addressList(t.to) },
      { name: 'headline', type: 'array', values: contentParts(t.headline, rule, ids, eventRule) },
      { name: 'optionalMessage', type: 'array', values: contentParts(t.message, rule, ids, eventRule) },
      { name: 'additionalInformation', type: 'array', values: infoParts(t.fields, ids, eventRule) },
    ],
  };
}

/**
 * An Activator rule has one action (the portal's rule pane picks one), so an alert with an email and a Teams message
 * deploys as two rules over the same object and attributes. The email rule keeps the ids it always had.
 */
function ruleActions(rule: AlertRule): { idParts: string[]; name: string; row: (ids: Ids, eventRule: boolean) => Row }[] {
  const out: { idParts: string[]; name: string; row: (ids: Ids, eventRule: boolean) => Row }[] = [];
  if (rule.email) out.push({ idParts: [], name: rule.name, row: (ids, ev) => emailRow(rule, ids, ev) });
  if (rule.teams) out.push({ idParts: ['teams'], name: rule.email ? `${rule.name}-teams` : rule.name, row: (ids, ev) => teamsRow(rule, ids, ev) });
  return out;
}

const template = (templateId: string, steps: Step[]) => JSON.stringify({ templateId, templateVersion: TEMPLATE_VERSION, steps });

/** The entities of one rule, or why it has no Activator form. */
function ruleEntities(rule: AlertRule, container: string, target: ActivatorTarget): ReflexEntity[] | string {
  const acts = ruleActions(rule);
  if (!acts.length) return 'it has no email or Teams action (an Activator rule needs one).';
  const id = (...parts: string[]) => stableId(container, rule.name, ...parts);
  const C = { targetUniqueIdentifier: stableId(container) };
  const eventRule = isEventRule(rule);
  const out: ReflexEntity[] = [];
  const S = id('source');
  out.push({
    uniqueIdentifier: S, type: 'kqlSource-v1', payload: {
      name: `${rule.name} source`,
      runSettings: { executionIntervalInSeconds: Math.round(rule.source.everyMs / 1000) },
      query: { queryString: sourceQuery(rule.source.query) },
      eventhouseItem: { itemId: target.kqlDatabaseItemId, workspaceId: target.workspaceId, itemType: EVENTHOUSE_ITEM_TYPE },
      queryParameters: [
        { name: 'startTime', type: 'DURATION_START', value: PARAMETER_PLACEHOLDER_START },
        { name: 'endTime', type: 'DURATION_END', value: PARAMETER_PLACEHOLDER_END },
      ],
      ...(rule.source.eventTimeColumn ? { eventTimeSettings: { timeFieldName: rule.source.eventTimeColumn, ingestionDelayInSeconds: Math.round(rule.source.delayMs / 1000), timeZone: 'UTC' } } : {}),
      metadata: { workspaceId: target.workspaceId, measureName: '', querySetId: '', queryId: '' },
      parentContainer: C,
    },
  });
  const E = id('event');
  out.push({ uniqueIdentifier: E, type: 'timeSeriesView-v1', payload: { name: `${rule.name} events`, parentContainer: C, definition: { type: 'Event', instance: template('SourceEvent', [
    { name: 'SourceEventStep', id: id('event', 'step'), rows: [{ name: 'SourceSelector', kind: 'SourceReference', arguments: [str('entityId', S)] }] },
  ]) } } });
  const settings = { shouldRun: rule.enabled && !rule.muted, shouldApplyRuleOnUpdate: false };

  if (eventRule) {
    // Heartbeat, every-row and object-less rules: an EventTrigger on the event (§6.6); EachTime is not valid there.
    if (rule.occurrence.kind !== 'everyTime') return `"${rule.occurrence.kind}" needs an object: set "object" so the rule is per object.`;
    let event = E;
    if (rule.object !== undefined) {
      // Per-object heartbeat: the event split by the object column.
      const O = id('object');
      const ID = id('identity');
      event = id('split');
      out.push({ uniqueIdentifier: O, type: 'timeSeriesView-v1', payload: { name: `${rule.name} ${rule.object}`, parentContainer: C, definition: { type: 'Object' } } });
      out.push(identityEntity(ID, rule.object, O, C, id('identity', 'step')));
      out.push(splitEntity(event, rule, O, C, E, ID, id('split', 'step')));
    }
    const c = rule.condition;
    let detect: Row[];
    if (c.kind === 'noDataFor') detect = [{ name: 'NoHeartbeat', kind: 'NoHeartbeat', arguments: [span('duration', c.durationMs)] }];
    else if (c.kind === 'firstDataAfter') detect = [{ name: 'OnFirstHeartbeat', kind: 'OnFirstHeartbeat', arguments: [span('duration', c.durationMs)] }];
    else if (c.kind === 'everyValue') detect = [{ name: 'OnEveryValue', kind: 'OnEveryValue', arguments: [] }];
    else {
      if (rule.property?.aggregation) return 'an aggregation needs an object: set "object" so the rule is per object.';
      const row = conditionRow(c);
      if (typeof row === 'string') return row;
      detect = [{ name: 'EventFieldSelector', kind: 'EventField', arguments: [str('fieldName', rule.property!.column)] }, row];
    }
    for (const act of acts) {
      const R = (...parts: string[]) => id('rule', ...act.idParts, ...parts);
      out.push({ uniqueIdentifier: R(), type: 'timeSeriesView-v1', payload: { name: act.name, parentContainer: C, ...(event !== E ? { parentObject: { targetUniqueIdentifier: id('object') } } : {}), definition: { type: 'Rule', settings, instance: template('EventTrigger', [
        { name: 'FieldsDefaultsStep', id: R('fields'), rows: [{ name: 'EventSelector', kind: 'Event', arguments: [ref('EventReference', 'event', event)] }] },
        { name: 'EventDetectStep', id: R('detect'), rows: detect },
        { name: 'ActStep', id: R('act'), rows: [act.row({ fields: new Map() }, true)] },
      ]) } } });
    }
    return out;
  }

  const row = conditionRow(rule.condition);
  if (typeof row === 'string') return row;
  const O = { targetUniqueIdentifier: id('object') };
  const ID = id('identity');
  const SE = id('split');
  const V = id('property');
  out.push({ uniqueIdentifier: O.targetUniqueIdentifier, type: 'timeSeriesView-v1', payload: { name: `${rule.name} ${rule.object!}`, parentContainer: C, definition: { type: 'Object' } } });
  out.push(identityEntity(ID, rule.object!, O.targetUniqueIdentifier, C, id('identity', 'step')));
  out.push(splitEntity(SE, rule, O.targetUniqueIdentifier, C, E, ID, id('split', 'step')));
  const numeric = !rule.condition.kind.startsWith('text');
  out.push(attributeEntity(V, rule.property!.column, numeric ? 'Number' : 'Text', O, C, SE, id('property', 'select'), id('property', 'compute')));
  const fields = new Map<string, string>();
  for (const field of new Set([...(rule.email?.fields ?? []), ...(rule.teams?.fields ?? [])])) {
    const F = id('field', field);
    fields.set(field, F);
    out.push(attributeEntity(F, field, 'Text', O, C, SE, id('field', field, 'select'), id('field', field, 'compute')));
  }
  const select: Row[] = [{ name: 'AttributeSelector', kind: 'Attribute', arguments: [ref('AttributeReference', 'attribute', V)] }];
  const agg = rule.property!.aggregation;
  if (agg) {
    select.push({ name: 'NumberSummary', kind: 'NumberSummary', arguments: [str('op', SUMMARY_OPS[agg.op]), { kind: 'TimeDrivenWindowSpec', type: 'complex', name: 'window', arguments: [span('width', agg.windowMs), span('hop', agg.windowMs)] }] });
  }
  const occ = rule.occurrence;
  const occurrence: Row = occ.kind === 'staysFor'
    ? { name: 'SustainedPeriodOption', kind: 'SustainedPeriodOption', arguments: [span('period', occ.periodMs)] }
    : occ.kind === 'times'
      ? { name: 'OccurrenceOption', kind: 'ForNthTime', arguments: [num('n', occ.n), span('duration', occ.withinMs)] }
      : { name: 'OccurrenceOption', kind: 'EachTime', arguments: [] };
  for (const act of acts) {
    const R = (...parts: string[]) => id('rule', ...act.idParts, ...parts);
    out.push({ uniqueIdentifier: R(), type: 'timeSeriesView-v1', payload: { name: act.name, parentObject: O, parentContainer: C, definition: { type: 'Rule', settings, instance: template('AttributeTrigger', [
      { name: 'ScalarSelectStep', id: R('select'), rows: select },
      { name: 'ScalarDetectStep', id: R('detect'), rows: [row, occurrence] },
      { name: 'ActStep', id: R('act'), rows: [act.row({ value: V, identity: ID, fields }, false)] },
    ]) } } });
  }
  return out;
}

function identityEntity(id: string, column: string, object: string, C: { targetUniqueIdentifier: string }, stepId: string): ReflexEntity {
  return { uniqueIdentifier: id, type: 'timeSeriesView-v1', payload: { name: column, parentObject: { targetUniqueIdentifier: object }, parentContainer: C, definition: { type: 'Attribute', instance: template('IdentityPartAttribute', [
    { name: 'IdPartStep', id: stepId, rows: [{ name: 'TypeAssertion', kind: 'TypeAssertion', arguments: [str('op', 'Text'), str('format', '')] }] },
  ]) } } };
}

function splitEntity(id: string, rule: AlertRule, object: string, C: { targetUniqueIdentifier: string }, event: string, identity: string, stepId: string): ReflexEntity {
  return { uniqueIdentifier: id, type: 'timeSeriesView-v1', payload: { name: `${rule.name} events by ${rule.object!}`, parentObject: { targetUniqueIdentifier: object }, parentContainer: C, definition: { type: 'Event', instance: template('SplitEvent', [
    { name: 'SplitEventStep', id: stepId, rows: [
      { name: 'EventSelector', kind: 'Event', arguments: [ref('EventReference', 'event', event)] },
      { name: 'FieldIdMapping', kind: 'FieldIdMapping', arguments: [str('fieldName', rule.object!), ref('AttributeReference', 'idPart', identity)] },
      { name: 'SplitEventOptions', kind: 'EventOptions', arguments: [bool('isAuthoritative', true)] },
    ] },
  ]) } } };
}

function attributeEntity(id: string, field: string, type: 'Number' | 'Text', O: { targetUniqueIdentifier: string }, C: { targetUniqueIdentifier: string }, event: string, selectId: string, computeId: string): ReflexEntity {
  return { uniqueIdentifier: id, type: 'timeSeriesView-v1', payload: { name: field, parentObject: O, parentContainer: C, definition: { type: 'Attribute', instance: template('BasicEventAttribute', [
    { name: 'EventSelectStep', id: selectId, rows: [
      { name: 'EventSelector', kind: 'Event', arguments: [ref('EventReference', 'event', event)] },
      { name: 'EventFieldSelector', kind: 'EventField', arguments: [str('fieldName', field)] },
    ] },
    { name: 'EventComputeStep', id: computeId, rows: [{ name: 'TypeAssertion', kind: 'TypeAssertion', arguments: [str('op', type), str('format', '')] }] },
  ]) } } };
}

/** Every rule as entities under one container named for the pipeline. */
export function buildReflexEntities(pipeline: string, rules: AlertRule[], target: ActivatorTarget): BuiltReflex {
  const container = containerName(pipeline);
  const entities: ReflexEntity[] = [{ uniqueIdentifier: stableId(container), type: 'container-v1', payload: { name: container, type: CONTAINER_TYPE } }];
  const skipped: BuiltReflex['skipped'] = [];
  const ruleIds = new Map<string, string>();
  for (const rule of rules) {
    const built = ruleEntities(rule, container, target);
    if (typeof built === 'string') { skipped.push({ rule: rule.name, reason: built }); continue; }
    entities.push(...built);
    ruleIds.set(rule.name, stableId(container, rule.name, 'rule'));
  }
  return { entities, skipped, ruleIds };
}

/**
 * The item's entities after a deploy: what the user keeps elsewhere in the item stays, Eventline's container is
 * replaced by the rebuilt one (a rule removed from the manifest goes, the others keep their ids).
 */
export function mergeReflexEntities(current: ReflexEntity[], built: ReflexEntity[]): ReflexEntity[] {
  const container = built.find((e) => e.type === 'container-v1')!.uniqueIdentifier;
  const ours = new Set(built.map((e) => e.uniqueIdentifier));
  const kept = current.filter((e) => !ours.has(e.uniqueIdentifier) && e.uniqueIdentifier !== container && e.payload?.parentContainer?.targetUniqueIdentifier !== container);
  return [...kept, ...built];
}

/** Each broken reference or malformed entity, naming the entity; empty when the array is consistent. */
export function validateReflexEntities(entities: ReflexEntity[]): string[] {
  const problems: string[] = [];
  const byId = new Map<string, ReflexEntity>();
  for (const e of entities) {
    if (byId.has(e.uniqueIdentifier)) problems.push(`${describeEntity(e)} has the same uniqueIdentifier as ${describeEntity(byId.get(e.uniqueIdentifier)!)}.`);
    byId.set(e.uniqueIdentifier, e);
  }
  const resolve = (e: ReflexEntity, what: string, id: string | undefined, expect?: (t: ReflexEntity) => boolean, expected?: string) => {
    if (id === undefined) return;
    const t = byId.get(id);
    if (!t) problems.push(`${describeEntity(e)}: ${what} ${id} is not in the definition.`);
    else if (expect && !expect(t)) problems.push(`${describeEntity(e)}: ${what} ${id} is ${describeEntity(t)}, not ${expected}.`);
  };
  for (const e of entities) {
    const p = e.payload ?? {};
    resolve(e, 'parentContainer', p.parentContainer?.targetUniqueIdentifier, (t) => t.type === 'container-v1', 'a container');
    resolve(e, 'parentObject', p.parentObject?.targetUniqueIdentifier, (t) => t.payload.definition?.type === 'Object', 'an Object');
    if (e.type !== 'timeSeriesView-v1' || !p.definition || p.definition.type === 'Object') continue;
    if (typeof p.definition.instance !== 'string') { problems.push(`${describeEntity(e)}: definition.instance must be a JSON string.`); continue; }
    const t = parseTemplate(e);
    if (!t) { problems.push(`${describeEntity(e)}: definition.instance is not a template (templateId, steps).`); continue; }
    for (const step of t.steps) {
      if (!step.id) problems.push(`${describeEntity(e)}: step ${step.name} has no id.`);
      for (const row of step.rows ?? []) for (const id of referencedIds(row.arguments ?? [])) resolve(e, `${step.name}/${row.name} refers to`, id);
      if (step.name === 'ActStep' && (step.rows ?? []).length !== 1) problems.push(`${describeEntity(e)}: ActStep has ${(step.rows ?? []).length} rows; it takes exactly one action.`);
      if (step.name === 'FieldsDefaultsStep' && !(step.rows ?? []).some((r) => r.name === 'EventSelector' && r.arguments?.some((a) => a.kind === 'EventReference'))) {
        problems.push(`${describeEntity(e)}: FieldsDefaultsStep needs an EventSelector row with a nested EventReference.`);
      }
    }
  }
  return problems;
}

/** The entities of an item's definition (a new, empty item has none). */
export function entitiesOf(def: FabricDefinition | undefined): ReflexEntity[] {
  const part = def?.parts.find((p) => p.path === REFLEX_PART);
  if (!part) return [];
  const value = decodeJsonPart<unknown>(part);
  if (!Array.isArray(value)) throw new Error(`${REFLEX_PART} of the Activator item is not a JSON array.`);
  return value as ReflexEntity[];
}

/** The definition to send: the entities, and every other part of the current definition as it was (except .platform). */
export function reflexDefinition(entities: ReflexEntity[], current?: FabricDefinition): FabricDefinition {
  const others = (current?.parts ?? []).filter((p) => p.path !== REFLEX_PART && p.path !== '.platform');
  return { ...(current?.format ? { format: current.format } : {}), parts: [encodePart(REFLEX_PART, entities), ...others] };
}

/**
 * Fabric's message with the entity it names: ids in the message (a uniqueIdentifier or a step id) are followed by
 * the entity's kind and name, so "FailedToResolveEntity: … 1234…" says which rule or attribute is wrong.
 */
export function explainReflexError(message: string, entities: ReflexEntity[]): string {
  const names = new Map<string, string>();
  for (const e of entities) {
    names.set(e.uniqueIdentifier.toLowerCase(), describeEntity(e));
    for (const s of parseTemplate(e)?.steps ?? []) if (s.id) names.set(s.id.toLowerCase(), `${s.name} of ${describeEntity(e)}`);
  }
  return message.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (id) => {
    const n = names.get(id.toLowerCase());
    return n ? `${id} [${n}]` : id;
  });
}
