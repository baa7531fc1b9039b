// The alert rule model: what eventline.json's `alerts[]` says, normalized into one shape the evaluator, the local
// runner and (later) the Fabric Activator definition builder all read. It follows Activator's own concepts (a KQL
// source run on an interval, an object column, a property, a condition with an occurrence option, an email action;
// fabric-docs activator-detection-conditions.md, skills-for-fabric rule-conditions.md) so a deployed rule means
// what the local one meant. The older shape (name, query, every, email) reads as "each row the query returns fires".
import type { Alert } from '../manifest';

export type NumberOp = 'greaterThan' | 'greaterThanOrEqual' | 'lessThan' | 'lessThanOrEqual' | 'equal' | 'notEqual';
export type Scalar = number | string | boolean;

export type Condition =
  | { kind: 'is' | 'becomes'; op: NumberOp; value: number }
  | { kind: 'insideRange' | 'outsideRange' | 'entersRange' | 'leavesRange'; low: number; high: number; includeLow: boolean; includeHigh: boolean }
  | { kind: 'changes' }
  | { kind: 'changesFrom'; from: Scalar }
  | { kind: 'changesTo'; to: Scalar }
  | { kind: 'changesFromTo'; from: Scalar; to: Scalar }
  | { kind: 'increasesBy' | 'decreasesBy' | 'changesBy'; by: number; percent: boolean }
  | { kind: 'textEquals' | 'textNotEquals' | 'textContains' | 'textBeginsWith' | 'textEndsWith'; value: string; ignoreCase: boolean }
  | { kind: 'noDataFor' | 'firstDataAfter'; durationMs: number }
  | { kind: 'everyValue' };

export type ConditionKind = Condition['kind'];

/** How often or how long the condition must be met before the rule fires (Activator's "occurrence"). */
export type Occurrence = { kind: 'everyTime' } | { kind: 'staysFor'; periodMs: number } | { kind: 'times'; n: number; withinMs: number };

export type Aggregation = 'average' | 'min' | 'max' | 'sum' | 'count';

export interface EmailAction { to: string[]; cc: string[]; subject: string; headline: string; message: string; fields: string[] }
/** Posted only by Fabric Activator (a deployed rule); the local runner records the firing and posts nothing. */
export interface TeamsAction { to: string[]; headline: string; message: string; fields: string[] }

export interface AlertRule {
  name: string;
  enabled: boolean;
  muted: boolean;
  /** True for the older shape: no object or property, each row fires. */
  legacy: boolean;
  source: { query: string; everyMs: number; eventTimeColumn?: string; delayMs: number };
  /** The object column; undefined: the whole source is one object. */
  object?: string;
  /** The property column (undefined only for everyValue, where the row itself is what fires). */
  property?: { column: string; aggregation?: { op: Aggregation; windowMs: number } };
  condition: Condition;
  occurrence: Occurrence;
  email?: EmailAction;
  teams?: TeamsAction;
  cooldownMs: number;
}

