// The Eventhouse schema Eventline manages, as read from `kql/` files or from a live database: tables with their
// columns, ingestion mappings, update policy and streaming ingestion policy; stored functions; materialized views.
// Both sides become this one shape so the difference is a plain comparison.
import type { WithProperty } from './cursor';

/** Where a definition was written (workspace-relative path, 1-based line). Undefined for live objects. */
export interface SourceLocation { file: string; line: number }

export interface ColumnDef { name: string; type: string }

export const MAPPING_KINDS = ['csv', 'json', 'avro', 'parquet', 'orc', 'w3clogfile'] as const;
export type MappingKind = (typeof MAPPING_KINDS)[number];

/** One column of an ingestion mapping, in the service's vocabulary (Properties.Path, Ordinal, ConstValue, Transform, Field). */
export interface MappingEntry {
  column: string;
  datatype?: string;
  path?: string;
  ordinal?: string;
  constValue?: string;
  transform?: string;
  field?: string;
}

export interface MappingDef { table: string; name: string; kind: MappingKind; entries: MappingEntry[]; at?: SourceLocation }

/** One entry of a table's update policy (the service's field names). */
export interface UpdatePolicyEntry {
  IsEnabled: boolean;
  Source: string;
  Query: string;
  IsTransactional: boolean;
  PropagateIngestionProperties: boolean;
  ManagedIdentity?: string;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  folder?: string;
  docString?: string;
  at?: SourceLocation;
}

export interface FunctionDef {
  name: string;
  /** As written, parentheses included: `(since:timespan, site:string)`. */
  parameters: string;
  /** As written, braces included. */
  body: string;
  folder?: string;
  docString?: string;
  /** Other `with (…)` properties as written (skipvalidation, view). */
  properties?: WithProperty[];
  at?: SourceLocation;
}

export interface MaterializedViewDef {
  name: string;
  source: string;
  sourceKind: 'table' | 'materialized-view';
  /** As written, braces included. */
  query: string;
  folder?: string;
  docString?: string;
  properties?: WithProperty[];
  at?: SourceLocation;
}

/** A policy command Eventline does not model (retention, caching…): run as written on every deploy. */
export interface PassThroughCommand { command: string; summary: string; at: SourceLocation }

export interface EventhouseSchema {
  tables: TableDef[];
  mappings: MappingDef[];
  /** By table name; a table missing here has no opinion (files) or no policy (live). */
  updatePolicies: Map<string, { entries: UpdatePolicyEntry[]; at?: SourceLocation }>;
  /** By table name: streaming ingestion enabled or not. */
  streamingIngestion: Map<string, { enabled: boolean; at?: SourceLocation }>;
  functions: FunctionDef[];
  materializedViews: MaterializedViewDef[];
  passThrough: PassThroughCommand[];
}

export function emptySchema(): EventhouseSchema {
  return { tables: [], mappings: [], updatePolicies: new Map(), streamingIngestion: new Map(), functions: [], materializedViews: [], passThrough: [] };
}

// ─── normalisation (what counts as "the same") ──────────────────────────────────────────────────────────────

const TYPE_ALIASES: Record<string, string> = {
  bool: 'bool', boolean: 'bool', int: 'int', int32: 'int', long: 'long', int64: 'long', real: 'real', double: 'real',
  decimal: 'decimal', string: 'string', datetime: 'datetime', date: 'datetime', timespan: 'timespan', time: 'timespan',
  guid: 'guid', uniqueid: 'guid', dynamic: 'dynamic',
};

const DOTNET_TYPES: Record<string, string> = {
  'system.boolean': 'bool', 'system.sbyte': 'bool', 'system.int32': 'int', 'system.int64': 'long', 'system.double': 'real',
  'system.single': 'real', 'system.data.sqltypes.sqldecimal': 'decimal', 'system.decimal': 'decimal', 'system.string': 'string',
  'system.datetime': 'datetime', 'system.timespan': 'timespan', 'system.guid': 'guid', 'system.object': 'dynamic',
};

