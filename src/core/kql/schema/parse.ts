// Reads the schema files under `kql/`: one management command per block (blocks are separated by blank lines, as
// the .kql editor runs them), into an EventhouseSchema. Every problem names the file, line and column.
import { parse as parseJson, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { queryBlocks } from '../queryBlocks';
import { Cursor, readWithProperties, SchemaSyntaxError, type WithProperty } from './cursor';
import {
  canonicalType, emptySchema, functionKey, KNOWN_TYPES, MAPPING_KINDS, mappingEntry, mappingKey, materializedViewKey,
  updatePolicyEntry, type ColumnDef, type EventhouseSchema, type MappingKind, type SourceLocation, type UpdatePolicyEntry,
} from './model';

export interface SchemaFile { path: string; text: string }

export interface SchemaProblem { file: string; line: number; column: number; message: string }

export interface ParsedSchema {
  schema: EventhouseSchema;
  problems: SchemaProblem[];
  /** Blocks that are queries, not management commands: not part of the schema, listed so nothing is silently lost. */
  skipped: SourceLocation[];
  /** Which file declares each object (`table:T`, `mapping:T:json:M`, `policy:T`, `streaming:T`, `function:F`, `view:V`). */
  declaredIn: Map<string, string>;
}

/** `kql/x.kql:7:3: message`, the form problems are shown in. */
export function formatProblem(p: SchemaProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

const SUPPORTED = '.create-merge table, .create table, .alter-merge table, .create-or-alter table … ingestion … mapping, '
  + '.alter table … policy update, .alter table … policy streamingingestion, .create-or-alter function, '
  + '.create-or-alter materialized-view, and other .alter … policy commands (run as written)';

const COMMAND_WORDS = /^(create|create-merge|create-or-alter|alter|alter-merge|drop|set|append|ingest|execute|show|delete)\b/i;

/** Parses every file; problems do not stop the other blocks from being read. */
export function parseSchemaFiles(files: SchemaFile[]): ParsedSchema {
  const state: ParseState = { schema: emptySchema(), problems: [], skipped: [], declaredIn: new Map(), mappingAt: new Map() };
  for (const f of files) {
    for (const block of queryBlocks(f.text)) {
      const lines = block.text.split('\n');
      // Leading `#connect` and comment lines say where to run the block by hand; they are not part of the command.
      let first = 0;
      while (first < lines.length && /^\s*(\/\/.*|#connect\b.*)?$/i.test(lines[first])) first++;
      if (first >= lines.length) continue;
      const text = lines.slice(first).join('\n');
      const line = block.startLine + first + 1;
      const trimmed = text.trimStart();
      if (!trimmed.startsWith('.')) {
        if (COMMAND_WORDS.test(trimmed)) {
          state.problems.push({ file: f.path, line, column: text.length - trimmed.length + 1, message: `A management command starts with a dot: write .${trimmed.split(/\s/)[0]}.` });
        } else {
          state.skipped.push({ file: f.path, line });
        }
        continue;
      }
      try {
        readCommand(new Cursor(text, f.path, line), state);
      } catch (e) {
        if (!(e instanceof SchemaSyntaxError)) throw e;
        state.problems.push({ file: e.file, line: e.line, column: e.column, message: e.detail });
      }
    }
  }
  checkMappingColumns(state);
  return { schema: state.schema, problems: state.problems, skipped: state.skipped, declaredIn: state.declaredIn };
}

interface ParseState {
  schema: EventhouseSchema;
  problems: SchemaProblem[];
  skipped: SourceLocation[];
  declaredIn: Map<string, string>;
  mappingAt: Map<string, { line: number; column: number; file: string }>;
}

function where(c: Cursor, at = c.pos): SourceLocation {
  return { file: c.file, line: c.locate(at).line };
}

function placeOf(l: SourceLocation): string {
  return `${l.file}:${l.line}`;
}

function readCommand(c: Cursor, s: ParseState): void {
  const start = c.pos;
  c.expectChar('.', 'a management command starting with a dot');
  const verb = c.keyword();
  if (!verb) c.fail(`Expected a management command such as .create-merge table. Supported: ${SUPPORTED}.`);
  const objectAt = c.here();
  const object = c.peekKeyword();
  if (verb === 'drop' || verb === 'delete') {
    c.fail(`Schema files do not drop anything: "Deploy Eventhouse Schema" lists what the database has and kql/ does not, and removes it only when you tick it. Remove this block.`, start);
  }
  if (['set', 'set-or-append', 'set-or-replace', 'append', 'ingest', 'purge'].includes(verb)) {
    c.fail(`.${verb} changes data, not the schema; keep it out of kql/ schema files.`, start);
  }
  if (verb === 'execute') c.fail('Write each command of the script as its own block (separated by blank lines) instead of .execute database script.', start);
  if (verb === 'show') c.fail('.show commands read; schema files hold commands that define the schema.', start);

  if ((object === 'table' || object === 'tables') && ['create', 'create-merge', 'alter-merge', 'alter', 'create-or-alter'].includes(verb)) {
    c.keyword();
    if (object === 'tables') {
      if (verb === 'alter' || verb === 'create-or-alter') c.fail(`.${verb} tables is not supported; use .create-merge tables.`, objectAt);
      do readTableDefinition(c, s, c.pos); while (c.acceptChar(','));
      endOfCommand(c);
      return;
    }
    const nameAt = c.here();
    const name = c.name('the table name');
    const next = c.peekKeyword();
    if (c.peekChar() === '(') {
      if (verb === 'alter') c.fail('.alter table T (…) replaces the column list and drops the columns it leaves out; write .create-merge table (Eventline never drops a column unless you tick it when deploying).', start);
      if (verb === 'create-or-alter') c.fail('There is no .create-or-alter table; write .create-merge table.', start);
      c.pos = nameAt;
      readTableDefinition(c, s, start);
      endOfCommand(c);
      return;
    }
    if (next === 'ingestion') return readMapping(c, s, verb, name, start);
    if (next === 'policy' && (verb === 'alter' || verb === 'alter-merge')) return readTablePolicy(c, s, verb, name, start);
    if ((next === 'docstring' || next === 'folder') && verb === 'alter') return passThrough(c, s, start, `${next} of table ${name}`);
    if (next === 'based-on') c.fail('.create table … based-on is not supported in schema files; write the columns out.', start);
    c.fail(`Expected the columns in parentheses, "ingestion … mapping" or "policy …" after the table name. Supported: ${SUPPORTED}.`);
  }
  if (object === 'function' && ['create', 'create-or-alter', 'alter'].includes(verb)) {
    c.keyword();
    return readFunction(c, s, start);
  }
  if (object === 'materialized-view' && ['create', 'create-or-alter', 'alter'].includes(verb)) {
    c.keyword();
    return readMaterializedView(c, s, start);
  }
  if ((verb === 'alter' || verb === 'alter-merge') && /\bpolicy\b/i.test(c.rest())) {
    return passThrough(c, s, start, `.${verb} ${object ?? ''} … policy`);
  }
  c.fail(`.${verb}${object ? ` ${object}` : ''} is not a command Eventline deploys. Supported: ${SUPPORTED}.`, start);
}

function endOfCommand(c: Cursor): void {
  if (!c.atEnd) c.fail('Unexpected text after the command. Write one command per block and separate blocks with a blank line.');
}

function readTableDefinition(c: Cursor, s: ParseState, start: number): void {
  const at = where(c, c.here());
  const name = c.name('the table name');
  c.expectChar('(', `'(' and the columns of ${name}, e.g. (Timestamp: datetime, Value: real)`);
  const columns: ColumnDef[] = [];
  const seen = new Set<string>();
  if (!c.acceptChar(')')) {
    for (;;) {
      const colAt = c.here();
      const col = c.name(`a column name of ${name}`);
      c.expectChar(':', `':' and the type of column ${col}, e.g. ${col}: string`);
      const typeAt = c.here();
      const typeName = c.name(`the type of column ${col}`);
      const type = canonicalType(typeName);
      if (!type) c.fail(`Unknown column type "${typeName}" for ${col}. Use one of ${KNOWN_TYPES}.`, typeAt);
      if (seen.has(col)) c.fail(`Column ${col} is declared twice in ${name}.`, colAt);
      seen.add(col);
      columns.push({ name: col, type });
      if (c.acceptChar(')')) break;
      c.expectChar(',', `',' or ')' after column ${col}`);
    }
  }
  let props = new Map<string, WithProperty>();
  if (c.accept('with')) props = readWithProperties(c);
  const folder = props.get('folder')?.value;
  const docString = props.get('docstring')?.value;
  const existing = s.schema.tables.find((t) => t.name === name);
  if (existing) {
    // .create-merge twice (or an .alter-merge that adds a column elsewhere) extends the table; a type clash is an error.
    for (const col of columns) {
      const prior = existing.columns.find((x) => x.name === col.name);
      if (prior && prior.type !== col.type) c.fail(`Column ${name}.${col.name} is ${col.type} here but ${prior.type} at ${existing.at ? placeOf(existing.at) : 'an earlier block'}.`, start);
      if (!prior) existing.columns.push(col);
    }
    if (folder !== undefined) existing.folder = folder;
    if (docString !== undefined) existing.docString = docString;
    return;
  }
  s.schema.tables.push({ name, columns, folder, docString, at });
  s.declaredIn.set(`table:${name}`, c.file);
}

function readMapping(c: Cursor, s: ParseState, verb: string, table: string, start: number): void {
  if (verb === 'create-merge' || verb === 'alter-merge') c.fail(`.${verb} does not apply to mappings; write .create-or-alter table ${table} ingestion json mapping "Name" '[…]'.`, start);
  c.expectKeyword('ingestion', '"ingestion"');
  const kindAt = c.here();
  const kind = c.keyword();
  if (!kind || !(MAPPING_KINDS as readonly string[]).includes(kind)) c.fail(`Expected the mapping kind: one of ${MAPPING_KINDS.join(', ')}.`, kindAt);
  c.expectKeyword('mapping', '"mapping"');
  const nameAt = c.here();
  const name = c.stringLiteral('the mapping name').value;
  if (!name) c.fail('The mapping name is empty.', nameAt);
  const bodyAt = c.here();
  const body = c.stringLiteral(`mapping ${name} (a JSON array)`);
  if (c.accept('with')) readWithProperties(c);
  endOfCommand(c);
  const errors: ParseError[] = [];
  const json: unknown = parseJson(body.value, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length) {
    const e = errors[0];
    c.fail(`Mapping ${name} is not valid JSON: ${printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}.`, body.offsets[Math.min(e.offset, body.offsets.length - 1)] ?? bodyAt);
  }
  if (!Array.isArray(json)) c.fail(`Mapping ${name} must be a JSON array of columns, e.g. [{"column": "Site", "Properties": {"Path": "$.site"}}].`, bodyAt);
  const entries = json.map((raw, i) => {
    try { return mappingEntry(raw); } catch (e) { return c.fail(`Mapping ${name}, entry ${i + 1}: ${(e as Error).message}.`, bodyAt); }
  });
  if (entries.length === 0) c.fail(`Mapping ${name} maps no column.`, bodyAt);
  const key = `mapping:${table}:${kind}:${name}`;
  const prior = s.schema.mappings.find((m) => m.table === table && m.kind === kind && m.name === name);
  const at = where(c, start);
  if (prior) {
    if (mappingKey(prior.entries) !== mappingKey(entries)) c.fail(`Mapping ${name} of ${table} is declared differently at ${prior.at ? placeOf(prior.at) : 'an earlier block'}.`, start);
    return;
  }
  s.schema.mappings.push({ table, name, kind: kind as MappingKind, entries, at });
  s.declaredIn.set(key, c.file);
  s.mappingAt.set(key, { file: c.file, ...c.locate(bodyAt) });
}

function readTablePolicy(c: Cursor, s: ParseState, verb: string, table: string, start: number): void {
  c.expectKeyword('policy', '"policy"');
  const kind = c.peekKeyword();
  if (kind === 'update') {
    c.keyword();
    const bodyAt = c.here();
    const body = c.stringLiteral('the update policy (a JSON array)');
    endOfCommand(c);
    const errors: ParseError[] = [];
    const json: unknown = parseJson(body.value, errors, { disallowComments: true, allowTrailingComma: false });
    if (errors.length) c.fail(`The update policy of ${table} is not valid JSON: ${printParseErrorCode(errors[0].error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}.`, body.offsets[Math.min(errors[0].offset, body.offsets.length - 1)] ?? bodyAt);
    const list = Array.isArray(json) ? json : [json];
    let entries: UpdatePolicyEntry[];
    try { entries = list.map(updatePolicyEntry); } catch (e) { return c.fail(`The update policy of ${table}: ${(e as Error).message}.`, bodyAt); }
    const prior = s.schema.updatePolicies.get(table);
    if (prior && verb === 'alter') c.fail(`The update policy of ${table} is already set at ${prior.at ? placeOf(prior.at) : 'an earlier block'}; use .alter-merge to add entries.`, start);
    if (prior) prior.entries.push(...entries);
    else s.schema.updatePolicies.set(table, { entries, at: where(c, start) });
    s.declaredIn.set(`policy:${table}`, c.file);
    return;
  }
  if (kind === 'streamingingestion' && verb === 'alter') {
    c.keyword();
    let enabled: boolean;
    if (c.accept('enable')) enabled = true;
    else if (c.accept('disable')) enabled = false;
    else {
      const bodyAt = c.here();
      const body = c.stringLiteral("enable, disable or the policy as JSON ('{\"IsEnabled\": true}')").value;
      try { enabled = (JSON.parse(body) as { IsEnabled?: unknown }).IsEnabled === true; } catch { return c.fail('The streaming ingestion policy is not valid JSON.', bodyAt); }
    }
    endOfCommand(c);
    s.schema.streamingIngestion.set(table, { enabled, at: where(c, start) });
    s.declaredIn.set(`streaming:${table}`, c.file);
    return;
  }
  passThrough(c, s, start, `${kind ?? ''} policy of table ${table}`);
}

function passThrough(c: Cursor, s: ParseState, start: number, summary: string): void {
  const command = c.text.slice(start).trim();
  s.schema.passThrough.push({ command, summary, at: where(c, start) });
}

function readFunction(c: Cursor, s: ParseState, start: number): void {
  c.accept('ifnotexists');
  let props = new Map<string, WithProperty>();
  if (c.accept('with')) props = readWithProperties(c);
  const name = c.name('the function name');
  const parameters = c.balanced('(', ')', `the parameters of ${name}`).text;
  const body = c.balanced('{', '}', `the body of ${name}`).text;
  endOfCommand(c);
  const def = {
    name, parameters, body, folder: props.get('folder')?.value, docString: props.get('docstring')?.value,
    properties: [...props.values()].filter((p) => !['folder', 'docstring'].includes(p.key.toLowerCase())),
    at: where(c, start),
  };
  const prior = s.schema.functions.find((f) => f.name === name);
  if (prior) {
    if (functionKey(prior) !== functionKey(def)) c.fail(`Function ${name} is declared differently at ${prior.at ? placeOf(prior.at) : 'an earlier block'}.`, start);
    return;
  }
  s.schema.functions.push(def);
  s.declaredIn.set(`function:${name}`, c.file);
}

function readMaterializedView(c: Cursor, s: ParseState, start: number): void {
  c.accept('async');
  c.accept('ifnotexists');
  let props = new Map<string, WithProperty>();
  if (c.accept('with')) props = readWithProperties(c);
  const name = c.name('the materialized view name');
  c.expectKeyword('on', `"on table <source>" after ${name}`);
  const kindWord = c.keyword();
  if (kindWord !== 'table' && kindWord !== 'materialized-view') c.fail('Expected "table" or "materialized-view" after "on".');
  const source = c.name('the source of the view');
  const query = c.balanced('{', '}', `the query of ${name}`).text;
  endOfCommand(c);
  const def = {
    name, source, sourceKind: kindWord, query, folder: props.get('folder')?.value, docString: props.get('docstring')?.value,
    properties: [...props.values()].filter((p) => !['folder', 'docstring'].includes(p.key.toLowerCase())),
    at: where(c, start),
  } as const;
  const prior = s.schema.materializedViews.find((v) => v.name === name);
  if (prior) {
    if (materializedViewKey(prior) !== materializedViewKey(def)) c.fail(`Materialized view ${name} is declared differently at ${prior.at ? placeOf(prior.at) : 'an earlier block'}.`, start);
    return;
  }
  s.schema.materializedViews.push({ ...def, properties: [...def.properties] });
  s.declaredIn.set(`view:${name}`, c.file);
}

/** A mapping of a table the files declare may only name its columns. */
function checkMappingColumns(s: ParseState): void {
  for (const m of s.schema.mappings) {
    const table = s.schema.tables.find((t) => t.name === m.table);
    if (!table) continue;
    const at = s.mappingAt.get(`mapping:${m.table}:${m.kind}:${m.name}`);
    for (const e of m.entries) {
      if (!table.columns.some((col) => col.name === e.column)) {
        s.problems.push({ file: at?.file ?? m.at?.file ?? '', line: at?.line ?? m.at?.line ?? 1, column: at?.column ?? 1, message: `Mapping ${m.name} maps column ${e.column}, which table ${m.table} does not have (${table.columns.map((x) => x.name).join(', ')}).` });
      }
    }
  }
}
