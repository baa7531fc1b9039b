// Ingestion of a batch from the hub connector (src/local/connector): the engine's own mapping SQL and update
// policies, with the caller's statements (its checkpoint, its failure records) committed in the same transaction
// as the rows. Unlike Engine.ingest, an update policy that is not transactional and fails leaves the source rows
// and is recorded as an ingestion failure, as the service does; a transactional one fails the whole batch.
import * as fs from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ensureFailuresTable, failuresInsertSql, type FailureRecord } from './failures';
import { csvSelect, jsonSelect } from './ingestSql';
import type { DbMeta, Mapping, TableMeta } from './meta';
import { duckType, formatDatetimeNs, ident, INGESTION_TIME, KustoUserError } from './types';

export interface IngestSegment {
  /** JSON: one object per line. CSV: records, each ending in a newline. */
  data: Buffer;
  /** What the SourceLocation mapping transform gives for these rows. */
  sourceLocation?: string;
}

export interface BatchRequest {
  database: string;
  table: string;
  format: 'json' | 'csv';
  mapping?: string;
  segments: IngestSegment[];
  /** Statements to run in the same transaction after the rows (e.g. a consumer's checkpoint). */
  alsoInTransaction?: string[];
  /** Failure records to write in the same transaction (e.g. events that could not be read). */
  failures?: FailureRecord[];
  /** For the failure records of update policies. */
  operationKind: string;
  sourcePath: string;
}

export interface BatchResult {
  rows: number;
  /** Non-transactional update policies that failed (their source rows were kept), as recorded. */
  updatePolicyFailures: FailureRecord[];
}

/** The staged data could not be read as the format says; which record is at fault is not known. */
export class IngestDataError extends Error {}

/** A transactional update policy failed over these rows: nothing was ingested. */
export class TransactionalPolicyError extends Error {}

/** What runBatch needs of the engine, inside Engine.write(). */
export interface BatchHost {
  conn: DuckDBConnection;
  db(name: string): DbMeta;
  table(db: DbMeta, name: string): TableMeta;
  tableSql(db: DbMeta, name: string): string;
  /** A new temp file path with this extension. */
  tmpFile(ext: string): string;
  /** A new temp table name. */
  stageName(): string;
  /** The SQL and columns of an update policy query, its source table read from `temp.<stage>`. */
  policySql(db: DbMeta, query: string, source: string, stage: string): Promise<{ sql: string; columns: { name: string }[] }>;
  saveCatalog(db: DbMeta): Promise<void>;
}

const NOW_NS = 'CAST(current_timestamp AS TIMESTAMP_NS)';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The file names DuckDB puts in its errors mean nothing to whoever sent the data. */
function dataError(e: unknown, files: string[]): IngestDataError {
  let m = message(e).split('\n')[0];
  for (const f of files) m = m.split(`"${f}"`).join('the data').split(f).join('the data');
  return new IngestDataError(m);
}

