// The connector's checkpoints: one row per connection, hub, consumer group and partition in the Eventhouse's
// DuckDB file, written by the same transaction as the rows they cover, so a crash can never separate the two.
import type { Engine } from '../eventhouse/engine';
import { FAILURES_TABLE } from '../eventhouse/failures';
import { sqlString } from '../eventhouse/types';
import type { ConnectionDef } from './definition';

const TABLE = '__eventline.connector_checkpoints';

// No primary key: DuckDB's upsert through an index cost about 6 ms of CPU per commit here, a delete and an insert
// on this small table about 1.5 ms.
const DDL = `CREATE TABLE IF NOT EXISTS ${TABLE} (connection VARCHAR, hub VARCHAR, consumer_group VARCHAR, partition_id VARCHAR,
  hub_created VARCHAR, sequence_number BIGINT, updated_at TIMESTAMP_NS)`;

/** Names are case-insensitive in Event Hubs and here, so keys are kept in lower case. */
function key(def: ConnectionDef): [string, string, string] {
  return [def.name.toLowerCase(), def.hub.toLowerCase(), def.consumerGroup.toLowerCase()];
}

export async function ensureCheckpointTable(engine: Engine): Promise<void> {
  await engine.write(() => engine.exec(DDL), () => []);
}

/**
 * The last sequence number committed per partition id. A checkpoint written for an earlier hub of the same name
 * (deleted and created again: sequence numbers start over) is not this hub's, and is left out.
 */
export async function loadCheckpoints(engine: Engine, def: ConnectionDef, hubCreated: string): Promise<Map<string, number>> {
  const [c, h, g] = key(def);
  const rows = await engine.write(() => engine.execRows(`SELECT partition_id, sequence_number, hub_created FROM ${TABLE}
    WHERE connection = ${sqlString(c)} AND hub = ${sqlString(h)} AND consumer_group = ${sqlString(g)}`), () => []);
  const out = new Map<string, number>();
  for (const [p, seq, created] of rows) if (String(created) === hubCreated) out.set(String(p), Number(seq));
  return out;
}

/** The statements that set these partitions' checkpoints, for Engine.ingestBatch's transaction. */
export function checkpointSql(def: ConnectionDef, hubCreated: string, seqs: Map<string, number>): string[] {
  if (!seqs.size) return [];
  const [c, h, g] = key(def);
  const rows = [...seqs].map(([p, seq]) => `(${[c, h, g, p, hubCreated].map(sqlString).join(', ')}, ${seq}, CAST(current_timestamp AS TIMESTAMP_NS))`);
  return [
    `DELETE FROM ${TABLE} WHERE connection = ${sqlString(c)} AND hub = ${sqlString(h)} AND consumer_group = ${sqlString(g)} AND partition_id IN (${[...seqs.keys()].map(sqlString).join(', ')})`,
    `INSERT INTO ${TABLE} VALUES ${rows.join(', ')}`,
  ];
}

/** Failure records are kept 14 days, as the service keeps them, and at most this many. */
export const MAX_FAILURE_RECORDS = 100_000;

export async function pruneFailures(engine: Engine): Promise<void> {
  await engine.write(async () => {
    const exists = await engine.execRows(`SELECT count(*) FROM duckdb_tables() WHERE schema_name = '__eventline' AND table_name = 'ingestion_failures'`);
    if (Number(exists[0][0]) === 0) return;
    await engine.exec(`DELETE FROM ${FAILURES_TABLE} WHERE failed_on < CAST(current_timestamp AS TIMESTAMP_NS) - INTERVAL 14 DAY`);
    await engine.exec(`DELETE FROM ${FAILURES_TABLE} WHERE failed_on < (SELECT failed_on FROM ${FAILURES_TABLE} ORDER BY failed_on DESC LIMIT 1 OFFSET ${MAX_FAILURE_RECORDS})`);
  }, () => []);
}

export interface StoredFailure { partition: string; seq: number; enqueued: number; failedOn: number; code: string; reason: string; body: Uint8Array; bodyBytes: number }

/** A connection's latest failure records. */
export async function latestFailures(engine: Engine, name: string, limit: number): Promise<StoredFailure[]> {
  const exists = await engine.runSql(`SELECT count(*) FROM duckdb_tables() WHERE schema_name = '__eventline' AND table_name = 'ingestion_failures'`, {});
  if (Number(exists[0][0]) === 0) return [];
  const rows = await engine.runSql(`SELECT partition_id, sequence_number, epoch_ns(enqueued_time) // 1000000, epoch_ns(failed_on) // 1000000, error_code, details, body, body_bytes
    FROM ${FAILURES_TABLE} WHERE lower(connection) = ${sqlString(name.toLowerCase())} AND NOT from_update_policy
    ORDER BY failed_on DESC, sequence_number DESC LIMIT ${Math.max(1, Math.min(1000, Math.floor(limit)))}`, {});
  return rows.map(([p, seq, enq, failed, code, reason, body, bytes]) => ({
    partition: String(p), seq: Number(seq), enqueued: Number(enq), failedOn: Number(failed), code: String(code), reason: String(reason),
    body: (body as { bytes?: Uint8Array } | null)?.bytes ?? new Uint8Array(0), bodyBytes: Number(bytes ?? 0),
  }));
}