/** A rule that cannot run as written: `path` is where in eventline.json, the message says what to do. */
export class AlertRuleError extends Error {
  constructor(readonly path: (string | number)[], message: string) { super(message); }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `30s`, `5m`, `2h`, `1d`, `500ms` into milliseconds; anything else is an error naming the forms that work. */
export function parseDuration(text: unknown, where: string): number {
  const m = typeof text === 'string' ? /^(\d+)(ms|s|m|h|d)$/.exec(text.trim()) : null;
  if (!m) {
    throw new Error(`${where} is ${JSON.stringify(text)}, which is not a duration: write a whole number and a unit, ms, s, m, h or d (e.g. 30s, 5m, 2h).`);
  }
  return Number(m[1]) * UNITS[m[2]];
}

/** Readable form of a duration in milliseconds: 300000 → "5m". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', UNITS.d], ['h', UNITS.h], ['m', UNITS.m], ['s', UNITS.s]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

// The manifest's own pattern; an address a mail server would reject beyond it is the relay's business.
const ADDRESS = /^[^@\s<>(),;:"[\]]+@[^@\s<>(),;:"[\]]+\.[^@\s<>(),;:"[\]]+$/;

const STATE_KINDS = new Set<ConditionKind>(['is', 'insideRange', 'outsideRange', 'textEquals', 'textNotEquals', 'textContains', 'textBeginsWith', 'textEndsWith']);
const NUMERIC_KINDS = new Set<ConditionKind>(['is', 'becomes', 'insideRange', 'outsideRange', 'entersRange', 'leavesRange', 'increasesBy', 'decreasesBy', 'changesBy']);

/** Conditions that hold (or not) for one value, as opposed to transitions between two values. */
export function isStateCondition(kind: ConditionKind): boolean { return STATE_KINDS.has(kind); }
/** Conditions that need a number: a text value in their property column is an error, not a silent false. */
export function isNumericCondition(kind: ConditionKind): boolean { return NUMERIC_KINDS.has(kind); }

const OPS: NumberOp[] = ['greaterThan', 'greaterThanOrEqual', 'lessThan', 'lessThanOrEqual', 'equal', 'notEqual'];

/** Normalizes one manifest alert; throws AlertRuleError with the path and a message a person can act on. */
export function normalizeAlert(a: Alert, index: number): AlertRule {
  const base: (string | number)[] = ['alerts', index];
  const at = (...p: (string | number)[]) => [...base, ...p];
  const label = `Alert "${a.name}"`;
  const fail = (p: (string | number)[], message: string): never => { throw new AlertRuleError(p, `${label}: ${message}`); };
  const duration = (v: unknown, p: (string | number)[], field: string) => {
    try { return parseDuration(v, field); } catch (e) { return fail(p, (e as Error).message); }
  };
  const addresses = (list: unknown, p: (string | number)[], field: string): string[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) return fail(p, `${field} must be a list of email addresses.`);
    list.forEach((x, i) => {
      if (typeof x !== 'string' || !ADDRESS.test(x.trim())) fail([...p, i], `${field}[${i}] is ${JSON.stringify(x)}, which is not an email address (name@example.com).`);
    });
    return (list as string[]).map((x) => x.trim());
  };
  const enabled = a.enabled !== false;
  const muted = a.muted === true;
  const cooldownMs = a.cooldown === undefined ? 0 : duration(a.cooldown, at('cooldown'), 'cooldown');

  if (a.query !== undefined && a.source !== undefined) fail(at('query'), 'has both "query" (the older shape) and "source"; keep only source.query.');
  if (a.query !== undefined) {
    if (typeof a.query !== 'string' || a.query.trim() === '') fail(at('query'), 'query must be a KQL query.');
    const to = addresses(a.email, at('email'), 'email');
    return {
      name: a.name, enabled, muted, legacy: true, cooldownMs,
      source: { query: a.query, everyMs: a.every === undefined ? 5 * 60_000 : duration(a.every, at('every'), 'every'), delayMs: 0 },
      condition: { kind: 'everyValue' }, occurrence: { kind: 'everyTime' },
      email: to.length ? { to, cc: [], subject: 'Eventline alert {rule}', headline: 'Alert {rule} fired', message: '', fields: [] } : undefined,
    };
  }
  const src = a.source;
  if (!src || typeof src.query !== 'string' || src.query.trim() === '') return fail(at('source', 'query'), 'needs source.query, the KQL the rule watches.');
  const source = {
    query: src.query,
    everyMs: src.every === undefined ? 60_000 : duration(src.every, at('source', 'every'), 'source.every'),
    eventTimeColumn: src.eventTimeColumn,
    delayMs: src.delay === undefined ? 0 : duration(src.delay, at('source', 'delay'), 'source.delay'),
  };
  if (source.everyMs < 1000) fail(at('source', 'every'), `source.every is ${src.every}; the shortest interval is 1s.`);

