// The alert editor's draft (its fields as typed) to the manifest's alert object and back, and the checks the editor
// shows as the user types: the rule model's own validation (normalizeAlert, the same the manifest and the runner
// use) placed at the field its path names, plus the check of the named columns against the query's live schema.
import type { KqlErrorInfo } from '../kql/queryError';
import type { Alert } from '../manifest';
import type { AlertDraft, DraftField, DraftIssue } from '../../protocol/alertsUi';
import { AlertRuleError, isNumericCondition, normalizeAlert, type AlertRule } from './rule';

export const CONDITION_KINDS = [
  'is', 'becomes', 'insideRange', 'outsideRange', 'entersRange', 'leavesRange', 'changes', 'changesFrom', 'changesTo', 'changesFromTo',
  'increasesBy', 'decreasesBy', 'changesBy', 'textEquals', 'textNotEquals', 'textContains', 'textBeginsWith', 'textEndsWith',
  'noDataFor', 'firstDataAfter', 'everyValue',
] as const;

/** Which condition parameters each kind takes (the editor shows only these). */
export function conditionFields(kind: string): DraftField[] {
  switch (kind) {
    case 'is': case 'becomes': return ['condition.op', 'condition.value'];
    case 'insideRange': case 'outsideRange': case 'entersRange': case 'leavesRange': return ['condition.low', 'condition.high', 'condition.includeLow', 'condition.includeHigh'];
    case 'changesFrom': return ['condition.from'];
    case 'changesTo': return ['condition.to'];
    case 'changesFromTo': return ['condition.from', 'condition.to'];
    case 'increasesBy': case 'decreasesBy': case 'changesBy': return ['condition.by', 'condition.percent'];
    case 'textEquals': case 'textNotEquals': case 'textContains': case 'textBeginsWith': case 'textEndsWith': return ['condition.value', 'condition.ignoreCase'];
    case 'noDataFor': case 'firstDataAfter': return ['condition.duration'];
    default: return [];
  }
}

export function emptyDraft(): AlertDraft {
  return {
    name: '', 'source.query': '', 'source.every': '1m', 'source.eventTimeColumn': '', 'source.delay': '', object: '',
    'property.column': '', 'property.aggregation': '', 'property.window': '',
    'condition.kind': 'is', 'condition.op': 'greaterThan', 'condition.value': '', 'condition.low': '', 'condition.high': '',
    'condition.includeLow': true, 'condition.includeHigh': true, 'condition.from': '', 'condition.to': '', 'condition.by': '',
    'condition.percent': false, 'condition.ignoreCase': false, 'condition.duration': '',
    'options.kind': 'everyTime', 'options.staysFor': '', 'options.times': '', 'options.within': '',
    'action.email.to': '', 'action.email.cc': '', 'action.email.subject': '', 'action.email.headline': '', 'action.email.message': '', 'action.email.fields': '',
    'action.teams.to': '', 'action.teams.headline': '', 'action.teams.message': '', 'action.teams.fields': '',
    enabled: true, muted: false, cooldown: '',
  };
}

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === undefined || v === null ? '' : JSON.stringify(v));
const list = (s: string): string[] => s.split(/[,;]/).map((x) => x.trim()).filter(Boolean);

/** A number when the text is one; otherwise the text itself, so the rule's validation names what was typed. */
function numberOrText(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : t;
}

/** A value for changes from/to: a number, true/false, or text (quotes keep a number-looking text as text). */
function scalar(s: string): number | string | boolean | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  if (t === 'true' || t === 'false') return t === 'true';
  const quoted = /^"(.*)"$/.exec(t);
  if (quoted) return quoted[1];
  return numberOrText(t);
}

