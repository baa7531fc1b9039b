// Dry run: what a rule would have done over a span of history. The heavy part runs in KQL, as ONE query per rule:
// a rule with an aggregation gets its property per object per tumbling window from `summarize … by object,
// bin(time, window)` (a day of one reading per second per object becomes 1,440 points per object); other rules get
// only the columns they read. The same evaluator the local runner uses then walks the series once, from an empty
// state, with the span's end as the watermark.
import { composeEmail, type OutgoingEmail } from './email';
import { evaluateRule, ruleFingerprint, seriesFromRows, type Firing, type Point } from './evaluate';
import type { AlertRule } from './rule';

export interface DryRunQuery {
  text: string;
  /** The rule the evaluator walks the query's rows with (an aggregated rule becomes one over the window values). */
  rule: AlertRule;
  /** The tumbling window the query summarizes by, when it does. */
  windowMs?: number;
}

const KQL_AGG = { average: 'avg', min: 'min', max: 'max', sum: 'sum', count: 'count' } as const;

/** A column name as KQL takes it: bare when it is an identifier, else bracketed and quoted. */
export function kqlName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

const datetime = (ms: number) => `datetime(${new Date(ms).toISOString()})`;

/** The rule's source over [from, to): the window parameters bound as the runner binds them, trailing `;` dropped. */
function windowedSource(rule: AlertRule, from: number, to: number): string {
  const body = rule.source.query.replace(/[\s;]+$/, '');
  return `let startTime = ${datetime(from)}; let endTime = ${datetime(to)};\n${body}`;
}

/** The one query of a rule's dry run over [from, to). */
export function dryRunQuery(rule: AlertRule, from: number, to: number): DryRunQuery {
  const time = rule.source.eventTimeColumn;
  const lines = [windowedSource(rule, from, to)];
  if (time) lines.push(`| where ${kqlName(time)} >= ${datetime(from)} and ${kqlName(time)} < ${datetime(to)}`);
  const agg = rule.property?.aggregation;
  if (agg && time) {
    const p = rule.property!.column;
    const fields = (rule.email?.fields ?? []).filter((f) => f !== p && f !== rule.object && f !== time);
    const aggs = [`${kqlName(p)} = ${agg.op === 'count' ? 'count()' : `${KQL_AGG[agg.op]}(${kqlName(p)})`}`, ...fields.map((f) => `${kqlName(f)} = take_any(${kqlName(f)})`)];
    const by = [...(rule.object !== undefined ? [kqlName(rule.object)] : []), `${kqlName(time)} = bin(${kqlName(time)}, ${agg.windowMs / 1000}s)`];
    lines.push(`| summarize ${aggs.join(', ')} by ${by.join(', ')}`);
    // The window's value counts at its close, as the runner closes a tumbling window when its end has passed.
    lines.push(`| extend ${kqlName(time)} = ${kqlName(time)} + ${agg.windowMs / 1000}s`);
    lines.push(`| order by ${kqlName(time)} asc`);
    const walked: AlertRule = { ...rule, property: { column: p } };
    return { text: lines.join('\n'), rule: walked, windowMs: agg.windowMs };
  }
  const cols = [...new Set([time, rule.object, rule.property?.column, ...(rule.email?.fields ?? [])].filter((c): c is string => c !== undefined))];
  // everyValue rules read whole rows (their email may name any column); the others only what they use.
  if (rule.condition.kind !== 'everyValue' && cols.length) lines.push(`| project ${cols.map(kqlName).join(', ')}`);
  if (time) lines.push(`| order by ${kqlName(time)} asc`);
  return { text: lines.join('\n'), rule };
}

export interface DryRunSeries {
  object: string;
  /** [event time ms, value] of each point the evaluator walked (numbers only; text values are not charted). */
  points: [number, number | null][];
  /** Event times the rule would have fired at for this object. */
  fired: number[];
}

export interface DryRunEmail { object: string; time: number; reason: string; email: OutgoingEmail }

export interface DryRunResult {
  rule: string;
  from: number;
  to: number;
  windowMs?: number;
  rows: number;
  series: DryRunSeries[];
  firings: number;
  suppressed: number;
  /** The emails the firings would have sent (none for a rule without an email action). */
  emails: DryRunEmail[];
  /** Lines to draw on the chart: the condition's threshold or range bounds. */
  thresholds: number[];
}

/** Threshold lines of a numeric condition (none for changes, text and heartbeat conditions). */
export function thresholdsOf(rule: AlertRule): number[] {
  const c = rule.condition;
  if (c.kind === 'is' || c.kind === 'becomes') return [c.value];
  if ('low' in c) return [c.low, c.high];
  return [];
}

/**
 * Walks the query's rows with the evaluator, as one window from `from` to `to`. `original` is the rule as written
 * (its firings' reasons name the aggregation); the query says which rule the rows are walked with.
 */
export function evaluateDryRun(original: AlertRule, query: DryRunQuery, columns: string[], rows: unknown[][], from: number, to: number): DryRunResult {
  const walked = query.rule;
  // Aggregated points sit at their window's close, which can be `to` itself; include it.
  const series = seriesFromRows(walked, columns, rows, from, query.windowMs ? to + 1 : to);
  // Watching starts at the span's start: a silence from there counts for "no data for".
  const out = evaluateRule(walked, { version: 1, fingerprint: ruleFingerprint(walked), firstEvaluated: from, objects: {} }, series, to);
  const agg = original.property?.aggregation;
  const firings: Firing[] = agg
    ? out.firings.map((f) => ({ ...f, reason: f.reason.replace(original.property!.column, `${agg.op} of ${original.property!.column}`) }))
    : out.firings;
  const byObject = new Map<string, number[]>();
  for (const f of firings) {
    let list = byObject.get(f.object);
    if (!list) byObject.set(f.object, list = []);
    list.push(f.time);
  }
  const numeric = (p: Point): [number, number | null] => [p.time, typeof p.value === 'number' ? p.value : null];
  const objects = [...new Set([...series.keys(), ...byObject.keys()])].sort();
  return {
    rule: original.name, from, to, windowMs: query.windowMs, rows: rows.length,
    series: objects.map((object) => ({ object, points: (series.get(object) ?? []).map(numeric), fired: byObject.get(object) ?? [] })),
    firings: firings.length,
    suppressed: out.suppressed,
    emails: original.email ? firings.map((f) => ({ object: f.object, time: f.time, reason: f.reason, email: composeEmail(original, f) })) : [],
    thresholds: thresholdsOf(original),
  };
}