  const c = (a.condition ?? { kind: 'everyValue' }) as Record<string, unknown> & { kind?: unknown };
  const cp = (f: string) => at('condition', f);
  const num = (f: string): number => {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(cp(f), `condition "${String(c.kind)}" needs a number in condition.${f}${v === undefined ? '' : `, not ${JSON.stringify(v)}`}.`);
    return v as number;
  };
  const scalar = (f: string): Scalar => {
    const v = c[f];
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') fail(cp(f), `condition "${String(c.kind)}" needs condition.${f} (a number, text or true/false).`);
    return v as Scalar;
  };
  let condition: Condition;
  switch (c.kind) {
    case 'is': case 'becomes': {
      if (!OPS.includes(c.op as NumberOp)) fail(cp('op'), `condition "${c.kind}" needs op, one of ${OPS.join(', ')}.`);
      condition = { kind: c.kind, op: c.op as NumberOp, value: num('value') };
      break;
    }
    case 'insideRange': case 'outsideRange': case 'entersRange': case 'leavesRange': {
      const low = num('low');
      const high = num('high');
      if (low > high) fail(cp('low'), `condition.low (${low}) is above condition.high (${high}).`);
      condition = { kind: c.kind, low, high, includeLow: c.includeLow !== false, includeHigh: c.includeHigh !== false };
      break;
    }
    case 'changes': condition = { kind: 'changes' }; break;
    case 'changesFrom': condition = { kind: 'changesFrom', from: scalar('from') }; break;
    case 'changesTo': condition = { kind: 'changesTo', to: scalar('to') }; break;
    case 'changesFromTo': condition = { kind: 'changesFromTo', from: scalar('from'), to: scalar('to') }; break;
    case 'increasesBy': case 'decreasesBy': case 'changesBy': {
      const by = num('by');
      if (by < 0) fail(cp('by'), 'condition.by must be 0 or more (increasesBy and decreasesBy give the direction).');
      condition = { kind: c.kind, by, percent: c.percent === true };
      break;
    }
    case 'textEquals': case 'textNotEquals': case 'textContains': case 'textBeginsWith': case 'textEndsWith': {
      if (typeof c.value !== 'string') fail(cp('value'), `condition "${c.kind}" needs condition.value, a text.`);
      condition = { kind: c.kind, value: c.value as string, ignoreCase: c.ignoreCase === true };
      break;
    }
    case 'noDataFor': case 'firstDataAfter':
      condition = { kind: c.kind, durationMs: duration(c.duration, cp('duration'), 'condition.duration') };
      break;
    case 'everyValue': condition = { kind: 'everyValue' }; break;
    default:
      return fail(cp('kind'), `condition.kind ${JSON.stringify(c.kind)} is not a condition; use is, becomes, insideRange, outsideRange, entersRange, leavesRange, changes, changesFrom, changesTo, changesFromTo, increasesBy, decreasesBy, changesBy, textEquals, textNotEquals, textContains, textBeginsWith, textEndsWith, noDataFor, firstDataAfter or everyValue.`);
  }

  let property: AlertRule['property'];
  const prop = a.property;
  if (typeof prop === 'string') property = { column: prop };
  else if (prop && typeof prop === 'object') {
    if (typeof prop.column !== 'string' || prop.column === '') fail(at('property', 'column'), 'property.column must name a column of the source query.');
    if ((prop.aggregation === undefined) !== (prop.window === undefined)) fail(at('property', prop.aggregation === undefined ? 'window' : 'aggregation'), 'property needs both aggregation and window (e.g. "aggregation": "average", "window": "5m"), or neither.');
    property = { column: prop.column };
    if (prop.aggregation !== undefined) {
      if (!['average', 'min', 'max', 'sum', 'count'].includes(prop.aggregation)) fail(at('property', 'aggregation'), `property.aggregation must be average, min, max, sum or count, not ${JSON.stringify(prop.aggregation)}.`);
      property.aggregation = { op: prop.aggregation, windowMs: duration(prop.window, at('property', 'window'), 'property.window') };
    }
  }
  const needsProperty = !['everyValue', 'noDataFor', 'firstDataAfter'].includes(condition.kind);
  if (needsProperty && !property) fail(at('property'), `condition "${condition.kind}" tests a value: set "property" to the column it tests.`);
  if (property?.aggregation && !source.eventTimeColumn) fail(at('source', 'eventTimeColumn'), 'an aggregation over a window needs source.eventTimeColumn, the column with each row\'s event time.');
  if (property?.aggregation && condition.kind.startsWith('text')) fail(at('condition', 'kind'), `an aggregation gives a number; condition "${condition.kind}" tests text.`);

