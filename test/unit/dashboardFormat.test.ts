import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDashboard, undeclaredVariables, type Dashboard } from '../../src/core/dashboards/format';
import { serializeDashboard } from '../../src/core/dashboards/write';
import { applyParameters, defaultValues, kqlString } from '../../src/core/dashboards/parameters';

const sample: Dashboard = {
  version: 1,
  title: 'Readings',
  autoRefresh: '30s',
  parameters: [
    { kind: 'timeRange', name: 'Time range', default: '1h' },
    { kind: 'select', name: 'Device', variable: '_device', type: 'string', multi: true, dataSource: 'local', query: 'Readings | distinct DeviceId' },
    { kind: 'select', name: 'Limit', variable: '_limit', type: 'long', multi: false, values: ['10', '100'], default: '10' },
  ],
  pages: [{
    name: 'Overview',
    tiles: [
      { id: 'per-minute', title: 'Per minute', dataSource: 'local', visual: 'timechart', position: { x: 0, y: 0, width: 12, height: 8 }, query: 'Readings\n| where Timestamp between (_startTime .. _endTime)\n| summarize count() by bin(Timestamp, 1m)' },
      { id: 'top', title: 'Top', dataSource: 'NetDefaultDB', visual: 'table', position: { x: 12, y: 0, width: 12, height: 8 }, query: 'Readings | where array_length(_device) == 0 or DeviceId in (_device) | take _limit' },
    ],
  }],
};

describe('dashboard format', () => {
  it('round-trips: serialize then parse gives the same dashboard, and the text is stable', () => {
    const text = serializeDashboard(sample);
    const r = parseDashboard(text, { dataSources: ['NetDefaultDB'] });
    assert.ok(r.ok, JSON.stringify(r.problems));
    assert.deepEqual(r.dashboard, sample);
    assert.equal(serializeDashboard(r.dashboard), text);
    assert.match(text, /"position": \{ "x": 0, "y": 0, "width": 12, "height": 8 \}/);
    assert.ok(text.indexOf('"version"') < text.indexOf('"title"') && text.indexOf('"title"') < text.indexOf('"pages"'));
  });

  it('keys are written in one order whatever order the file had', () => {
    const shuffled = JSON.stringify({ pages: [{ tiles: [{ query: 'T', position: { height: 2, width: 3, y: 1, x: 0 }, id: 'a' }], name: 'P' }], title: 'X' });
    const r = parseDashboard(shuffled);
    assert.ok(r.ok);
    const text = serializeDashboard(r.dashboard);
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['version', 'title', 'autoRefresh', 'parameters', 'pages']);
    assert.deepEqual(Object.keys((JSON.parse(text) as { pages: { tiles: object[] }[] }).pages[0].tiles[0]), ['id', 'title', 'dataSource', 'visual', 'position', 'query']);
  });

  it('the sample fixture parses', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'dashboards', 'sample.kqldash'), 'utf8');
    const r = parseDashboard(text, { dataSources: ['NetDefaultDB'] });
    assert.ok(r.ok, JSON.stringify(r.problems));
  });

  it('malformed JSON: the syntax error with its line and column', () => {
    const r = parseDashboard('{\n  "pages": [\n    { "name": "P", }\n  ]\n}');
    assert.equal(r.ok, false);
    assert.equal(r.problems[0].line, 3);
    assert.match(r.problems[0].message, /JSON syntax/);
    assert.equal(parseDashboard('').ok, false);
  });

  it('schema problems say what and where', () => {
    const text = '{\n  "pages": [{ "name": "P", "tiles": [\n    { "id": "a", "query": "T", "visual": "donut", "position": { "x": 20, "y": 0, "width": 8, "height": 2 } }\n  ] }],\n  "colour": 1\n}';
    const r = parseDashboard(text);
    assert.equal(r.ok, false);
    const msgs = r.problems.map((p) => `${p.line}:${p.path}:${p.message}`);
    assert.ok(msgs.some((m) => /^3:pages\[0\]\.tiles\[0\]\.visual:.*"donut"; use one of table, stat, timechart/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^3:pages\[0\]\.tiles\[0\]\.position\.width:.*past the 24-column grid/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^5:colour:Unknown property "colour"/.test(m)), msgs.join('\n'));
  });

  it('an unknown data source names the ones to use', () => {
    const r = parseDashboard(JSON.stringify({ pages: [{ name: 'P', tiles: [{ id: 'a', query: 'T', dataSource: 'Nope', position: { x: 0, y: 0, width: 1, height: 1 } }] }] }), { dataSources: ['NetDefaultDB'] });
    assert.equal(r.ok, false);
    assert.match(r.problems[0].message, /Unknown data source "Nope"; use "local" or "NetDefaultDB"/);
    assert.equal(r.problems[0].path, 'pages[0].tiles[0].dataSource');
  });

  it('a parameter referenced but not declared points at the reference in the query', () => {
    const text = '{"pages": [{"name": "P", "tiles": [{"id": "a", "position": {"x": 0, "y": 0, "width": 1, "height": 1},\n "query": "T\\n| where X == _region and Timestamp > _startTime"}]}]}';
    const r = parseDashboard(text);
    assert.equal(r.ok, false);
    const [a, b] = r.problems;
    assert.match(a.message, /uses _region but no parameter declares it/);
    assert.equal(text.slice(a.offset, a.offset + 7), '_region');
    assert.equal(a.line, 2);
    assert.match(b.message, /_startTime.*"timeRange" parameter/);
    assert.equal(text.slice(b.offset, b.offset + 10), '_startTime');
  });

  it('references in strings, comments, after a dot or declared by the query itself are not parameters', () => {
    assert.deepEqual(undeclaredVariables('let _x = 1; T | where a == "_y" // _z\n| extend b = d._w, c = _x', new Set()), []);
    assert.deepEqual(undeclaredVariables("T | where a == '_y' and b == @'c:\\_q' and c == _v", new Set()).map((r) => r.name), ['_v']);
  });

  it('duplicate tile ids and duplicate parameter variables are reported', () => {
    const r = parseDashboard(JSON.stringify({
      parameters: [{ kind: 'select', name: 'A', variable: '_a', values: ['1'] }, { kind: 'select', name: 'B', variable: '_a', values: ['2'] }],
      pages: [{ name: 'P', tiles: [{ id: 'a', query: 'T', position: { x: 0, y: 0, width: 1, height: 1 } }, { id: 'a', query: 'T', position: { x: 1, y: 0, width: 1, height: 1 } }] }],
    }));
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => /_a is declared twice/.test(p.message)));
    assert.ok(r.problems.some((p) => /Tile id "a" is used twice/.test(p.message)));
  });

  it('a select parameter needs query or values, and a known version', () => {
    const r = parseDashboard(JSON.stringify({ version: 2, parameters: [{ kind: 'select', name: 'A', variable: '_a' }], pages: [{ name: 'P' }] }));
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => /exactly one of "query"/.test(p.message)));
    assert.ok(r.problems.some((p) => /reads version 1/.test(p.message)));
  });

  it('malformed files say what to do: an empty file, a syntax error, a version from a newer or a wrong writer', () => {
    assert.match(parseDashboard('  \n').problems[0].message, /The file is empty; it must hold a dashboard JSON object such as \{ "version": 1, "pages"/);
    const comma = parseDashboard('{\n  "version": 1\n  "pages": []\n}');
    assert.deepEqual([comma.problems[0].line, comma.problems[0].column], [3, 3]);
    assert.match(comma.problems[0].message, /^JSON syntax: a comma is missing between two values or properties\. Fix the file as text/);
    const newer = parseDashboard(JSON.stringify({ version: 3, pages: [{ name: 'P', tiles: [] }] }, null, 2));
    assert.equal(newer.problems.length, 1);
    assert.deepEqual([newer.problems[0].line, newer.problems[0].path], [2, 'version']);
    assert.match(newer.problems[0].message, /written by a newer Eventline: update the extension/);
    assert.match(parseDashboard('{ "version": "1", "pages": [{ "name": "P" }] }').problems[0].message, /Set "version": 1\./);
  });
});

