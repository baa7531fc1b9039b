// Ingestion mappings and the commands that ingest: .ingest inline, .set, .append, .set-or-append, .set-or-replace.
import { randomUUID } from 'node:crypto';
import type { Mapping, MappingEntry } from '../meta';
import { duckType, ident, KustoUserError, text as asText } from '../types';
import type { Command } from './command';
import { MAPPING_COLS, mappingRow } from './rows';
import { NAME, readString, table, unname, withProps } from './syntax';

export const INGESTION_COMMANDS: Command[] = [
  {
    pattern: new RegExp(`^\\.(create|create-or-alter|alter)\\s+table\\s+(${NAME})\\s+ingestion\\s+(json|csv)\\s+mapping\\s+([\\s\\S]+)$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[2]));
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
        const cv = x.ConstValue ?? x.constValue ?? props.ConstValue ?? props.constValue;
        return { column, path: p === undefined ? undefined : asText(p), ordinal: o === undefined ? undefined : Number(o), datatype: x.datatype === undefined ? undefined : asText(x.datatype), transform: tr ? asText(tr) : undefined, ...(cv === undefined ? {} : { constValue: asText(cv) }) };
      });
      const mapping: Mapping = { name: nameLit.value, kind, entries, lastUpdatedOn: new Date().toISOString().replace('Z', '0000Z') };
      await ctx.engine.write(async () => {
        const existing = t.mappings.findIndex((x) => x.name === mapping.name);
        if (existing >= 0 && m[1].toLowerCase() === 'create') throw new KustoUserError('BadRequest', `Mapping '${mapping.name}' already exists on table '${t.name}'; use '.create-or-alter'.`);
        if (existing >= 0) t.mappings[existing] = mapping; else t.mappings.push(mapping);
        await ctx.engine.saveCatalog(db);
      });
      return table(MAPPING_COLS, [mappingRow(db, t, mapping)]);
    },
  },
  {
    pattern: new RegExp(`^\\.show\\s+table\\s+(${NAME})\\s+ingestion(?:\\s+(json|csv))?\\s+mappings?\\s*$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      const kind = m[2]?.toLowerCase();
      return table(MAPPING_COLS, t.mappings.filter((x) => !kind || x.kind.toLowerCase() === kind).map((x) => mappingRow(db, t, x)));
    },
  },
  {
    pattern: new RegExp(`^\\.ingest\\s+inline\\s+into\\s+table\\s+(${NAME})\\s*(?:with\\s*\\(([^)]*)\\))?\\s*<\\|\\s?([\\s\\S]*)$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const t = ctx.engine.table(db, unname(m[1]));
      const props = withProps(m[2]);
      const format = (props.get('format') ?? 'csv').toLowerCase();
      const n = await ctx.engine.ingest(db.name, t.name, m[3], format, props.get('ingestionmappingreference') ?? props.get('mappingname'));
      return table([['ExtentId', 'guid'], ['OriginalSize', 'real'], ['ExtentSize', 'real'], ['ColumnSize', 'real'], ['IndexSize', 'real'], ['RowCount', 'long']],
        [[randomUUID(), Buffer.byteLength(m[3]), 0, 0, 0, n]]);
    },
  },
  {
    pattern: new RegExp(`^\\.(set-or-append|set-or-replace|set|append)\\s+(async\\s+)?(${NAME})\\s*(?:with\\s*\\(([^)]*)\\))?\\s*<\\|([\\s\\S]*)$`, 'i'),
    run: async (m, ctx) => {
      const db = ctx.db();
      const verb = m[1].toLowerCase();
      const name = unname(m[3]);
      const props = withProps(m[4]);
      const startedOn = new Date();
      const tr = await ctx.engine.translateRun(db.name, m[5]);
      const touches = () => ctx.engine.ingestTargets(db, ctx.engine.table(db, name));
      const n = await ctx.engine.write(async () => {
        let t = db.tables.find((x) => x.name === name);
        if (t && verb === 'set') throw new KustoUserError('BadRequest', `Table '${name}' already exists; '.set' only creates new tables. Use '.set-or-append' or '.set-or-replace'.`);
        if (!t && verb === 'append') ctx.engine.table(db, name);
        if (!t) t = await ctx.engine.createTable(db, name, tr.columns, { merge: false, folder: props.get('folder'), docString: props.get('docstring') });
        else if (verb === 'set-or-replace') {
          await ctx.engine.dropTable(db, name, true);
          t = await ctx.engine.createTable(db, name, tr.columns, { merge: false, folder: t.folder, docString: t.docString });
        }
        const target = t;
        for (const c of tr.columns) if (!target.columns.some((x) => x.name === c.name)) throw new KustoUserError('BadRequest', `The query returns column '${c.name}', which table '${name}' does not have; use '.alter-merge table' first or project it away.`);
        const byName = new Map(tr.columns.map((c) => [c.name, c]));
        const select = target.columns.map((c) => (byName.has(c.name) ? `CAST(${ident(c.name)} AS ${duckType(c.type)}) AS ${ident(c.name)}` : `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`));
        // One ingestion, as the service treats these commands: the target's update policies run over the new rows.
        return ctx.engine.ingestQuery(db, target, `${tr.withs}SELECT ${select.join(', ')} FROM (${tr.from}) AS _q`);
      }, touches);
      if (m[2]) {
        // async: the service answers with the operation's id at once; here the work is already done.
        const op = ctx.engine.activity.operation({ operation: `Table${verb.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`, startedOn, state: 'Completed', status: `${n} rows`, database: db.name });
        return table([['OperationId', 'guid']], [[op.id]]);
      }
      return table([['ExtentId', 'guid'], ['OriginalSize', 'real'], ['ExtentSize', 'real'], ['ColumnSize', 'real'], ['IndexSize', 'real'], ['RowCount', 'long']], [[randomUUID(), 0, 0, 0, 0, n]]);
    },
  },
];
