// An Activator item's rules read back into manifest alerts: each rule is followed through its references (rule →
// attribute → split event → source event → KQL source) to the query, object column, property, condition, option
// and email or Teams message it means. What Eventline's model cannot express (a Fabric item action, a Power BI source, a
// condition row it does not know) is listed with the reason, to be edited in the portal.
import type { Alert } from '../manifest';
import { formatDuration } from '../alerts/rule';
import { manifestQuery } from './activator';
import {
  argValue, BECOMES_OPS, IS_OPS, parseTemplate, SUMMARY_OPS, TEXT_OPS, TREND_OPS, type Arg, type ReflexEntity, type Row, type Template,
} from './reflexFormat';

export interface ImportedRules {
  alerts: Alert[];
  /** Rules that stay in the portal: the rule's name, its id and why. */
  others: { name: string; id: string; reason: string }[];
}

class NotExpressible extends Error {}
const fail = (reason: string): never => { throw new NotExpressible(reason); };

const invert = <K extends string, V extends string>(m: Record<K, V>): Map<string, K> => new Map(Object.entries(m).map(([k, v]) => [v as string, k as K]));
const IS = invert(IS_OPS);
const BECOMES = invert(BECOMES_OPS);
const TREND = invert(TREND_OPS);
const TEXT = invert(TEXT_OPS);
const SUMMARY = invert(SUMMARY_OPS);

