// Management commands (text starting with '.'), each answered with one v1 table shaped as the service's.
import { randomUUID } from 'node:crypto';
import { bracket } from '../../core/kustoNames';
import type { DbMeta, Engine, Mapping, MappingEntry, ResultTable, TableMeta, UpdatePolicy } from './engine';
import { ktype, KustoUserError, DOTNET_TYPE, text as asText, type Col, type KType } from './types';

const NAME = String.raw`(?:\[\s*(?:'[^']*'|"[^"]*")\s*\]|[A-Za-z_][\w\-.]*)`;

function unname(s: string): string {
  const m = /^\[\s*(?:'([^']*)'|"([^"]*)")\s*\]$/.exec(s.trim());
  return m ? (m[1] ?? m[2]) : s.trim();
}

function table(columns: [string, KType][], rows: unknown[][]): ResultTable {
  return { name: 'Table_0', columns: columns.map(([name, type]) => ({ name, type })), rows };
}

/** A Kusto string literal at the start of s: '...', "...", @'...', @"...", or ```...```. */
function readString(s: string): { value: string; rest: string } | undefined {
  const t = s.trimStart();
  const fence = /^```([\s\S]*?)```/.exec(t);
  if (fence) return { value: fence[1], rest: t.slice(fence[0].length) };
  const verbatim = /^@(['"])/.exec(t);
  if (verbatim) {
    const q = verbatim[1];
    let i = 2; let out = '';
    while (i < t.length) {
      if (t[i] === q) { if (t[i + 1] === q) { out += q; i += 2; continue; } return { value: out, rest: t.slice(i + 1) }; }
      out += t[i++];
    }
    return undefined;
  }
  const q = t[0];
  if (q !== "'" && q !== '"') return undefined;
  let i = 1; let out = '';
  while (i < t.length) {
    const c = t[i];
    if (c === '\\') {
      const n = t[i + 1];
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      i += 2; continue;
    }
    if (c === q) return { value: out, rest: t.slice(i + 1) };
    out += c; i++;
  }
  return undefined;
}

function parseSchema(text: string): Col[] {
  const inner = text.trim().replace(/^\(/, '').replace(/\)$/, '');
  if (!inner.trim()) return [];
  const cols: Col[] = [];
  for (const part of inner.split(',')) {
    const m = new RegExp(`^\\s*(${NAME})\\s*:\\s*([A-Za-z0-9_()]+)\\s*$`).exec(part);
    if (!m) throw new KustoUserError('Syntax', `Can't read the column declaration '${part.trim()}'; write it as Name:type, e.g. (Timestamp:datetime, Value:real).`);
    cols.push({ name: unname(m[1]), type: ktype(m[2]) });
  }
  return cols;
}

function withProps(text: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!text) return m;
  const re = /([A-Za-z_][\w]*)\s*=\s*(@?"(?:[^"\\]|\\.)*"|@?'(?:[^'\\]|\\.)*'|[^,)]+)/g;
  let x: RegExpExecArray | null;
  while ((x = re.exec(text))) {
    const raw = x[2].trim();
    const s = readString(raw);
    m.set(x[1].toLowerCase(), s ? s.value : raw);
  }
  return m;
}

function cslSchema(t: TableMeta): string {
  return t.columns.map((c) => `${c.name}:${c.type}`).join(',');
}

function jsonSchema(t: TableMeta): Record<string, unknown> {
  return { Name: t.name, OrderedColumns: t.columns.map((c) => ({ Name: c.name, Type: DOTNET_TYPE[c.type], CslType: c.type })) };
}

function schemaRow(db: DbMeta, t: TableMeta): unknown[] {
  return [t.name, JSON.stringify(jsonSchema(t)), db.name, t.folder, t.docString];
}