describe('dashboard parameters', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it('prepends let statements for the variables a query uses, with the time window ending at now', () => {
    const values = defaultValues(sample);
    const q = applyParameters(sample.pages[0].tiles[0].query, sample, values, now);
    assert.equal(q, 'let _startTime = datetime(2026-01-01T11:00:00.000Z);\nlet _endTime = datetime(2026-01-01T12:00:00.000Z);\n' + sample.pages[0].tiles[0].query);
    const q2 = applyParameters(sample.pages[0].tiles[1].query, sample, { ...values, timeRange: '5m', selected: { _device: ['a"b', 'c\\d'], _limit: '100' } }, now);
    assert.equal(q2.split('\n').slice(0, 2).join('\n'), 'let _device = dynamic(["a\\"b", "c\\\\d"]);\nlet _limit = long(100);');
  });

  it('a query with no parameters is unchanged; an empty multi select is an empty array', () => {
    assert.equal(applyParameters('T | take 1', sample, defaultValues(sample), now), 'T | take 1');
    assert.match(applyParameters('T | where array_length(_device) == 0', sample, defaultValues(sample), now), /^let _device = dynamic\(\[\]\);/);
  });

  it('a value that is not of the parameter type is a clear error, never spliced into the query', () => {
    assert.throws(() => applyParameters('T | take _limit', sample, { selected: { _limit: '1; drop' } }, now), /Parameter "Limit": "1; drop" is not a whole number/);
  });

  it('kqlString escapes quotes, backslashes and newlines', () => {
    assert.equal(kqlString('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
  });
});

describe('dashboard JSON schema', () => {
  it('accepts what the writer writes and the sample, and rejects what the parser rejects', async () => {
    const { default: Ajv } = await import('ajv');
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'kqldash.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    assert.ok(validate(JSON.parse(serializeDashboard(sample))), JSON.stringify(validate.errors));
    assert.ok(validate(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'dashboards', 'sample.kqldash'), 'utf8'))), JSON.stringify(validate.errors));
    assert.equal(validate({ pages: [{ name: 'P', tiles: [{ id: 'a', query: 'T', visual: 'donut', position: { x: 0, y: 0, width: 1, height: 1 } }] }] }), false);
  });
});
