// The Eventhouse engine: one DuckDB file, one schema per Kusto database, a catalog of Kusto metadata (types,
// functions, mappings, policies) kept next to the data, ingestion, and query execution with cancellation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { bracket } from '../../core/kustoNames';
import { ActivityLog } from './activity';
import { bagSlotsSql, withBagUnpackSchema } from './bagUnpackSchema';
import { runBatch, type BatchRequest, type BatchResult } from './batchIngest';
import { csvSelect, jsonSelect } from './ingestSql';
import { MACROS } from './macros';
import type { DbMeta, Mapping, ResultTable, TableMeta } from './meta';
import { KqlTranslator } from './kqlThread';
import type { DatabaseDef, FunctionDef } from './parser';
import { Readers, type RunOptions } from './readers';
import { BagUnpackNeedsSchema, type Translation } from './translate';
import { duckType, formatDatetimeNs, ident, INGESTION_TIME, KustoUserError, sqlString, tableSqlName, type Col } from './types';
import { CLOSE_BRACKET, OPEN_BRACKET, toWire, wireRowsSql } from './wire';

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
const MAX_BYTES = 64 * 1024 * 1024;
/** A row's ingestion time: when its transaction began, so every row one request ingests has the same one. */
const NOW_NS = 'CAST(current_timestamp AS TIMESTAMP_NS)';
/** Where an update policy's translation reads its source's new rows, until a batch names its stage table. */
const POLICY_SOURCE = 'temp.__eventline_policy_source__';

export class Engine {
  private readonly dbs = new Map<string, DbMeta>();
  private readonly translations = new Map<string, Planned>();
  /** Moves with every schema change: what the translator thread's catalog and the cached translations are valid for. */
  private schemaVersion = 0;
  private readonly kql = new KqlTranslator({ version: () => this.schemaVersion, defs: () => this.defs() });
  private writer!: DuckDBConnection;
  private writeChain: Promise<unknown> = Promise.resolve();
  private readonly readers: Readers;
  /** The queries and commands answered, for .show queries / commands / operations. */
  readonly activity = new ActivityLog();
  private stageCount = 0;
  private readonly tmpDir: string;

