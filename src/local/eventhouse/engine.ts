// The Eventhouse engine: one DuckDB file, one schema per Kusto database, a catalog of Kusto metadata (types,
// functions, mappings, policies) kept next to the data, ingestion, and query execution with cancellation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBMaterializedResult, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { globalStateFor, kusto, type DatabaseDef, type FunctionDef, type KNode } from './parser';
import { bracket } from '../../core/kustoNames';
import { BagUnpackNeedsSchema, convertFromText, INGESTION_TIME, MACROS, translateQuery, type BagUnpackSite, type Translation } from './translate';
import {
  duckType, formatDatetimeNs, formatTimespan, ident, ktype, KustoUserError, sqlString, text, type Col, type KType,
} from './types';

export interface MappingEntry { column: string; path?: string; ordinal?: number; datatype?: string; transform?: string }
export interface Mapping { name: string; kind: 'Json' | 'Csv'; entries: MappingEntry[]; lastUpdatedOn: string }
export interface UpdatePolicy { IsEnabled: boolean; Source: string; Query: string; IsTransactional: boolean; PropagateIngestionProperties: boolean }

export interface TableMeta {
  name: string;
  columns: Col[];
  folder: string;
  docString: string;
  mappings: Mapping[];
  updatePolicies: UpdatePolicy[];
  streamingIngestion: boolean;
  originalSize: number;
  minCreated?: string;
  maxCreated?: string;
}

/** A translation with the tables its SQL reads (as Engine.tableKey names them). */
export interface Planned extends Translation { reads: string[] }

export interface QueryOptions {
  requestId?: string;
  notruncation?: boolean;
  maxRecords?: number;
  signal?: AbortSignal;
  /** Translate and plan afresh on a new connection, keeping nothing: the reference answer the caches must give. */
  noCache?: boolean;
}

export interface DbMeta { name: string; tables: TableMeta[]; functions: FunctionDef[]; persistent: boolean }

export interface ResultTable { name: string; columns: Col[]; rows: unknown[][] }

export interface QueryResult {
  table: ResultTable;
  visualization: Record<string, unknown> | null;
  truncated?: { limit: number };
  sql?: string;
}

/** A query result already serialised for the v2 wire: the PrimaryResult `Rows` array as JSON bytes. */
export interface WireResult {
  columns: Col[];
  rows: Buffer;
  rowCount: number;
  visualization: Record<string, unknown> | null;
  truncated?: { limit: number };
}

export const DEFAULT_DB = 'NetDefaultDB';
export const MAX_RECORDS = 500_000;
export const MAX_BYTES = 64 * 1024 * 1024;
/** A row's ingestion time: when its transaction began, so every row one request ingests has the same one. */
const NOW_NS = 'CAST(current_timestamp AS TIMESTAMP_NS)';

export class Engine {
  private readonly dbs = new Map<string, DbMeta>();
  private readonly globals = new Map<string, KNode>();
  private readonly translations = new Map<string, Planned>();
  private writer!: DuckDBConnection;
  private writeChain: Promise<unknown> = Promise.resolve();
  private readonly running = new Map<string, Reader>();
  /** Readers between queries, each keeping the statements it prepared (see runSql). */
  private readonly idle: Reader[] = [];
  private readerGeneration = 0;
  /**
   * Writes, for the plans kept between queries (see runSql). A DuckDB plan carries the statistics of the tables it
   * read when it was made (a filter outside a column's range becomes "no rows"), and DuckDB plans a prepared
   * statement again only when the catalog changes, not when rows arrive. So a write marks the tables it touches
   * when it begins: writeSeq counts writes begun, lastWrite holds the latest one per table (lastWriteAll: one that
   * may touch any table), inFlight the writes not yet finished.
   */
  private writeSeq = 0;
  private readonly lastWrite = new Map<string, number>();
  private lastWriteAll = 0;
  private readonly inFlight = new Map<string, number>();
  private inFlightAll = 0;
  private stageCount = 0;
  private readonly tmpDir: string;

  private constructor(private readonly instance: DuckDBInstance, dir: string) {
    this.tmpDir = path.join(dir, 'tmp');
  }

  static async open(dir: string): Promise<Engine> {
    fs.mkdirSync(dir, { recursive: true });
    const instance = await DuckDBInstance.create(path.join(dir, 'eventhouse.duckdb'), {
      autoinstall_known_extensions: 'false', autoload_known_extensions: 'false',
    });
    const e = new Engine(instance, dir);
    await e.init();
    return e;
  }

  private async init(): Promise<void> {
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.writer = await this.instance.connect();
    await this.writer.run("SET GLOBAL TimeZone='UTC'");
    for (const m of MACROS) await this.writer.run(m);
    await this.writer.run('CREATE SCHEMA IF NOT EXISTS __eventline');
    await this.writer.run('CREATE TABLE IF NOT EXISTS __eventline.catalog (db VARCHAR PRIMARY KEY, doc VARCHAR)');
    const r = await this.writer.runAndReadAll('SELECT db, doc FROM __eventline.catalog');
    const timed = await this.writer.runAndReadAll(`SELECT schema_name || '.' || table_name FROM duckdb_columns() WHERE column_name = '$IngestionTime'`);
    const hasTime = new Set(timed.getRows().map((x) => String(x[0])));
    for (const [, doc] of r.getRows()) {
      const meta = JSON.parse(String(doc)) as DbMeta;
      this.dbs.set(meta.name, meta);
      // Tables made before ingestion_time() existed: their rows' ingestion time is unknown (null), later ones get it.
      for (const t of meta.tables.filter((x) => !hasTime.has(`${meta.name}.${x.name}`))) {
        await this.writer.run(`ALTER TABLE ${this.tableSql(meta, t.name)} ADD COLUMN IF NOT EXISTS ${INGESTION_TIME} TIMESTAMP_NS`);
        await this.writer.run(`ALTER TABLE ${this.tableSql(meta, t.name)} ALTER COLUMN ${INGESTION_TIME} SET DEFAULT ${NOW_NS}`);
      }
    }
    if (!this.dbs.has(DEFAULT_DB)) await this.createDatabase(DEFAULT_DB, true);
    // Warm the parser so the first query does not pay the 1–2 s cold start.
    kusto();
    translateQuery('print 1', this.globalsFor(DEFAULT_DB), { tableSql: () => '' });
  }