const SCHEMA_COLS: [string, KType][] = [['TableName', 'string'], ['Schema', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string']];

function mappingRow(db: DbMeta, t: TableMeta, m: Mapping): unknown[] {
  return [m.name, m.kind, JSON.stringify(m.entries.map(normalMapping)), m.lastUpdatedOn, db.name, t.name];
}

const MAPPING_COLS: [string, KType][] = [['Name', 'string'], ['Kind', 'string'], ['Mapping', 'string'], ['LastUpdatedOn', 'datetime'], ['Database', 'string'], ['Table', 'string']];

function normalMapping(e: MappingEntry): Record<string, unknown> {
  const props: Record<string, string> = {};
  if (e.path !== undefined) props.Path = e.path;
  if (e.ordinal !== undefined) props.Ordinal = String(e.ordinal);
  if (e.transform) props.Transform = e.transform;
  return { column: e.column, path: e.path, datatype: e.datatype ?? '', transform: e.transform, Properties: props };
}

function functionRow(f: { name: string; parameters: string; body: string; folder: string; docString: string }): unknown[] {
  return [f.name, f.parameters, f.body, f.folder, f.docString];
}

export async function runCommand(engine: Engine, dbName: string, text: string): Promise<ResultTable> {
  const csl = text.trim();
  let m: RegExpExecArray | null;

  // `.show tables details | where TotalRowCount > 0 | project TableName`: the command's table, then the query.
  const pipe = /^\.show\b/i.test(csl) ? topLevelPipe(csl) : -1;
  if (pipe > 0) {
    const shown = await runCommand(engine, dbName, csl.slice(0, pipe));
    try {
      return (await engine.query(dbName, `${asDatatable(shown)}\n${csl.slice(pipe)}`, { notruncation: true })).table;
    } catch (e) {
      // Positions in the query part (line 2 onwards of what ran) → positions in the command as the user wrote it.
      if (!(e instanceof KustoUserError) || !e.position || e.position.line < 2) throw e;
      const before = csl.slice(0, pipe).split('\n');
      const line = before.length + e.position.line - 2;
      const column = e.position.line === 2 ? before[before.length - 1].length + e.position.column : e.position.column;
      throw new KustoUserError(e.kind, e.message.replace(/\[line:position=\d+:\d+\]/, `[line:position=${line}:${column}]`), { line, column });
    }
  }

  if (/^\.show\s+version\s*$/i.test(csl)) {
    return table([['BuildVersion', 'string'], ['BuildTime', 'datetime'], ['ServiceType', 'string'], ['ProductVersion', 'string']], [['1.0.0.0', '2026-01-01T00:00:00.0000000Z', 'Engine', 'eventline-local']]);
  }
  if (/^\.show\s+databases\s*$/i.test(csl)) {
    return table([['DatabaseName', 'string'], ['PersistentStorage', 'string'], ['Version', 'string'], ['IsCurrent', 'bool'], ['DatabaseAccessMode', 'string'], ['PrettyName', 'string'], ['ReservedSlot1', 'bool'], ['DatabaseId', 'guid']],
      engine.databases().map((d) => [d.name, 'eventhouse.duckdb', 'v1.0', d.name === engine.db(dbName).name, 'ReadWrite', '', false, uuidFor(d.name)]));
  }
  if ((m = /^\.create\s+database\s+(\S+)(?:\s+(persist|volatile)\b[\s\S]*)?$/i.exec(csl))) {
    const d = await engine.write(() => engine.createDatabase(unname(m![1]), true));
    return table([['DatabaseName', 'string'], ['PersistentStorage', 'string'], ['Version', 'string'], ['IsCurrent', 'bool'], ['DatabaseAccessMode', 'string'], ['PrettyName', 'string'], ['DatabaseId', 'guid']],
      [[d.name, 'eventhouse.duckdb', 'v1.0', false, 'ReadWrite', '', uuidFor(d.name)]]);
  }
  if ((m = /^\.cancel\s+query\s+(.+?)(?:\s+with\s*\(.*\))?\s*$/i.exec(csl))) {
    const id = readString(m[1])?.value ?? m[1].trim();
    const ok = engine.cancel(id);
    return table([['RunningQueryCanceled', 'bool'], ['ReasonPhrase', 'string']], [[ok, ok ? '' : `No running query with client request id '${id}'.`]]);
  }

  const db = engine.db(dbName);

  if (/^\.show\s+tables\s*$/i.test(csl)) {
    return table([['TableName', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string']], db.tables.map((t) => [t.name, db.name, t.folder, t.docString]));
  }
  if (/^\.show\s+tables\s+details\s*$/i.test(csl)) {
    const rows: unknown[][] = [];
    for (const t of db.tables) {
      const s = await engine.write(() => engine.tableStats(db, t), () => []);
      const policy = JSON.stringify({ IsEnabled: t.streamingIngestion, HintAllocatedRate: null });
      rows.push([t.name, db.name, t.folder, t.docString, s.rows > 0 ? 1 : 0, s.size, t.originalSize, s.rows, s.rows > 0 ? 1 : 0, s.size, t.originalSize, s.rows,
        '[]', 'null', 'null', 'null', 'null', t.streamingIngestion ? policy : 'null', t.minCreated ?? null, t.maxCreated ?? null, 'null']);
    }
    return table([['TableName', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string'], ['TotalExtents', 'long'], ['TotalExtentSize', 'real'], ['TotalOriginalSize', 'real'], ['TotalRowCount', 'long'],
      ['HotExtents', 'long'], ['HotExtentSize', 'real'], ['HotOriginalSize', 'real'], ['HotRowCount', 'long'], ['AuthorizedPrincipals', 'string'], ['RetentionPolicy', 'string'], ['CachingPolicy', 'string'],
      ['ShardingPolicy', 'string'], ['MergePolicy', 'string'], ['StreamingIngestionPolicy', 'string'], ['MinExtentsCreationTime', 'datetime'], ['MaxExtentsCreationTime', 'datetime'], ['RowOrderPolicy', 'string']], rows);
  }
  if ((m = new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+schema\\s+as\\s+json\\s*$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    return table(SCHEMA_COLS, [schemaRow(db, t)]);
  }
  if ((m = new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+cslschema\\s*$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    return table(SCHEMA_COLS, [[t.name, cslSchema(t), db.name, t.folder, t.docString]]);
  }
  if ((m = new RegExp(`^\\.show\\s+database(?:\\s+(${NAME}))?\\s+schema\\s+as\\s+json\\s*$`, 'i').exec(csl))) {
    const d = m[1] ? engine.db(unname(m[1])) : db;
    const tables: Record<string, unknown> = {};
    for (const t of d.tables) tables[t.name] = { Name: t.name, DefaultColumn: null, OrderedColumns: jsonSchema(t).OrderedColumns, Folder: t.folder, DocString: t.docString };
    const functions: Record<string, unknown> = {};
    for (const f of d.functions) functions[f.name] = { Name: f.name, InputParameters: [], Body: f.body, Folder: f.folder, DocString: f.docString, FunctionKind: 'Unknown', OutputColumns: [] };
    const doc = { Databases: { [d.name]: { Name: d.name, Tables: tables, ExternalTables: {}, MaterializedViews: {}, Functions: functions, PrettyName: null, MajorVersion: 1, MinorVersion: 1, DatabaseAccessMode: 'ReadWrite' } } };
    return table([['DatabaseSchema', 'string']], [[JSON.stringify(doc)]]);
  }
  if (/^\.show\s+functions\s*$/i.test(csl)) {
    return table([['Name', 'string'], ['Parameters', 'string'], ['Body', 'string'], ['Folder', 'string'], ['DocString', 'string']], db.functions.map(functionRow));
  }
  if ((m = new RegExp(`^\\.show\\s+function\\s+(${NAME})\\s*$`, 'i').exec(csl))) {
    const f = db.functions.find((x) => x.name === unname(m![1]));
    if (!f) throw new KustoUserError('NotFound', `Function '${unname(m[1])}' was not found in database '${db.name}'.`);
    return table([['Name', 'string'], ['Parameters', 'string'], ['Body', 'string'], ['Folder', 'string'], ['DocString', 'string']], [functionRow(f)]);
  }
  if ((m = new RegExp(`^\\.(create|create-merge|alter-merge|alter)\\s+table\\s+(${NAME})\\s*(\\([^)]*\\))\\s*(?:with\\s*\\(([\\s\\S]*)\\))?\\s*$`, 'i').exec(csl))) {
    const verb = m[1].toLowerCase();
    const name = unname(m[2]);
    const props = withProps(m[4]);
    if (verb === 'alter') throw new KustoUserError('Unsupported', "'.alter table T (...)' (which can drop and retype columns) is not supported by the local Eventhouse; use '.alter-merge table' to add columns, or drop and re-create the table.");
    if (verb === 'alter-merge') engine.table(db, name);
    const t = await engine.write(() => engine.createTable(db, name, parseSchema(m![3]), { folder: props.get('folder'), docString: props.get('docstring'), merge: verb !== 'create' }));
    return table(SCHEMA_COLS, [schemaRow(db, t)]);
  }
  if ((m = new RegExp(`^\\.drop\\s+table\\s+(${NAME})(\\s+ifexists)?\\s*$`, 'i').exec(csl))) {
    await engine.write(() => engine.dropTable(db, unname(m![1]), Boolean(m![2])));
    return table([['TableName', 'string'], ['DatabaseName', 'string']], db.tables.map((t) => [t.name, db.name]));
  }
  if ((m = new RegExp(`^\\.clear\\s+table\\s+(${NAME})\\s+data\\s*$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    await engine.write(() => engine.exec(`DELETE FROM ${engine.tableSql(db, t.name)}`), () => [engine.tableKey(db, t.name)]);
    return table([['Status', 'string']], [['Success']]);
  }
  if ((m = new RegExp(`^\\.(create|create-or-alter|alter)\\s+table\\s+(${NAME})\\s+ingestion\\s+(json|csv)\\s+mapping\\s+([\\s\\S]+)$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[2]));
    const kind = m[3].toLowerCase() === 'json' ? 'Json' : 'Csv';
    const nameLit = readString(m[4]);
    if (!nameLit) throw new KustoUserError('Syntax', "Expected the mapping name as a string literal, e.g. .create table T ingestion json mapping \"MyMapping\" '[...]'.");
    const bodyLit = readString(nameLit.rest);
    if (!bodyLit) throw new KustoUserError('Syntax', 'Expected the mapping as a string literal holding a JSON array.');
    let raw: unknown;
    try { raw = JSON.parse(bodyLit.value); } catch (e) { throw new KustoUserError('BadRequest', `Mapping '${nameLit.value}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`); }
    if (!Array.isArray(raw)) throw new KustoUserError('BadRequest', `Mapping '${nameLit.value}' must be a JSON array of {column, path | ordinal, datatype}.`);
    const entries: MappingEntry[] = raw.map((x: Record<string, unknown>) => {
      const props = (x.Properties ?? x.properties ?? {}) as Record<string, unknown>;
      const column = asText(x.column ?? x.Column ?? x.Name ?? '');
      if (!t.columns.some((c) => c.name === column)) throw new KustoUserError('BadRequest', `Mapping '${nameLit.value}' refers to column '${column}', which table '${t.name}' does not have.`);
      const p = x.path ?? x.Path ?? props.Path ?? props.path;
      const o = x.ordinal ?? x.Ordinal ?? props.Ordinal ?? props.ordinal;
      const tr = x.transform ?? x.Transform ?? props.Transform;
      return { column, path: p === undefined ? undefined : asText(p), ordinal: o === undefined ? undefined : Number(o), datatype: x.datatype === undefined ? undefined : asText(x.datatype), transform: tr ? asText(tr) : undefined };
    });
    const mapping: Mapping = { name: nameLit.value, kind, entries, lastUpdatedOn: new Date().toISOString().replace('Z', '0000Z') };
    await engine.write(async () => {
      const existing = t.mappings.findIndex((x) => x.name === mapping.name);
      if (existing >= 0 && m![1].toLowerCase() === 'create') throw new KustoUserError('BadRequest', `Mapping '${mapping.name}' already exists on table '${t.name}'; use '.create-or-alter'.`);
      if (existing >= 0) t.mappings[existing] = mapping; else t.mappings.push(mapping);
      await engine.saveCatalog(db);
    });
    return table(MAPPING_COLS, [mappingRow(db, t, mapping)]);
  }
  if ((m = new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+ingestion(?:\\s+(json|csv))?\\s+mappings?\\s*$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    const kind = m[2]?.toLowerCase();
    return table(MAPPING_COLS, t.mappings.filter((x) => !kind || x.kind.toLowerCase() === kind).map((x) => mappingRow(db, t, x)));
  }
  if ((m = new RegExp(`^\\.ingest\\s+inline\\s+into\\s+table\\s+(${NAME})\\s*(?:with\\s*\\(([^)]*)\\))?\\s*<\\|\\s?([\\s\\S]*)$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    const props = withProps(m[2]);
    const format = (props.get('format') ?? 'csv').toLowerCase();
    const n = await engine.ingest(db.name, t.name, m[3], format, props.get('ingestionmappingreference') ?? props.get('mappingname'));
    return table([['ExtentId', 'guid'], ['OriginalSize', 'real'], ['ExtentSize', 'real'], ['ColumnSize', 'real'], ['IndexSize', 'real'], ['RowCount', 'long']],
      [[randomUUID(), Buffer.byteLength(m[3]), 0, 0, 0, n]]);
  }
  if ((m = new RegExp(`^\\.(set-or-append|set-or-replace|set|append)\\s+(?:async\\s+)?(${NAME})\\s*(?:with\\s*\\(([^)]*)\\))?\\s*<\\|([\\s\\S]*)$`, 'i').exec(csl))) {
    const verb = m[1].toLowerCase();
    const name = unname(m[2]);
    const query = m[4];
    const tr = await engine.translateRun(db.name, query);
    const n = await engine.write(async () => {
      let t = db.tables.find((x) => x.name === name);
      if (t && verb === 'set') throw new KustoUserError('BadRequest', `Table '${name}' already exists; '.set' only creates new tables. Use '.set-or-append' or '.set-or-replace'.`);
      if (!t && verb === 'append') engine.table(db, name);
      if (!t) t = await engine.createTable(db, name, tr.columns, { merge: false, folder: withProps(m![3]).get('folder'), docString: withProps(m![3]).get('docstring') });
      else if (verb === 'set-or-replace') {
        await engine.dropTable(db, name, true);
        t = await engine.createTable(db, name, tr.columns, { merge: false, folder: t.folder, docString: t.docString });
      }
      const target = t;
      const byName = new Map(tr.columns.map((c) => [c.name, c]));
      const select = target.columns.map((c) => (byName.has(c.name) ? `CAST(${quote(c.name)} AS ${duckTypeOf(c.type)}) AS ${quote(c.name)}` : `NULL AS ${quote(c.name)}`));
      for (const c of tr.columns) if (!target.columns.some((x) => x.name === c.name)) throw new KustoUserError('BadRequest', `The query returns column '${c.name}', which table '${name}' does not have; use '.alter-merge table' first or project it away.`);
      await engine.exec(`INSERT INTO ${engine.tableSql(db, name)} (${target.columns.map((c) => quote(c.name)).join(', ')}) SELECT ${select.join(', ')} FROM (${tr.sql}) AS _q`);
      const r = await engine.runSql(`SELECT count(*) FROM (${tr.sql}) AS _q`, {});
      return Number(r[0][0]);
    });
    return table([['ExtentId', 'guid'], ['OriginalSize', 'real'], ['ExtentSize', 'real'], ['ColumnSize', 'real'], ['IndexSize', 'real'], ['RowCount', 'long']], [[randomUUID(), 0, 0, 0, 0, n]]);
  }
  if ((m = new RegExp(`^\\.(create-or-alter|create|alter)\\s+function\\s*(?:with\\s*\\(([^)]*)\\))?\\s*(${NAME})\\s*(\\([^)]*\\))\\s*(\\{[\\s\\S]*\\})\\s*$`, 'i').exec(csl))) {
    const verb = m[1].toLowerCase();
    const props = withProps(m[2]);
    const name = unname(m[3]);
    const f = { name, parameters: m[4], body: m[5], folder: props.get('folder') ?? '', docString: props.get('docstring') ?? '' };
    await engine.write(async () => {
      const i = db.functions.findIndex((x) => x.name === name);
      if (i >= 0 && verb === 'create') throw new KustoUserError('BadRequest', `Function '${name}' already exists; use '.create-or-alter function'.`);
      if (i < 0 && verb === 'alter') throw new KustoUserError('NotFound', `Function '${name}' was not found.`);
      const prior = db.functions.slice();
      if (i >= 0) db.functions[i] = f; else db.functions.push(f);
      engine.globalsClear();
      // Validate the body against the live schema now rather than at first call.
      try {
        const params = f.parameters.replace(/^\(|\)$/g, '').trim();
        if (!params) engine.translate(db.name, name);
      } catch (e) {
        db.functions = prior;
        engine.globalsClear();
        throw e;
      }
      await engine.saveCatalog(db);
    });
    return table([['Name', 'string'], ['Parameters', 'string'], ['Body', 'string'], ['Folder', 'string'], ['DocString', 'string']], [functionRow(f)]);
  }
  if ((m = new RegExp(`^\\.drop\\s+function\\s+(${NAME})(\\s+ifexists)?\\s*$`, 'i').exec(csl))) {
    const name = unname(m[1]);
    await engine.write(async () => {
      if (!db.functions.some((x) => x.name === name) && !m![2]) throw new KustoUserError('NotFound', `Function '${name}' was not found.`);
      db.functions = db.functions.filter((x) => x.name !== name);
      await engine.saveCatalog(db);
    });
    return table([['Name', 'string']], [[name]]);
  }
  if ((m = new RegExp(`^\\.alter(?:-merge)?\\s+table\\s+(${NAME})\\s+policy\\s+update\\s+([\\s\\S]+)$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    const lit = readString(m[2]);
    if (!lit) throw new KustoUserError('Syntax', "Expected the update policy as a string literal, e.g. @'[{\"IsEnabled\": true, \"Source\": \"Raw\", \"Query\": \"Raw | ...\"}]'.");
    let raw: unknown;
    try { raw = JSON.parse(lit.value); } catch (e) { throw new KustoUserError('BadRequest', `The update policy is not valid JSON: ${e instanceof Error ? e.message : String(e)}`); }
    if (!Array.isArray(raw)) throw new KustoUserError('BadRequest', 'The update policy must be a JSON array.');
    const policies: UpdatePolicy[] = raw.map((p: Record<string, unknown>) => ({
      IsEnabled: p.IsEnabled !== false, Source: asText(p.Source), Query: asText(p.Query), IsTransactional: Boolean(p.IsTransactional), PropagateIngestionProperties: Boolean(p.PropagateIngestionProperties),
    }));
    for (const p of policies) {
      engine.table(db, p.Source);
      const tr = engine.translate(db.name, p.Query);
      if (tr.columns.length !== t.columns.length) throw new KustoUserError('BadRequest', `The update policy query returns ${tr.columns.length} columns (${tr.columns.map((c) => `${c.name}:${c.type}`).join(', ')}) but table '${t.name}' has ${t.columns.length} (${cslSchema(t)}).`);
    }
    await engine.write(async () => { t.updatePolicies = policies; await engine.saveCatalog(db); });
    return policyTable(db, t, 'UpdatePolicy', JSON.stringify(policies));
  }
  if ((m = new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+policy\\s+update\\s*$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    return policyTable(db, t, 'UpdatePolicy', JSON.stringify(t.updatePolicies));
  }
  if ((m = new RegExp(`^\\.alter\\s+table\\s+(${NAME})\\s+policy\\s+streamingingestion\\s+([\\s\\S]+)$`, 'i').exec(csl))) {
    const t = engine.table(db, unname(m[1]));
    const arg = m[2].trim();
    const enable = !/^disable$/i.test(arg);
    await engine.write(async () => { t.streamingIngestion = enable; await engine.saveCatalog(db); });
    return policyTable(db, t, 'StreamingIngestionPolicy', JSON.stringify({ IsEnabled: enable, HintAllocatedRate: null }));
  }
  if (/^\.alter\s+database\s+\S+\s+policy\s+streamingingestion\s+/i.test(csl)) {
    return table([['PolicyName', 'string'], ['EntityName', 'string'], ['Policy', 'string'], ['ChildEntities', 'string'], ['EntityType', 'string']], [['StreamingIngestionPolicy', `[${db.name}]`, JSON.stringify({ IsEnabled: true, HintAllocatedRate: null }), '[]', 'Database']]);
  }
  const verb = /^\.[\w-]+(\s+[\w-]+){0,2}/.exec(csl)?.[0] ?? csl.slice(0, 30);
  throw new KustoUserError('Unsupported', `The local Eventhouse does not support the management command '${verb}'. See docs/local-eventhouse.md for the supported commands.`);
}

function policyTable(db: DbMeta, t: TableMeta, name: string, policy: string): ResultTable {
  return table([['PolicyName', 'string'], ['EntityName', 'string'], ['Policy', 'string'], ['ChildEntities', 'string'], ['EntityType', 'string']], [[name, `[${db.name}].[${t.name}]`, policy, '[]', 'Table']]);
}

function quote(n: string): string { return `"${n.replace(/"/g, '""')}"`; }

function duckTypeOf(t: KType): string {
  return ({ bool: 'BOOLEAN', int: 'INTEGER', long: 'BIGINT', real: 'DOUBLE', decimal: 'DECIMAL(38,10)', string: 'VARCHAR', datetime: 'TIMESTAMP_NS', timespan: 'BIGINT', guid: 'VARCHAR', dynamic: 'JSON' } as const)[t];
}

function uuidFor(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex.padEnd(12, '0')}`;
}

/** Where the query part of a command starts: its first '|' outside strings (not the '<|' of .set, .ingest). */
function topLevelPipe(csl: string): number {
  for (let i = 0; i < csl.length; i++) {
    const c = csl[i];
    if (c === '|' && csl[i - 1] !== '<') return i;
    const quoted = c === "'" || c === '"' || csl.startsWith('```', i) || (c === '@' && (csl[i + 1] === "'" || csl[i + 1] === '"'));
    if (quoted) {
      const s = readString(csl.slice(i));
      if (!s) return -1;
      i = csl.length - s.rest.length - 1;
    }
  }
  return -1;
}

/** A command's result as a KQL datatable, so a query can run over it. */
function asDatatable(t: ResultTable): string {
  const cols = t.columns.map((c) => `${bracket(c.name)}:${c.type}`).join(', ');
  const values = t.rows.flatMap((r) => r.map((v, i) => kqlLiteral(v, t.columns[i].type)));
  return `datatable(${cols})[${values.join(', ')}]`;
}

function kqlLiteral(v: unknown, t: KType): string {
  if (v === null || v === undefined) return t === 'string' ? '""' : `${t}(null)`;
  switch (t) {
    case 'string': return kqlString(asText(v));
    case 'bool': return v ? 'true' : 'false';
    case 'real': return Number.isFinite(Number(v)) ? `real(${Number(v)})` : `real(${Number.isNaN(Number(v)) ? 'nan' : Number(v) > 0 ? '+inf' : '-inf'})`;
    case 'dynamic': return `dynamic(${typeof v === 'string' ? v : JSON.stringify(v)})`;
    case 'timespan': return `time(${asText(v)})`;
    default: return `${t}(${asText(v)})`;
  }
}

/** A double-quoted KQL string: backslash and quote escaped, control characters as \uXXXX. */
function kqlString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += c === '\\' || c === '"' ? `\\${c}` : code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return `${out}"`;
}
