// The connections queries run on, with the DuckDB plans they keep between queries, and what writes do to those
// plans. A query runs on a connection of its own, so `.cancel query` and a client that goes away can interrupt it.
import type { DuckDBConnection, DuckDBInstance, DuckDBMaterializedResult, DuckDBPreparedStatement } from '@duckdb/node-api';
import { KustoUserError } from './types';

export interface RunOptions {
  requestId?: string;
  signal?: AbortSignal;
  /** SQL that recurs: keep its plan (see run). */
  prepare?: boolean;
  /** The tables it reads (Engine.tableKey); a plan is kept only when they are known. */
  reads?: readonly string[];
  /** A new connection, closed afterwards, and no plan kept: the answer without any cache. */
  noCache?: boolean;
}

export class Readers {
  private readonly running = new Map<string, Reader>();
  /** Readers between queries, each keeping the statements it prepared. */
  private readonly idle: Reader[] = [];
  /** Bumped by reset(): a reader from before holds statements prepared against an older schema. */
  private generation = 0;
  /**
   * Writes, for the plans kept between queries. A DuckDB plan carries the statistics of the tables it read when it
   * was made (a filter outside a column's range becomes "no rows", a perfect-hash group-by is sized for the keys
   * seen), and DuckDB plans a prepared statement again only when the catalog changes, not when rows arrive (issue
   * #24). So a write marks the tables it touches when it begins: writeSeq counts writes begun, lastWrite holds the
   * latest one per table (lastWriteAll: one that may touch any table), inFlight the writes not yet finished.
   */
  private writeSeq = 0;
  private readonly lastWrite = new Map<string, number>();
  private lastWriteAll = 0;
  private readonly inFlight = new Map<string, number>();
  private inFlightAll = 0;

  /** SQL whose last prepared run met a write beginning: run unprepared until a run of it sees none (see run). */
  private readonly contended = new Set<string>();

  constructor(private readonly instance: DuckDBInstance) {}

  private markContended(sql: string): void {
    this.contended.add(sql);
    if (this.contended.size > 256) this.contended.delete(this.contended.values().next().value!);
  }

  /** A write to these tables (undefined: to any) begins. */
  beginWrite(tables: readonly string[] | undefined): void {
    const seq = ++this.writeSeq;
    if (!tables) { this.lastWriteAll = seq; this.inFlightAll++; return; }
    for (const k of tables) { this.lastWrite.set(k, seq); this.inFlight.set(k, (this.inFlight.get(k) ?? 0) + 1); }
  }

  endWrite(tables: readonly string[] | undefined): void {
    if (!tables) { this.inFlightAll--; return; }
    for (const k of tables) {
      const n = this.inFlight.get(k)! - 1;
      if (n) this.inFlight.set(k, n); else this.inFlight.delete(k);
    }
  }

  /** The schema changed: statements prepared before go, with the readers that hold them. */
  reset(): void {
    this.generation++;
    for (const r of this.idle.splice(0)) closeReader(r);
  }

  close(): void {
    for (const r of this.running.values()) { r.tainted = true; r.conn.interrupt(); }
    for (const r of this.idle.splice(0)) closeReader(r);
  }

  cancel(requestId: string): boolean {
    const r = this.running.get(requestId);
    if (!r) return false;
    r.tainted = true;
    r.conn.interrupt();
    return true;
  }

  /** The sequence number of the latest write begun on any of these tables. */
  private lastWriteOf(tables: readonly string[]): number {
    let last = this.lastWriteAll;
    for (const k of tables) last = Math.max(last, this.lastWrite.get(k) ?? 0);
    return last;
  }

  private writing(tables: readonly string[]): boolean {
    return this.inFlightAll > 0 || tables.some((k) => this.inFlight.has(k));
  }