  async close(): Promise<void> {
    for (const r of this.running.values()) { r.tainted = true; r.conn.interrupt(); }
    this.dropIdleReaders();
    await this.writeChain.catch(() => undefined);
    await this.writer.run('CHECKPOINT');
    this.writer.closeSync();
    this.instance.closeSync();
  }

  databases(): DbMeta[] { return [...this.dbs.values()]; }

  db(name: string | undefined): DbMeta {
    const n = name || DEFAULT_DB;
    const d = this.dbs.get(n) ?? [...this.dbs.values()].find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (!d) throw new KustoUserError('NotFound', `Database '${n}' was not found. Existing databases: ${[...this.dbs.keys()].join(', ')}. Create it with '.create database ${n} persist'.`);
    return d;
  }

  table(db: DbMeta, name: string): TableMeta {
    const t = db.tables.find((x) => x.name === name);
    if (!t) throw new KustoUserError('NotFound', `Table '${name}' was not found in database '${db.name}'. Create it with '.create table ${name} (...)'.`);
    return t;
  }

  tableSql(db: DbMeta, name: string): string {
    return `${ident(db.name)}.${ident(name)}`;
  }

  globalsFor(dbName: string): KNode {
    const db = this.db(dbName);
    let g = this.globals.get(db.name);
    if (!g) {
      const defs: DatabaseDef[] = [...this.dbs.values()].map((d) => ({ name: d.name, tables: d.tables.map((t) => ({ name: t.name, columns: t.columns })), functions: d.functions }));
      g = globalStateFor(defs, db.name);
      this.globals.set(db.name, g);
    }
    return g;
  }

  /**
   * Serialises catalog changes and ingestion: DuckDB allows one writer transaction at a time per table anyway.
   * `touches` names the tables f may change rows of ([] for none, e.g. reading statistics), asked when f's turn
   * comes (an update policy may have been added meanwhile); without it, or if it throws, any table.
   */
  write<T>(f: () => Promise<T>, touches?: () => string[]): Promise<T> {
    const run = async (): Promise<T> => {
      let tables: string[] | undefined;
      try { tables = touches?.(); } catch { tables = undefined; }
      const seq = ++this.writeSeq;
      if (tables) for (const k of tables) { this.lastWrite.set(k, seq); this.inFlight.set(k, (this.inFlight.get(k) ?? 0) + 1); }
      else { this.lastWriteAll = seq; this.inFlightAll++; }
      try {
        return await f();
      } finally {
        if (tables) for (const k of tables) { const n = this.inFlight.get(k)! - 1; if (n) this.inFlight.set(k, n); else this.inFlight.delete(k); }
        else this.inFlightAll--;
      }
    };
    const p = this.writeChain.then(run, run);
    this.writeChain = p.catch(() => undefined);
    return p;
  }