export async function runBatch(h: BatchHost, req: BatchRequest): Promise<BatchResult> {
  const db = h.db(req.database);
  const t = h.table(db, req.table);
  let mapping: Mapping | undefined;
  if (req.mapping) {
    mapping = t.mappings.find((m) => m.name === req.mapping);
    if (!mapping) throw new KustoUserError('NotFound', `Ingestion mapping '${req.mapping}' was not found on table '${t.name}'. Create it with '.create table ${t.name} ingestion ${req.format} mapping "${req.mapping}" '[...]'.`);
    if (mapping.kind.toLowerCase() !== req.format) throw new KustoUserError('BadRequest', `Ingestion mapping '${mapping.name}' of table '${t.name}' is a ${mapping.kind.toLowerCase()} mapping; data in ${req.format} format needs a ${req.format} mapping.`);
  }
  const conn = h.conn;
  await ensureFailuresTable(conn);
  const files: string[] = [];
  const temps: string[] = [];
  try {
    // Each file costs DuckDB a scan of its own (a quarter more CPU for four 250-row files than one of 1,000 rows, and
    // more waiting on a busy machine); segments stay apart only when a column takes their SourceLocation.
    const located = mapping?.entries.some((e) => e.transform?.toLowerCase() === 'sourcelocation') ?? false;
    const segments = located || req.segments.length < 2 ? req.segments : [{ data: Buffer.concat(req.segments.map((s) => s.data)) }];
    const selects = segments.filter((s) => s.data.length > 0).map((s) => {
      const file = h.tmpFile(req.format);
      fs.writeFileSync(file, s.data);
      files.push(file);
      return req.format === 'csv'
        ? csvSelect(t, file, mapping, { sourceLocation: s.sourceLocation })
        : jsonSelect(t, file, mapping, { jsonFormat: 'newline_delimited', sourceLocation: s.sourceLocation });
    });
    const source = selects.map((s) => `(${s})`).join(' UNION ALL ');
    const hasPolicies = db.tables.some((x) => x.updatePolicies.some((p) => p.IsEnabled && p.Source === t.name));
    const policyFailures: FailureRecord[] = [];
    // Update policies run before the transaction, each into a temp table: a statement that fails inside a DuckDB
    // transaction aborts all of it, and a non-transactional policy's failure must not take the source rows along.
    const plan: { table: TableMeta; stage: string }[] = [];
    if (selects.length && hasPolicies) {
      const stage = h.stageName();
      let staged: number;
      try {
        staged = await created(conn, `CREATE TEMP TABLE ${stage} AS SELECT *, ${NOW_NS} AS ${INGESTION_TIME} FROM (${source}) AS _s`);
      } catch (e) {
        throw dataError(e, files);
      }
      temps.push(stage);
      plan.push({ table: t, stage });
      await runPolicies(h, req, db, t, stage, staged, 0, plan, temps, policyFailures);
    }
    await conn.run('BEGIN TRANSACTION');
    try {
      let rows = 0;
      if (selects.length) {
        if (!hasPolicies) {
          try {
            const r = await conn.runAndReadAll(`INSERT INTO ${h.tableSql(db, t.name)} (${t.columns.map((c) => ident(c.name)).join(', ')}) ${source}`);
            rows = Number(r.getRows()[0]?.[0] ?? 0);
          } catch (e) {
            throw dataError(e, files);
          }
        } else {
          for (const { table, stage } of plan) {
            const names = table.columns.map((c) => ident(c.name)).join(', ');
            const r = await conn.runAndReadAll(`INSERT INTO ${h.tableSql(db, table.name)} (${names}) SELECT ${names} FROM temp.${stage}`);
            if (table === t) rows = Number(r.getRows()[0]?.[0] ?? 0);
          }
        }
        for (const s of req.segments) t.originalSize += s.data.length;
        const now = formatDatetimeNs(BigInt(Date.now()) * 1_000_000n);
        t.minCreated ??= now;
        t.maxCreated = now;
        await h.saveCatalog(db);
      }
      const failures = failuresInsertSql([...policyFailures, ...(req.failures ?? [])]);
      if (failures) await conn.run(failures);
      for (const sql of req.alsoInTransaction ?? []) await conn.run(sql);
      await conn.run('COMMIT');
      return { rows, updatePolicyFailures: policyFailures };
    } catch (e) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    for (const s of temps) await conn.run(`DROP TABLE IF EXISTS temp.${s}`).catch(() => undefined);
    for (const f of files) fs.rmSync(f, { force: true });
  }
}

/** The row count a CREATE TABLE … AS reports. */
async function created(conn: DuckDBConnection, sql: string): Promise<number> {
  const r = await conn.runAndReadAll(sql);
  return Number(r.getRows()[0]?.[0] ?? 0);
}

/** Each enabled policy whose source is `t`, over the `rows` rows in `stage`, into a temp table of its own (recursively). */
async function runPolicies(
  h: BatchHost, req: BatchRequest, db: DbMeta, t: TableMeta, stage: string, rows: number, depth: number,
  plan: { table: TableMeta; stage: string }[], temps: string[], failures: FailureRecord[],
): Promise<void> {
  if (depth > 8) throw new KustoUserError('BadRequest', `Update policies starting at table '${t.name}' nest more than 8 levels deep; check them for a cycle.`);
  if (rows === 0) return;
  for (const target of db.tables) {
    for (const p of target.updatePolicies) {
      if (!p.IsEnabled || p.Source !== t.name) continue;
      const sub = h.stageName();
      let made: number;
      try {
        const tr = await h.policySql(db, p.Query, t.name, stage);
        if (tr.columns.length !== target.columns.length) {
          throw new KustoUserError('BadRequest', `The update policy of table '${target.name}' returns ${tr.columns.length} columns but the table has ${target.columns.length}; make the query's schema match the table.`);
        }
        const casts = target.columns.map((c, i) => `CAST(${ident(tr.columns[i].name)} AS ${duckType(c.type)}) AS ${ident(c.name)}`);
        made = await created(h.conn, `CREATE TEMP TABLE ${sub} AS SELECT ${casts.join(', ')}, ${NOW_NS} AS ${INGESTION_TIME} FROM (${tr.sql}) AS _q`);
      } catch (e) {
        const why = `The update policy of table '${target.name}' (source '${t.name}') failed: ${message(e).split('\n')[0]}`;
        if (p.IsTransactional) throw new TransactionalPolicyError(`${why}. The policy is transactional, so nothing was ingested into '${t.name}' either.`);
        const mismatch = /Conversion Error|columns but the table has/.test(message(e));
        failures.push({
          database: db.name, table: target.name, sourcePath: req.sourcePath, details: `${why}. The rows stay in '${t.name}'.`,
          errorCode: mismatch ? 'UpdatePolicy_QuerySchemaDoesNotMatchTableSchema' : 'UpdatePolicy_Failure', fromUpdatePolicy: true, operationKind: req.operationKind,
        });
        continue;
      }
      temps.push(sub);
      plan.push({ table: target, stage: sub });
      await runPolicies(h, req, db, target, sub, made, depth + 1, plan, temps, failures);
    }
  }
}
