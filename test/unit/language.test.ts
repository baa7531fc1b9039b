import * as assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CompletionItemKind, DiagnosticSeverity } from 'vscode-languageserver-types';
import { blankDirectives, KqlService } from '../../src/language/kustoService';
import { connectionKey } from '../../src/language/protocol';
import { compactSchema, type CompactDatabase } from '../../src/language/schema';

// What `.show database ['telemetry'] schema as json` returns (trimmed), as the service and the local Eventhouse write it.
const SCHEMA_JSON = {
  Plugins: [],
  Databases: {
    telemetry: {
      Name: 'telemetry', MajorVersion: 3, MinorVersion: 9,
      Tables: {
        Events: {
          Name: 'Events', DefaultColumn: null, Folder: 'raw', DocString: 'Raw events',
          OrderedColumns: [
            { Name: 'Timestamp', Type: 'System.DateTime', CslType: 'datetime' },
            { Name: 'Source', Type: 'System.String', CslType: 'string' },
            { Name: 'Value', Type: 'System.Double' },
            { Name: 'Payload', Type: 'System.Object', CslType: 'dynamic' },
          ],
        },
        'Odd Name': { Name: 'Odd Name', OrderedColumns: [{ Name: 'my col', CslType: 'long' }] },
      },
      MaterializedViews: { LatestBySource: { Name: 'LatestBySource', OrderedColumns: [{ Name: 'Source', CslType: 'string' }, { Name: 'Value', CslType: 'real' }] } },
      ExternalTables: {},
      Functions: {
        RecentEvents: {
          Name: 'RecentEvents', Body: '{ Events | where Timestamp > ago(window) }', Folder: '', DocString: 'Events in a window',
          InputParameters: [{ Name: 'window', Type: 'System.TimeSpan', CslType: 'timespan', CslDefaultValue: '1h' }], OutputColumns: [], FunctionKind: 'Unknown',
        },
        CountOf: {
          Name: 'CountOf', Body: '{ T | count }', InputParameters: [{ Name: 'T', Columns: [] }],
        },
      },
    },
  },
};

const CLUSTER = 'http://127.0.0.1:8090';
const KEY = connectionKey({ cluster: CLUSTER, database: 'telemetry' });

function doc(text: string, uri = 'file:///w/q.kql'): TextDocument {
  return TextDocument.create(uri, 'kql', 1, text);
}

function offsetAfter(text: string, marker: string): number {
  const i = text.indexOf(marker);
  assert.ok(i >= 0, `marker ${marker} in text`);
  return i + marker.length;
}

describe('KQL language: schema conversion', () => {
  it('turns .show database schema as json into tables, views and functions with csl types', () => {
    const db = compactSchema(SCHEMA_JSON, 'telemetry') as CompactDatabase;
    assert.equal(db.name, 'telemetry');
    assert.deepEqual(db.tables.find((t) => t.name === 'Events'), {
      name: 'Events', docString: 'Raw events',
      columns: [['Timestamp', 'datetime'], ['Source', 'string'], ['Value', 'real'], ['Payload', 'dynamic']],
    });
    assert.deepEqual(db.tables.find((t) => t.name === 'LatestBySource')?.kind, 'materializedView');
    assert.deepEqual(db.functions, [
      { name: 'RecentEvents', parameters: '(window:timespan = 1h)', body: '{ Events | where Timestamp > ago(window) }', docString: 'Events in a window' },
      { name: 'CountOf', parameters: '(T:(*))', body: '{ T | count }' },
    ]);
  });

  it('accepts the result cell as a string, one database object, and picks the database case-insensitively', () => {
    assert.equal(compactSchema(JSON.stringify(SCHEMA_JSON), 'TELEMETRY')?.tables.length, 3);
    assert.equal(compactSchema(SCHEMA_JSON.Databases.telemetry, 'x')?.name, 'telemetry');
    assert.equal(compactSchema('not json', 'telemetry'), undefined);
    assert.equal(compactSchema({ Databases: { a: { Name: 'a', Tables: {} }, b: { Name: 'b', Tables: {} } } }, 'c'), undefined);
  });

  it('keys connections by cluster (case and trailing slash insensitive) and database', () => {
    assert.equal(connectionKey({ cluster: 'HTTP://Host:8090/', database: 'db' }), connectionKey({ cluster: 'http://host:8090', database: 'db' }));
    assert.notEqual(connectionKey({ cluster: 'http://host', database: 'db' }), connectionKey({ cluster: 'http://host', database: 'DB2' }));
  });
});