  private constructor(private readonly instance: DuckDBInstance, dir: string) {
    this.tmpDir = path.join(dir, 'tmp');
    this.readers = new Readers(instance);
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
      for (const t of meta.tables) {
        if (t.streamingIngestion) t.policies = { ...t.policies, streamingingestion: { IsEnabled: true, HintAllocatedRate: null } };
        delete t.streamingIngestion;
      }
      // Tables made before ingestion_time() existed: their rows' ingestion time is unknown (null), later ones get it.
      for (const t of meta.tables.filter((x) => !hasTime.has(`${meta.name}.${x.name}`))) {
        await this.writer.run(`ALTER TABLE ${this.tableSql(meta, t.name)} ADD COLUMN IF NOT EXISTS ${INGESTION_TIME} TIMESTAMP_NS`);
        await this.writer.run(`ALTER TABLE ${this.tableSql(meta, t.name)} ALTER COLUMN ${INGESTION_TIME} SET DEFAULT ${NOW_NS}`);
      }
    }
    if (!this.dbs.has(DEFAULT_DB)) await this.createDatabase(DEFAULT_DB, true);
    // Warm the parser on its thread so the first query does not pay the 1–2 s cold start; a failure to load it
    // is that first query's error.
    this.kql.translate(DEFAULT_DB, 'print 1').catch(() => undefined);
  }

  async close(): Promise<void> {
    this.readers.close();
    this.kql.close();
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
    return tableSqlName(db.name, name);
  }

  /** The catalog as the parser's GlobalState needs it (sent to the translator thread once per schema version). */
  private defs(): DatabaseDef[] {
    return [...this.dbs.values()].map((d) => ({ name: d.name, tables: d.tables.map((t) => ({ name: t.name, columns: t.columns })), functions: d.functions }));
  }

  /** A translation on the translator thread (kqlThread.ts), against the catalog as it is now. */
  private translateText(db: DbMeta, text: string, overrides?: Record<string, string>): Promise<{ tr: Translation; read: string[] }> {
    return this.kql.translate(db.name, text, { overrides });
  }

  /** A stored function's parameters as `.show database schema as json` lists them (the parser reads them). */
  functionParameters(f: FunctionDef): Promise<Record<string, unknown>[]> {
    return this.kql.parameters(f);
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
      this.readers.beginWrite(tables);
      try {
        return await f();
      } finally {
        this.readers.endWrite(tables);
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

  /** The tables an ingestion into t writes: t, and the targets of the update policies it sets off, transitively. */
  ingestTargets(db: DbMeta, t: TableMeta): string[] {
    const names = new Set<string>([t.name]);
    for (let grew = true; grew;) {
      grew = false;
      for (const x of db.tables) {
        if (!names.has(x.name) && x.updatePolicies.some((p) => p.IsEnabled && names.has(p.Source))) { names.add(x.name); grew = true; }
      }
    }
    return [...names].map((n) => this.tableKey(db, n));
  }

  schemaChanged(): void {
    this.schemaVersion++;
    this.translations.clear();
    this.policyTranslations.clear();
    this.schemaKey = undefined;
    // Statements prepared against the old schema go with it (DuckDB would rebind them, but needn't be trusted to).
    this.readers.reset();
  }

  /** What the parser's GlobalState and the cached translations depend on: names, columns and functions. */
  private schemaKey: string | undefined;

  async saveCatalog(db: DbMeta): Promise<void> {
    // Every ingestion saves the catalog (sizes, dates); only a schema change may throw away the warm GlobalState
    // and the translations, or each streaming batch would make the next queries parse and bind from scratch.
    const key = JSON.stringify([...this.dbs.values()].map((d) => [d.name, d.tables.map((t) => [t.name, t.columns]), d.functions.map((f) => [f.name, f.parameters, f.body])]));
    if (key !== this.schemaKey) {
      this.schemaChanged();
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
      t = { name, columns: cols, folder: opts.folder ?? '', docString: opts.docString ?? '', mappings: [], updatePolicies: [], originalSize: 0 };
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
  async ingest(dbName: string, tableName: string, data: Buffer | string, format: string, mappingName: string | undefined, opts: { streaming?: boolean } = {}): Promise<number> {
    const touches = () => { const db = this.db(dbName); return this.ingestTargets(db, this.table(db, tableName)); };
    return this.write(async () => {
      const db = this.db(dbName);
      const t = this.table(db, tableName);
      if (opts.streaming) {
        // On here unless a policy turns it off (the service needs one turning it on: see docs/local-eventhouse.md).
        const policy = t.policies?.streamingingestion ?? db.policies?.streamingingestion;
        if (policy?.IsEnabled === false) {
          const [kind, name] = t.policies?.streamingingestion ? ['table', t.name] : ['database', db.name];
          throw new KustoUserError('BadRequest', `Streaming ingestion into table '${t.name}' is disabled by the streaming ingestion policy of ${kind} '${name}' (IsEnabled: false). Enable it with '.alter ${kind} ${bracket(name)} policy streamingingestion enable', or ingest with '.ingest inline'.`);
        }
      }
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
        const select = fmt === 'csv' ? csvSelect(t, file, mapping) : jsonSelect(t, file, mapping);
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

  /**
   * Appends a query's rows (`select` gives the table's columns by name) as one ingestion: in one transaction, with
   * one ingestion time, through the update policies whose source is t, as .append and .set-or-append are ingestions
   * to the service. Call inside write(). Returns the rows appended to t.
   */
  async ingestQuery(db: DbMeta, t: TableMeta, select: string): Promise<number> {
    const stage = `__stage${this.stageCount++}`;
    await this.writer.run('BEGIN TRANSACTION');
    try {
      await this.writer.run(`CREATE TEMP TABLE ${stage} AS SELECT *, ${NOW_NS} AS ${INGESTION_TIME} FROM (${select}) AS _q`);
      const n = await this.appendStage(db, t, stage, 0);
      await this.writer.run(`DROP TABLE temp.${stage}`);
      await this.writer.run('COMMIT');
      return n;
    } catch (e) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private async appendStage(db: DbMeta, t: TableMeta, stage: string, depth: number): Promise<number> {
    if (depth > 8) throw new KustoUserError('BadRequest', `Update policies starting at table '${t.name}' nest more than 8 levels deep; check them for a cycle.`);
    const r = await this.writer.runAndReadAll(`SELECT count(*) FROM temp.${stage}`);
    const n = Number(r.getRows()[0][0]);
    if (n === 0) return 0;
    for (const target of db.tables) {
      for (const p of target.updatePolicies) {
        if (!p.IsEnabled || p.Source !== t.name) continue;
        const { tr } = await this.translateText(db, p.Query, { [t.name]: `temp.${stage}` });
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

  /**
   * The hub connector's ingestion: segments of staged rows with the mapping applied, update policies as the service
   * runs them, and the caller's statements committed in the same transaction (see batchIngest.ts).
   */
  ingestBatch(req: BatchRequest): Promise<BatchResult> {
    const touches = () => { const db = this.db(req.database); return this.ingestTargets(db, this.table(db, req.table)); };
    return this.write(() => runBatch({
      conn: this.writer,
      db: (name) => this.db(name),
      table: (db, name) => this.table(db, name),
      tableSql: (db, name) => this.tableSql(db, name),
      tmpFile: (ext) => path.join(this.tmpDir, `batch-${process.pid}-${this.stageCount++}.${ext}`),
      stageName: () => `__stage${this.stageCount++}`,
      policySql: async (db, query, source, stage) => {
        // A policy's translation is kept until the schema changes, its source's stage table as a placeholder:
        // translating it for every batch took as long as ingesting one.
        const key = `${db.name}\u0000${source}\u0000${query}`;
        let tr = this.policyTranslations.get(key);
        if (!tr) {
          const version = this.schemaVersion;
          const { tr: t } = await this.translateText(db, query, { [source]: POLICY_SOURCE });
          tr = { sql: t.sql, columns: t.columns };
          if (version === this.schemaVersion) this.policyTranslations.set(key, tr);
        }
        return { sql: tr.sql.split(POLICY_SOURCE).join(`temp.${stage}`), columns: tr.columns };
      },
      saveCatalog: (db) => this.saveCatalog(db),
    }, req), touches);
  }

  private readonly policyTranslations = new Map<string, { sql: string; columns: { name: string }[] }>();

  /** Runs SQL on the writer and returns its rows (inside write(); for the hub connector's own tables). */
  async execRows(sql: string): Promise<unknown[][]> {
    return (await this.writer.runAndReadAll(sql)).getRows();
  }

  // ---- queries -------------------------------------------------------------------------------------------------

  /** The translation of a query; one that would have to look at data first (see translateRun) is refused. */
  async translate(dbName: string, text: string): Promise<Planned> {
    try {
      return await this.translateOrNeed(dbName, text);
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
        return await this.translateOrNeed(dbName, query, opts.noCache);
      } catch (e) {
        if (!(e instanceof BagUnpackNeedsSchema)) throw e;
        if (i >= 16) throw new KustoUserError('Unsupported', 'The local Eventhouse looks at the data for at most 16 bag_unpack calls without an output schema in one query; give the others one: bag_unpack(c) : (*, Name:type, …).');
        query = withBagUnpackSchema(query, e.site, await this.runSql(bagSlotsSql(e.site), { requestId: opts.requestId, signal: opts.signal }));
      }
    }
  }

  private async translateOrNeed(dbName: string, text: string, noCache = false): Promise<Planned> {
    const db = this.db(dbName);
    // Dashboards and alerts repeat the same text; reuse its translation until the catalog changes. A translation
    // depends on the schema only (never on rows), so a write of rows leaves it valid.
    const key = `${db.name}\u0000${text}`;
    const hit = noCache ? undefined : this.translations.get(key);
    if (hit) return hit;
    const version = this.schemaVersion;
    const { tr, read } = await this.translateText(db, text);
    const planned: Planned = { ...tr, reads: [...new Set(read.map((name) => this.tableKey(db, name)))] };
    // A schema change while it was on the translator thread: the answer stands for this request, not for the cache.
    if (!tr.usesNow && !noCache && version === this.schemaVersion) {
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
    const run = (wireSql: string) => this.runSql(noTrunc ? wireSql : `${wireSql} LIMIT ${limit + 1}`, { ...opts, prepare: !tr.usesNow, reads: tr.reads });
    const nf = tr.nanFree;
    let rows = nf && await run(nf.wireSql);
    let ran = nf?.sql;
    // A NaN among the NaN-free variant's rows: the exact query's turn (see NaNFree).
    if (!rows || rows.some((r) => Number.isNaN(r[nf!.column]))) {
      rows = await run(tr.wireSql);
      ran = tr.sql;
    }
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
    return { table, visualization: tr.visualization, truncated, sql: ran };
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
    const run = (q: Parameters<typeof wireRowsSql>[0], nanColumn?: number) => this.runSql(wireRowsSql(q, noTrunc ? undefined : limit, nanColumn), { ...opts, prepare: !tr.usesNow, reads: tr.reads });
    let answer = tr.nanFree && (await run({ ...tr, ...tr.nanFree }, tr.nanFree.column))[0];
    // A NaN among the NaN-free variant's rows: the exact query's turn (see NaNFree).
    if (!answer || answer[2] === true) answer = (await run(tr))[0];
    const [n, blob] = answer;
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

  /** Runs SQL on a query connection (see Readers.run). */
  runSql(sql: string, opts: RunOptions): Promise<unknown[][]> {
    return this.readers.run(sql, opts);
  }

  cancel(requestId: string): boolean {
    return this.readers.cancel(requestId);
  }

  /** Runs SQL on the writer (management commands), inside write(). */
  async exec(sql: string): Promise<void> {
    await this.writer.run(sql);
  }
}
