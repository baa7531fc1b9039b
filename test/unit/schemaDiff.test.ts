import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  commandsToRun, emptySchema, formatProblem, normalizeJsonPath, normalizeKql, orderFunctions, parseSchemaFiles, planSchema, previewText, pullFiles,
  readLiveSchema, type EventhouseSchema, type Row, type SchemaFile,
} from '../../src/core/kql/schema';

const SAMPLE = path.resolve(__dirname, '../../kql/schema');

function sampleFiles(): SchemaFile[] {
  const out: SchemaFile[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.kql')) out.push({ path: `kql/${path.relative(SAMPLE, p).split(path.sep).join('/')}`, text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(SAMPLE);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function parseOk(files: SchemaFile[]): EventhouseSchema {
  const parsed = parseSchemaFiles(files);
  assert.deepEqual(parsed.problems.map(formatProblem), []);
  return parsed.schema;
}

/** The problems of one file's text, as the user sees them. */
function problems(text: string, file = 'kql/t.kql'): string[] {
  return parseSchemaFiles([{ path: file, text }]).problems.map(formatProblem);
}

/** A fake database answering the .show commands readLiveSchema sends, in the service's shapes. */
function fakeDatabase(db: string, live: {
  tables?: { name: string; columns: [string, string][]; folder?: string; docString?: string; streaming?: boolean }[];
  functions?: { Name: string; Parameters: string; Body: string; Folder?: string; DocString?: string }[];
  mappings?: Record<string, { Name: string; Kind: string; Mapping: string }[]>;
  policies?: Record<string, string>;
}) {
  const sent: string[] = [];
  const run = (command: string): Promise<Row[]> => {
    sent.push(command);
    if (command.startsWith('.show database')) {
      const tables = Object.fromEntries((live.tables ?? []).map((t) => [t.name, { Name: t.name, DefaultColumn: null, Folder: t.folder ?? '', DocString: t.docString ?? '', OrderedColumns: t.columns.map(([n, ty]) => ({ Name: n, Type: `System.${ty}` })) }]));
      return Promise.resolve([{ DatabaseSchema: JSON.stringify({ Databases: { [db]: { Name: db, Tables: tables, MaterializedViews: {}, Functions: {} } } }) }]);
    }
    if (command === '.show functions') return Promise.resolve((live.functions ?? []).map((f) => ({ Folder: '', DocString: '', ...f })));
    if (command === '.show tables details') return Promise.resolve((live.tables ?? []).map((t) => ({ TableName: t.name, StreamingIngestionPolicy: t.streaming ? '{"IsEnabled":true,"HintAllocatedRate":null}' : null })));
    const unname = (n: string) => n.replace(/^\['(.*)'\]$/, '$1');
    let m = /^\.show table (.+) ingestion mappings$/.exec(command);
    if (m) return Promise.resolve(live.mappings?.[unname(m[1])] ?? []);
    m = /^\.show table (.+) policy update$/.exec(command);
    if (m) return Promise.resolve([{ PolicyName: 'UpdatePolicy', EntityName: `[${db}].[${m[1]}]`, Policy: live.policies?.[unname(m[1])] ?? 'null', ChildEntities: '', EntityType: 'Table' }]);
    return Promise.reject(new Error(`unexpected command ${command}`));
  };
  return { run, sent };
}

describe('schema as code: parsing kql/ files', () => {
  it('reads the sample schema: raw table, mapping, streaming policy, typed table, update policy, function', () => {
    const s = parseOk(sampleFiles());
    assert.deepEqual(s.tables.map((t) => t.name), ['RawReadings', 'Readings']);
    const raw = s.tables.find((t) => t.name === 'RawReadings')!;
    assert.deepEqual(raw.columns.map((c) => `${c.name}:${c.type}`), ['id:string', 'siteId:string', 'temperature:dynamic', 'humidity:dynamic', 'pressure:dynamic', 'battery:dynamic', 'status:string', 'timestamp:string']);
    assert.equal(raw.folder, 'raw');
    assert.deepEqual(raw.at, { file: 'kql/tables/RawReadings.kql', line: 5 });
    const [mapping] = s.mappings;
    assert.equal(mapping.name, 'RawReadingsMapping');
    assert.equal(mapping.kind, 'json');
    assert.deepEqual(mapping.entries[1], { column: 'siteId', path: "$['siteId']" });
    assert.equal(s.streamingIngestion.get('RawReadings')?.enabled, true);
    assert.deepEqual(s.updatePolicies.get('Readings')?.entries, [{ IsEnabled: true, Source: 'RawReadings', Query: 'ReadingsFromRaw()', IsTransactional: false, PropagateIngestionProperties: false }]);
    assert.equal(s.functions[0].name, 'ReadingsFromRaw');
    assert.equal(s.functions[0].parameters, '()');
    assert.match(s.functions[0].body, /^\{\n {4}RawReadings\n/);
  });

  it('accepts every string form, bracketed names, type aliases and #connect / comment lines above a command', () => {
    const s = parseOk([{ path: 'kql/x.kql', text: [
      "#connect cluster('local').database('NetDefaultDB')",
      '// a comment',
      ".create-merge table ['My Table'] (['odd col']: double, b: boolean, c: date, d: time, e: uniqueid, f: int64)",
      '',
      `.create-or-alter table ['My Table'] ingestion csv mapping @"csvmap" \`\`\`[{"column":"b","Properties":{"Ordinal":"0"}}]\`\`\``,
      '',
      ".create-or-alter table ['My Table'] ingestion json mapping 'j' \"[{\\\"column\\\":\\\"c\\\",\\\"path\\\":\\\"$['x']\\\",\\\"datatype\\\":\\\"datetime\\\",\\\"transform\\\":\\\"DateTimeFromUnixSeconds\\\"}]\"",
    ].join('\n') }]);
    assert.deepEqual(s.tables[0].columns.map((c) => c.type), ['real', 'bool', 'datetime', 'timespan', 'guid', 'long']);
    assert.equal(s.tables[0].name, 'My Table');
    assert.deepEqual(s.mappings.map((m) => [m.name, m.kind, m.entries[0]]), [
      ['csvmap', 'csv', { column: 'b', ordinal: '0' }],
      ['j', 'json', { column: 'c', path: "$['x']", datatype: 'datetime', transform: 'DateTimeFromUnixSeconds' }],
    ]);
  });

  it('merges a table declared in two blocks (create-merge, then alter-merge adding a column)', () => {
    const s = parseOk([{ path: 'kql/a.kql', text: '.create-merge table T (a: string)' }, { path: 'kql/b.kql', text: '.alter-merge table T (b: long)' }]);
    assert.deepEqual(s.tables[0].columns, [{ name: 'a', type: 'string' }, { name: 'b', type: 'long' }]);
  });

  it('lists query blocks as not part of the schema instead of failing on them', () => {
    const parsed = parseSchemaFiles([{ path: 'kql/q.kql', text: '.create-merge table T (a: string)\n\nT\n| take 10\n' }]);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.skipped, [{ file: 'kql/q.kql', line: 3 }]);
  });

  describe('a script with an error names the file, line and column', () => {
    const cases: [string, string, RegExp][] = [
      ['an unknown column type', '.create-merge table T (a: string)\n\n.create-merge table U (\n  a: string,\n  b: strng)', /^kql\/t\.kql:5:6: Unknown column type "strng" for b\. Use one of bool, int, long/],
      ['a missing colon', '\n\n.create-merge table T (a string)', /^kql\/t\.kql:3:26: Expected ':' and the type of column a/],
      ['invalid JSON inside a mapping, at its place in the file', '.create-merge table T (a: string)\n\n.create-or-alter table T ingestion json mapping "m"\n  \'[{"column":"a","Properties":{"Path":"$.a"}},]\'', /^kql\/t\.kql:4:48: Mapping m is not valid JSON: value expected\./],
      ['a mapping of a column the table lacks', '.create-merge table T (a: string)\n\n.create-or-alter table T ingestion json mapping "m" \'[{"column":"zz","Properties":{"Path":"$.a"}}]\'', /^kql\/t\.kql:3:53: Mapping m maps column zz, which table T does not have \(a\)\./],
      ['a command without its dot', '.create-merge table T (a: string)\n\ncreate-merge table U (a: string)', /^kql\/t\.kql:3:1: A management command starts with a dot: write \.create-merge\./],
      ['a function body split by a blank line', '.create-or-alter function F() {\n  T\n\n  | take 1\n}', /^kql\/t\.kql:1:31: The body of F opens with '\{' here but is never closed with '\}'\. \(A blank line ends a block/],
      ['a drop command', '.drop table T', /^kql\/t\.kql:1:1: Schema files do not drop anything/],
      ['an unsupported command', '.create database D persist (@"x")', /^kql\/t\.kql:1:1: \.create database is not a command Eventline deploys\. Supported: \.create-merge table/],
      ['.alter table with columns (which would drop columns)', '.alter table T (a: string)', /^kql\/t\.kql:1:1: \.alter table T \(…\) replaces the column list and drops the columns it leaves out/],
      ['an unclosed string', '.create-or-alter table T ingestion json mapping "m\n', /^kql\/t\.kql:1:49: The string the mapping name is never closed\./],
      ['two commands in one block', '.create-merge table T (a: string)\n.create-merge table U (a: string)', /^kql\/t\.kql:2:1: Unexpected text after the command\. Write one command per block/],
      ['a column type clash between two files', '.create-merge table T (a: string)\n\n.create-merge table T (a: long)', /^kql\/t\.kql:3:1: Column T\.a is long here but string at kql\/t\.kql:1\./],
      ['an update policy without a query', '.alter table T policy update @\'[{"Source": "R"}]\'', /^kql\/t\.kql:1:30: The update policy of T: an update policy entry has no "Query"\./],
    ];
    for (const [what, text, expected] of cases) {
      it(what, () => {
        const found = problems(text);
        assert.equal(found.length, 1, found.join('\n'));
        assert.match(found[0], expected);
      });
    }

    it('keeps reading the other blocks after a bad one', () => {
      const parsed = parseSchemaFiles([{ path: 'kql/t.kql', text: '.create-merge table T (a: bogus)\n\n.create-merge table U (a: string)' }]);
      assert.equal(parsed.problems.length, 1);
      assert.deepEqual(parsed.schema.tables.map((t) => t.name), ['U']);
    });
  });
});

describe('schema as code: reading a live database', () => {
  it('reads tables, functions, mappings (in the service\'s echo form), update and streaming policies', async () => {
    const db = fakeDatabase('Telemetry', {
      tables: [{ name: 'RawReadings', columns: [['site', 'String'], ['temperature', 'Object']], streaming: true }, { name: 'Readings', columns: [['Site', 'String'], ['Temperature', 'Double'], ['EventTime', 'DateTime']] }],
      functions: [{ Name: 'ReadingsFromRaw', Parameters: '()', Body: '{ RawReadings | project Site = site }' }],
      mappings: { RawReadings: [{ Name: 'RawReadingsMapping', Kind: 'Json', Mapping: '[{"column":"site","path":"$[\'site\']","datatype":"","transform":null},{"Column":"temperature","Properties":{"Path":"$.temperature"}}]' }] },
      policies: { Readings: '[{"IsEnabled":true,"Source":"RawReadings","Query":"ReadingsFromRaw()","IsTransactional":false,"PropagateIngestionProperties":false,"ManagedIdentity":null}]' },
    });
    const live = await readLiveSchema(db.run, 'Telemetry');
    assert.deepEqual(live.tables.map((t) => [t.name, t.columns.map((c) => c.type)]), [['RawReadings', ['string', 'dynamic']], ['Readings', ['string', 'real', 'datetime']]]);
    assert.deepEqual(live.mappings[0].entries, [{ column: 'site', path: "$['site']" }, { column: 'temperature', path: "$['temperature']" }]);
    assert.equal(live.updatePolicies.get('Readings')?.entries[0].Source, 'RawReadings');
    assert.equal(live.updatePolicies.has('RawReadings'), false, '"null" is no policy');
    assert.equal(live.streamingIngestion.get('RawReadings')?.enabled, true);
    assert.equal(db.sent[0], '.show database Telemetry schema as json');
    assert.ok(db.sent.includes('.show table RawReadings ingestion mappings'));
  });
});

describe('schema as code: the plan', () => {
  it('creates everything on an empty database, each command after what it needs', () => {
    const plan = planSchema(parseOk(sampleFiles()), emptySchema());
    assert.deepEqual(plan.steps.map((s) => `${s.kind} ${s.object}`), [
      'table table RawReadings', 'table table Readings', 'streaming-policy table RawReadings', 'mapping json mapping RawReadingsMapping of RawReadings',
      'function function ReadingsFromRaw', 'update-policy update policy of Readings',
    ]);
    assert.equal(plan.steps[0].command, '.create-merge table RawReadings (id: string, siteId: string, temperature: dynamic, humidity: dynamic, pressure: dynamic, battery: dynamic, status: string, timestamp: string) with (folder = "raw", docstring = "Sensor readings as they arrive from the telemetry hub")');
    assert.match(plan.steps[3].command, /^\.create-or-alter table RawReadings ingestion json mapping "RawReadingsMapping" '\[\{"column":"id","Properties":\{"Path":"\$\.id"\}\},\{"column":"siteId","Properties":\{"Path":"\$\.siteId"\}\}/);
    assert.equal(plan.steps[5].command, `.alter table Readings policy update @'[{"IsEnabled":true,"Source":"RawReadings","Query":"ReadingsFromRaw()","IsTransactional":false,"PropagateIngestionProperties":false}]'`);
    assert.deepEqual(plan.removals, []);
    assert.deepEqual(plan.errors, []);
  });

  it('plans nothing when the database matches, however its text is spaced or its paths spelled', async () => {
    const db = fakeDatabase('D', {
      tables: [{ name: 'T', columns: [['a', 'String'], ['b', 'Int64']] }],
      functions: [{ Name: 'F', Parameters: '(x: long)', Body: '{\n  T // all rows\n  | where b > x\n}' }],
      mappings: { T: [{ Name: 'm', Kind: 'Json', Mapping: '[{"column":"a","Properties":{"Path":"$[\'a\']"}}]' }] },
      policies: { T: '[{"IsEnabled":true,"Source":"T","Query":"F( 1 )","IsTransactional":false,"PropagateIngestionProperties":false}]' },
    });
    const live = await readLiveSchema(db.run, 'D');
    const desired = parseOk([{ path: 'kql/t.kql', text: [
      '.create-merge table T (a:string, b:long)', '',
      '.create-or-alter table T ingestion json mapping "m" \'[{"column":"a","Properties":{"Path":"$.a"}}]\'', '',
      '.create-or-alter function F(x:long) { T | where b>x }', '',
      '.alter table T policy update @\'[{"Source":"T","Query":"F(1)"}]\'',
    ].join('\n') }]);
    const plan = planSchema(desired, live);
    assert.deepEqual(plan.steps, []);
    assert.deepEqual(plan.removals, []);
    assert.deepEqual(plan.unchanged, ['table T', 'json mapping m of T', 'function F', 'update policy of T']);
  });

  it('adds only new columns, and offers type changes and drops as removals that are not run by default', async () => {
    const live = await readLiveSchema(fakeDatabase('D', { tables: [{ name: 'T', columns: [['a', 'String'], ['b', 'Int64'], ['old', 'String']] }, { name: 'Stray', columns: [['x', 'String']] }] }).run, 'D');
    const plan = planSchema(parseOk([{ path: 'kql/t.kql', text: '.create-merge table T (a: string, b: real, c: datetime)' }]), live);
    assert.deepEqual(plan.steps.map((s) => s.command), ['.create-merge table T (c: datetime)']);
    assert.deepEqual(plan.removals.map((r) => r.command), ['.alter column T.b type = real', '.drop table T columns (old)', '.drop table Stray']);
    assert.ok(plan.removals.every((r) => r.destructive));
    assert.match(plan.notes[0], /Column T\.b is long in the database but real in kql\/ \(kql\/t\.kql:1\)/);
    assert.deepEqual(commandsToRun(plan, []).map((s) => s.command), ['.create-merge table T (c: datetime)']);
    assert.deepEqual(commandsToRun(plan, [plan.removals[2]]).map((s) => s.command), ['.create-merge table T (c: datetime)', '.drop table Stray']);
  });

  it('changes a function whose body changed and says what changed', async () => {
    const live = await readLiveSchema(fakeDatabase('D', { tables: [{ name: 'T', columns: [['a', 'String']] }], functions: [{ Name: 'F', Parameters: '()', Body: '{ T }' }] }).run, 'D');
    const plan = planSchema(parseOk([{ path: 'kql/f.kql', text: '.create-merge table T (a: string)\n\n.create-or-alter function with (docstring = "d") F() { T | take 1 }' }]), live);
    assert.deepEqual(plan.steps.map((s) => [s.summary, s.command]), [['changes the body, docstring', '.create-or-alter function with (docstring = "d") F() { T | take 1 }']]);
  });

  it('stops on a mapping or update policy for a table nobody has', () => {
    const plan = planSchema(parseOk([{ path: 'kql/m.kql', text: '.create-or-alter table Nope ingestion json mapping "m" \'[{"column":"a","Properties":{"Path":"$.a"}}]\'\n\n.create-merge table T (a: string)\n\n.alter table T policy update @\'[{"Source":"Ghost","Query":"Ghost"}]\'' }]), emptySchema());
    assert.deepEqual(plan.errors, [
      'The json mapping m of Nope (kql/m.kql:1) is for table Nope, which neither kql/ nor the database has.',
      'The update policy of T (kql/m.kql:5) reads from Ghost, which neither kql/ nor the database has.',
    ]);
  });

  it('leaves materialized views out of a target without them, with a note', () => {
    const desired = parseOk([{ path: 'kql/v.kql', text: '.create-merge table T (a: string)\n\n.create-or-alter materialized-view with (backfill = true) V on table T { T | summarize count() by a }' }]);
    assert.equal(planSchema(desired, emptySchema()).steps[1].command, '.create materialized-view with (backfill = true) V on table T { T | summarize count() by a }');
    const local = planSchema(desired, emptySchema(), { materializedViews: false });
    assert.deepEqual(local.steps.map((s) => s.kind), ['table']);
    assert.match(local.notes[0], /Materialized view V \(kql\/v\.kql:3\) is left out/);
  });

  it('runs policy commands it does not model as written, every time', () => {
    const plan = planSchema(parseOk([{ path: 'kql/p.kql', text: '.create-merge table T (a: string)\n\n.alter-merge table T policy retention softdelete = 30d' }]), emptySchema());
    assert.deepEqual(plan.steps.map((s) => s.command), ['.create-merge table T (a: string)', '.alter-merge table T policy retention softdelete = 30d']);
  });

  it('orders functions after the functions they call', () => {
    const s = parseOk([{ path: 'kql/f.kql', text: '.create-or-alter function A() { B() | take 1 }\n\n.create-or-alter function B() { C(1) }\n\n.create-or-alter function C(x: long) { print x }' }]);
    assert.deepEqual(orderFunctions(s.functions).map((f) => f.name), ['C', 'B', 'A']);
  });

  it('shows the commands, the notes and the removals not chosen in the preview, then each result', () => {
    const desired = parseOk([{ path: 'kql/t.kql', text: '.create-merge table T (a: string)' }]);
    const live = emptySchema();
    live.tables.push({ name: 'Stray', columns: [{ name: 'x', type: 'string' }] });
    const plan = planSchema(desired, live);
    const run = commandsToRun(plan, []);
    const text = previewText({ target: 'D on the local Eventhouse', plan, run, results: [{ state: 'failed', message: 'boom', ms: 3 }] });
    assert.match(text, /^\/\/ Deploy Eventhouse Schema → D on the local Eventhouse\n\/\/ 1 command, run one at a time/);
    assert.match(text, /\/\/ 1\/1 table T: new table, 1 column \(kql\/t\.kql:1\)\n\.create-merge table T \(a: string\)\n\/\/ ✗ FAILED after 3 ms: boom/);
    assert.match(text, /NOT removed[\s\S]*\/\/ {3}table Stray: drops the table and all its rows/);
  });
});

describe('schema as code: pull', () => {
  it('writes the live schema to files that parse back to the same schema (a round trip plans nothing)', async () => {
    const db = fakeDatabase('D', {
      tables: [{ name: 'Raw', columns: [['p', 'Object']], streaming: true, folder: 'raw' }, { name: 'Typed Table', columns: [['a', 'String']] }],
      functions: [{ Name: 'Expand', Parameters: '()', Body: '{\n    Raw\n\n    | project a = tostring(p.a)\n}', Folder: 'fns', DocString: 'expands "raw"' }],
      mappings: { Raw: [{ Name: 'RawMap', Kind: 'Json', Mapping: '[{"column":"p","Properties":{"Path":"$"}}]' }] },
      policies: { 'Typed Table': '[{"IsEnabled":true,"Source":"Raw","Query":"Expand()","IsTransactional":true,"PropagateIngestionProperties":false}]' },
    });
    const live = await readLiveSchema(db.run, 'D');
    const files = pullFiles(live, new Map());
    assert.deepEqual(files.map((f) => f.path), ['kql/tables/Raw.kql', 'kql/tables/Typed_Table.kql', 'kql/functions/Expand.kql']);
    assert.equal(files[0].content.split('\n\n').length, 3, 'table, streaming policy and mapping are three blocks');
    const back = parseOk(files.map((f) => ({ path: f.path, text: f.content })));
    const plan = planSchema(back, live);
    assert.deepEqual(plan.steps.map((s) => s.command), []);
    assert.deepEqual(plan.removals.map((s) => s.command), []);
  });

  it('writes an object back to the file that declares it', async () => {
    const live = await readLiveSchema(fakeDatabase('D', { tables: [{ name: 'T', columns: [['a', 'String']] }] }).run, 'D');
    const parsed = parseSchemaFiles([{ path: 'kql/all.kql', text: '.create-merge table T (a: string)\n\n.alter-merge table T policy retention softdelete = 30d' }]);
    const keep = new Map([['kql/all.kql', parsed.schema.passThrough.map((p) => p.command)]]);
    assert.deepEqual(pullFiles(live, parsed.declaredIn, 'kql', keep), [{ path: 'kql/all.kql', content: '.create-merge table T (a: string)\n\n.alter-merge table T policy retention softdelete = 30d\n' }]);
  });
});

describe('schema as code: normalisation', () => {
  it('compares KQL without comments and spacing, keeping strings exact', () => {
    assert.equal(normalizeKql('T  // x\n| where a == "a  b"   and b>1'), normalizeKql('T | where a=="a  b" and b > 1'));
    assert.notEqual(normalizeKql('T | where a == "a b"'), normalizeKql('T | where a == "a  b"'));
  });

  it('spells JSON paths one way', () => {
    assert.equal(normalizeJsonPath('$.a.b[0]'), "$['a']['b'][0]");
    assert.equal(normalizeJsonPath('$["a"][\'b\']'), "$['a']['b']");
    assert.equal(normalizeJsonPath('$'), '$');
  });
});