  /** The key a table's writes are recorded under. */
  tableKey(db: DbMeta, name: string): string {
    return `${db.name}\u0000${name}`.toLowerCase();
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

  /** The tables an ingestion into t writes: t, and the targets of the update policies it sets off, transitively. */
  private ingestTargets(db: DbMeta, t: TableMeta): string[] {
    const names = new Set<string>([t.name]);
    for (let grew = true; grew;) {
      grew = false;
      for (const x of db.tables) {
        if (!names.has(x.name) && x.updatePolicies.some((p) => p.IsEnabled && names.has(p.Source))) { names.add(x.name); grew = true; }
      }
    }
    return [...names].map((n) => this.tableKey(db, n));
  }

  globalsClear(): void {
    this.globals.clear();
    this.translations.clear();
    this.schemaKey = undefined;
    // Statements prepared against the old schema go with it (DuckDB would rebind them, but needn't be trusted to).
    this.readerGeneration++;
    this.dropIdleReaders();
  }

  private dropIdleReaders(): void {
    for (const r of this.idle.splice(0)) closeReader(r);
  }

  /** What the parser's GlobalState and the cached translations depend on: names, columns and functions. */
  private schemaKey: string | undefined;

  async saveCatalog(db: DbMeta): Promise<void> {
    // Every ingestion saves the catalog (sizes, dates); only a schema change may throw away the warm GlobalState
    // and the translations, or each streaming batch would make the next queries parse and bind from scratch.
    const key = JSON.stringify([...this.dbs.values()].map((d) => [d.name, d.tables.map((t) => [t.name, t.columns]), d.functions.map((f) => [f.name, f.parameters, f.body])]));
    if (key !== this.schemaKey) {
      this.globalsClear();
      this.schemaKey = key;
    }
    await this.writer.run(`INSERT OR REPLACE INTO __eventline.catalog VALUES (${sqlString(db.name)}, ${sqlString(JSON.stringify(db))})`);
  }

  async createDatabase(name: string, persistent: boolean): Promise<DbMeta> {
    if (!/^[A-Za-z0-9_\-. ]+$/.test(name)) throw new KustoUserError('BadRequest', `'${name}' is not a valid database name: use letters, digits, '_', '-', '.' or spaces.`);
    const existing = [...this.dbs.values()].find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (existing) {
      if (existing.name !== name) throw new KustoUserError('BadRequest', `Database '${existing.name}' already exists; the local Eventhouse keeps database names case-insensitive, so '${name}' can't be created too.`);
      return existing;
    }
    const meta: DbMeta = { name, tables: [], functions: [], persistent };
    await this.writer.run(`CREATE SCHEMA IF NOT EXISTS ${ident(name)}`);
    this.dbs.set(name, meta);
    await this.saveCatalog(meta);
    return meta;
  }

  checkColumns(table: string, cols: Col[]): void {
    const seen = new Map<string, string>();
    for (const c of cols) {
      if (c.name.startsWith('__')) throw new KustoUserError('BadRequest', `Column '${c.name}' in table '${table}': names starting with '__' are reserved by the local Eventhouse.`);
      const prior = seen.get(c.name.toLowerCase());
      if (prior !== undefined) {
        throw new KustoUserError('BadRequest', prior === c.name
          ? `Table '${table}' declares column '${c.name}' twice.`
          : `Table '${table}' has columns '${prior}' and '${c.name}', which differ only by case. Kusto allows that, but the local Eventhouse stores tables in DuckDB, whose identifiers are case-insensitive; rename one of them.`);
      }
      seen.set(c.name.toLowerCase(), c.name);
    }
  }

  async createTable(db: DbMeta, name: string, cols: Col[], opts: { folder?: string; docString?: string; merge: boolean }): Promise<TableMeta> {
    this.checkColumns(name, cols);
    const clash = db.tables.find((t) => t.name.toLowerCase() === name.toLowerCase() && t.name !== name);
    if (clash) throw new KustoUserError('BadRequest', `Table '${clash.name}' already exists and the local Eventhouse keeps table names case-insensitive (DuckDB); choose another name than '${name}'.`);
    let t = db.tables.find((x) => x.name === name);
    if (t) {
      if (!opts.merge) {
        const same = cols.length === t.columns.length && cols.every((c, i) => c.name === t!.columns[i].name && c.type === t!.columns[i].type);
        if (!same) throw new KustoUserError('BadRequest', `Table '${name}' already exists with a different schema. Use '.create-merge table' or '.alter-merge table' to add columns.`);
        return t;
      }
      for (const c of cols) {
        const have = t.columns.find((x) => x.name === c.name);
        if (have) {
          if (have.type !== c.type) throw new KustoUserError('BadRequest', `Column '${c.name}' of table '${name}' is ${have.type}; '.create-merge'/.alter-merge can't change it to ${c.type}.`);
          continue;
        }
        this.checkColumns(name, [...t.columns, c]);
        await this.writer.run(`ALTER TABLE ${this.tableSql(db, name)} ADD COLUMN ${ident(c.name)} ${duckType(c.type)}`);
        t.columns.push(c);
      }
    } else {
      await this.writer.run(`CREATE TABLE ${this.tableSql(db, name)} (${[...cols.map((c) => `${ident(c.name)} ${duckType(c.type)}`), `${INGESTION_TIME} TIMESTAMP_NS DEFAULT ${NOW_NS}`].join(', ')})`);
      t = { name, columns: cols, folder: opts.folder ?? '', docString: opts.docString ?? '', mappings: [], updatePolicies: [], streamingIngestion: false, originalSize: 0 };
      db.tables.push(t);
    }
    if (opts.folder !== undefined) t.folder = opts.folder;
    if (opts.docString !== undefined) t.docString = opts.docString;
    await this.saveCatalog(db);
    return t;
  }

  async dropTable(db: DbMeta, name: string, ifExists: boolean): Promise<void> {
    const t = db.tables.find((x) => x.name === name);
    if (!t) {
      if (ifExists) return;
      this.table(db, name);
    }
    await this.writer.run(`DROP TABLE IF EXISTS ${this.tableSql(db, name)}`);
    db.tables = db.tables.filter((x) => x.name !== name);
    await this.saveCatalog(db);
  }

  async tableStats(db: DbMeta, t: TableMeta): Promise<{ rows: number; size: number }> {
    const r = await this.writer.runAndReadAll(`SELECT count(*) FROM ${this.tableSql(db, t.name)}`);
    const rows = Number(r.getRows()[0][0]);
    let size = 0;
    try {
      const s = await this.writer.runAndReadAll(`SELECT count(DISTINCT block_id) FROM pragma_storage_info(${sqlString(`${db.name}.${t.name}`)})`);
      size = Number(s.getRows()[0][0]) * 262144;
    } catch { size = 0; }
    return { rows, size };
  }

  // ---- ingestion -----------------------------------------------------------------------------------------------

  /**
   * Ingests text (json / multijson / csv) into a table: stage the rows with the mapping applied, run the update
   * policies whose source is this table over just those rows, then append. One transaction.
   */
  async ingest(dbName: string, tableName: string, data: Buffer | string, format: string, mappingName: string | undefined): Promise<number> {
    const touches = () => { const db = this.db(dbName); return this.ingestTargets(db, this.table(db, tableName)); };
    return this.write(async () => {
      const db = this.db(dbName);
      const t = this.table(db, tableName);
      const fmt = format.toLowerCase();
      if (!['json', 'multijson', 'csv', 'singlejson'].includes(fmt)) throw new KustoUserError('BadRequest', `The local Eventhouse ingests json, multijson and csv; '${format}' is not supported.`);
      let mapping: Mapping | undefined;
      if (mappingName) {
        mapping = t.mappings.find((m) => m.name === mappingName);
        if (!mapping) throw new KustoUserError('NotFound', `Ingestion mapping '${mappingName}' was not found on table '${t.name}'. Create it with '.create table ${t.name} ingestion ${fmt === 'csv' ? 'csv' : 'json'} mapping "${mappingName}" '[...]'.`);
      }
      const file = path.join(this.tmpDir, `ingest-${process.pid}-${this.stageCount++}.${fmt === 'csv' ? 'csv' : 'json'}`);
      fs.writeFileSync(file, data);
      const stage = `__stage${this.stageCount++}`;
      try {
        const select = fmt === 'csv' ? this.csvSelect(t, file, mapping) : this.jsonSelect(t, file, mapping);
        await this.writer.run('BEGIN TRANSACTION');
        try {
          const hasPolicies = db.tables.some((x) => x.updatePolicies.some((p) => p.IsEnabled && p.Source === t.name));
          let n: number;
          if (!hasPolicies) {
            // No update policy reads this table: append straight from the file, no staging copy.
            const r = await this.writer.runAndReadAll(`INSERT INTO ${this.tableSql(db, t.name)} (${t.columns.map((c) => ident(c.name)).join(', ')}) ${select}`);
            n = Number(r.getRows()[0]?.[0] ?? 0);
          } else {
            // The rows' ingestion time goes along, for update policies that read ingestion_time().
            await this.writer.run(`CREATE TEMP TABLE ${stage} AS SELECT *, ${NOW_NS} AS ${INGESTION_TIME} FROM (${select})`);
            n = await this.appendStage(db, t, stage, 0);
          }
          t.originalSize += Buffer.byteLength(data);
          const now = formatDatetimeNs(BigInt(Date.now()) * 1_000_000n);
          t.minCreated ??= now;
          t.maxCreated = now;
          await this.saveCatalog(db);
          await this.writer.run('COMMIT');
          return n;
        } catch (e) {
          await this.writer.run('ROLLBACK').catch(() => undefined);
          // DuckDB names the staging file; the sender knows only its data and where in it the fault is.
          const msg = e instanceof Error ? e.message : String(e);
          if (msg.includes(file) && /^(Invalid Input|Conversion) Error/.test(msg)) {
            // The first line only: DuckDB may add the SQL around it ("LINE 1: … read_json('<staging file>')").
            const first = msg.split('\n')[0];
            const where = /Malformed JSON in file "[^"]*",? (.*)$/.exec(first)?.[1] ?? first.split(file).join('the data');
            throw new KustoUserError('BadRequest', `The ${fmt} data sent to '${t.name}' could not be read (${where.trim().replace(/\.$/, '')}). Nothing from this request was ingested.`);
          }
          throw e;
        }
      } finally {
        await this.writer.run(`DROP TABLE IF EXISTS temp.${stage}`).catch(() => undefined);
        fs.rmSync(file, { force: true });
      }
    }, touches);
  }