/** The canonical Kusto scalar type for a type name or a .NET type name, or undefined when unknown. */
export function canonicalType(name: string): string | undefined {
  const n = name.trim().toLowerCase();
  return TYPE_ALIASES[n] ?? DOTNET_TYPES[n];
}

export const KNOWN_TYPES = 'bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic';

/**
 * KQL text reduced to what matters for "is this the same query": comments dropped, runs of white space collapsed,
 * no space next to punctuation. String literals are kept exactly.
 */
export function normalizeKql(text: string): string {
  let out = '';
  let i = 0;
  let space = false;
  const t = text;
  while (i < t.length) {
    const c = t[i];
    if (t.startsWith('//', i)) { while (i < t.length && t[i] !== '\n') i++; space = true; continue; }
    if (/\s/.test(c)) { space = true; i++; continue; }
    let token: string;
    if (t.startsWith('```', i)) {
      const end = t.indexOf('```', i + 3);
      token = end < 0 ? t.slice(i) : t.slice(i, end + 3);
    } else if (c === "'" || c === '"' || ((c === '@' || c === 'h' || c === 'H') && (t[i + 1] === "'" || t[i + 1] === '"'))) {
      const verbatim = c === '@';
      let j = c === "'" || c === '"' ? i : i + 1;
      const q = t[j];
      j++;
      while (j < t.length) {
        if (t[j] === q) { if (verbatim && t[j + 1] === q) { j += 2; continue; } j++; break; }
        if (!verbatim && t[j] === '\\') { j += 2; continue; }
        j++;
      }
      token = t.slice(i, j);
    } else {
      token = c;
    }
    if (space && out && !PUNCT.test(out[out.length - 1]) && !PUNCT.test(token[0])) out += ' ';
    out += token;
    space = false;
    i += token.length;
  }
  return out;
}
const PUNCT = /[(){}[\],:;=|<>.+\-*/!]/;

/** A JSON path in one spelling: `$.a.b`, `$['a']["b"]` and `$.a['b']` all become `$['a']['b']`. */
export function normalizeJsonPath(path: string): string {
  const p = path.trim();
  if (!p.startsWith('$')) return p;
  const parts: string[] = [];
  let i = 1;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^\.([A-Za-z_$][\w$-]*)/.exec(p.slice(i));
      if (!m) return p;
      parts.push(`['${m[1]}']`);
      i += m[0].length;
    } else if (p[i] === '[') {
      const m = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\d+|\*))\s*\]/.exec(p.slice(i));
      if (!m) return p;
      parts.push(m[3] !== undefined ? `[${m[3]}]` : `['${(m[1] ?? m[2]).replace(/\\(.)/g, '$1').replace(/'/g, "\\'")}']`);
      i += m[0].length;
    } else {
      return p;
    }
  }
  return `$${parts.join('')}`;
}

/** The canonical path written the short way where it can be (`$['a']['b']` → `$.a.b`), for files people read. */
export function displayJsonPath(path: string): string {
  return path.replace(/\['([A-Za-z_$][\w$]*)'\]/g, '.$1');
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return s === '' ? undefined : s;
}

/**
 * One mapping column from any of the spellings the service and its documentation use: `{"column","Properties":{"Path"}}`,
 * the older `{"column","path","datatype"}` (also `Name`, `DataType`), and the service's echo with empty fields.
 * Throws with what is missing.
 */
