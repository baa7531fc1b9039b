// The compact database schema the language client sends to the server: the parsed `.show database ['db'] schema as
// json` has ingestion details, versions and .NET types the language service never needs, and it crosses IPC on
// every schema change. Plain data, no vscode and no Kusto types, so both processes and plain mocha can use it.
import { bracket } from '../core/kustoNames';

export interface CompactTable {
  name: string;
  /** [name, csl type] pairs, in table order. */
  columns: [string, string][];
  kind?: 'table' | 'materializedView' | 'externalTable';
  docString?: string;
}

export interface CompactFunction {
  name: string;
  /** Parameter list as Kusto writes it, parentheses included: `(n:int, T:(*))`. */
  parameters: string;
  /** Body with its braces: `{ T | take n }`. */
  body: string;
  docString?: string;
}

export interface CompactDatabase { name: string; tables: CompactTable[]; functions: CompactFunction[] }

/** .NET type names in `Type` for services that leave `CslType` out. */
const DOTNET_TO_CSL: Record<string, string> = {
  'System.Boolean': 'bool', 'System.SByte': 'bool', 'System.DateTime': 'datetime', 'System.Data.SqlTypes.SqlDecimal': 'decimal',
  'System.Decimal': 'decimal', 'System.Object': 'dynamic', 'System.Guid': 'guid', 'System.Int32': 'int', 'System.Int64': 'long',
  'System.Double': 'real', 'System.Single': 'real', 'System.String': 'string', 'System.TimeSpan': 'timespan',
};

type Json = Record<string, unknown>;

function asRecord(v: unknown): Json | undefined {
  return v != null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A record-of-named-things or an array of them (services differ), as an array. */
function entries(v: unknown): Json[] {
  if (Array.isArray(v)) return v.map(asRecord).filter((x): x is Json => x !== undefined);
  const r = asRecord(v);
  return r ? Object.values(r).map(asRecord).filter((x): x is Json => x !== undefined) : [];
}

function cslType(col: Json): string {
  return str(col.CslType) ?? DOTNET_TO_CSL[String(col.Type)] ?? 'dynamic';
}

function columnsOf(v: unknown): [string, string][] {
  return entries(v).filter((c) => str(c.Name)).map((c) => [String(c.Name), cslType(c)]);
}

function parameterText(p: Json): string {
  const name = bracket(String(p.Name));
  const cols = p.Columns;
  // A tabular parameter lists its required columns; an empty list means "any table".
  if (Array.isArray(cols)) {
    const c = columnsOf(cols);
    return `${name}:(${c.length ? c.map(([n, t]) => `${bracket(n)}:${t}`).join(', ') : '*'})`;
  }
  const def = str(p.CslDefaultValue);
  return `${name}:${cslType(p)}${def ? ` = ${def}` : ''}`;
}

function body(text: string | undefined): string {
  const b = (text ?? '').trim();
  return b.startsWith('{') ? b : `{ ${b || 'print 0'} }`;
}

/**
 * Accepts what `schemaJson` may hand over: the result cell as a JSON string, the parsed document
 * (`{ Databases: { db: {...} } }`), or one database object. Picks `database` (case-insensitively) or the only one.
 */
export function compactSchema(json: unknown, database: string): CompactDatabase | undefined {
  let doc: unknown = json;
  if (typeof doc === 'string') {
    try { doc = JSON.parse(doc); } catch { return undefined; }
  }
  const root = asRecord(doc);
  if (!root) return undefined;
  let db: Json | undefined;
  const dbs = asRecord(root.Databases);
  if (dbs) {
    const all = Object.entries(dbs);
    const hit = all.find(([k]) => k === database) ?? all.find(([k]) => k.toLowerCase() === database.toLowerCase()) ?? (all.length === 1 ? all[0] : undefined);
    db = asRecord(hit?.[1]);
  } else if (root.Tables !== undefined) {
    db = root;
  }
  if (!db) return undefined;

  const tables: CompactTable[] = [];
  const add = (list: unknown, kind: CompactTable['kind']) => {
    for (const t of entries(list)) {
      const name = str(t.Name);
      if (!name) continue;
      const table: CompactTable = { name, columns: columnsOf(t.OrderedColumns ?? t.Columns) };
      if (kind !== 'table') table.kind = kind;
      const doc = str(t.DocString);
      if (doc) table.docString = doc;
      tables.push(table);
    }
  };
  add(db.Tables, 'table');
  add(db.MaterializedViews, 'materializedView');
  add(db.ExternalTables, 'externalTable');

  const functions: CompactFunction[] = [];
  for (const f of entries(db.Functions)) {
    const name = str(f.Name);
    if (!name) continue;
    const fn: CompactFunction = { name, parameters: `(${entries(f.InputParameters).map(parameterText).join(', ')})`, body: body(str(f.Body)) };
    const doc = str(f.DocString);
    if (doc) fn.docString = doc;
    functions.push(fn);
  }
  return { name: str(db.Name) ?? database, tables, functions };
}
