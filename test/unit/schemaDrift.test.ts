import * as assert from 'node:assert/strict';
import { checkDrift, connectionMapping, driftMarkdown, mappingEntry, misfit, type DriftInput, type DriftReport } from '../../src/core/kql/schema';

const COLUMNS = [
  { name: 'Timestamp', type: 'datetime' }, { name: 'Sensor', type: 'string' }, { name: 'Value', type: 'real' }, { name: 'Count', type: 'long' },
];
const MAPPING = {
  name: 'RawMapping',
  entries: [
    mappingEntry({ column: 'Timestamp', Properties: { Path: '$.ts' } }),
    mappingEntry({ column: 'Sensor', Properties: { Path: '$.device.id' } }),
    mappingEntry({ column: 'Value', Properties: { Path: '$.value' } }),
    mappingEntry({ column: 'Count', Properties: { Path: '$.n' } }),
  ],
};

function events(...bodies: unknown[]): DriftInput['events'] {
  return bodies.map((b, i) => ({ id: `partition 0, sequence ${i}`, text: typeof b === 'string' ? b : JSON.stringify(b) }));
}

function check(over: Partial<DriftInput>): DriftReport {
  return checkDrift({ table: 'Raw', columns: COLUMNS, mapping: MAPPING, format: 'json', events: [], ...over });
}

const kinds = (r: DriftReport) => r.findings.map((f) => `${f.severity} ${f.kind} ${f.path ?? f.column ?? ''} ${f.count}/${f.of}`);

