import type { Client as KustoClient } from 'azure-kusto-data';
import { bracket, parseCslSchema, type KustoColumn } from '../core/kustoNames';

export interface KustoTableInfo { name: string; rowCount?: number; sizeBytes?: number; folder?: string; docString?: string }
export interface KustoFunctionInfo { name: string; parameters: string; folder?: string }
export interface KustoMappingInfo { name: string; kind: string; mapping: string }

type Row = Record<string, unknown>;

async function rows(client: KustoClient, db: string, command: string): Promise<Row[]> {
  const res = await client.execute(db, command);
  const table = res.primaryResults[0];
  if (!table) return [];
  const out: Row[] = [];
  for (const r of table.rows()) out.push(r.toJSON<Row>());
  return out;
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
const num = (v: unknown) => (typeof v === 'number' ? v : v === null || v === undefined || v === '' ? undefined : Number(v));

export async function listDatabases(client: KustoClient): Promise<string[]> {
  return (await rows(client, 'NetDefaultDB', '.show databases')).map((r) => str(r.DatabaseName)).filter(Boolean);
}

export async function listTables(client: KustoClient, db: string): Promise<KustoTableInfo[]> {
  return (await rows(client, db, '.show tables details')).map((r) => ({
    name: str(r.TableName), rowCount: num(r.TotalRowCount), sizeBytes: num(r.TotalOriginalSize) ?? num(r.TotalExtentSize), folder: str(r.Folder), docString: str(r.DocString),
  }));
}

export async function tableColumns(client: KustoClient, db: string, table: string): Promise<KustoColumn[]> {
  const [r] = await rows(client, db, `.show table ${bracket(table)} cslschema`);
  return r ? parseCslSchema(str(r.Schema)) : [];
}

export async function listFunctions(client: KustoClient, db: string): Promise<KustoFunctionInfo[]> {
  return (await rows(client, db, '.show functions')).map((r) => ({ name: str(r.Name), parameters: str(r.Parameters), folder: str(r.Folder) }));
}

export async function listMappings(client: KustoClient, db: string, table: string): Promise<KustoMappingInfo[]> {
  return (await rows(client, db, `.show table ${bracket(table)} ingestion mappings`)).map((r) => ({ name: str(r.Name), kind: str(r.Kind), mapping: str(r.Mapping) }));
}