  /**
   * Runs a query on a reader connection of its own, so `.cancel query` and dropped clients can interrupt it. Readers
   * are kept between queries with the statements they prepared: dashboards, alerts and re-run cells send the same
   * text again, and parsing, binding and planning the translated SQL was about 1.2 ms of every query (a fifth of
   * the 10 M-row bin-by-minute summarize's DuckDB time; 1.4 of 1.7 ms for an empty result). `prepare` is for SQL that
   * recurs: a query using now() has its instant in the text and is never the same twice.
   *
   * A plan is reused only while no write has begun on the tables it reads (`reads`) since it was made: see
   * writeSeq. A statement runs in a transaction of its own, after the one it was planned in, so a write that
   * committed between the two would meet a plan made without it; therefore a plan is made only while no write to
   * those tables is under way, and an answer is kept only if none began while it ran. Otherwise the SQL runs
   * unprepared, which plans inside the transaction that reads, and so always against what it reads.
   */
  async run(sql: string, opts: RunOptions): Promise<unknown[][]> {
    const reader = opts.noCache
      ? { conn: await this.instance.connect(), statements: new Map(), generation: -1, tainted: true }
      : this.idle.pop() ?? { conn: await this.instance.connect(), statements: new Map(), generation: this.generation, tainted: false };
    const id = opts.requestId;
    if (id) this.running.set(id, reader);
    const onAbort = () => { reader.tainted = true; reader.conn.interrupt(); };
    opts.signal?.addEventListener('abort', onAbort);
    let ok = false;
    try {
      // The client may have gone before the query started; don't start it then.
      if (opts.signal?.aborted) throw new Error('INTERRUPT: client disconnected before the query started');
      const reads = opts.reads ?? [];
      let rows: unknown[][] | undefined;
      const before = this.writeSeq;
      if (opts.prepare && !opts.noCache && opts.reads && !this.writing(reads) && !this.contended.has(sql)) {
        const statement = await this.prepared(reader, sql, reads, before);
        rows = readAll(await statement.run());
        if (this.lastWriteOf(reads) > before) {
          // A write began while this ran: the plan may predate rows the answer should hold. Run it unprepared, and
          // keep doing so while writes keep overlapping it, so it is not run twice each time.
          dropStatement(reader, sql);
          this.markContended(sql);
          rows = undefined;
        }
      }
      // run() materialises the result in one trip to the thread pool; its chunks are then read here, synchronously.
      // runAndReadAll() fetched each chunk, and then the empty end, as trips of their own (three for a one-row wire
      // result): `print 1` took 0.20 ms through queryWire that way, 0.15 ms this way.
      if (!rows) {
        rows = readAll(await reader.conn.run(sql));
        if (this.lastWriteOf(reads) <= before) this.contended.delete(sql);
      }
      ok = true;
      return rows;
    } catch (e) {
      if (opts.signal?.aborted || /interrupt/i.test(e instanceof Error ? e.message : '')) {
        throw new KustoUserError('Cancelled', `Query ${id ?? ''} was cancelled (by '.cancel query' or because the client disconnected).`);
      }
      throw new KustoUserError('BadRequest', `The local Eventhouse failed to run the translated query: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (id && this.running.get(id) === reader) this.running.delete(id);
      // Only a reader that finished cleanly goes back: an interrupt aimed at this query must not reach the next one.
      if (ok && !reader.tainted && reader.generation === this.generation && this.idle.length < MAX_IDLE_READERS) this.idle.push(reader);
      else closeReader(reader);
    }
  }

  /**
   * The reader's statement for sql: the one it prepared before if no write has begun on the tables it reads since
   * (`seq` is writeSeq now, with no write to them under way), else a new one.
   */
  private async prepared(reader: Reader, sql: string, reads: readonly string[], seq: number): Promise<DuckDBPreparedStatement> {
    const hit = reader.statements.get(sql);
    reader.statements.delete(sql); // most recently used last
    if (hit && hit.seq >= this.lastWriteOf(reads)) {
      reader.statements.set(sql, hit);
      return hit.statement;
    }
    hit?.statement.destroySync();
    const statement = await reader.conn.prepare(sql);
    if (reader.statements.size >= MAX_STATEMENTS_PER_READER) {
      const [oldest, old] = reader.statements.entries().next().value!;
      reader.statements.delete(oldest);
      old.statement.destroySync();
    }
    reader.statements.set(sql, { statement, seq });
    return statement;
  }
}

/** A connection for queries, with the statements it prepared (SQL text → statement, least recently used first). */
interface Reader {
  conn: DuckDBConnection;
  /** seq: Readers.writeSeq when it was prepared, with no write to the tables it reads under way. */
  statements: Map<string, { statement: DuckDBPreparedStatement; seq: number }>;
  /** Readers.generation when it connected: an older reader's statements may predate a schema change. */
  generation: number;
  /** Interrupted at some point: closed rather than reused. */
  tainted: boolean;
}

const MAX_IDLE_READERS = 4;
const MAX_STATEMENTS_PER_READER = 64;

function readAll(result: DuckDBMaterializedResult): unknown[][] {
  const rows: unknown[][] = [];
  for (let i = 0, n = result.chunkCount; i < n; i++) for (const r of result.getChunk(i).getRows()) rows.push(r);
  return rows;
}

function dropStatement(r: Reader, sql: string): void {
  r.statements.get(sql)?.statement.destroySync();
  r.statements.delete(sql);
}

function closeReader(r: Reader): void {
  for (const s of r.statements.values()) s.statement.destroySync();
  r.statements.clear();
  r.conn.closeSync();
}
