// Tables: listing, schemas, creating, altering, dropping and clearing.
import { KustoUserError } from '../types';
import type { Command } from './command';
import { cslSchema, jsonSchema, SCHEMA_COLS, schemaRow } from './rows';
import { NAME, parseSchema, table, unname, withProps } from './syntax';

export const TABLES_COMMANDS: Command[] = [
  {
    pattern: /^\.show\s+tables\s*$/i,
    run: async (_m, ctx) => {
      const db = ctx.db();
      return table([['TableName', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string']], db.tables.map((t) => [t.name, db.name, t.folder, t.docString]));
    },
  },
  {
    pattern: /^\.show\s+tables\s+details\s*$/i,
    run: async (_m, ctx) => {
      const db = ctx.db();
      const rows: unknown[][] = [];
      for (const t of db.tables) {
        const s = await ctx.engine.write(() => ctx.engine.tableStats(db, t), () => []);
        const policy = (kind: string) => JSON.stringify(t.policies?.[kind] ?? null);
        rows.push([t.name, db.name, t.folder, t.docString, s.rows > 0 ? 1 : 0, s.size, t.originalSize, s.rows, s.rows > 0 ? 1 : 0, s.size, t.originalSize, s.rows,
          '[]', policy('retention'), policy('caching'), policy('sharding'), policy('merge'), policy('streamingingestion'), t.minCreated ?? null, t.maxCreated ?? null, policy('roworder')]);
      }
      return table([['TableName', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string'], ['TotalExtents', 'long'], ['TotalExtentSize', 'real'], ['TotalOriginalSize', 'real'], ['TotalRowCount', 'long'],
        ['HotExtents', 'long'], ['HotExtentSize', 'real'], ['HotOriginalSize', 'real'], ['HotRowCount', 'long'], ['AuthorizedPrincipals', 'string'], ['RetentionPolicy', 'string'], ['CachingPolicy', 'string'],
        ['ShardingPolicy', 'string'], ['MergePolicy', 'string'], ['StreamingIngestionPolicy', 'string'], ['MinExtentsCreationTime', 'datetime'], ['MaxExtentsCreationTime', 'datetime'], ['RowOrderPolicy', 'string']], rows);
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+schema\\s+as\\s+json\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      return table(SCHEMA_COLS, [schemaRow(db, t)]);
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+cslschema\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      return table(SCHEMA_COLS, [[t.name, cslSchema(t), db.name, t.folder, t.docString]]);
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+database(?:\\s+(${NAME}))?\\s+schema\\s+as\\s+json\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const d = m[1] ? ctx.engine.db(unname(m[1])) : db;
      const tables: Record<string, unknown> = {};
      for (const t of d.tables) tables[t.name] = { Name: t.name, DefaultColumn: null, OrderedColumns: jsonSchema(t).OrderedColumns, Folder: t.folder, DocString: t.docString };
      const functions: Record<string, unknown> = {};
      const parameters = await Promise.all(d.functions.map((f) => ctx.engine.functionParameters(f)));
      d.functions.forEach((f, i) => { functions[f.name] = { Name: f.name, InputParameters: parameters[i], Body: f.body, Folder: f.folder, DocString: f.docString, FunctionKind: 'Unknown', OutputColumns: [] }; });
      const doc = { Databases: { [d.name]: { Name: d.name, Tables: tables, ExternalTables: {}, MaterializedViews: {}, Functions: functions, PrettyName: null, MajorVersion: 1, MinorVersion: 1, DatabaseAccessMode: 'ReadWrite' } } };
      return table([['DatabaseSchema', 'string']], [[JSON.stringify(doc)]]);
    },
  },
  {
    pattern: new RegExp(`^\\.(create|create-merge|alter-merge|alter)\\s+table\\s+(${NAME})\\s*(\\([^)]*\\))\\s*(?:with\\s*\\(([\\s\\S]*)\\))?\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const verb = m[1].toLowerCase();
      const name = unname(m[2]);
      const props = withProps(m[4]);
      if (verb === 'alter') throw new KustoUserError('Unsupported', "'.alter table T (...)' (which can drop and retype columns) is not supported by the local Eventhouse; use '.alter-merge table' to add columns, or drop and re-create the table.");
      if (verb === 'alter-merge') ctx.engine.table(db, name);
      const t = await ctx.engine.write(() => ctx.engine.createTable(db, name, parseSchema(m[3]), { folder: props.get('folder'), docString: props.get('docstring'), merge: verb !== 'create' }));
      return table(SCHEMA_COLS, [schemaRow(db, t)]);
    },
  },
  {
    pattern: new RegExp(`^\\.drop\\s+table\\s+(${NAME})(\\s+ifexists)?\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      await ctx.engine.write(() => ctx.engine.dropTable(db, unname(m[1]), Boolean(m[2])));
      return table([['TableName', 'string'], ['DatabaseName', 'string']], db.tables.map((t) => [t.name, db.name]));
    },
  },
  {
    // .drop tables (T1, T2, …) [ifexists]: all or nothing; without ifexists a missing name fails the command.
    pattern: new RegExp(`^\\.drop\\s+tables\\s*\\(\\s*(${NAME}(?:\\s*,\\s*${NAME})*)\\s*\\)(\\s+ifexists)?\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const names = m[1].split(',').map(unname);
      if (!m[2]) for (const n of names) ctx.engine.table(db, n);
      await ctx.engine.write(async () => { for (const n of names) await ctx.engine.dropTable(db, n, true); });
      return table([['TableName', 'string'], ['DatabaseName', 'string']], db.tables.map((t) => [t.name, db.name]));
    },
  },
  {
    pattern: new RegExp(`^\\.clear\\s+table\\s+(${NAME})\\s+data\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      await ctx.engine.write(() => ctx.engine.exec(`DELETE FROM ${ctx.engine.tableSql(db, t.name)}`), () => [ctx.engine.tableKey(db, t.name)]);
      return table([['Status', 'string']], [['Success']]);
    },
  },
];