  private async appendStage(db: DbMeta, t: TableMeta, stage: string, depth: number): Promise<number> {
    if (depth > 8) throw new KustoUserError('BadRequest', `Update policies starting at table '${t.name}' nest more than 8 levels deep; check them for a cycle.`);
    const r = await this.writer.runAndReadAll(`SELECT count(*) FROM temp.${stage}`);
    const n = Number(r.getRows()[0][0]);
    if (n === 0) return 0;
    for (const target of db.tables) {
      for (const p of target.updatePolicies) {
        if (!p.IsEnabled || p.Source !== t.name) continue;
        const tr = translateQuery(p.Query, this.globalsFor(db.name), {
          tableSql: (name) => (name === t.name ? `temp.${stage}` : this.tableSql(db, name)), functionBodies: db.functions.map((f) => f.body),
        });
        if (tr.columns.length !== target.columns.length) {
          throw new KustoUserError('BadRequest', `The update policy of table '${target.name}' returns ${tr.columns.length} columns but the table has ${target.columns.length}; make the query's schema match the table.`);
        }
        const sub = `__stage${this.stageCount++}`;
        const casts = target.columns.map((c, i) => `CAST(${ident(tr.columns[i].name)} AS ${duckType(c.type)}) AS ${ident(c.name)}`);
        await this.writer.run(`CREATE TEMP TABLE ${sub} AS SELECT ${casts.join(', ')}, ${NOW_NS} AS ${INGESTION_TIME} FROM (${tr.sql}) AS _q`);
        try { await this.appendStage(db, target, sub, depth + 1); } finally { await this.writer.run(`DROP TABLE IF EXISTS temp.${sub}`); }
      }
    }
    const names = t.columns.map((c) => ident(c.name)).join(', ');
    await this.writer.run(`INSERT INTO ${this.tableSql(db, t.name)} (${names}) SELECT ${names} FROM temp.${stage}`);
    return n;
  }

  private valueFromJson(json: string, jsonPath: string, c: Col): string {
    const p = sqlString(jsonPath);
    if (c.type === 'dynamic') return `json_extract(${json}, ${p})`;
    if (c.type === 'string') return `coalesce(json_extract_string(${json}, ${p}), '')`;
    return convertFromText(`json_extract_string(${json}, ${p})`, c.type);
  }