/** The manifest's alert object for a draft: only what was filled in, in the order the manifest reads best. */
export function draftToAlert(d: AlertDraft): Alert {
  const a: Alert = { name: d.name.trim() };
  if (!d.enabled) a.enabled = false;
  if (d.muted) a.muted = true;
  const source: NonNullable<Alert['source']> = { query: d['source.query'] };
  if (d['source.every'].trim()) source.every = d['source.every'].trim();
  if (d['source.eventTimeColumn'].trim()) source.eventTimeColumn = d['source.eventTimeColumn'].trim();
  if (d['source.delay'].trim()) source.delay = d['source.delay'].trim();
  a.source = source;
  if (d.object.trim()) a.object = d.object.trim();
  const column = d['property.column'].trim();
  if (d['property.aggregation']) a.property = { column, aggregation: d['property.aggregation'], window: d['property.window'].trim() || undefined };
  else if (column) a.property = column;
  const kind = d['condition.kind'];
  const condition: { kind: string; [f: string]: unknown } = { kind };
  for (const f of conditionFields(kind)) {
    const key = f.slice('condition.'.length);
    const v = d[f];
    if (typeof v === 'boolean') {
      // Defaults stay out of the file: includeLow/High default to true, percent and ignoreCase to false.
      if ((key.startsWith('include') && !v) || (!key.startsWith('include') && v)) condition[key] = v;
    } else if (key === 'op' || key === 'duration') {
      if (v.trim()) condition[key] = v.trim();
    } else if (key === 'value' && kind.startsWith('text')) {
      condition[key] = v;
    } else if (key === 'from' || key === 'to') {
      const s = scalar(v);
      if (s !== undefined) condition[key] = s;
    } else {
      const n = numberOrText(v);
      if (n !== undefined) condition[key] = n;
    }
  }
  a.condition = condition;
  switch (d['options.kind']) {
    case 'staysFor': a.options = { staysFor: d['options.staysFor'].trim() }; break;
    case 'times': a.options = { times: numberOrText(d['options.times']) as number, within: d['options.within'].trim() || undefined }; break;
    default: break;
  }
  type Email = NonNullable<NonNullable<Alert['action']>['email']>;
  const email: Email = { to: list(d['action.email.to']) };
  const cc = list(d['action.email.cc']);
  const fields = list(d['action.email.fields']);
  if (cc.length) email.cc = cc;
  if (d['action.email.subject']) email.subject = d['action.email.subject'];
  if (d['action.email.headline']) email.headline = d['action.email.headline'];
  if (d['action.email.message']) email.message = d['action.email.message'];
  if (fields.length) email.fields = fields;
  if (email.to.length || Object.keys(email).length > 1) a.action = { email };
  type Teams = NonNullable<NonNullable<Alert['action']>['teams']>;
  const teams: Teams = { to: list(d['action.teams.to']) };
  const teamsFields = list(d['action.teams.fields']);
  if (d['action.teams.headline']) teams.headline = d['action.teams.headline'];
  if (d['action.teams.message']) teams.message = d['action.teams.message'];
  if (teamsFields.length) teams.fields = teamsFields;
  if (teams.to.length || Object.keys(teams).length > 1) a.action = { ...a.action, teams };
  if (d.cooldown.trim()) a.cooldown = d.cooldown.trim();
  return a;
}

/** The draft for a manifest alert; the older shape (query, every, email) reads as its newer equivalent. */
export function alertToDraft(a: Alert): AlertDraft {
  const d = emptyDraft();
  d.name = a.name ?? '';
  d.enabled = a.enabled !== false;
  d.muted = a.muted === true;
  d.cooldown = text(a.cooldown);
  if (a.query !== undefined && a.source === undefined) {
    d['source.query'] = a.query;
    d['source.every'] = a.every ?? '5m';
    d['condition.kind'] = 'everyValue';
    d['action.email.to'] = (a.email ?? []).join(', ');
    return d;
  }
  d['source.query'] = a.source?.query ?? '';
  d['source.every'] = a.source?.every ?? '';
  d['source.eventTimeColumn'] = a.source?.eventTimeColumn ?? '';
  d['source.delay'] = a.source?.delay ?? '';
  d.object = a.object ?? '';
  if (typeof a.property === 'string') d['property.column'] = a.property;
  else if (a.property) {
    d['property.column'] = a.property.column ?? '';
    d['property.aggregation'] = a.property.aggregation ?? '';
    d['property.window'] = a.property.window ?? '';
  }
  const c = a.condition ?? { kind: 'everyValue' };
  d['condition.kind'] = String(c.kind);
  for (const f of conditionFields(String(c.kind))) {
    const key = f.slice('condition.'.length);
    const v = c[key];
    if (typeof d[f] === 'boolean') { if (typeof v === 'boolean') (d as unknown as Record<string, unknown>)[f] = v; } else if (v !== undefined) {
      (d as unknown as Record<string, unknown>)[f] = typeof v === 'string' && (key === 'from' || key === 'to') && numberOrText(v) !== v ? JSON.stringify(v) : text(v);
    }
  }
  const o = a.options ?? {};
  if (o.staysFor !== undefined) { d['options.kind'] = 'staysFor'; d['options.staysFor'] = o.staysFor; }
  else if (o.times !== undefined) { d['options.kind'] = 'times'; d['options.times'] = String(o.times); d['options.within'] = o.within ?? ''; }
  const e = a.action?.email;
  if (e) {
    d['action.email.to'] = (e.to ?? []).join(', ');
    d['action.email.cc'] = (e.cc ?? []).join(', ');
    d['action.email.subject'] = e.subject ?? '';
    d['action.email.headline'] = e.headline ?? '';
    d['action.email.message'] = e.message ?? '';
    d['action.email.fields'] = (e.fields ?? []).join(', ');
  }
  const t = a.action?.teams;
  if (t) {
    d['action.teams.to'] = (t.to ?? []).join(', ');
    d['action.teams.headline'] = t.headline ?? '';
    d['action.teams.message'] = t.message ?? '';
    d['action.teams.fields'] = (t.fields ?? []).join(', ');
  }
  return d;
}

