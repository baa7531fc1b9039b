// The SELECT that reads an ingestion's staged file (JSON lines or CSV) into a table's columns, with its mapping
// applied and each value converted as the service converts ingested text.
import type { Mapping, MappingEntry, TableMeta } from './meta';
import { convertFromText } from './translate';
import { duckType, ident, KustoUserError, sqlString, type Col, type KType } from './types';

function nullOf(t: KType): string {
  return t === 'string' ? "''" : `CAST(NULL AS ${duckType(t)})`;
}

/** How a select reads its staged file, beyond the table and mapping. */
export interface SelectOptions {
  /** 'auto' (as a client sent it), or one JSON object per line (the hub connector's staging, so a record never spans lines). */
  jsonFormat?: 'auto' | 'newline_delimited';
  /** What the SourceLocation transform gives: where these rows came from. */
  sourceLocation?: string;
}

/** Nanoseconds per unit of the DateTimeFromUnix* transforms. */
const UNIX_SCALE: Record<string, number> = {
  datetimefromunixseconds: 1_000_000_000, datetimefromunixmilliseconds: 1_000_000, datetimefromunixmicroseconds: 1_000, datetimefromunixnanoseconds: 1,
};
const SUPPORTED_TRANSFORMS = 'DateTimeFromUnixSeconds, DateTimeFromUnixMilliseconds, DateTimeFromUnixMicroseconds, DateTimeFromUnixNanoseconds, SourceLocation, and for JSON PropertyBagArrayToDictionary and DropMappedFields';

function unsupportedTransform(e: MappingEntry): KustoUserError {
  return new KustoUserError('Unsupported', `Mapping transform '${e.transform ?? ''}' (column '${e.column}') is not supported by the local Eventhouse; it supports ${SUPPORTED_TRANSFORMS}.`);
}

/** A datetime (TIMESTAMP_NS SQL) as a value of column type t. */
function fromDatetime(dt: string, t: KType): string {
  if (t === 'datetime') return dt;
  if (t === 'string') return `coalesce(kq_dt_str(${dt}), '')`;
  if (t === 'dynamic') return `to_json(kq_dt_str(${dt}))`;
  return convertFromText(`kq_dt_str(${dt})`, t);
}

/**
 * A column whose value does not come from the record: a ConstValue, or the SourceLocation transform. Undefined
 * when the column reads the record.
 */
function fixedValue(e: MappingEntry | undefined, c: Col, opts: SelectOptions): string | undefined {
  if (!e) return undefined;
  let text: string | undefined;
  if (e.constValue !== undefined) text = sqlString(e.constValue);
  else if (e.transform?.toLowerCase() === 'sourcelocation') text = sqlString(opts.sourceLocation ?? '');
  if (text === undefined) return undefined;
  return `${c.type === 'string' ? text : convertFromText(text, c.type)} AS ${ident(c.name)}`;
}

/** Text read from a record (a JSON scalar's text, a CSV field) as column c's value, with e's transform applied. */
function fromText(text: string, c: Col, e: MappingEntry | undefined): string {
  const transform = e?.transform?.toLowerCase();
  if (transform && UNIX_SCALE[transform] !== undefined) {
    // Through DECIMAL so that fractions (1700000000.5 s) and nanoseconds survive; a value out of range is null.
    return fromDatetime(`make_timestamp_ns(TRY_CAST(TRY_CAST(${text} AS DECIMAL(38,9)) * ${UNIX_SCALE[transform]} AS BIGINT))`, c.type);
  }
  if (transform) throw unsupportedTransform(e!);
  if (c.type === 'string') return `coalesce(${text}, '')`;
  return convertFromText(text, c.type);
}

/** A JSON value (SQL of type JSON) as column c's value. */
function fromJson(json: string, c: Col): string {
  if (c.type === 'dynamic') return json;
  if (c.type === 'string') return `coalesce(CAST(${json} AS VARCHAR), '')`;
  return convertFromText(`CAST(${json} AS VARCHAR)`, c.type);
}


function valueFromJson(json: string, jsonPath: string, c: Col): string {
  const p = sqlString(jsonPath);
  if (c.type === 'dynamic') return `json_extract(${json}, ${p})`;
  if (c.type === 'string') return `coalesce(json_extract_string(${json}, ${p}), '')`;
  return convertFromText(`json_extract_string(${json}, ${p})`, c.type);
}

export function jsonSelect(t: TableMeta, file: string, mapping: Mapping | undefined, opts: SelectOptions = {}): string {
  const fast = jsonSelectTopLevel(t, file, mapping, opts);
  if (fast) return fast;
  const exprs = t.columns.map((c) => {
    const m = mapping?.entries.find((e) => e.column === c.name);
    if (mapping && !m) return `${nullOf(c.type)} AS ${ident(c.name)}`;
    const fixed = fixedValue(m, c, opts);
    if (fixed) return fixed;
    const jsonPath = m?.path ?? `$.${JSON.stringify(c.name)}`;
    const transform = m?.transform?.toLowerCase();
    const value = jsonPath === '$' ? 'json' : `json_extract(json, ${sqlString(jsonPath)})`;
    if (transform === 'propertybagarraytodictionary') {
      // [{"a":1},{"b":2}] → {"a":1,"b":2}; a value that is not an array gives null.
      return `${fromJson(`list_reduce(TRY_CAST(${value} AS JSON[]), (x, y) -> json_merge_patch(x, y), json('{}'))`, c)} AS ${ident(c.name)}`;
    }
    if (transform === 'dropmappedfields') return `${fromJson(dropMapped(value, jsonPath, mapping!, m!), c)} AS ${ident(c.name)}`;
    if (m?.transform) return `${fromText(`json_extract_string(json, ${sqlString(jsonPath)})`, c, m)} AS ${ident(c.name)}`;
    if (jsonPath === '$') return `${c.type === 'dynamic' ? 'json' : convertFromText('CAST(json AS VARCHAR)', c.type)} AS ${ident(c.name)}`;
    return `${valueFromJson('json', jsonPath, c)} AS ${ident(c.name)}`;
  });
  return `SELECT ${exprs.join(', ')} FROM read_json_objects(${sqlString(file)}, format = ${sqlString(opts.jsonFormat ?? 'auto')}, ignore_errors = false, maximum_object_size = 134217728)`;
}

