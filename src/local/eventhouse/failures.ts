// Ingestion failures, kept in the DuckDB file next to the data and shown by `.show ingestion failures` with the
// service's columns: events the hub connector could not ingest (with the raw body, which the service's command
// does not show; the control API does) and update policies that failed while the rows of their source stayed.
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { KType } from './types';
import { sqlString } from './types';

export const FAILURES_TABLE = '__eventline.ingestion_failures';

/** Raw bodies are kept up to this size; body_bytes says how big the event was. */
export const MAX_KEPT_BODY = 64 * 1024;

export interface FailureRecord {
  database: string;
  table: string;
  /** Where the data came from: for a hub event, its hub, consumer group, partition and sequence number. */
  sourcePath: string;
  details: string;
  errorCode: string;
  fromUpdatePolicy: boolean;
  /** 'DataIngestPull' (the hub connector), 'StreamingIngest', … as the service names its operation kinds. */
  operationKind: string;
  connection?: string;
  partition?: string;
  sequenceNumber?: number;
  /** ms since the epoch. */
  enqueuedTime?: number;
  body?: Buffer;
}

export const FAILURES_DDL = `CREATE TABLE IF NOT EXISTS ${FAILURES_TABLE} (
  operation_id VARCHAR, database VARCHAR, "table" VARCHAR, failed_on TIMESTAMP_NS, source_path VARCHAR, details VARCHAR,
  failure_kind VARCHAR, operation_kind VARCHAR, from_update_policy BOOLEAN, error_code VARCHAR, connection VARCHAR,
  partition_id VARCHAR, sequence_number BIGINT, enqueued_time TIMESTAMP_NS, body BLOB, body_bytes BIGINT)`;

const prepared = new WeakSet<DuckDBConnection>();

/** Creates the failures table once per connection's database (it is also created when first read). */
export async function ensureFailuresTable(conn: DuckDBConnection): Promise<void> {
  if (prepared.has(conn)) return;
  await conn.run(FAILURES_DDL);
  prepared.add(conn);
}

/** Text as a SQL literal; DuckDB's parser ends a literal at a NUL, which event bodies quoted in a reason may hold. */
function lit(s: string): string {
  return sqlString(s.replace(/\0/g, '\uFFFD'));
}

function ms(v: number | undefined): string {
  return v === undefined ? 'NULL' : `make_timestamp_ns(${Math.round(v) * 1_000_000})`;
}

/** One INSERT for the records (run it inside the ingestion's transaction, so a failure is recorded exactly once). */
export function failuresInsertSql(records: FailureRecord[]): string | undefined {
  if (!records.length) return undefined;
  const now = Date.now();
  const rows = records.map((r) => {
    const body = r.body ? r.body.subarray(0, MAX_KEPT_BODY) : undefined;
    return `(${[
      lit(randomUUID()), lit(r.database), lit(r.table), ms(now), lit(r.sourcePath), lit(r.details),
      "'Permanent'", lit(r.operationKind), r.fromUpdatePolicy ? 'true' : 'false', lit(r.errorCode),
      r.connection === undefined ? 'NULL' : lit(r.connection), r.partition === undefined ? 'NULL' : lit(r.partition),
      r.sequenceNumber === undefined ? 'NULL' : String(r.sequenceNumber), ms(r.enqueuedTime),
      body ? `from_base64(${sqlString(body.toString('base64'))})` : 'NULL', r.body ? String(r.body.length) : 'NULL',
    ].join(', ')})`;
  });
  return `INSERT INTO ${FAILURES_TABLE} VALUES ${rows.join(', ')}`;
}

/** `.show ingestion failures` columns, in the service's order. */
export const SHOW_FAILURES_COLS: [string, KType][] = [
  ['OperationId', 'string'], ['Database', 'string'], ['Table', 'string'], ['FailedOn', 'datetime'], ['IngestionSourcePath', 'string'],
  ['Details', 'string'], ['FailureKind', 'string'], ['RootActivityId', 'string'], ['OperationKind', 'string'],
  ['OriginatesFromUpdatePolicy', 'bool'], ['ErrorCode', 'string'], ['Principal', 'string'], ['ShouldRetry', 'bool'],
  ['User', 'string'], ['IngestionProperties', 'string'], ['NumberOfSources', 'int'],
];

/** The SELECT behind `.show ingestion failures` for one database, oldest first (as wire values). */
export function showFailuresSql(database: string): string {
  return `SELECT operation_id, database, "table", kq_dt_str(failed_on), source_path, details, failure_kind, operation_id,
    operation_kind, from_update_policy, error_code, '', false, '', '', 1
    FROM ${FAILURES_TABLE} WHERE lower(database) = lower(${sqlString(database)}) ORDER BY failed_on, sequence_number`;
}