const FIELDS = new Set<string>(Object.keys(emptyDraft()));

/** The editor field a rule-model path (['alerts', i, 'condition', 'value']) belongs to. */
export function fieldOfPath(path: (string | number)[]): DraftField | '' {
  const parts = path.slice(2).filter((p): p is string => typeof p === 'string');
  if (parts[0] === 'options') {
    const f = parts[1] ? `options.${parts[1]}` : 'options.kind';
    return (f === 'options.everyTime' ? 'options.kind' : FIELDS.has(f) ? f : 'options.kind') as DraftField;
  }
  if (parts[0] === 'property' && parts.length === 1) return 'property.column';
  if (parts[0] === 'query') return 'source.query';
  if (parts[0] === 'every') return 'source.every';
  if (parts[0] === 'condition' && parts.length === 1) return 'condition.kind';
  for (let n = parts.length; n > 0; n--) {
    const f = parts.slice(0, n).join('.');
    if (FIELDS.has(f)) return f as DraftField;
  }
  return '';
}

/** The message without the rule model's `Alert "x": ` prefix (the editor shows it at the field). */
const bare = (message: string) => message.replace(/^Alert "[^"]*": /, '');

/**
 * What is wrong with the draft as the rule model sees it (the first problem it finds, at its field), plus the name:
 * present, and not the name of another alert in `otherNames`. A draft with no issues normalizes to `rule`.
 */
export function validateDraft(d: AlertDraft, otherNames: string[] = []): { issues: DraftIssue[]; rule?: AlertRule; alert: Alert } {
  const alert = draftToAlert(d);
  const issues: DraftIssue[] = [];
  if (!alert.name) issues.push({ field: 'name', message: 'Give the alert a name.', severity: 'error' });
  else if (otherNames.some((n) => n.toLowerCase() === alert.name.toLowerCase())) issues.push({ field: 'name', message: `eventline.json already has an alert "${alert.name}"; alert names must be unique.`, severity: 'error' });
  else if (/[\\/]/.test(alert.name)) issues.push({ field: 'name', message: 'An alert name cannot contain / or \\.', severity: 'error' });
  let rule: AlertRule | undefined;
  try {
    rule = normalizeAlert(alert, 0);
  } catch (e) {
    if (!(e instanceof AlertRuleError)) throw e;
    issues.push({ field: fieldOfPath(e.path), message: bare(e.message), severity: 'error' });
  }
  if (rule && !rule.email && !rule.teams) issues.push({ field: 'action.email.to', message: 'No email action: the rule fires (the tree and EventlineAlerts show it) but sends no email.', severity: 'warning' });
  else if (rule && !rule.email) issues.push({ field: 'action.email.to', message: 'No email action: locally the rule fires (the tree and EventlineAlerts show it) but sends nothing; its Teams message is posted only once it is deployed to Fabric.', severity: 'warning' });
  return { issues, rule: issues.some((i) => i.severity === 'error') ? undefined : rule, alert };
}