/** The object at `path` without the properties that other columns of the mapping map (those one step below it). */
function dropMapped(value: string, path: string, mapping: Mapping, self: MappingEntry): string {
  const keys: string[] = [];
  for (const e of mapping.entries) {
    if (e === self || e.path === undefined) continue;
    const child = e.path.startsWith(path) ? e.path.slice(path.length) : undefined;
    const m = child === undefined ? null : /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(child) ?? /^\[['"]([^'"]+)['"]\]$/.exec(child);
    if (m) keys.push(m[1]);
  }
  if (!keys.length) return value;
  return `json_merge_patch(${value}, json(${sqlString(JSON.stringify(Object.fromEntries(keys.map((k) => [k, null]))))}))`;
}

/**
 * When every mapped path is a top-level property, DuckDB's read_json parses the file straight into columns —
 * several times faster than extracting each path from a JSON value per row.
 */
function jsonSelectTopLevel(t: TableMeta, file: string, mapping: Mapping | undefined, opts: SelectOptions): string | undefined {
  const keys: { col: Col; key: string | undefined; entry?: MappingEntry }[] = [];
  const fixed = new Map<Col, string>();
  for (const c of t.columns) {
    const m = mapping?.entries.find((e) => e.column === c.name);
    const f = fixedValue(m, c, opts);
    if (f) { fixed.set(c, f); keys.push({ col: c, key: undefined }); continue; }
    // Transforms that need the JSON value itself take the general path; DateTimeFromUnix* reads the property's text.
    if (m?.transform && UNIX_SCALE[m.transform.toLowerCase()] === undefined) return undefined;
    if (mapping && !m) { keys.push({ col: c, key: undefined }); continue; }
    const p = m?.path ?? `$.${c.name}`;
    const top = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(p) ?? /^\$\[['"]([^'"]+)['"]\]$/.exec(p);
    if (!top) return undefined;
    keys.push({ col: c, key: top[1], entry: m });
  }
  const wanted = [...new Set(keys.filter((k) => k.key !== undefined).map((k) => k.key!))];
  if (!wanted.length) return undefined;
  const lower = new Set<string>();
  for (const k of wanted) { if (lower.has(k.toLowerCase())) return undefined; lower.add(k.toLowerCase()); }
  const typeOfKey = (k: string) => (keys.filter((x) => x.key === k).every((x) => x.col.type === 'dynamic') ? 'JSON' : 'VARCHAR');
  const cols = wanted.map((k) => `${sqlString(k)}: '${typeOfKey(k)}'`).join(', ');
  const exprs = keys.map(({ col, key, entry }) => {
    if (fixed.has(col)) return fixed.get(col)!;
    if (key === undefined) return `${nullOf(col.type)} AS ${ident(col.name)}`;
    const v = `_j.${ident(key)}`;
    if (entry?.transform) return `${fromText(v, col, entry)} AS ${ident(col.name)}`;
    if (col.type === 'dynamic') return typeOfKey(key) === 'JSON' ? `${v} AS ${ident(col.name)}` : `${convertFromText(v, 'dynamic')} AS ${ident(col.name)}`;
    if (col.type === 'string') return `coalesce(${v}, '') AS ${ident(col.name)}`;
    return `${convertFromText(v, col.type)} AS ${ident(col.name)}`;
  });
  return `SELECT ${exprs.join(', ')} FROM read_json(${sqlString(file)}, format = ${sqlString(opts.jsonFormat ?? 'auto')}, columns = {${cols}}, ignore_errors = false, maximum_object_size = 134217728) AS _j`;
}

export function csvSelect(t: TableMeta, file: string, mapping: Mapping | undefined, opts: SelectOptions = {}): string {
  const width = Math.max(t.columns.length, ...(mapping?.entries.map((e) => (e.ordinal ?? 0) + 1) ?? [0]));
  const cols = Array.from({ length: width }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const exprs = t.columns.map((c, i) => {
    const m = mapping?.entries.find((e) => e.column === c.name);
    const fixed = fixedValue(m, c, opts);
    if (fixed) return fixed;
    const ord = mapping ? m?.ordinal : i;
    if (ord === undefined) return `${nullOf(c.type)} AS ${ident(c.name)}`;
    return `${fromText(`c${ord}`, c, m)} AS ${ident(c.name)}`;
  });
  return `SELECT ${exprs.join(', ')} FROM read_csv(${sqlString(file)}, header = false, delim = ',', quote = '"', escape = '"', columns = {${cols}}, null_padding = true, auto_detect = false, strict_mode = false)`;
}
