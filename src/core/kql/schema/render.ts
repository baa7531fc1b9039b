// Management commands for schema objects, in the forms the Kusto documentation gives (and the local Eventhouse
// accepts), and the `kql/` files "Pull Eventhouse Schema" writes.
import { bracket } from '../../kustoNames';
import type { WithProperty } from './cursor';
import {
  mappingJson, type ColumnDef, type EventhouseSchema, type FunctionDef, type MappingDef, type MaterializedViewDef, type TableDef, type UpdatePolicyEntry,
} from './model';

/** A double-quoted Kusto string. */
export function kqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** A single-quoted Kusto string, the form the documentation writes mappings in. */
function singleQuoted(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A verbatim `@'…'` string: only quotes are doubled, so a policy's query keeps its backslashes as written. */
function verbatim(s: string): string {
  return `@'${s.replace(/'/g, "''")}'`;
}

function withClause(props: { key: string; value: string; quoted: boolean }[]): string {
  if (!props.length) return '';
  return ` with (${props.map((p) => `${p.key} = ${p.quoted ? kqlString(p.value) : p.value}`).join(', ')})`;
}

function folderDoc(folder: string | undefined, docString: string | undefined): WithProperty[] {
  const out: WithProperty[] = [];
  if (folder) out.push({ key: 'folder', value: folder, quoted: true });
  if (docString) out.push({ key: 'docstring', value: docString, quoted: true });
  return out;
}

export function columnList(columns: ColumnDef[]): string {
  return `(${columns.map((c) => `${bracket(c.name)}: ${c.type}`).join(', ')})`;
}

export function createMergeTable(t: Pick<TableDef, 'name' | 'folder' | 'docString'>, columns: ColumnDef[]): string {
  return `.create-merge table ${bracket(t.name)} ${columnList(columns)}${withClause(folderDoc(t.folder, t.docString))}`;
}

export function createOrAlterMapping(m: MappingDef): string {
  return `.create-or-alter table ${bracket(m.table)} ingestion ${m.kind} mapping ${kqlString(m.name)} ${singleQuoted(mappingJson(m.entries))}`;
}

export function alterUpdatePolicy(table: string, entries: UpdatePolicyEntry[]): string {
  const json = JSON.stringify(entries.map((e) => ({
    IsEnabled: e.IsEnabled, Source: e.Source, Query: e.Query, IsTransactional: e.IsTransactional, PropagateIngestionProperties: e.PropagateIngestionProperties,
    ...(e.ManagedIdentity ? { ManagedIdentity: e.ManagedIdentity } : {}),
  })));
  return `.alter table ${bracket(table)} policy update ${verbatim(json)}`;
}

export function alterStreamingIngestion(table: string, enabled: boolean): string {
  return `.alter table ${bracket(table)} policy streamingingestion ${enabled ? 'enable' : 'disable'}`;
}

export function createOrAlterFunction(f: FunctionDef): string {
  return `.create-or-alter function${withClause([...folderDoc(f.folder, f.docString), ...(f.properties ?? [])])} ${bracket(f.name)}${f.parameters} ${f.body}`;
}

/** `backfill` is allowed only when the view is created, so it is left out when an existing view is altered. */
export function materializedViewCommand(v: MaterializedViewDef, exists: boolean): string {
  const props = [...folderDoc(v.folder, v.docString), ...(v.properties ?? []).filter((p) => !exists || p.key.toLowerCase() !== 'backfill')];
  const verb = exists ? 'create-or-alter' : 'create';
  return `.${verb} materialized-view${withClause(props)} ${bracket(v.name)} on ${v.sourceKind} ${bracket(v.source)} ${v.query}`;
}

// ─── destructive commands (run only when ticked) ─────────────────────────────────────────────────────────────

export const dropTable = (table: string) => `.drop table ${bracket(table)}`;
export const dropColumns = (table: string, columns: string[]) => `.drop table ${bracket(table)} columns (${columns.map(bracket).join(', ')})`;
export const alterColumnType = (table: string, column: string, type: string) => `.alter column ${bracket(table)}.${bracket(column)} type = ${type}`;
export const dropMapping = (m: MappingDef) => `.drop table ${bracket(m.table)} ingestion ${m.kind} mapping ${kqlString(m.name)}`;
export const dropFunction = (name: string) => `.drop function ${bracket(name)}`;
export const dropMaterializedView = (name: string) => `.drop materialized-view ${bracket(name)}`;
/** Setting an empty policy works on the service and the local Eventhouse alike (`.delete … policy update` does not locally). */
export const clearUpdatePolicy = (table: string) => `.alter table ${bracket(table)} policy update @'[]'`;

// ─── files for "Pull Eventhouse Schema" ──────────────────────────────────────────────────────────────────────

export interface PulledFile { path: string; content: string }

/** A file name for an object: its name where the file system allows, else with the odd characters replaced. */
export function fileNameFor(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return `${safe || '_'}.kql`;
}

/**
 * The objects of one live schema as `kql/` files: one per table (its columns, mappings, update and streaming
 * policies), one per function and one per materialized view. An object already declared in a file of the workspace
 * (`declaredIn`, from parsing kql/) is written back to that file, so a pull updates a repository's own layout.
 */
export function pullFiles(live: EventhouseSchema, declaredIn: Map<string, string>, root = 'kql', keep: Map<string, string[]> = new Map()): PulledFile[] {
  const files = new Map<string, string[]>();
  const put = (key: string, fallback: string, block: string) => {
    const path = declaredIn.get(key) ?? fallback;
    const blocks = files.get(path) ?? [];
    blocks.push(block);
    files.set(path, blocks);
  };
  for (const t of live.tables) {
    const home = declaredIn.get(`table:${t.name}`) ?? `${root}/tables/${fileNameFor(t.name)}`;
    put(`table:${t.name}`, home, createMergeTable(t, t.columns));
    const streaming = live.streamingIngestion.get(t.name);
    if (streaming?.enabled) put(`streaming:${t.name}`, home, alterStreamingIngestion(t.name, true));
    for (const m of live.mappings.filter((x) => x.table === t.name)) put(`mapping:${t.name}:${m.kind}:${m.name}`, home, createOrAlterMapping(m));
    const policy = live.updatePolicies.get(t.name);
    if (policy?.entries.length) put(`policy:${t.name}`, home, alterUpdatePolicy(t.name, policy.entries));
  }
  for (const f of live.functions) put(`function:${f.name}`, `${root}/functions/${fileNameFor(f.name)}`, createOrAlterFunction(f));
  for (const v of live.materializedViews) put(`view:${v.name}`, `${root}/materialized-views/${fileNameFor(v.name)}`, materializedViewCommand(v, true));
  // Commands Eventline does not model (retention, caching…) stay in the files they were in.
  for (const [path, blocks] of keep) {
    if (!files.has(path)) continue;
    files.get(path)!.push(...blocks);
  }
  // A blank line ends a block, so none may stay inside a command (a function body written with one, say).
  return [...files.entries()].map(([path, blocks]) => ({ path, content: `${blocks.map((b) => b.replace(/\n[ \t]*(?=\n)/g, '\n').replace(/\n{2,}/g, '\n')).join('\n\n')}\n` }));
}