  private jsonSelect(t: TableMeta, file: string, mapping: Mapping | undefined): string {
    const fast = this.jsonSelectTopLevel(t, file, mapping);
    if (fast) return fast;
    const exprs = t.columns.map((c) => {
      const m = mapping?.entries.find((e) => e.column === c.name);
      if (mapping && !m) return `${nullOf(c.type)} AS ${ident(c.name)}`;
      const jsonPath = m?.path ?? `$.${JSON.stringify(c.name)}`;
      if (m?.transform) throw new KustoUserError('Unsupported', `Mapping transform '${m.transform}' (column '${c.name}') is not supported by the local Eventhouse.`);
      if (jsonPath === '$') return `${c.type === 'dynamic' ? 'json' : convertFromText('CAST(json AS VARCHAR)', c.type)} AS ${ident(c.name)}`;
      return `${this.valueFromJson('json', jsonPath, c)} AS ${ident(c.name)}`;
    });
    return `SELECT ${exprs.join(', ')} FROM read_json_objects(${sqlString(file)}, format = 'auto', ignore_errors = false, maximum_object_size = 134217728)`;
  }

  /**
   * When every mapped path is a top-level property, DuckDB's read_json parses the file straight into columns —
   * several times faster than extracting each path from a JSON value per row.
   */
  private jsonSelectTopLevel(t: TableMeta, file: string, mapping: Mapping | undefined): string | undefined {
    const keys: { col: Col; key: string | undefined }[] = [];
    for (const c of t.columns) {
      const m = mapping?.entries.find((e) => e.column === c.name);
      if (m?.transform) return undefined;
      if (mapping && !m) { keys.push({ col: c, key: undefined }); continue; }
      const p = m?.path ?? `$.${c.name}`;
      const top = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(p) ?? /^\$\[['"]([^'"]+)['"]\]$/.exec(p);
      if (!top) return undefined;
      keys.push({ col: c, key: top[1] });
    }
    const wanted = [...new Set(keys.filter((k) => k.key !== undefined).map((k) => k.key!))];
    if (!wanted.length) return undefined;
    const lower = new Set<string>();
    for (const k of wanted) { if (lower.has(k.toLowerCase())) return undefined; lower.add(k.toLowerCase()); }
    const typeOfKey = (k: string) => (keys.filter((x) => x.key === k).every((x) => x.col.type === 'dynamic') ? 'JSON' : 'VARCHAR');
    const cols = wanted.map((k) => `${sqlString(k)}: '${typeOfKey(k)}'`).join(', ');
    const alias = (k: string) => `__k${wanted.indexOf(k)}`;
    const exprs = keys.map(({ col, key }) => {
      if (key === undefined) return `${nullOf(col.type)} AS ${ident(col.name)}`;
      const v = `_j.${ident(key)}`;
      void alias;
      if (col.type === 'dynamic') return typeOfKey(key) === 'JSON' ? `${v} AS ${ident(col.name)}` : `${convertFromText(v, 'dynamic')} AS ${ident(col.name)}`;
      if (col.type === 'string') return `coalesce(${v}, '') AS ${ident(col.name)}`;
      return `${convertFromText(v, col.type)} AS ${ident(col.name)}`;
    });
    return `SELECT ${exprs.join(', ')} FROM read_json(${sqlString(file)}, format = 'auto', columns = {${cols}}, ignore_errors = false, maximum_object_size = 134217728) AS _j`;
  }