describe('KQL language: service', function () {
  // The first analysis loads Kusto.Language and builds its grammars: seconds on a busy machine.
  this.timeout(60000);
  let service: KqlService;

  before(() => {
    service = new KqlService();
    service.setSchema(KEY, CLUSTER, compactSchema(SCHEMA_JSON, 'telemetry'));
  });

  function open(text: string, uri?: string, key: string | null = KEY): TextDocument {
    const d = doc(text, uri);
    service.setDocumentConnection(d.uri, key ?? undefined);
    return d;
  }

  it('completes column names after `T | where `', () => {
    const text = 'Events\n| where ';
    const list = service.completion(open(text), text.length);
    const labels = list.items.map((i) => i.label);
    for (const c of ['Timestamp', 'Source', 'Value', 'Payload']) assert.ok(labels.includes(c), `${c} in ${labels.slice(0, 10).join(',')}`);
    assert.equal(list.items.find((i) => i.label === 'Source')?.kind, CompletionItemKind.Field);
    const ago = labels.findIndex((l) => l.startsWith('ago('));
    assert.ok(ago >= 0, 'built-in scalar functions are offered too');
    // Columns come before functions: the service's order is kept.
    assert.ok(labels.indexOf('Source') < ago);
  });

  it('completes tables, views and stored functions at the start of a query, and the same again (cached items)', () => {
    const text = 'Events | take 1\n\nRe';
    const d = open(text);
    for (let i = 0; i < 2; i++) {
      const list = service.completion(d, text.length);
      const labels = list.items.map((it) => it.label);
      assert.ok(labels.includes('Events'));
      assert.ok(labels.includes('LatestBySource'));
      assert.ok(labels.some((l) => String(l).startsWith('RecentEvents')), labels.slice(0, 20).join(','));
      const edit = list.items.find((it) => it.label === 'Events')?.textEdit;
      assert.ok(edit && 'range' in edit);
      // The edit replaces the typed "Re" on line 2.
      assert.deepEqual(edit.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 2 } });
    }
  });

  it('reports an unknown column with its exact range', () => {
    const text = 'Events\n| where Sorce == "a"';
    const diags = service.diagnostics(open(text));
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.equal(diags[0].severity, DiagnosticSeverity.Error);
    assert.match(diags[0].message as string, /Sorce/);
    assert.deepEqual(diags[0].range, { start: { line: 1, character: 8 }, end: { line: 1, character: 13 } });
  });

  it('analyses each blank-line separated block on its own, with positions in the whole file', () => {
    const text = 'Events | take 10\n\nEvents\n| project Nope\n\n\nLatestBySource | where Value > 1\n\nEvents | summarize count() by Bogus';
    const diags = service.diagnostics(open(text));
    assert.deepEqual(diags.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character]), [[3, 10, 14], [8, 30, 35]]);
    const blocks = service.blocks(doc(text));
    assert.equal(blocks.filter((b) => b.text.trim()).length, 4);
  });

  it('skips a `#connect` line and keeps positions right', () => {
    // The directive names the document's own connection (another letter case, a trailing slash): names are checked.
    const text = "#connect cluster('HTTP://127.0.0.1:8090/').database('telemetry')\nEvents\n| where Vlue > 1";
    assert.equal(blankDirectives(text).length, text.length);
    assert.ok(!blankDirectives(text).includes('#connect'));
    const d = open(text, 'vscode-notebook-cell:/w/nb.kqlnb#W0sZmlsZQ%3D%3D');
    const diags = service.diagnostics(d);
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.deepEqual(diags[0].range, { start: { line: 2, character: 8 }, end: { line: 2, character: 12 } });
    const list = service.completion(d, offsetAfter(text, '| where '));
    assert.ok(list.items.some((i) => i.label === 'Value'));
  });

  it('does not check names in blocks a `#connect` sends to another database, in a cell or below the line in a file', () => {
    const cell = "#connect cluster('help.kusto.windows.net').database('Samples')\nStormEvents\n| where Vlue > 1 and";
    const cellUri = 'vscode-notebook-cell:/w/nb.kqlnb#W1sZmlsZQ%3D%3D';
    const cellDiags = service.diagnostics(open(cell, cellUri));
    service.closeDocument(cellUri);
    // The names are unknown here (another database), but the syntax error is still reported.
    assert.deepEqual(cellDiags.map((d) => d.message), ['Missing expression'], JSON.stringify(cellDiags));
    const file = [
      'Events | where Nope1 > 1',
      '',
      "#connect database('other')",
      '',
      'StormEvents | take 1',
      '',
      "#connect database('telemetry')",
      'Events | where Nope2 > 1',
      '',
      'Events | where Nope3 > 1',
    ].join('\n');
    const diags = service.diagnostics(open(file, 'file:///w/connects.kql'));
    service.closeDocument('file:///w/connects.kql');
    // Above any #connect and after the one back to the document's database, names are checked again.
    assert.deepEqual(diags.map((d) => d.range.start.line), [0, 7, 9], JSON.stringify(diags));
    assert.ok(diags.every((d) => /Nope/.test(d.message as string)));
  });

  it('checks a block a `#connect` sends to another database against that database\'s schema once it is known', () => {
    const otherKey = connectionKey({ cluster: CLUSTER, database: 'other' });
    const file = [
      'Events | where Source == "a"',
      '',
      "#connect database('other')",
      '',
      'StormEvents | where Stat == "WA"',
      '',
      'StormEvents | where ',
    ].join('\n');
    const uri = 'file:///w/other-schema.kql';
    try {
      // Unknown at first: no name errors there (and none in the block on the file's own database); the unfinished
      // last query's syntax error is reported all along.
      assert.deepEqual(service.diagnostics(open(file, uri)).map((x) => x.message), ['Missing expression']);
      // Nor are the file's own database's tables offered there: they are not in the other database. The language
      // and the built-in functions still are.
      const before = service.completion(doc(file, uri), file.length).items.map((i) => String(i.label));
      assert.ok(before.some((l) => l.startsWith('ago(')), 'built-in functions are still offered');
      const atStart = service.completion(doc(`${file}\n\nEv`, uri), file.length + 4).items.map((i) => String(i.label));
      assert.ok(!atStart.includes('Events'), `the file's tables are not offered under the #connect: ${atStart.slice(0, 10).join(',')}`);
      const recheck = service.setSchema(otherKey, CLUSTER, { name: 'other', tables: [{ name: 'StormEvents', columns: [['State', 'string'], ['StartTime', 'datetime']] }], functions: [] });
      assert.ok(recheck.includes(uri), 'a document with #connect lines is re-checked when any schema arrives');
      const d = doc(file, uri);
      const diags = service.diagnostics(d);
      assert.deepEqual(diags.map((x) => [x.range.start.line, x.range.start.character, x.range.end.character]), [[4, 20, 24], [6, 19, 19]], JSON.stringify(diags));
      assert.match(diags[0].message as string, /Stat/);
      const labels = service.completion(d, file.length).items.map((i) => i.label);
      assert.ok(labels.includes('State') && labels.includes('StartTime'), labels.slice(0, 10).join(','));
      assert.ok(!labels.includes('Source'), 'the other database has no Source column');
      // The block above the #connect still completes from the file's own database.
      assert.ok(service.completion(d, offsetAfter(file, 'Events | where ')).items.some((i) => i.label === 'Source'));
      // Hover on the table name in the block under the #connect shows the other database's table.
      assert.match(String((service.hover(d, offsetAfter(file, "'other')\n\nStorm"))?.contents as { value: string } | undefined)?.value), /State/);
    } finally {
      service.setSchema(otherKey, CLUSTER, undefined);
      service.closeDocument(uri);
    }
  });

  it('does not flag names while the connection has no schema, but still flags syntax', () => {
    const text = 'Whatever\n| where x > 1\n\nT | where ';
    const diags = service.diagnostics(open(text, 'file:///w/none.kql', null));
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.equal(diags[0].range.start.line, 3);
  });

  it('does not flood management commands with errors', () => {
    const text = [
      '.create table Y (a:int, b:dynamic) with (folder="x")',
      '.create-or-alter function with (folder="f") F(n:int) { Events | take n }',
      '.alter table Events policy update @\'[{"Source":"Raw","Query":"Raw","IsEnabled":true}]\'',
      '.show tables',
      '.ingest inline into table Events <| 2024-01-01,a,1,{}',
      '.set-or-append Target <| Events | where NoSuchColumn > 1',
      '.create table Broken (a:int',
    ].join('\n\n');
    const diags = service.diagnostics(open(text));
    // Only the real syntax error, once, as a warning: commands the service half-knows must not turn red.
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.equal(diags[0].severity, DiagnosticSeverity.Warning);
    assert.equal(diags[0].range.start.line, 12);
  });

  it('hovers a table and a column with their schema', () => {
    const text = 'Events\n| where Source == "a"';
    const d = open(text);
    const table = service.hover(d, 2);
    assert.ok(table);
    assert.match(JSON.stringify(table.contents), /Events/);
    const col = service.hover(d, offsetAfter(text, 'where So'));
    assert.match(JSON.stringify(col?.contents), /Source.*string/);
  });

  it('gives signature help for a built-in and a stored function with the active parameter', () => {
    const text = 'Events\n| extend x = substring(Source, ';
    const help = service.signatureHelp(open(text), text.length);
    assert.ok(help, 'signature help');
    assert.match(help.signatures[help.activeSignature ?? 0].label, /^substring\(/);
    assert.equal(help.activeParameter, 1);
    const text2 = 'RecentEvents(';
    const help2 = service.signatureHelp(open(text2), text2.length);
    assert.match(help2?.signatures[0].label ?? '', /^RecentEvents\(\[?window: timespan/);
    assert.equal(help2?.activeParameter, 0);
  });

  it('re-checks documents on a schema change', () => {
    const text = 'Events | where Extra > 1';
    const d = open(text, 'file:///w/change.kql');
    assert.equal(service.diagnostics(d).length, 1);
    const db = compactSchema(SCHEMA_JSON, 'telemetry') as CompactDatabase;
    db.tables[0].columns.push(['Extra', 'long']);
    assert.deepEqual(service.setSchema(KEY, CLUSTER, db), ['file:///w/q.kql', 'vscode-notebook-cell:/w/nb.kqlnb#W0sZmlsZQ%3D%3D', 'file:///w/change.kql']);
    assert.equal(service.diagnostics(d).length, 0);
  });
});