export function mappingEntry(raw: unknown): MappingEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('each mapping column must be an object such as {"column": "Site", "Properties": {"Path": "$.site"}}');
  const o = raw as Record<string, unknown>;
  const propsRaw = (o.Properties ?? o.properties) as Record<string, unknown> | string | undefined;
  let props: Record<string, unknown> = {};
  if (typeof propsRaw === 'string') { try { props = JSON.parse(propsRaw) as Record<string, unknown>; } catch { props = {}; } }
  else if (propsRaw && typeof propsRaw === 'object') props = propsRaw;
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = text(props[k] ?? o[k]);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const column = text(o.column ?? o.Column ?? o.Name ?? o.name);
  if (!column) throw new Error('a mapping column has no "column" name');
  const entry: MappingEntry = { column };
  const datatype = pick('datatype', 'DataType', 'dataType');
  if (datatype) entry.datatype = canonicalType(datatype) ?? datatype.toLowerCase();
  const path = pick('Path', 'path');
  if (path) entry.path = normalizeJsonPath(path);
  const ordinal = pick('Ordinal', 'ordinal');
  if (ordinal !== undefined) entry.ordinal = String(Number(ordinal));
  const constValue = pick('ConstValue', 'constValue', 'constvalue');
  if (constValue !== undefined) entry.constValue = constValue;
  const transform = pick('Transform', 'transform', 'TransformationMethod');
  if (transform && transform.toLowerCase() !== 'none') entry.transform = transform;
  const field = pick('Field', 'field');
  if (field) entry.field = field;
  return entry;
}

/** A stable text for comparing two mappings. */
export function mappingKey(entries: MappingEntry[]): string {
  return JSON.stringify(entries.map((e) => [e.column, e.datatype ?? '', e.path ?? '', e.ordinal ?? '', e.constValue ?? '', e.transform ?? '', e.field ?? '']));
}

/** The mapping as the JSON the create command takes, in the documented `Properties` form. */
export function mappingJson(entries: MappingEntry[]): string {
  return JSON.stringify(entries.map((e) => {
    const props: Record<string, string> = {};
    if (e.path !== undefined) props.Path = displayJsonPath(e.path);
    if (e.ordinal !== undefined) props.Ordinal = e.ordinal;
    if (e.constValue !== undefined) props.ConstValue = e.constValue;
    if (e.transform !== undefined) props.Transform = e.transform;
    if (e.field !== undefined) props.Field = e.field;
    return { column: e.column, ...(e.datatype ? { datatype: e.datatype } : {}), Properties: props };
  }));
}

/** One update policy entry from its JSON object; defaults as Eventline writes them (enabled, not transactional). */
export function updatePolicyEntry(raw: unknown): UpdatePolicyEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('each update policy entry must be an object such as {"Source": "Raw", "Query": "ExpandRaw()"}');
  const o = raw as Record<string, unknown>;
  const source = text(o.Source);
  const query = text(o.Query);
  if (!source) throw new Error('an update policy entry has no "Source" table');
  if (!query) throw new Error('an update policy entry has no "Query"');
  const entry: UpdatePolicyEntry = {
    IsEnabled: o.IsEnabled === undefined ? true : o.IsEnabled === true || o.IsEnabled === 'true',
    Source: source,
    Query: query,
    IsTransactional: o.IsTransactional === true || o.IsTransactional === 'true',
    PropagateIngestionProperties: o.PropagateIngestionProperties === true || o.PropagateIngestionProperties === 'true',
  };
  const mi = text(o.ManagedIdentity);
  if (mi) entry.ManagedIdentity = mi;
  return entry;
}

export function updatePolicyKey(entries: UpdatePolicyEntry[]): string {
  return JSON.stringify(entries.map((e) => [e.IsEnabled, e.Source, normalizeKql(e.Query), e.IsTransactional, e.PropagateIngestionProperties, e.ManagedIdentity ?? '']));
}

export function functionKey(f: FunctionDef): string {
  return JSON.stringify([normalizeKql(f.parameters), normalizeKql(f.body), f.folder ?? '', f.docString ?? '']);
}

export function materializedViewKey(v: MaterializedViewDef): string {
  return JSON.stringify([v.source, v.sourceKind, normalizeKql(v.query), v.folder ?? '', v.docString ?? '']);
}