  private csvSelect(t: TableMeta, file: string, mapping: Mapping | undefined): string {
    const width = Math.max(t.columns.length, ...(mapping?.entries.map((e) => (e.ordinal ?? 0) + 1) ?? [0]));
    const cols = Array.from({ length: width }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
    const exprs = t.columns.map((c, i) => {
      const m = mapping?.entries.find((e) => e.column === c.name);
      const ord = mapping ? m?.ordinal : i;
      if (ord === undefined) return `${nullOf(c.type)} AS ${ident(c.name)}`;
      const v = `c${ord}`;
      if (c.type === 'string') return `coalesce(${v}, '') AS ${ident(c.name)}`;
      return `${convertFromText(v, c.type)} AS ${ident(c.name)}`;
    });
    return `SELECT ${exprs.join(', ')} FROM read_csv(${sqlString(file)}, header = false, delim = ',', quote = '"', escape = '"', columns = {${cols}}, null_padding = true, auto_detect = false, strict_mode = false)`;
  }

  // ---- queries -------------------------------------------------------------------------------------------------

  /** The translation of a query; one that would have to look at data first (see translateRun) is refused. */
  translate(dbName: string, text: string): Planned {
    try {
      return this.translateOrNeed(dbName, text);
    } catch (e) {
      if (e instanceof BagUnpackNeedsSchema) throw new KustoUserError('Unsupported', 'The local Eventhouse runs bag_unpack without an output schema only in queries; here, give it one: evaluate bag_unpack(c) : (*, Name:type, …).');
      throw e;
    }
  }

  /**
   * translate(), and for a bag_unpack without an output schema a look at the data first, as the service decides
   * those columns at run time: the query is translated again with the schema the data gives written into it.
   */
  async translateRun(dbName: string, text: string, opts: { requestId?: string; signal?: AbortSignal; noCache?: boolean } = {}): Promise<Planned> {
    let query = text;
    for (let i = 0; ; i++) {
      try {
        return this.translateOrNeed(dbName, query, opts.noCache);
      } catch (e) {
        if (!(e instanceof BagUnpackNeedsSchema)) throw e;
        if (i >= 16) throw new KustoUserError('Unsupported', 'The local Eventhouse looks at the data for at most 16 bag_unpack calls without an output schema in one query; give the others one: bag_unpack(c) : (*, Name:type, …).');
        query = await this.withBagUnpackSchema(query, e.site, opts);
      }
    }
  }

  /**
   * The query with the schema of one bag_unpack written in: a column per slot its bags have, named prefix + slot and
   * typed by its values (one type, or dynamic if they differ; nulls ignored), sorted by name ahead of the input's
   * columns, as the plugin's page shows them.
   */
  private async withBagUnpackSchema(text: string, site: BagUnpackSite, opts: { requestId?: string; signal?: AbortSignal }): Promise<string> {
    const rows = await this.runSql(`SELECT e.key, coalesce(array_to_string(list(DISTINCT json_type(e.value)) FILTER (WHERE json_type(e.value) <> 'NULL'), ','), '')
      FROM (SELECT unnest(map_entries(TRY_CAST(b AS MAP(VARCHAR, JSON)))) AS e FROM (${site.sql}) AS _s) AS _e GROUP BY e.key ORDER BY e.key`, { requestId: opts.requestId, signal: opts.signal });
    const kinds: Record<string, string> = { VARCHAR: 'string', BIGINT: 'long', UBIGINT: 'long', DOUBLE: 'real', BOOLEAN: 'bool' };
    const slots: { name: string; type: string }[] = [];
    const replaced: string[] = [];
    for (const [key, types] of rows) {
      const name = site.prefix + String(key);
      const ts = [...new Set(String(types).split(',').filter(Boolean).map((t) => kinds[t] ?? 'dynamic'))];
      if (site.inputColumns.includes(name)) {
        if (site.conflict === 'keep_source') continue;
        if (site.conflict !== 'replace_source') throw new KustoUserError('BadRequest', `bag_unpack: the slot '${String(key)}' would be a column '${name}', which its input already has. Add columnsConflict='replace_source' or 'keep_source', or a prefix.`);
        replaced.push(name);
      }
      slots.push({ name, type: ts.length === 1 ? ts[0] : 'dynamic' });
    }
    const schema = ` : (*${slots.map((c) => `, ${bracket(c.name)}:${c.type}`).join('')})${slots.length ? ` | project-reorder ${slots.map((c) => bracket(c.name)).join(', ')}` : ''}`;
    const before = replaced.length ? `project-away ${replaced.map(bracket).join(', ')} | ` : '';
    return text.slice(0, site.evaluateStart) + before + text.slice(site.evaluateStart, site.callEnd) + schema + text.slice(site.callEnd);
  }

  private translateOrNeed(dbName: string, text: string, noCache = false): Planned {
    const db = this.db(dbName);
    // Dashboards and alerts repeat the same text; reuse its translation until the catalog changes. A translation
    // depends on the schema only (never on rows), so a write of rows leaves it valid.
    const key = `${db.name}\u0000${text}`;
    const hit = noCache ? undefined : this.translations.get(key);
    if (hit) return hit;
    const reads = new Set<string>();
    const tr = translateQuery(text, this.globalsFor(db.name), {
      tableSql: (name) => { reads.add(this.tableKey(db, name)); return this.tableSql(db, name); },
      functionBodies: db.functions.map((f) => f.body),
    });
    const planned: Planned = { ...tr, reads: [...reads] };
    if (!tr.usesNow && !noCache) {
      if (this.translations.size >= 500) this.translations.delete(this.translations.keys().next().value!);
      this.translations.set(key, planned);
    }
    return planned;
  }

  /** Runs a translated query on its own connection, so `.cancel query` and dropped clients can interrupt it. */
  async query(dbName: string, text: string, opts: QueryOptions): Promise<QueryResult> {
    const tr = await this.translateRun(dbName, text, opts);
    const noTrunc = opts.notruncation || tr.notruncation;
    const limit = tr.maxRecords ?? opts.maxRecords ?? MAX_RECORDS;
    const sql = noTrunc ? tr.wireSql : `${tr.wireSql} LIMIT ${limit + 1}`;
    const rows = await this.runSql(sql, { ...opts, prepare: !tr.usesNow, reads: tr.reads });
    const table: ResultTable = { name: 'PrimaryResult', columns: tr.columns, rows: [] };
    let truncated: { limit: number } | undefined;
    const cols = tr.columns;
    const n = noTrunc ? rows.length : Math.min(rows.length, limit);
    if (!noTrunc && rows.length > limit) truncated = { limit };
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      const out = new Array<unknown>(r.length);
      for (let j = 0; j < r.length; j++) out[j] = toWire(r[j], cols[j].type);
      table.rows.push(out);
    }
    if (!noTrunc && table.rows.length > 1000 && JSON.stringify(table.rows).length > MAX_BYTES) {
      // Over 64 MB: keep the rows that fit, as the service does, and report the truncation.
      let bytes = 0;
      let keep = 0;
      while (keep < table.rows.length && (bytes += JSON.stringify(table.rows[keep]).length + 1) <= MAX_BYTES) keep++;
      table.rows.length = keep;
      truncated = { limit: keep };
    }
    return { table, visualization: tr.visualization, truncated, sql: tr.sql };
  }

