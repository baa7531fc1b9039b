// Result rows shaped as the service's: table schemas, ingestion mappings, functions and policies.
import type { DbMeta, Mapping, MappingEntry, TableMeta } from '../meta';
import { DOTNET_TYPE, type KType } from '../types';

export function cslSchema(t: TableMeta): string {
  return t.columns.map((c) => `${c.name}:${c.type}`).join(',');
}

export function jsonSchema(t: TableMeta): Record<string, unknown> {
  return { Name: t.name, OrderedColumns: t.columns.map((c) => ({ Name: c.name, Type: DOTNET_TYPE[c.type], CslType: c.type })) };
}

export function schemaRow(db: DbMeta, t: TableMeta): unknown[] {
  return [t.name, JSON.stringify(jsonSchema(t)), db.name, t.folder, t.docString];
}

export const SCHEMA_COLS: [string, KType][] = [['TableName', 'string'], ['Schema', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string']];

export function mappingRow(db: DbMeta, t: TableMeta, m: Mapping): unknown[] {
  return [m.name, m.kind, JSON.stringify(m.entries.map(normalMapping)), m.lastUpdatedOn, db.name, t.name];
}

export const MAPPING_COLS: [string, KType][] = [['Name', 'string'], ['Kind', 'string'], ['Mapping', 'string'], ['LastUpdatedOn', 'datetime'], ['Database', 'string'], ['Table', 'string']];

function normalMapping(e: MappingEntry): Record<string, unknown> {
  const props: Record<string, string> = {};
  if (e.path !== undefined) props.Path = e.path;
  if (e.ordinal !== undefined) props.Ordinal = String(e.ordinal);
  if (e.transform) props.Transform = e.transform;
  if (e.constValue !== undefined) props.ConstValue = e.constValue;
  return { column: e.column, path: e.path, datatype: e.datatype ?? '', transform: e.transform, Properties: props };
}

export function functionRow(f: { name: string; parameters: string; body: string; folder: string; docString: string }): unknown[] {
  return [f.name, f.parameters, f.body, f.folder, f.docString];
}
