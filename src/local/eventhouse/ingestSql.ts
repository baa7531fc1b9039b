// The SELECT that reads an ingestion's staged file (JSON lines or CSV) into a table's columns, with its mapping
// applied and each value converted as the service converts ingested text.
import type { Mapping, TableMeta } from './meta';
import { convertFromText } from './translate';
import { duckType, ident, KustoUserError, sqlString, type Col, type KType } from './types';

function nullOf(t: KType): string {
  return t === 'string' ? "''" : `CAST(NULL AS ${duckType(t)})`;
}


function valueFromJson(json: string, jsonPath: string, c: Col): string {
  const p = sqlString(jsonPath);
  if (c.type === 'dynamic') return `json_extract(${json}, ${p})`;
  if (c.type === 'string') return `coalesce(json_extract_string(${json}, ${p}), '')`;
  return convertFromText(`json_extract_string(${json}, ${p})`, c.type);
}

export function jsonSelect(t: TableMeta, file: string, mapping: Mapping | undefined): string {
  const fast = jsonSelectTopLevel(t, file, mapping);
  if (fast) return fast;
  const exprs = t.columns.map((c) => {
    const m = mapping?.entries.find((e) => e.column === c.name);
    if (mapping && !m) return `${nullOf(c.type)} AS ${ident(c.name)}`;
    const jsonPath = m?.path ?? `$.${JSON.stringify(c.name)}`;
    if (m?.transform) throw new KustoUserError('Unsupported', `Mapping transform '${m.transform}' (column '${c.name}') is not supported by the local Eventhouse.`);
    if (jsonPath === '$') return `${c.type === 'dynamic' ? 'json' : convertFromText('CAST(json AS VARCHAR)', c.type)} AS ${ident(c.name)}`;
    return `${valueFromJson('json', jsonPath, c)} AS ${ident(c.name)}`;
  });
  return `SELECT ${exprs.join(', ')} FROM read_json_objects(${sqlString(file)}, format = 'auto', ignore_errors = false, maximum_object_size = 134217728)`;
}

/**
 * When every mapped path is a top-level property, DuckDB's read_json parses the file straight into columns —
 * several times faster than extracting each path from a JSON value per row.
 */
function jsonSelectTopLevel(t: TableMeta, file: string, mapping: Mapping | undefined): string | undefined {
  const keys: { col: Col; key: string | undefined }[] = [];
  for (const c of t.columns) {
    const m = mapping?.entries.find((e) => e.column === c.name);
    if (m?.transform) return undefined;
    if (mapping && !m) { keys.push({ col: c, key: undefined }); continue; }
    const p = m?.path ?? `$.${c.name}`;
    const top = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(p) ?? /^\$\[['"]([^'"]+)['"]\]$/.exec(p);
    if (!top) return undefined;
    keys.push({ col: c, key: top[1] });
  }
  const wanted = [...new Set(keys.filter((k) => k.key !== undefined).map((k) => k.key!))];
  if (!wanted.length) return undefined;
  const lower = new Set<string>();
  for (const k of wanted) { if (lower.has(k.toLowerCase())) return undefined; lower.add(k.toLowerCase()); }
  const typeOfKey = (k: string) => (keys.filter((x) => x.key === k).every((x) => x.col.type === 'dynamic') ? 'JSON' : 'VARCHAR');
  const cols = wanted.map((k) => `${sqlString(k)}: '${typeOfKey(k)}'`).join(', ');
  const exprs = keys.map(({ col, key }) => {
    if (key === undefined) return `${nullOf(col.type)} AS ${ident(col.name)}`;
    const v = `_j.${ident(key)}`;
    if (col.type === 'dynamic') return typeOfKey(key) === 'JSON' ? `${v} AS ${ident(col.name)}` : `${convertFromText(v, 'dynamic')} AS ${ident(col.name)}`;
    if (col.type === 'string') return `coalesce(${v}, '') AS ${ident(col.name)}`;
    return `${convertFromText(v, col.type)} AS ${ident(col.name)}`;
  });
  return `SELECT ${exprs.join(', ')} FROM read_json(${sqlString(file)}, format = 'auto', columns = {${cols}}, ignore_errors = false, maximum_object_size = 134217728) AS _j`;
}

export function csvSelect(t: TableMeta, file: string, mapping: Mapping | undefined): string {
  const width = Math.max(t.columns.length, ...(mapping?.entries.map((e) => (e.ordinal ?? 0) + 1) ?? [0]));
  const cols = Array.from({ length: width }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const exprs = t.columns.map((c, i) => {
    const m = mapping?.entries.find((e) => e.column === c.name);
    const ord = mapping ? m?.ordinal : i;
    if (ord === undefined) return `${nullOf(c.type)} AS ${ident(c.name)}`;
    const v = `c${ord}`;
    if (c.type === 'string') return `coalesce(${v}, '') AS ${ident(c.name)}`;
    return `${convertFromText(v, c.type)} AS ${ident(c.name)}`;
  });
  return `SELECT ${exprs.join(', ')} FROM read_csv(${sqlString(file)}, header = false, delim = ',', quote = '"', escape = '"', columns = {${cols}}, null_padding = true, auto_detect = false, strict_mode = false)`;
}