  /**
   * The same rows as query(), serialised for the v2 wire by DuckDB: every row becomes its JSON text in SQL
   * (vectorised) and string_agg joins them into one BLOB, so JS never converts a value. Reading values one by one
   * through the binding costs about a microsecond each (more for strings over 12 bytes), which made results of a
   * few thousand rows slower to serialise than to compute. Falls back to query() for what it can't settle alone:
   * results over 64 MB and dynamic values that are not strict JSON.
   */
  async queryWire(dbName: string, text: string, opts: QueryOptions): Promise<WireResult> {
    const tr = await this.translateRun(dbName, text, opts);
    const cols = tr.columns;
    const slow = async (): Promise<WireResult> => {
      const r = await this.query(dbName, text, opts);
      return { columns: cols, rows: Buffer.from(JSON.stringify(r.table.rows)), rowCount: r.table.rows.length, visualization: r.visualization, truncated: r.truncated };
    };
    if (!cols.length) return slow();
    const noTrunc = opts.notruncation || tr.notruncation;
    const limit = tr.maxRecords ?? opts.maxRecords ?? MAX_RECORDS;
    const order = tr.order.join(', ');
    const rowsSql = noTrunc ? tr.from : `SELECT * FROM (${tr.from}) AS _t${order ? ` ORDER BY ${order}` : ''} LIMIT ${limit + 1}`;
    const typed = cols.map((c, i) => `${wireCastSql(`_t.${ident(c.name)}`, c.type)} AS __w${i}`).join(', ');
    // One variadic concat() rather than a chain of ||: a quarter less time for 6,100 three-column rows (1.67 → 1.28
    // ms). The same text, as wireJsonSql never gives NULL (which concat() would skip and || would spread).
    const json = `concat('[', ${cols.map((c, i) => wireJsonSql(`__w${i}`, c.type)).join(", ',', ")}, ']')`;
    // string_agg's parallel partial states join in any order. Rows in no particular order (a summarize, a join) can
    // go out like that; otherwise a row number carries the query's order, or DuckDB's natural order, which its
    // streaming window keeps, into the aggregate (about a quarter of a small query's time, so only when needed).
    const sql = tr.unordered
      ? `${tr.withs}SELECT count(*) AS n, encode(coalesce(string_agg(${json}, ','), '')) AS j FROM (SELECT ${typed} FROM (${rowsSql}) AS _t) AS _w`
      : `${tr.withs}SELECT count(*) AS n, encode(coalesce(string_agg(${json}, ',' ORDER BY __wire_rn)${noTrunc ? '' : ` FILTER (WHERE __wire_rn <= ${limit})`}, '')) AS j `
        + `FROM (SELECT ${typed}, row_number() OVER (${order ? `ORDER BY ${order}` : ''}) AS __wire_rn FROM (${rowsSql}) AS _t) AS _w`;
    const [[n, blob]] = await this.runSql(sql, { ...opts, prepare: !tr.usesNow, reads: tr.reads });
    const count = Number(n);
    // Unordered rows keep all limit + 1 in the aggregate; which ones a truncated result keeps is query()'s business.
    if (tr.unordered && !noTrunc && count > limit) return slow();
    const body = (blob as { bytes: Uint8Array }).bytes;
    const rowCount = noTrunc ? count : Math.min(count, limit);
    if (!noTrunc && rowCount > 1000 && body.length + 2 > MAX_BYTES) return slow();
    const rows = Buffer.concat([OPEN_BRACKET, body, CLOSE_BRACKET]);
    if (cols.some((c) => c.type === 'dynamic')) {
      // DuckDB's JSON accepts NaN, Infinity and trailing commas; the service's wire (and query()) does not.
      let parsed: unknown;
      try { parsed = JSON.parse(rows.toString('utf8')); } catch { return slow(); }
      if (!Array.isArray(parsed) || parsed.length !== rowCount || !parsed.every((r) => Array.isArray(r) && r.length === cols.length)) return slow();
    }
    return { columns: cols, rows, rowCount, visualization: tr.visualization, truncated: !noTrunc && count > limit ? { limit } : undefined };
  }

