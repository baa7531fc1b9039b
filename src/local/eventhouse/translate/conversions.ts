// Conversions between Kusto types in SQL: text and dynamic values to typed ones (as ingestion and the to*()
// functions convert), typed values to text and to dynamic, and how a typed value matches a dynamic array's element.
import type { KNode } from '../parser';
import { duckType, type KType } from '../types';
import type { RowScope, Translator } from './context';

/** A string view of an operand: dynamic values compare by their JSON scalar text. */
export function asString(cx: Translator, n: KNode, scope: RowScope | undefined): string {
  const t = cx.typeOf(n);
  const s = cx.expr(n, scope);
  if (t === 'string') return s;
  return toStringSql(s, t);
}

/** dynamic → a typed scalar (the JSON scalar converted as Kusto's to* functions would). */
export function fromDynamic(sql: string, t: KType): string {
  // json_extract(x, path) followed by ->> '$' parses twice; json_extract_string reads the scalar text directly.
  const direct = singleCall(sql, 'json_extract');
  const text = direct !== undefined ? `json_extract_string(${direct})` : `(${sql} ->> '$')`;
  switch (t) {
    case 'string': return `coalesce(${text}, '')`;
    case 'dynamic': return sql;
    default: return convertFromText(text, t);
  }
}

export function toStringSql(sql: string, t: KType): string {
  switch (t) {
    case 'string': case 'guid': return `coalesce(${sql}, '')`;
    case 'datetime': return `coalesce(kq_dt_str(${sql}), '')`;
    case 'timespan': return `coalesce(kq_ts_str(${sql}), '')`;
    case 'real': return `coalesce(kq_real_str(${sql}), '')`;
    case 'dynamic': return `coalesce(CASE json_type(${sql}) WHEN 'VARCHAR' THEN ${sql} ->> '$' WHEN 'NULL' THEN '' ELSE CAST(${sql} AS VARCHAR) END, '')`;
    default: return `coalesce(CAST(${sql} AS VARCHAR), '')`;
  }
}

/** A typed scalar → dynamic (JSON), with datetimes and timespans as the strings Kusto puts in dynamic values. */
export function toDynamic(sql: string, t: KType): string {
  switch (t) {
    case 'dynamic': return sql;
    case 'datetime': return `to_json(kq_dt_str(${sql}))`;
    case 'timespan': return `to_json(kq_ts_str(${sql}))`;
    default: return `to_json(${sql})`;
  }
}

export function castTo(cx: Translator, arg: KNode, target: KType, scope: RowScope | undefined): string {
  const at = cx.typeOf(arg);
  const s = cx.expr(arg, scope);
  if (at === target) return s;
  if (target === 'dynamic') return toDynamic(s, at);
  if (at === 'dynamic') return fromDynamic(s, target);
  return `CAST(${s} AS ${duckType(target)})`;
}

/**
 * SQL testing whether a dynamic array's element (JSON) equals x, a value of type t (v is its node, for errors), as
 * the service compares a typed value with a dynamic one: numbers as numbers, datetimes as instants (a dynamic holds
 * them as ISO strings), text as text (ci: case-insensitively, for in~).
 */
export function elementMatch(cx: Translator, x: string, t: KType, v: KNode, ci = false): (e: string) => string {
  switch (t) {
    case 'int': case 'long': case 'real': case 'decimal':
      return (e) => `json_type(${e}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND CAST(${e} AS DOUBLE) = CAST(${x} AS DOUBLE)`;
    case 'string': return ci ? (e) => `json_type(${e}) = 'VARCHAR' AND lower(${e} ->> '$') = lower(${x})` : (e) => `json_type(${e}) = 'VARCHAR' AND (${e} ->> '$') = ${x}`;
    case 'bool': return (e) => `json_type(${e}) = 'BOOLEAN' AND CAST(${e} AS BOOLEAN) = ${x}`;
    case 'datetime': return (e) => `json_type(${e}) = 'VARCHAR' AND kq_parse_dt(${e} ->> '$') = ${x}`;
    case 'timespan': return (e) => `json_type(${e}) = 'VARCHAR' AND kq_parse_ts(${e} ->> '$') = ${x}`;
    case 'guid': return (e) => `json_type(${e}) = 'VARCHAR' AND lower(${e} ->> '$') = lower(CAST(${x} AS VARCHAR))`;
    default: throw cx.unsupported(v, `looking up a ${t} value in an array`);
  }
}

/** Text → a typed value, as Kusto converts ingested text and to*() arguments (null when it does not parse). */
export function convertFromText(sql: string, t: KType): string {
  switch (t) {
    case 'string': return sql;
    case 'bool': return `(CASE lower(trim(${sql})) WHEN 'true' THEN true WHEN 'false' THEN false ELSE TRY_CAST(TRY_CAST(${sql} AS DOUBLE) <> 0 AS BOOLEAN) END)`;
    case 'int': return `TRY_CAST(trunc(TRY_CAST(${sql} AS DOUBLE)) AS INTEGER)`;
    case 'long': return `coalesce(TRY_CAST(${sql} AS BIGINT), TRY_CAST(trunc(TRY_CAST(${sql} AS DOUBLE)) AS BIGINT))`;
    case 'real': return `TRY_CAST(${sql} AS DOUBLE)`;
    case 'decimal': return `TRY_CAST(${sql} AS DECIMAL(38,10))`;
    case 'datetime': return `kq_parse_dt(${sql})`;
    case 'timespan': return `kq_parse_ts(${sql})`;
    case 'guid': return `CAST(TRY_CAST(${sql} AS UUID) AS VARCHAR)`;
    case 'dynamic': return `(CASE WHEN json_valid(${sql}) THEN CAST(${sql} AS JSON) ELSE to_json(${sql}) END)`;
  }
}

/**
 * One JSONPath step for a property. DuckDB reads a plain `.name` about a fifth faster than the quoted `."name"`
 * (measured on a 10 M-row property filter), so quote only names that need it.
 */
export function jsonKey(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `.${JSON.stringify(name)}`;
}

/**
 * A KQL JSONPath of property steps (`$.a.b`, `$['a']["b"]`) as DuckDB's (`$.a.b`, with odd names quoted); fail()
 * for anything else, such as an array index, which bag_has_key's page says it does not take.
 */
export function duckJsonPath(path: string, fail: () => Error): string {
  const step = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\])/;
  let rest = path.slice(1);
  let out = '$';
  if (!rest) throw fail();
  while (rest) {
    const m = step.exec(rest);
    if (!m) throw fail();
    out += jsonKey(m[1] ?? (m[2] ?? m[3]).replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** The argument text of `fn(...)` when sql is exactly one call of fn, else undefined. */
function singleCall(sql: string, fn: string): string | undefined {
  if (!sql.startsWith(`${fn}(`) || !sql.endsWith(')')) return undefined;
  let depth = 0;
  let quote = false;
  for (let i = fn.length; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") quote = !quote;
    if (quote) continue;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0 && i !== sql.length - 1) return undefined;
  }
  return sql.slice(fn.length + 1, -1);
}