describe('schema drift: hub events against a table and its mapping', () => {
  it('finds nothing when every field is mapped, present and fits its column', () => {
    const r = check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: 1.5, n: 3 }, { ts: '2026-12-07T10:00:01.1234567Z', device: { id: 'b' }, value: '2', n: '4' }) });
    assert.deepEqual(r.findings, []);
    assert.equal(r.records, 2);
    assert.match(driftMarkdown(r, { hub: 'telemetry', database: 'db', sampledAt: 'now' }), /\*\*No drift:\*\*/);
  });

  it('reports a field nothing maps (its values are dropped), most frequent first, with the first event it was in', () => {
    const r = check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a', fw: '1.2' }, value: 1, n: 1 }, { ts: '2026-12-07T10:00:00Z', device: { id: 'a', fw: '1.3' }, value: 1, n: 1, humidity: 40 }) });
    assert.deepEqual(kinds(r), ['warning unmappedField $.device.fw 2/2', 'warning unmappedField $.humidity 1/2']);
    assert.equal(r.findings[1].example, 'partition 0, sequence 1');
    assert.match(r.findings[0].message, /mapping "RawMapping" does not map it: its values are dropped/);
  });

  it('says a mapped field missing from every record leaves its column null, and names the likely new name', () => {
    const r = check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, Value: 1, n: 1 }, { ts: '2026-12-07T10:00:00Z', device: { id: 'b' }, Value: 2, n: 1 }) });
    assert.deepEqual(kinds(r), ['warning missingField $.value 2/2', 'warning unmappedField $.Value 2/2']);
    assert.match(r.findings[0].message, /column Value \(real\) is null in every row\. The events have \$\.Value, which nothing maps: was the field renamed\?/);
  });

  it('a short name is taken as renamed only when just its case changed', () => {
    const r = checkDrift({ table: 'T', columns: [{ name: 'n', type: 'long' }, { name: 'id', type: 'string' }], format: 'json', events: events({ x: 1, ID: 'a' }) });
    assert.doesNotMatch(r.findings.find((f) => f.path === '$.n')!.message, /renamed/);
    assert.match(r.findings.find((f) => f.path === '$.id')!.message, /The events have \$\.ID, which nothing maps: was the field renamed\?/);
  });

  it('counts a field missing (or null) from some records as a note, not a warning', () => {
    const r = check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: 1, n: 1 }, { ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: null, n: 1 }, { ts: '2026-12-07T10:00:00Z', device: {}, value: 3, n: 1 }) });
    assert.deepEqual(kinds(r), ['info missingField $.device.id 1/3', 'info missingField $.value 1/3']);
    assert.match(r.findings[0].message, /column Sensor \(string\) is empty there/);
  });

  it('reports values that do not fit their column, grouped by why, with one of them', () => {
    const r = check({ events: events(
      { ts: 1733565600, device: { id: 'a' }, value: 'n/a', n: 2.5 },
      { ts: 1733565601, device: { id: 'a' }, value: 'n/a', n: 3 },
      { ts: '2026-12-07T10:00:00Z', device: { id: { x: 1 } }, value: 2, n: 3 },
    ) });
    assert.deepEqual(kinds(r), [
      'warning typeMismatch $.ts 2/3', 'warning typeMismatch $.value 2/3', 'warning typeMismatch $.n 1/3', 'info typeMismatch $.device.id 1/3',
    ]);
    assert.match(r.findings[0].message, /a Unix time needs a DateTimeFromUnixSeconds/);
    assert.equal(r.findings[1].value, '"n/a"');
    assert.match(r.findings[1].message, /column Value \(real\) gets null there/);
    assert.match(r.findings[3].message, /holds it as text/);
  });

  it('takes a DateTimeFromUnix* transform into account', () => {
    const mapping = { name: 'M', entries: [mappingEntry({ column: 'Timestamp', Properties: { Path: '$.ts', Transform: 'DateTimeFromUnixSeconds' } })] };
    const r = checkDrift({ table: 'T', columns: [{ name: 'Timestamp', type: 'datetime' }], mapping, format: 'json', events: events({ ts: 1733565600 }, { ts: '2026-12-07' }) });
    assert.deepEqual(kinds(r), ['warning typeMismatch $.ts 1/2']);
  });

  it('without a mapping matches top-level fields to columns by name, case and all', () => {
    const r = checkDrift({ table: 'T', columns: [{ name: 'Timestamp', type: 'datetime' }, { name: 'Value', type: 'real' }], format: 'json', events: events({ timestamp: '2026-12-07T10:00:00Z', Value: 1 }) });
    assert.deepEqual(kinds(r), ['warning missingField $.Timestamp 1/1', 'warning unmappedField $.timestamp 1/1']);
    assert.match(r.findings[0].message, /was the field renamed/);
    assert.match(r.findings[1].message, /T has no column of that name/);
  });

  it('reports mapping entries for columns the table lacks, and columns no entry fills', () => {
    const mapping = { name: 'M', entries: [mappingEntry({ column: 'Gone', Properties: { Path: '$.g' } }), mappingEntry({ column: 'Value', Properties: { Path: '$.value' } })] };
    const r = checkDrift({ table: 'T', columns: [{ name: 'Value', type: 'real' }, { name: 'Extra', type: 'string' }], mapping, format: 'json', events: events({ g: 1, value: 2 }) });
    assert.deepEqual(kinds(r), ['error unknownColumn Gone 0/0', 'info unfilledColumn Extra 1/1']);
  });

  it('a constant, SourceLocation, a DropMappedFields bag or the whole record ($) reads no field of its own, or every field below it', () => {
    const mapping = {
      name: 'M', entries: [
        mappingEntry({ column: 'Value', Properties: { Path: '$.value' } }),
        mappingEntry({ column: 'Site', Properties: { ConstValue: 'north' } }),
        mappingEntry({ column: 'From', Properties: { Transform: 'SourceLocation' } }),
        mappingEntry({ column: 'Rest', Properties: { Path: '$.extra', Transform: 'DropMappedFields' } }),
      ],
    };
    const columns = [{ name: 'Value', type: 'real' }, { name: 'Site', type: 'string' }, { name: 'From', type: 'string' }, { name: 'Rest', type: 'dynamic' }];
    assert.deepEqual(kinds(checkDrift({ table: 'T', columns, mapping, format: 'json', events: events({ value: 1, extra: { a: 1, b: { c: 2 } } }) })), []);
    const whole = { name: 'W', entries: [mappingEntry({ column: 'Raw', Properties: { Path: '$' } })] };
    assert.deepEqual(kinds(checkDrift({ table: 'T', columns: [{ name: 'Raw', type: 'dynamic' }], mapping: whole, format: 'json', events: events({ anything: [1, 2], at: { all: true } }) })), []);
  });

  it('json takes one object per event: an array or two lines is refused, as the connector refuses them', () => {
    const rec = { ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: 1, n: 1 };
    const r = check({ events: events([rec, rec], `${JSON.stringify(rec)}\n${JSON.stringify(rec)}`, rec) });
    assert.deepEqual(kinds(r), ['error notJson  1/3', 'error notObject  1/2']);
    assert.match(r.findings[1].message, /the json format takes one object per event; multijson takes arrays of objects/);
  });

  it('multijson: counts bodies that are not JSON, and records that are not objects, as errors; reads arrays and JSON lines as records', () => {
    const r = check({ format: 'multijson', events: events('not json {', '"just a string"', [{ ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: 1, n: 1 }, { ts: '2026-12-07T10:00:00Z', device: { id: 'b' }, value: 1, n: 1 }], `${JSON.stringify({ ts: '2026-12-07T10:00:00Z', device: { id: 'c' }, value: 1, n: 1 })}\n${JSON.stringify({ ts: '2026-12-07T10:00:00Z', device: { id: 'd' }, value: 1, n: 1 })}`) });
    assert.deepEqual(kinds(r), ['error notJson  1/4', 'error notObject  1/5']);
    assert.equal(r.records, 4);
    assert.match(r.findings[0].message, /1 event of 4 is not JSON \(first: partition 0, sequence 0\)/);
  });

  it('a field name with a line break cannot break the report\'s lines', () => {
    const r = checkDrift({ table: 'T', columns: [{ name: 'a', type: 'long' }], format: 'json', events: events({ a: 1, 'x\n- injected': 2, "it's": 3 }) });
    assert.deepEqual(r.findings.map((f) => f.path), ["$['x\\u000a- injected']", "$['it\\'s']"]);
    const md = driftMarkdown(r, { hub: 'h', database: 'db', sampledAt: 'now' });
    assert.equal(md.split('\n').filter((l) => l.startsWith('- ')).length, 2);
    assert.deepEqual(r.fix?.left.map((l) => l.path), ["$['x\\u000a- injected']"], 'no column is suggested for it');
    assert.deepEqual(r.fix?.columns, [{ name: "it's", type: 'long' }]);
  });

  it('suggests the fix: the renamed field\'s entry points at its new path, new fields become typed columns with entries', () => {
    const r = check({ events: events(
      { ts: '2026-12-07T10:00:00Z', device: { id: 'a', fw: '1.2' }, Value: 1, n: 1, humidity: 40, seen: '2026-12-07T09:00:00Z', extra: { a: 1 }, loc: { lat: 1.5 } },
      { ts: '2026-12-07T10:00:00Z', device: { id: 'b', fw: '1.3' }, Value: 2.5, n: 1, humidity: 41.5, seen: null, extra: [1] },
    ) });
    assert.ok(r.fix);
    assert.deepEqual(r.fix.columns, [
      { name: 'fw', type: 'string' }, { name: 'humidity', type: 'real' }, { name: 'seen', type: 'datetime' }, { name: 'lat', type: 'real' }, { name: 'extra', type: 'dynamic' },
    ], 'an object seen once as an array is one dynamic column; a field only ever inside an object gets a column of its own');
    assert.deepEqual(r.fix.commands, [
      '.create-merge table Raw (fw: string, humidity: real, seen: datetime, lat: real, extra: dynamic)',
      `.create-or-alter table Raw ingestion json mapping "RawMapping" '[{"column":"Timestamp","Properties":{"Path":"$.ts"}},{"column":"Sensor","Properties":{"Path":"$.device.id"}},{"column":"Value","Properties":{"Path":"$.Value"}},{"column":"Count","Properties":{"Path":"$.n"}},{"column":"fw","Properties":{"Path":"$.device.fw"}},{"column":"humidity","Properties":{"Path":"$.humidity"}},{"column":"seen","Properties":{"Path":"$.seen"}},{"column":"lat","Properties":{"Path":"$.loc.lat"}},{"column":"extra","Properties":{"Path":"$.extra"}}]'`,
    ]);
    const md = driftMarkdown(r, { hub: 'h', database: 'db', sampledAt: 'now' });
    assert.match(md, /## Suggested fix\n\nPut these commands in the table's file under kql\/ .*\n\n```kql\n\.create-merge table Raw .*\n\n\.create-or-alter table Raw ingestion json mapping "RawMapping" '.*'\n```/);
  });

  it('names a new column by its path where its own name is taken, and does not suggest a fix when nothing drifted', () => {
    const r = check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a', value: 7 }, value: 1, n: 1 }) });
    assert.deepEqual(r.fix?.columns, [{ name: 'device_value', type: 'long' }]);
    assert.equal(check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: 1, n: 1 }) }).fix, undefined);
  });

  it('without a mapping, suggests columns only for top-level fields, and lists what a column by name cannot take', () => {
    const r = checkDrift({ table: 'T', columns: [{ name: 'Sensor', type: 'string' }], format: 'json', events: events({ sensor: 's', hum: 40, nested: { a: 1 } }) });
    assert.deepEqual(r.fix?.columns, [{ name: 'hum', type: 'long' }, { name: 'nested', type: 'dynamic' }]);
    assert.deepEqual(r.fix?.commands, ['.create-merge table T (hum: long, nested: dynamic)']);
    assert.match(driftMarkdown(r, { hub: 'h', database: 'db', sampledAt: 'now' }), /Not taken in by these commands: \$\.sensor \(without a mapping, a column takes only the field of exactly its name: rename the column, or give the connection a mapping\)\./);
  });

  it('a field that stands in for a mapped one in some records gets no column of its own: the source should send one name', () => {
    const r = check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: 1, n: 1 }, { ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, Value: 2, n: 1 }) });
    assert.deepEqual(r.fix?.columns, []);
    assert.equal(r.fix?.commands.length, 0);
    assert.match(driftMarkdown(r, { hub: 'h', database: 'db', sampledAt: 'now' }), /Not taken in by a command: \$\.Value \(it stands in for \$\.value in the records without it, and a column reads one path: make the source send one name\)\./);
  });

  it('puts the caller\'s notes under the opening paragraph', () => {
    const md = driftMarkdown(check({ events: events({ ts: '2026-12-07T10:00:00Z', device: { id: 'a' }, value: 1, n: 1 }) }), { hub: 'h', database: 'db', sampledAt: 'now', notes: ['Read by name.'] });
    assert.match(md, /its mapping "RawMapping"\.\n\nRead by name\.\n\n\*\*No drift:\*\*/);
  });

  it('a connection loads with its named JSON mapping locally, by name in Fabric or without one, and a missing mapping is an error naming what the table has', () => {
    const mappings = [{ table: 'Raw', name: 'RawMapping', kind: 'json' as const, entries: MAPPING.entries }, { table: 'Raw', name: 'RawCsv', kind: 'csv' as const, entries: [] }];
    const c = { name: 'c1', table: 'Raw', mapping: 'RawMapping' };
    assert.deepEqual(connectionMapping(c, mappings, true), { name: 'RawMapping', entries: MAPPING.entries });
    assert.equal(connectionMapping(c, mappings, false), undefined, 'Fabric\'s Eventstream takes no mapping');
    assert.equal(connectionMapping({ name: 'c2', table: 'Raw' }, mappings, true), undefined);
    assert.throws(() => connectionMapping({ ...c, mapping: 'RawCsv' }, mappings, true), {
      message: 'Connection c1 names the JSON mapping "RawCsv", which table Raw does not have (it has json "RawMapping", csv "RawCsv"). Deploy the schema, or fix "mapping" in eventline.json.',
    });
  });

  it('says so when the hub is empty', () => {
    const r = check({ events: [] });
    assert.match(driftMarkdown(r, { hub: 'telemetry', database: 'db', sampledAt: 'now' }), /The hub holds no events/);
  });

  it('misfit follows the column types', () => {
    assert.equal(misfit(12, 'long'), undefined);
    assert.equal(misfit('-12', 'long'), undefined);
    assert.equal(misfit(1.5, 'long'), 'a number with a fraction');
    assert.equal(misfit(3_000_000_000, 'int'), "a whole number outside int's 32 bits");
    assert.equal(misfit('3000000000', 'int'), "a string outside int's 32 bits");
    assert.equal(misfit(3_000_000_000, 'long'), undefined);
    assert.equal(misfit('12.5', 'long'), 'a string');
    assert.equal(misfit(true, 'real'), 'a boolean');
    assert.equal(misfit('NaN', 'real'), undefined);
    assert.equal(misfit('TRUE', 'bool'), undefined);
    assert.equal(misfit('yes', 'bool'), 'a string');
    assert.equal(misfit('00:05:00', 'timespan'), undefined);
    assert.equal(misfit('1.02:03:04.5', 'timespan'), undefined);
    assert.equal(misfit('5 minutes', 'timespan'), 'a string');
    assert.equal(misfit('0f8fad5b-d9cb-469f-a165-70867728950e', 'guid'), undefined);
    assert.equal(misfit('0f8fad5b', 'guid'), 'a string');
    assert.equal(misfit('yesterday', 'datetime'), 'a string');
    assert.equal(misfit('123', 'datetime'), 'a string');
    assert.equal(misfit({ a: 1 }, 'dynamic'), undefined);
    assert.equal(misfit(null, 'long'), undefined);
  });
});