  /**
   * Runs a query on a reader connection of its own, so `.cancel query` and dropped clients can interrupt it. Readers
   * are kept between queries with the statements they prepared: dashboards, alerts and re-run cells send the same
   * text again, and parsing, binding and planning the translated SQL was about 1.2 ms of every query (a fifth of
   * the 10 M-row bin-by-minute summarize's DuckDB time; 1.4 of 1.7 ms for an empty result). `prepare` is for SQL that
   * recurs: a query using now() has its instant in the text and is never the same twice.
   *
   * A plan is reused only while no write has begun on the tables it reads (`reads`) since it was made: see
   * `writeSeq`. A statement runs in a transaction of its own, after the one it was planned in, so a write that
   * committed between the two would meet a plan made without it; therefore a plan is made only while no write to
   * those tables is under way, and an answer is kept only if none began while it ran. Otherwise the SQL runs
   * unprepared, which plans inside the transaction that reads, and so always against what it reads.
   */
  async runSql(sql: string, opts: { requestId?: string; signal?: AbortSignal; prepare?: boolean; reads?: readonly string[]; noCache?: boolean }): Promise<unknown[][]> {
    const reader = opts.noCache
      ? { conn: await this.instance.connect(), statements: new Map(), generation: -1, tainted: true }
      : this.idle.pop() ?? { conn: await this.instance.connect(), statements: new Map(), generation: this.readerGeneration, tainted: false };
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
      if (opts.prepare && !opts.noCache && opts.reads && !this.writing(reads)) {
        const before = this.writeSeq;
        const statement = await this.prepared(reader, sql, reads, before);
        rows = readAll(await statement.run());
        if (this.lastWriteOf(reads) > before) {
          // A write began while this ran: the plan may predate rows the answer should hold. Plan it again next time.
          dropStatement(reader, sql);
          rows = undefined;
        }
      }
      // run() materialises the result in one trip to the thread pool; its chunks are then read here, synchronously.
      // runAndReadAll() fetched each chunk, and then the empty end, as trips of their own (three for a one-row wire
      // result): `print 1` took 0.20 ms through queryWire that way, 0.15 ms this way.
      rows ??= readAll(await reader.conn.run(sql));
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
      if (ok && !reader.tainted && reader.generation === this.readerGeneration && this.idle.length < MAX_IDLE_READERS) this.idle.push(reader);
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

  cancel(requestId: string): boolean {
    const r = this.running.get(requestId);
    if (!r) return false;
    r.tainted = true;
    r.conn.interrupt();
    return true;
  }

  /** Runs SQL on the writer (management commands), inside write(). */
  async exec(sql: string): Promise<void> {
    await this.writer.run(sql);
  }
}

/** A connection for queries, with the statements it prepared (SQL text → statement, least recently used first). */
interface Reader {
  conn: DuckDBConnection;
  /** seq: Engine.writeSeq when it was prepared, with no write to the tables it reads under way. */
  statements: Map<string, { statement: DuckDBPreparedStatement; seq: number }>;
  /** Engine.readerGeneration when it connected: an older reader's statements may predate a schema change. */
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

const OPEN_BRACKET = Buffer.from('[');
const CLOSE_BRACKET = Buffer.from(']');

/**
 * The column cast to the storage of its Kusto type: a no-op for the translator's results, and it keeps the wire
 * text valid JSON if a column ever differed. Done once per value, in a projection under wireJsonSql.
 */
export function wireCastSql(x: string, t: KType): string {
  return `CAST(${x} AS ${t === 'string' || t === 'guid' || t === 'dynamic' ? 'VARCHAR' : duckType(t)})`;
}

/**
 * SQL for the JSON text toWire() gives a value x (already cast by wireCastSql) of Kusto type t; never NULL, so
 * rows concatenate. These run for every value of a result, so each type takes its cheapest exact form (the
 * common case first, one string function where possible).
 */
export function wireJsonSql(x: string, t: KType): string {
  switch (t) {
    case 'bool': return `(CASE WHEN ${x} THEN 'true' WHEN NOT ${x} THEN 'false' ELSE 'null' END)`;
    case 'int': case 'long': return `coalesce(CAST(${x} AS VARCHAR), 'null')`;
    // to_json writes the shortest text that reads back as the same double, as JS does; -0 is written 0 as by
    // JSON.stringify, and the non-finite values as the service's strings.
    case 'real': return `(CASE WHEN isfinite(${x}) THEN (CASE WHEN ${x} = 0 THEN '0' ELSE CAST(to_json(${x}) AS VARCHAR) END) WHEN isnan(${x}) THEN '"NaN"' WHEN ${x} > 0 THEN '"Infinity"' WHEN ${x} < 0 THEN '"-Infinity"' ELSE 'null' END)`;
    case 'decimal': return `(CASE WHEN ${x} IS NULL THEN 'null' ELSE CAST(to_json(kq_dec_str(${x})) AS VARCHAR) END)`;
    case 'string': return `CAST(to_json(coalesce(${x}, '')) AS VARCHAR)`;
    case 'guid': return `coalesce(CAST(to_json(${x}) AS VARCHAR), 'null')`;
    // kq_dt_str with the quotes in the format: %n is 9 digits, the first 7 are Kusto's ticks (left() floors).
    // Whole seconds (what bin() by minutes, hours or days gives) skip the fraction and the left(): a third less
    // time per value, and datetimes are the costliest values to format (6,100 rows: 0.95 → 0.65 ms).
    case 'datetime': return `coalesce(CASE WHEN epoch_ns(${x}) % 1000000000 = 0 THEN strftime(${x}, '"%Y-%m-%dT%H:%M:%S.0000000Z"') ELSE left(strftime(${x}, '"%Y-%m-%dT%H:%M:%S.%n'), 28) || 'Z"' END, 'null')`;
    case 'timespan': return `coalesce('"' || kq_ts_str(${x}) || '"', 'null')`;
    case 'dynamic': return `coalesce(${x}, 'null')`;
  }
}

/** Decimal text without trailing fractional zeros (DuckDB pads to the column's scale). */
function decimalText(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function nullOf(t: KType): string {
  return t === 'string' ? "''" : `CAST(NULL AS ${duckType(t)})`;
}

/** A DuckDB value → the JSON the service puts on the wire for that Kusto type. */
export function toWire(v: unknown, t: KType): unknown {
  if (v === null || v === undefined) return t === 'string' ? '' : null;
  switch (t) {
    case 'bool': return Boolean(v);
    case 'int': case 'long': return typeof v === 'bigint' ? Number(v) : Number(v);
    case 'real': {
      const n = Number(v);
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return n;
    }
    // DuckDBDecimalValue prints its exact digits; JSON.stringify of it would throw on the bigint inside.
    case 'decimal': return decimalText(typeof v === 'object' ? (v as { toString(): string }).toString() : text(v));
    case 'string': case 'guid': return text(v);
    case 'datetime': {
      const o = v as { nanos?: bigint; micros?: bigint; millis?: bigint };
      if (typeof o.nanos === 'bigint') return formatDatetimeNs(o.nanos);
      if (typeof o.micros === 'bigint') return formatDatetimeNs(o.micros * 1000n);
      if (typeof v === 'string') return v;
      return text(v);
    }
    case 'timespan': return formatTimespan(typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v))));
    case 'dynamic': {
      const s = text(v);
      try { return JSON.parse(s); } catch { return s; }
    }
  }
}

export { ktype };