function entityArg(row: Row | undefined): string | undefined {
  const walk = (args: Arg[]): string | undefined => {
    for (const a of args) {
      if (a.name === 'entityId' && typeof a.value === 'string') return a.value;
      const inner = a.arguments ? walk(a.arguments) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  return row ? walk(row.arguments) : undefined;
}

const n = (row: Row, name: string): number => {
  const v = argValue(row, name);
  return typeof v === 'number' ? v : fail(`its ${row.kind} row has no number "${name}".`);
};
const s = (row: Row, name: string): string => {
  const v = argValue(row, name);
  return typeof v === 'string' ? v : fail(`its ${row.kind} row has no "${name}".`);
};

function condition(row: Row): NonNullable<Alert['condition']> {
  const op = argValue(row, 'op');
  const opOf = <K>(m: Map<string, K>): K => m.get(String(op)) ?? fail(`its ${row.kind} operator ${JSON.stringify(op)} is not one Eventline knows.`);
  switch (row.kind) {
    case 'NumberValueCondition': return { kind: 'is', op: opOf(IS), value: n(row, 'threshold') };
    case 'NumberBecomes': return { kind: 'becomes', op: opOf(BECOMES), value: n(row, 'value') };
    case 'NumberRangeCondition': case 'NumberEntersOrLeavesRange': {
      const kind = { IsInsideRange: 'insideRange', IsOutsideRange: 'outsideRange', EntersRange: 'entersRange', LeavesRange: 'leavesRange' }[String(op)] ?? fail(`its range operator ${JSON.stringify(op)} is not one Eventline knows.`);
      return { kind, low: n(row, 'low'), high: n(row, 'high'), includeLow: argValue(row, 'includeLow') !== false, includeHigh: argValue(row, 'includeHigh') !== false };
    }
    case 'AnyValueChange': return { kind: 'changes' };
    case 'NumberChanges': return op === 'ChangesFrom' ? { kind: 'changesFrom', from: n(row, 'value') } : op === 'ChangesTo' ? { kind: 'changesTo', to: n(row, 'value') } : fail(`its NumberChanges operator ${JSON.stringify(op)} is not one Eventline knows.`);
    case 'NumberChangesFromTo': return { kind: 'changesFromTo', from: n(row, 'oldValue'), to: n(row, 'newValue') };
    case 'NumberTrendsBy': return { kind: opOf(TREND), by: n(row, 'offset'), percent: argValue(row, 'inPercent') === true };
    case 'TextValueCondition': return { kind: opOf(TEXT), value: s(row, 'value') };
    default: return fail(`its condition ${row.kind} has no Eventline form.`);
  }
}

export function importReflexRules(entities: ReflexEntity[]): ImportedRules {
  const byId = new Map(entities.map((e) => [e.uniqueIdentifier, e]));
  const get = (id: string | undefined, what: string): ReflexEntity => (id && byId.get(id)) || fail(`its ${what} ${id ?? '(none)'} is not in the item.`);
  const tmpl = (e: ReflexEntity, id: string): Template => parseTemplate(e) ?? fail(`${id} has no template Eventline can read.`);
  const step = (t: Template, name: string) => t.steps.find((x) => x.name === name);

  /** An event entity → its KQL source and (for a split event) the object column. */
  const eventSource = (eventId: string | undefined) => {
    let e = get(eventId, 'event');
    let object: string | undefined;
    let t = tmpl(e, 'the event');
    if (t.templateId === 'SplitEvent') {
      const rows = step(t, 'SplitEventStep')?.rows ?? [];
      object = argValue(rows.find((r) => r.kind === 'FieldIdMapping'), 'fieldName') as string | undefined;
      e = get(entityArg(rows.find((r) => r.name === 'EventSelector')), 'event');
      t = tmpl(e, 'the event');
    }
    if (t.templateId !== 'SourceEvent') fail(`its event is a ${t.templateId}, not a source event.`);
    const src = get(entityArg(step(t, 'SourceEventStep')?.rows[0]), 'source');
    if (src.type !== 'kqlSource-v1') fail(`its source is ${src.type}; Eventline's alerts read a KQL source.`);
    const p = src.payload as { query?: { queryString?: string }; runSettings?: { executionIntervalInSeconds?: number }; eventTimeSettings?: { timeFieldName?: string; ingestionDelayInSeconds?: number } };
    const query = p.query?.queryString ?? fail('its KQL source has no query.');
    const source: NonNullable<Alert['source']> = { query: manifestQuery(query) };
    if (p.runSettings?.executionIntervalInSeconds) source.every = formatDuration(p.runSettings.executionIntervalInSeconds * 1000);
    if (p.eventTimeSettings?.timeFieldName) source.eventTimeColumn = p.eventTimeSettings.timeFieldName;
    if (p.eventTimeSettings?.ingestionDelayInSeconds) source.delay = formatDuration(p.eventTimeSettings.ingestionDelayInSeconds * 1000);
    return { source, object };
  };

  const alerts: Alert[] = [];
  const others: ImportedRules['others'] = [];
  for (const r of entities) {
    if (r.type !== 'timeSeriesView-v1' || r.payload.definition?.type !== 'Rule') continue;
    const name = r.payload.name ?? r.uniqueIdentifier;
    try {
      const t = tmpl(r, 'the rule');
      const act = step(t, 'ActStep')?.rows ?? [];
      if (act.length !== 1 || (act[0].kind !== 'EmailMessage' && act[0].kind !== 'TeamsMessage')) fail(`its action is ${act.map((a) => a.kind).join(', ') || 'missing'}; Eventline's alerts send email or a Teams message.`);
      const alert: Alert = { name: alertName(name) };
      if (r.payload.definition.settings?.shouldRun === false) alert.enabled = false;
      const refs = new Map<string, string>();
      if (t.templateId === 'AttributeTrigger') {
        const select = step(t, 'ScalarSelectStep')?.rows ?? [];
        const attr = get(entityArg(select.find((x) => x.name === 'AttributeSelector')), 'attribute');
        const at = tmpl(attr, 'the attribute');
        if (at.templateId !== 'BasicEventAttribute') fail(`its attribute is a ${at.templateId}.`);
        const sel = step(at, 'EventSelectStep')?.rows ?? [];
        const column = argValue(sel.find((x) => x.kind === 'EventField'), 'fieldName');
        if (typeof column !== 'string') fail('its attribute names no event field.');
        const { source, object } = eventSource(entityArg(sel.find((x) => x.name === 'EventSelector')));
        if (!object) fail('its object has no identity column Eventline can read (no split event).');
        alert.source = source;
        alert.object = object;
        refs.set(attr.uniqueIdentifier, '{value}');
        for (const e of entities) if (e.payload.parentObject?.targetUniqueIdentifier === r.payload.parentObject?.targetUniqueIdentifier && parseTemplate(e)?.templateId === 'IdentityPartAttribute') refs.set(e.uniqueIdentifier, '{object}');
        const summary = select.find((x) => x.kind === 'NumberSummary');
        if (summary) {
          const width = summary.arguments.find((a) => a.kind === 'TimeDrivenWindowSpec')?.arguments?.find((a) => a.name === 'width')?.value;
          const hop = summary.arguments.find((a) => a.kind === 'TimeDrivenWindowSpec')?.arguments?.find((a) => a.name === 'hop')?.value;
          if (typeof width !== 'number' || width !== hop) fail('its summary window is not a tumbling window (hop equal to width).');
          const op = SUMMARY.get(String(argValue(summary, 'op'))) ?? fail(`its summary ${String(argValue(summary, 'op'))} is not one Eventline knows.`);
          alert.property = { column: column as string, aggregation: op, window: formatDuration(width as number) };
        } else alert.property = column as string;
        const detect = step(t, 'ScalarDetectStep')?.rows ?? [];
        alert.condition = condition(detect[0] ?? fail('it has no condition.'));
        for (const o of detect.slice(1)) {
          if (o.kind === 'EachTime') continue;
          if (o.kind === 'SustainedPeriodOption') alert.options = { staysFor: formatDuration(n(o, 'period')) };
          else if (o.kind === 'ForNthTime') alert.options = { times: n(o, 'n'), within: formatDuration(n(o, 'duration')) };
          else fail(`its option ${o.kind} has no Eventline form.`);
        }
      } else if (t.templateId === 'EventTrigger') {
        const fields = step(t, 'FieldsDefaultsStep')?.rows ?? [];
        const { source, object } = eventSource(entityArg(fields.find((x) => x.name === 'EventSelector')));
        alert.source = source;
        if (object) alert.object = object;
        const detect = (step(t, 'EventDetectStep')?.rows ?? []).filter((x) => x.kind !== 'EachTime');
        const field = detect.find((x) => x.kind === 'EventField');
        const cond = detect.find((x) => x.kind !== 'EventField') ?? fail('it has no condition.');
        if (cond.kind === 'NoHeartbeat' || cond.kind === 'OnFirstHeartbeat') {
          const d = argValue(cond, 'duration');
          if (typeof d !== 'number') fail(`its ${cond.kind} has no duration.`);
          alert.condition = { kind: cond.kind === 'NoHeartbeat' ? 'noDataFor' : 'firstDataAfter', duration: formatDuration(d as number) };
        } else if (cond.kind === 'OnEveryValue') alert.condition = { kind: 'everyValue' };
        else {
          const column = argValue(field, 'fieldName');
          if (typeof column !== 'string') fail('its condition names no event field.');
          alert.property = column as string;
          alert.condition = condition(cond);
        }
      } else fail(`it is a ${t.templateId} rule.`);
      alert.action = act[0].kind === 'TeamsMessage' ? { teams: teams(act[0], refs) } : { email: email(act[0], refs) };
      alerts.push(alert);
    } catch (e) {
      if (!(e instanceof NotExpressible)) throw e;
      others.push({ name, id: r.uniqueIdentifier, reason: e.message });
    }
  }
  return { alerts, others };
}

/** A rule's name as an alert's name can be (letters, digits, `_`, `.`, `-`): a portal rule "Too hot!" reads as "Too-hot". */
function alertName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '').slice(0, 128) || 'imported-rule';
}

