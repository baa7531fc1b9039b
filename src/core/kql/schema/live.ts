// Reads a live database's schema into an EventhouseSchema through management commands both the service and the
// local Eventhouse answer:
//   .show database ['db'] schema as json   tables with ordered columns, folder, docstring; materialized views
//   .show functions                          name, parameters, body, folder, docstring
//   .show tables details                     the streaming ingestion policy of each table
//   .show table T ingestion mappings         per table (all kinds)
//   .show table T policy update              per table
// `.show database … schema as csl script` would be one round trip, but the local Eventhouse does not answer it and
// the service's script mixes in security and encoding commands; this path is the same against both. One table alone
// (readLiveTable) is `.show table T schema as json` and its mappings.
import { bracket } from '../../kustoNames';
import {
  canonicalType, emptySchema, mappingEntry, MAPPING_KINDS, updatePolicyEntry, type ColumnDef, type EventhouseSchema, type MappingDef, type MappingKind, type MaterializedViewDef,
} from './model';

export type Row = Record<string, unknown>;
/** Runs one management command against the target database and returns its first table's rows. */
export type RunCommand = (command: string) => Promise<Row[]>;

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function jsonOf(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!t || t === 'null') return undefined;
  try { return JSON.parse(t); } catch { return undefined; }
}

/** Runs `f` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimited<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function readLiveSchema(run: RunCommand, database: string): Promise<EventhouseSchema> {
  const schema = emptySchema();
  const [doc] = await run(`.show database ${bracket(database)} schema as json`);
  const parsed = jsonOf(doc ? Object.values(doc)[0] : undefined) as { Databases?: Record<string, DatabaseJson> } | undefined;
  const dbs = parsed?.Databases ?? {};
  const db = dbs[database] ?? Object.values(dbs).find((d) => d.Name === database) ?? Object.values(dbs)[0];
  for (const t of Object.values(db?.Tables ?? {})) {
    schema.tables.push({
      name: t.Name,
      columns: (t.OrderedColumns ?? []).map(columnOf),
      folder: t.Folder || undefined,
      docString: t.DocString || undefined,
    });
  }
  for (const v of Object.values(db?.MaterializedViews ?? {})) schema.materializedViews.push(materializedView(v));

  for (const f of await run('.show functions')) {
    const body = str(f.Body).trim();
    schema.functions.push({ name: str(f.Name), parameters: str(f.Parameters) || '()', body: body.startsWith('{') ? body : `{\n    ${body}\n}`, folder: str(f.Folder) || undefined, docString: str(f.DocString) || undefined });
  }

  for (const r of await run('.show tables details')) {
    const policy = jsonOf(r.StreamingIngestionPolicy) as { IsEnabled?: unknown } | undefined;
    if (policy && typeof policy === 'object') schema.streamingIngestion.set(str(r.TableName), { enabled: policy.IsEnabled === true });
  }

  await mapLimited(schema.tables, 4, async (t) => {
    schema.mappings.push(...await readMappings(run, t.name));
    const [p] = await run(`.show table ${bracket(t.name)} policy update`);
    const entries = jsonOf(p?.Policy);
    if (Array.isArray(entries) && entries.length) schema.updatePolicies.set(t.name, { entries: entries.map(updatePolicyEntry) });
  });
  // Mappings in one order whatever order the concurrent reads finished in.
  schema.mappings.sort((a, b) => schema.tables.findIndex((t) => t.name === a.table) - schema.tables.findIndex((t) => t.name === b.table));
  return schema;
}

interface ColumnJson { Name: string; Type?: string; CslType?: string }

function columnOf(c: ColumnJson): ColumnDef {
  return { name: c.Name, type: canonicalType(c.CslType ?? '') ?? canonicalType(c.Type ?? '') ?? (c.CslType ?? c.Type ?? 'dynamic') };
}

async function readMappings(run: RunCommand, table: string): Promise<MappingDef[]> {
  const out: MappingDef[] = [];
  for (const m of await run(`.show table ${bracket(table)} ingestion mappings`)) {
    const kind = str(m.Kind).toLowerCase();
    if (!(MAPPING_KINDS as readonly string[]).includes(kind)) continue;
    const list = jsonOf(m.Mapping);
    if (!Array.isArray(list)) continue;
    try {
      out.push({ table, name: str(m.Name), kind: kind as MappingKind, entries: list.map(mappingEntry) });
    } catch {
      // A mapping this reader cannot follow is left out: the deploy then writes the declared one over it.
    }
  }
  return out;
}

/** One table's columns and ingestion mappings, in two commands (the drift check needs no more). */
export async function readLiveTable(run: RunCommand, table: string): Promise<{ columns: ColumnDef[]; mappings: MappingDef[] }> {
  const [row] = await run(`.show table ${bracket(table)} schema as json`);
  const parsed = jsonOf(row?.Schema) as { OrderedColumns?: ColumnJson[] } | undefined;
  const columns = (parsed?.OrderedColumns ?? []).map(columnOf);
  return { columns, mappings: await readMappings(run, table) };
}

interface DatabaseJson {
  Name?: string;
  Tables?: Record<string, { Name: string; OrderedColumns?: ColumnJson[]; Folder?: string; DocString?: string }>;
  MaterializedViews?: Record<string, MaterializedViewJson>;
}

// UNCONFIRMED: the materialized view fields of `.show database schema as json` (names below as `.show
// materialized-views` documents its columns: Name, SourceTable, Query, Folder, DocString).
interface MaterializedViewJson { Name: string; SourceTable?: string; Source?: string; Query?: string; Folder?: string; DocString?: string }

function materializedView(v: MaterializedViewJson): MaterializedViewDef {
  const query = (v.Query ?? '').trim();
  return {
    name: v.Name, source: v.SourceTable ?? v.Source ?? '', sourceKind: 'table', query: query.startsWith('{') ? query : `{\n    ${query}\n}`,
    folder: v.Folder || undefined, docString: v.DocString || undefined,
  };
}