// ─── the query against the live schema ──────────────────────────────────────────────────────────────────────────

const NUMERIC = new Set(['int', 'long', 'real', 'decimal', 'double', 'float', 'int32', 'int64', 'system.int32', 'system.int64', 'system.double', 'system.single', 'system.decimal']);
const isNumericType = (t: string) => NUMERIC.has(t.toLowerCase());
const isTimeType = (t: string) => ['datetime', 'date', 'system.datetime'].includes(t.toLowerCase());

/**
 * The text sent to check a source query: the window the runner gives it (`startTime`, `endTime`) on one line before
 * it, as the runner does, and `take 0` after it, so only the result's columns come back.
 */
export function probeQuery(query: string, now = Date.now()): string {
  const iso = (t: number) => new Date(t).toISOString();
  return `let startTime = datetime(${iso(now - 3_600_000)}); let endTime = datetime(${iso(now)});\n${query.replace(/[\s;]+$/, '')}\n| take 0`;
}

/** A query error's position in the probe, as a position in the user's query (the probe adds one line in front). */
export function queryPosition(pos: { line?: number; column?: number }): { line: number; column: number } | undefined {
  if (!pos.line || !pos.column) return undefined;
  return { line: Math.max(1, pos.line - 1), column: pos.column };
}

/**
 * A query error from a text that put one line before the user's query (the probe, a dry run), told in the user's
 * own lines. `queryLines`: how many lines the user's query has; a position past them is in what the caller appended.
 */
export function ruleQueryErrorMessage(info: KqlErrorInfo, what: string, queryLines = Infinity): string {
  const pos = queryPosition(info);
  if (pos && pos.line > queryLines) {
    return `${what} (in the filter and aggregation added after the query: check the event-time, object and property columns the rule names): ${info.message}`;
  }
  return `${what}${pos ? ` (line ${pos.line}, column ${pos.column})` : ''}: ${inQueryLines(info.message)}`;
}

/** An engine message's `line:position=L:C` moved back over the one line put in front of the user's query. */
export function inQueryLines(message: string): string {
  return message.replace(/line:position=(\d+):(\d+)/g, (_m, l: string, c: string) => `line:position=${Math.max(1, Number(l) - 1)}:${c}`);
}

/** The columns the rule names that the query does not return, or that have a type the rule cannot use. */
export function schemaIssues(d: AlertDraft, columns: { name: string; type: string }[]): DraftIssue[] {
  const byName = new Map(columns.map((c) => [c.name, c.type]));
  const have = columns.map((c) => c.name).join(', ') || 'none';
  const issues: DraftIssue[] = [];
  const missing = (field: DraftField, name: string, what: string) => {
    issues.push({ field, message: `The query returns no column "${name}" (${what}). Its columns: ${have}.`, severity: 'error' });
  };
  const time = d['source.eventTimeColumn'].trim();
  if (time) {
    const t = byName.get(time);
    if (t === undefined) missing('source.eventTimeColumn', time, 'the event time');
    else if (!isTimeType(t)) issues.push({ field: 'source.eventTimeColumn', message: `"${time}" is of type ${t}; the event-time column must be a datetime.`, severity: 'error' });
  }
  const object = d.object.trim();
  if (object && !byName.has(object)) missing('object', object, 'the object');
  const column = d['property.column'].trim();
  if (column) {
    const t = byName.get(column);
    const kind = d['condition.kind'];
    const agg = d['property.aggregation'];
    if (t === undefined) missing('property.column', column, 'the property');
    else if (((agg && agg !== 'count') || (!agg && isNumericCondition(kind as AlertRule['condition']['kind']))) && !isNumericType(t)) {
      issues.push({ field: 'property.column', message: `"${column}" is of type ${t}, not a number: ${agg ? `the ${agg} aggregation` : `condition "${kind}"`} needs a numeric column (int, long, real or decimal). Convert it in the query (todouble(${column})) or pick another column.`, severity: 'error' });
    }
  }
  for (const f of list(d['action.email.fields'])) if (!byName.has(f)) missing('action.email.fields', f, 'an email field');
  for (const f of list(d['action.teams.fields'])) if (!byName.has(f)) missing('action.teams.fields', f, 'a Teams message field');
  return issues;
}
