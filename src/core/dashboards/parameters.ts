// Parameter values and how they reach a tile's query: the query gets a `let` prologue declaring the variables it
// uses (as Real-Time Dashboards do), with values written as KQL literals so no selected value can change the
// query's shape.
import {
  END_TIME, START_TIME, TIME_PRESET_MS, parameterVariables, referencedVariables,
  type Dashboard, type DashboardParameter, type SelectParameter, type TimePreset,
} from './format';

/** What the user picked: a time preset per time-range parameter, a value or values per select variable. */
export interface ParameterValues { timeRange?: TimePreset; selected: Record<string, string | string[] | undefined> }

export function defaultValues(d: Dashboard): ParameterValues {
  const out: ParameterValues = { selected: {} };
  for (const p of d.parameters) {
    if (p.kind === 'timeRange') out.timeRange = p.default;
    else out.selected[p.variable] = p.default ?? (p.multi ? [] : p.values?.[0]);
  }
  return out;
}

/** KQL string literal: double-quoted with backslash escapes, safe for any value. */
export function kqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

export function kqlLiteral(p: SelectParameter, value: string): string {
  switch (p.type) {
    case 'long': { if (!/^-?\d+$/.test(value.trim())) throw new Error(`Parameter "${p.name}": ${JSON.stringify(value)} is not a whole number.`); return `long(${value.trim()})`; }
    case 'real': { const n = Number(value); if (!Number.isFinite(n) || !value.trim()) throw new Error(`Parameter "${p.name}": ${JSON.stringify(value)} is not a number.`); return `real(${n})`; }
    case 'bool': { const v = value.trim().toLowerCase(); if (v !== 'true' && v !== 'false') throw new Error(`Parameter "${p.name}": ${JSON.stringify(value)} is not true or false.`); return `bool(${v})`; }
    default: return kqlString(value);
  }
}

/**
 * The query text to run: `let` statements for the parameters the query references, then the query.
 * `now` fixes the time range's end so every tile of one refresh sees the same window.
 */
export function applyParameters(query: string, d: Dashboard, values: ParameterValues, now: number): string {
  const byVariable = new Map<string, DashboardParameter>();
  for (const p of d.parameters) for (const v of parameterVariables(p)) byVariable.set(v, p);
  const used = referencedVariables(query, new Set(byVariable.keys()));
  if (!used.length) return query;
  const lets = used.map((name) => {
    const p = byVariable.get(name)!;
    if (p.kind === 'timeRange') {
      const span = TIME_PRESET_MS[values.timeRange ?? p.default];
      const at = name === START_TIME ? now - span : now;
      return `let ${name} = datetime(${new Date(at).toISOString()});`;
    }
    const v = values.selected[p.variable] ?? p.default;
    if (p.multi) {
      const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
      return `let ${name} = dynamic([${list.map((x) => kqlLiteral(p, x).replace(/^(long|real|bool)\((.*)\)$/, '$2')).join(', ')}]);`;
    }
    const one = Array.isArray(v) ? v[0] : v;
    if (one === undefined) throw new Error(`Parameter "${p.name}" has no value selected; pick one in the dashboard's parameter bar.`);
    return `let ${name} = ${kqlLiteral(p, one)};`;
  });
  return `${lets.join('\n')}\n${query}`;
}

export { END_TIME, START_TIME };