  const o = a.options ?? {};
  let occurrence: Occurrence = { kind: 'everyTime' };
  const chosen = (['everyTime', 'staysFor', 'times'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  if (chosen.length > 1) fail(at('options'), `options has ${chosen.join(' and ')}; choose one of everyTime, staysFor, or times with within.`);
  if (o.within !== undefined && o.times === undefined) fail(at('options', 'within'), 'options.within goes with options.times ("times": 3, "within": "10m").');
  if (o.staysFor !== undefined) {
    if (!isStateCondition(condition.kind)) fail(at('options', 'staysFor'), `options.staysFor needs a condition that holds over time (is, insideRange, outsideRange or a text condition), not "${condition.kind}", which happens at one moment.`);
    occurrence = { kind: 'staysFor', periodMs: duration(o.staysFor, at('options', 'staysFor'), 'options.staysFor') };
  } else if (o.times !== undefined) {
    if (!Number.isInteger(o.times) || o.times < 1) fail(at('options', 'times'), 'options.times must be a whole number, 1 or more.');
    if (o.within === undefined) fail(at('options'), 'options.times needs options.within, the span the times must fall in (e.g. "10m").');
    occurrence = { kind: 'times', n: o.times, withinMs: duration(o.within, at('options', 'within'), 'options.within') };
  }
  if (condition.kind === 'noDataFor' && occurrence.kind !== 'everyTime') fail(at('options'), 'a "noDataFor" rule fires once per silence; it takes no staysFor or times option.');

  let email: EmailAction | undefined;
  const e = a.action?.email;
  if (e) {
    const to = addresses(e.to, at('action', 'email', 'to'), 'action.email.to');
    if (!to.length) fail(at('action', 'email', 'to'), 'action.email.to needs at least one address.');
    email = {
      to, cc: addresses(e.cc, at('action', 'email', 'cc'), 'action.email.cc'),
      subject: e.subject ?? 'Eventline alert {rule}: {object}',
      headline: e.headline ?? '{rule} fired for {object}',
      message: e.message ?? '',
      fields: e.fields ?? [],
    };
  }
  let teams: TeamsAction | undefined;
  const t = a.action?.teams;
  if (t) {
    const to = addresses(t.to, at('action', 'teams', 'to'), 'action.teams.to');
    if (!to.length) fail(at('action', 'teams', 'to'), 'action.teams.to needs at least one recipient (their Microsoft Entra email address).');
    teams = { to, headline: t.headline ?? '{rule} fired for {object}', message: t.message ?? '', fields: t.fields ?? [] };
  }
  return { name: a.name, enabled, muted, legacy: false, source, object: a.object, property, condition, occurrence, email, teams, cooldownMs };
}

/** Every alert of the manifest: the rules that can run, and the problems of those that cannot. */
export function normalizeAlerts(alerts: Alert[] | undefined): { rules: AlertRule[]; problems: AlertRuleError[] } {
  const rules: AlertRule[] = [];
  const problems: AlertRuleError[] = [];
  (alerts ?? []).forEach((a, i) => {
    try { rules.push(normalizeAlert(a, i)); } catch (e) {
      if (e instanceof AlertRuleError) problems.push(e); else throw e;
    }
  });
  return { rules, problems };
}

/** A value as an email shows it: text as is, numbers and booleans as written, objects as JSON, null as nothing. */
export function displayValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

/**
 * Fills `{rule}`, `{object}`, `{value}`, `{previous}`, `{time}` and `{Column}` (a column of the row); unknown names
 * stay as written, or read `missing` when given (a firing with no row to take them from).
 */
export function fillPlaceholders(template: string, lookup: PlaceholderLookup, missing?: string): string {
  const parts = templateParts(template);
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const value = lookup(parts[i]);
    out += (value === UNKNOWN_PLACEHOLDER ? missing ?? `{${parts[i]}}` : displayValue(value)) + parts[i + 1];
  }
  return out;
}

/** A placeholder's value, or UNKNOWN_PLACEHOLDER for a name it cannot fill. */
export type PlaceholderLookup = (name: string) => unknown;
export const UNKNOWN_PLACEHOLDER: unique symbol = Symbol('unknown placeholder');

/**
 * A template as text and placeholder names in turn (names at odd indexes), split once per template: a cycle
 * fills the same few templates for every firing (thousands a minute), and a regex replace per fill was most of
 * the cost of an email.
 */
function templateParts(template: string): string[] {
  let parts = splitTemplates.get(template);
  if (!parts) {
    if (splitTemplates.size >= 1000) splitTemplates.clear();
    splitTemplates.set(template, parts = template.split(/\{([A-Za-z_][A-Za-z0-9_]*)\}/));
  }
  return parts;
}
const splitTemplates = new Map<string, string[]>();
