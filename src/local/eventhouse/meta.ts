// The Kusto metadata the local Eventhouse keeps per database next to the data (types, folders, functions,
// ingestion mappings, policies), saved as JSON in the DuckDB file's catalog table, and the shape of a result table.
import type { FunctionDef } from './parser';
import type { Col } from './types';

export interface MappingEntry { column: string; path?: string; ordinal?: number; datatype?: string; transform?: string; constValue?: string }
export interface Mapping { name: string; kind: 'Json' | 'Csv'; entries: MappingEntry[]; lastUpdatedOn: string }
export interface UpdatePolicy { IsEnabled: boolean; Source: string; Query: string; IsTransactional: boolean; PropagateIngestionProperties: boolean }

export interface TableMeta {
  name: string;
  columns: Col[];
  folder: string;
  docString: string;
  mappings: Mapping[];
  updatePolicies: UpdatePolicy[];
  /** Policies other than update, by kind in lower case (`streamingingestion`, …): the object as shown back. */
  policies?: Record<string, Record<string, unknown>>;
  /** Catalogs saved before `policies` kept only this; read once at start and moved into policies. */
  streamingIngestion?: boolean;
  originalSize: number;
  minCreated?: string;
  maxCreated?: string;
}

export interface DbMeta {
  name: string;
  tables: TableMeta[];
  functions: FunctionDef[];
  persistent: boolean;
  /** Database policies, as TableMeta.policies. */
  policies?: Record<string, Record<string, unknown>>;
}

export interface ResultTable { name: string; columns: Col[]; rows: unknown[][] }