const plain = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** The text of an action argument: string parts as written, references as the placeholders they stand for. */
function actionText(row: Row, name: string, refs: Map<string, string>): string {
  return (row.arguments.find((a) => a.name === name)?.values ?? []).map((v) => {
    if (v.kind === undefined) return plain(v.value);
    if (v.kind === 'EventFieldReference') return `{${String(v.arguments?.find((a) => a.name === 'fieldName')?.value)}}`;
    const id = v.arguments?.find((a) => a.name === 'entityId')?.value;
    return refs.get(String(id)) ?? fail(`its ${row.kind === 'TeamsMessage' ? 'Teams message' : 'email'} refers to attribute ${String(id)}, which Eventline cannot name.`);
  }).join('');
}

const actionList = (row: Row, name: string) => (row.arguments.find((a) => a.name === name)?.values ?? []).map((v) => String(v.value));
const actionFields = (row: Row) => (row.arguments.find((a) => a.name === 'additionalInformation')?.values ?? []).map((v) => plain(v.arguments?.find((a) => a.name === 'name')?.value));

function email(row: Row, refs: Map<string, string>): NonNullable<NonNullable<Alert['action']>['email']> {
  const out: NonNullable<NonNullable<Alert['action']>['email']> = { to: actionList(row, 'sentTo') };
  const cc = actionList(row, 'copyTo');
  if (cc.length) out.cc = cc;
  if (actionList(row, 'bCCTo').length) fail('its email has BCC recipients, which Eventline\'s alerts do not have.');
  out.subject = actionText(row, 'subject', refs);
  out.headline = actionText(row, 'headline', refs);
  const message = actionText(row, 'optionalMessage', refs);
  if (message) out.message = message;
  const fields = actionFields(row);
  if (fields.length) out.fields = fields;
  return out;
}

function teams(row: Row, refs: Map<string, string>): NonNullable<NonNullable<Alert['action']>['teams']> {
  const to = actionList(row, 'recipients');
  if (!to.length) fail('its Teams message has no recipients.');
  const out: NonNullable<NonNullable<Alert['action']>['teams']> = { to, headline: actionText(row, 'headline', refs) };
  const message = actionText(row, 'optionalMessage', refs);
  if (message) out.message = message;
  const fields = actionFields(row);
  if (fields.length) out.fields = fields;
  return out;
}
