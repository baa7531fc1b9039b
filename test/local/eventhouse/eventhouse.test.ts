// The local Eventhouse end to end with the unchanged azure-kusto-data Client and azure-kusto-ingest
// StreamingIngestClient: REST shape, errors, management commands, streaming ingestion, update policies,
// truncation, cancellation, restart persistence and concurrent queries while ingesting.
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ClientRequestProperties } from 'azure-kusto-data';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { startKql, useKql, type Kql } from './helpers';
import { ruleQueryErrorMessage } from '../../../src/core/alerts/alertDraft';
import { dryRunQuery } from '../../../src/core/alerts/dryRun';
import { normalizeAlert } from '../../../src/core/alerts/rule';
import { kqlErrorOf } from '../../../src/core/kql/queryError';
import type { Alert } from '../../../src/core/manifest';
import { tempDataDir } from '../pipeline';

function ingestProps(table: string, format: DataFormat, mapping?: string): IngestionProperties {
  return new IngestionProperties({ database: 'NetDefaultDB', table, format, ...(mapping ? { ingestionMappingReference: mapping } : {}) });
}

describe('local Eventhouse over Kusto REST', function () {
  this.timeout(120_000);
  let kql: Kql;
  let ingest: InstanceType<typeof StreamingIngestClient>;
  useKql((k, i) => { kql = k; ingest = i; });

  it('answers cloud metadata with 404 and accepts no auth or any Bearer token', async () => {
    const meta = await fetch(`${kql.uri}/v1/rest/auth/metadata`);
    assert.equal(meta.status, 404);
    const withBearer = await fetch(`${kql.uri}/v2/rest/query`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer abc' }, body: JSON.stringify({ db: 'NetDefaultDB', csl: 'print 1' }) });
    assert.equal(withBearer.status, 200);
    const frames = await withBearer.json() as { FrameType: string; TableKind?: string; Rows?: unknown[][] }[];
    assert.deepEqual(frames.map((f) => f.TableKind ?? f.FrameType), ['DataSetHeader', 'QueryProperties', 'PrimaryResult', 'QueryCompletionInformation', 'DataSetCompletion']);
    const levels = frames[3].Rows!.map((r) => r[5]);
    assert.deepEqual(levels, [4, 6]);
    assert.equal(JSON.parse(frames[1].Rows![0][2] as string).Visualization, null);
  });

  it('returns render as Visualization metadata, and datetimes/timespans the client converts', async () => {
    const r = await kql.client.execute('NetDefaultDB', 'range x from 1 to 3 step 1 | extend t = datetime(2024-01-01) + x * 1h, d = x * 1s | render timechart with (title="Demo", ytitle="v")');
    const vis = r.tables.find((t) => t.kind === 'QueryProperties');
    assert.ok(vis);
    const row = [...vis.rows()][0].toJSON<{ Value: string }>();
    const v = JSON.parse(row.Value) as Record<string, unknown>;
    assert.equal(v.Visualization, 'timechart');
    assert.equal(v.Title, 'Demo');
    assert.equal(v.YTitle, 'v');
    const first = [...r.primaryResults[0].rows()][0].toJSON<{ t: Date; d: number }>();
    assert.ok(first.t instanceof Date);
    assert.equal(first.t.toISOString(), '2024-01-01T01:00:00.000Z');
    assert.equal(first.d, 1000);
  });

  it('serves /v1/rest/query for executeQueryV1', async () => {
    const r = await kql.client.executeQueryV1('NetDefaultDB', 'print a = 1, b = "x"');
    assert.deepEqual(r.primaryResults[0].toJSON().data, [{ a: 1, b: 'x' }]);
  });

  it('reports a syntax error with its line and column', async () => {
    const e = await kql.error('print 1\n| where');
    assert.equal(e.status, 400);
    assert.equal(e.error['@type'], 'Kusto.Data.Exceptions.SyntaxException');
    assert.match(String(e.error['@message']), /line:position=2:8/);
    assert.equal(e.error['@line'], 2);
  });

  it('a dry run\'s query error, through azure-kusto-data, points at the line and column of the rule\'s own query', async () => {
    const alert = (query: string): Alert => ({ name: 'broken', source: { query, eventTimeColumn: 'Timestamp' }, object: 'Site', property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 1 } });
    const rule = normalizeAlert(alert('print Site = "a", Value = 1.5, Timestamp = now()\n| summarize by'), 0);
    const query = dryRunQuery(rule, Date.now() - 3_600_000, Date.now());
    const err: unknown = await kql.client.execute('NetDefaultDB', query.text).then(() => undefined, (e: unknown) => e);
    const info = kqlErrorOf(err);
    assert.ok(info, 'the client\'s error carries the service\'s reply');
    assert.equal(info.line, 3, 'line 3 of what was sent: the window line, then the query');
    const message = ruleQueryErrorMessage(info, 'Dry run of "broken": its query does not run', 2);
    assert.match(message, /\(line 2, column 15\): .*Missing expression \[line:position=2:15\]/);
    // A problem in what the dry run appends (an event-time column the query does not return) says so.
    const noTime = normalizeAlert(alert('print Site = "a", Value = 1.5'), 0);
    const e2: unknown = await kql.client.execute('NetDefaultDB', dryRunQuery(noTime, Date.now() - 3_600_000, Date.now()).text).then(() => undefined, (e: unknown) => e);
    assert.match(ruleQueryErrorMessage(kqlErrorOf(e2)!, 'Dry run', 1), /added after the query: check the event-time, object and property columns.*Timestamp/);
  });

  it('reports an unknown column as a semantic error naming it', async () => {
    await kql.run('.create table Errs (A:long, B:string)');
    const e = await kql.error('Errs | where Bx == "a"');
    assert.equal(e.error['@type'], 'Kusto.Data.Exceptions.SemanticException');
    assert.match(String(e.error['@message']), /'Bx'.*line:position=1:14/);
  });

  it('reports a type mismatch', async () => {
    const e = await kql.error('Errs | where B > 1');
    assert.match(String(e.error['@message']), /KS106.*'>'.*string.*long/);
  });

  it('rejects a datetime that does not exist, or that it cannot store, instead of rolling it over', async () => {
    const bad = await kql.error('print x = datetime(2024-13-45)');
    assert.equal(bad.status, 400);
    assert.match(String(bad.error['@message']), /datetime\(2024-13-45\)' is not a valid date and time \(line 1, column 11\)/);
    assert.equal(bad.error['@line'], 1);
    assert.match(String((await kql.error('print datetime(2023-02-29)')).error['@message']), /not a valid date and time/);
    assert.match(String((await kql.error('print datetime(1600-01-01)')).error['@message']), /keeps datetimes from 1677-09-22 to 2262-04-11/);
    assert.deepEqual((await kql.run('print datetime(2024-02-29 23:59:59.9999999)')).rows, [['2024-02-29T23:59:59.9999999Z']]);
  });

  it('rejects unsupported operators and functions by name instead of answering differently', async () => {
    const op = await kql.error('Errs | evaluate pivot(B)');
    assert.match(String(op.error['@message']), /does not support the 'pivot' plugin of the 'evaluate' operator .*line 1, column 17/);
    const others = await kql.error('Errs | top-nested 2 of A with others = "rest" by count()');
    assert.match(String(others.error['@message']), /does not support top-nested's 'with others'/);
    const fn = await kql.error('print x = hash_sha256("a")');
    assert.match(String(fn.error['@message']), /does not support the function 'hash_sha256\(\)'/);
    const cmd = await kql.error('.show cluster');
    assert.match(String(cmd.error['@message']), /management command '\.show cluster'/);
  });

  it('refuses two columns that differ only by case (DuckDB identifiers are case-insensitive)', async () => {
    const e = await kql.error('.create table Bad (Value:real, value:real)');
    assert.match(String(e.error['@message']), /'Value' and 'value'.*case-insensitive/);
    const q = await kql.error('print Value = 1 | extend value = 2');
    assert.match(String(q.error['@message']), /'Value' and 'value'.*differ only by case/);
  });

  it('answers the tree and notebook management commands with the service columns', async () => {
    await kql.run('.create table Mgmt (Ts:datetime, Name:string) with (folder="demo", docstring="doc")');
    await kql.run('.ingest inline into table Mgmt <|\n2024-01-01T00:00:00Z,a\n2024-01-01T00:00:01Z,b');
    const dbs = await kql.run('.show databases');
    assert.deepEqual(dbs.columns.slice(0, 5), ['DatabaseName:string', 'PersistentStorage:string', 'Version:string', 'IsCurrent:bool', 'DatabaseAccessMode:string']);
    assert.ok(dbs.rows.some((r) => r[0] === 'NetDefaultDB' && r[3] === true));
    const tables = await kql.run('.show tables');
    assert.deepEqual(tables.columns, ['TableName:string', 'DatabaseName:string', 'Folder:string', 'DocString:string']);
    assert.deepEqual(tables.rows.find((r) => r[0] === 'Mgmt'), ['Mgmt', 'NetDefaultDB', 'demo', 'doc']);
    const details = await kql.run('.show tables details');
    const mrow = details.rows.find((r) => r[0] === 'Mgmt')!;
    assert.equal(mrow[details.columns.indexOf('TotalRowCount:long')], 2);
    assert.ok(Number(mrow[details.columns.indexOf('TotalOriginalSize:real')]) > 0);
    const csl = await kql.run('.show table Mgmt cslschema');
    assert.equal(csl.rows[0][1], 'Ts:datetime,Name:string');
    const js = await kql.run('.show table Mgmt schema as json');
    assert.deepEqual(JSON.parse(js.rows[0][1] as string), { Name: 'Mgmt', OrderedColumns: [{ Name: 'Ts', Type: 'System.DateTime', CslType: 'datetime' }, { Name: 'Name', Type: 'System.String', CslType: 'string' }] });
    const dbSchema = await kql.run('.show database schema as json');
    const doc = JSON.parse(dbSchema.rows[0][0] as string) as { Databases: Record<string, { Tables: Record<string, unknown> }> };
    assert.ok(doc.Databases.NetDefaultDB.Tables.Mgmt);
    await kql.run('.create-merge table Mgmt (Ts:datetime, Name:string, Extra:long)');
    await kql.run('.alter-merge table Mgmt (More:real)');
    assert.equal((await kql.run('.show table Mgmt cslschema')).rows[0][1], 'Ts:datetime,Name:string,Extra:long,More:real');
    await kql.run('.create-or-alter function with (folder="f") Recent() { Mgmt | where Ts > datetime(2024-01-01) }');
    const fns = await kql.run('.show functions');
    assert.deepEqual(fns.rows.find((r) => r[0] === 'Recent')?.slice(0, 2), ['Recent', '()']);
    assert.deepEqual((await kql.run('Recent | project Name')).rows, [['b']]);
    await kql.run('.set-or-append Copy <| Mgmt | project Name');
    await kql.run('.set-or-append Copy <| Mgmt | project Name');
    assert.deepEqual((await kql.run('Copy | count')).rows, [[4]]);
    await kql.run('.set-or-replace Copy <| Mgmt | take 1 | project Name');
    assert.deepEqual((await kql.run('Copy | count')).rows, [[1]]);
    await kql.run('.drop table Copy');
    assert.ok(!(await kql.run('.show tables')).rows.some((r) => r[0] === 'Copy'));
    await kql.run('.create database Second persist (@"x", @"y")');
    await kql.run('.create table Only2 (a:long)', 'Second');
    assert.deepEqual((await kql.run('.show tables', 'Second')).rows.map((r) => r[0]), ['Only2']);
  });

  it('runs a query over a .show command\'s table, as the service does (.show tables details | where …)', async () => {
    await kql.run('.create table PipeA (a:long) with (folder="x|y", docstring="has \\"quotes\\" and | bars")');
    await kql.run('.create table PipeB (b:string)');
    await kql.run('.ingest inline into table PipeA <|\n1\n2');
    const rows = await kql.run('.show tables details | where TableName startswith "Pipe" and TotalRowCount > 0 | project TableName, TotalRowCount, Folder, DocString');
    assert.deepEqual(rows.columns, ['TableName:string', 'TotalRowCount:long', 'Folder:string', 'DocString:string']);
    assert.deepEqual(rows.rows, [['PipeA', 2, 'x|y', 'has "quotes" and | bars']]);
    assert.deepEqual((await kql.run('.show tables | where TableName startswith "Pipe" | count')).rows, [[2]]);
    // An error in the query part points into the command as written.
    const e = await kql.error('.show tables | summarize x = nosuchfn()');
    assert.equal(e.status, 400);
    assert.match(String(e.error['@message']), /nosuchfn.*line:position=1:30/);
  });

  it('ingests json with a mapping and csv through StreamingIngestClient (gzip bodies)', async () => {
    await kql.run('.create table Telemetry (Timestamp:datetime, Device:string, Temp:real, Raw:dynamic)');
    await kql.run(`.create table Telemetry ingestion json mapping "TelemetryMapping" '[{"column":"Timestamp","path":"$.ts","datatype":"datetime"},{"column":"Device","path":"$.device.id"},{"column":"Temp","path":"$.reading.temp"},{"column":"Raw","path":"$"}]'`);
    const maps = await kql.run('.show table Telemetry ingestion mappings');
    assert.equal(maps.rows[0][0], 'TelemetryMapping');
    assert.equal(maps.rows[0][1], 'Json');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ ts: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), device: { id: `d${i % 5}` }, reading: { temp: i / 2 } })).join('\n');
    await ingest.ingestFromStream(Readable.from([Buffer.from(lines)]), ingestProps('Telemetry', DataFormat.JSON, 'TelemetryMapping'));
    const r = await kql.run('Telemetry | summarize n = count(), t = sum(Temp) by Device | order by Device asc');
    assert.deepEqual(r.rows[0], ['d0', 10, (0 + 5 + 10 + 15 + 20 + 25 + 30 + 35 + 40 + 45) / 2]);
    assert.deepEqual((await kql.run('Telemetry | where Timestamp == datetime(2024-01-01 00:03) | project d = tostring(Raw.device.id)')).rows, [['d3']]);
    await kql.run('.create table Csv (a:long, b:string, c:datetime)');
    await ingest.ingestFromStream(Readable.from([Buffer.from('1,"x, y",2024-01-01T00:00:00Z\n2,z,\n')]), ingestProps('Csv', DataFormat.CSV));
    assert.deepEqual((await kql.run('Csv | order by a asc')).rows, [[1, 'x, y', '2024-01-01T00:00:00.0000000Z'], [2, 'z', null]]);
    await ingest.ingestFromStream(Readable.from([Buffer.from('[{"a":3,"b":"m","c":"2024-02-01"},\n{"a":4,\n "b":"n"}]')]), ingestProps('Csv', DataFormat.MULTIJSON));
    assert.deepEqual((await kql.run('Csv | where a > 2 | order by a asc | project a, b')).rows, [[3, 'm'], [4, 'n']]);
  });

  it('rejects malformed JSON with where it is, as a 400, and ingests nothing from that request', async () => {
    await kql.run('.create table Strict (a:long)');
    const err = await ingest.ingestFromStream(Readable.from([Buffer.from('{"a":1}\n{"a":2,\n{"a":3}')]), ingestProps('Strict', DataFormat.JSON)).then(() => undefined, (e: unknown) => e);
    const resp = (err as { response?: { status: number; data: { error: Record<string, unknown> } } } | undefined)?.response;
    assert.equal(resp?.status, 400, 'the ingest call fails with 400');
    const message = String(resp?.data.error['@message']);
    assert.match(message, /The json data sent to 'Strict' could not be read \(at byte \d+ in line 3: .*\)\. Nothing from this request was ingested\./);
    assert.doesNotMatch(message, /ingest-\d+|\/tmp\//, 'no staging path');
    assert.deepEqual((await kql.run('Strict | count')).rows, [[0]]);
  });

  it('runs update policies on ingestion (raw events → typed table)', async () => {
    await kql.run('.create table RawEvents (Body:dynamic)');
    await kql.run(`.create table RawEvents ingestion json mapping "RawMap" '[{"column":"Body","path":"$"}]'`);
    await kql.run('.create table Readings (Ts:datetime, Sensor:string, Value:real)');
    await kql.run('.create-or-alter function ParseRaw() { RawEvents | where isnotnull(Body.v) | project Ts = todatetime(Body.ts), Sensor = tostring(Body.s), Value = toreal(Body.v) }');
    await kql.run(`.alter table Readings policy update @'[{"IsEnabled": true, "Source": "RawEvents", "Query": "ParseRaw()", "IsTransactional": true}]'`);
    await kql.run('.alter table RawEvents policy streamingingestion enable');
    const data = '{"ts":"2024-01-01T00:00:00Z","s":"a","v":1.5}\n{"ts":"2024-01-01T00:00:01Z","s":"b","v":2}\n{"ts":"2024-01-01T00:00:02Z","s":"c"}';
    await ingest.ingestFromStream(Readable.from([Buffer.from(data)]), ingestProps('RawEvents', DataFormat.JSON, 'RawMap'));
    assert.deepEqual((await kql.run('RawEvents | count')).rows, [[3]]);
    assert.deepEqual((await kql.run('Readings | order by Sensor asc')).rows, [['2024-01-01T00:00:00.0000000Z', 'a', 1.5], ['2024-01-01T00:00:01.0000000Z', 'b', 2]]);
    // Only the new rows go through the policy.
    await ingest.ingestFromStream(Readable.from([Buffer.from('{"ts":"2024-01-01T00:00:03Z","s":"d","v":4}')]), ingestProps('RawEvents', DataFormat.JSON, 'RawMap'));
    assert.deepEqual((await kql.run('Readings | count')).rows, [[3]]);
  });

  it('gives rows their ingestion time: ingestion_time(), one per request, hidden from the schema', async () => {
    await kql.run('.create table Ing (A:long)');
    const t0 = Date.now();
    await ingest.ingestFromStream(Readable.from([Buffer.from('{"A":1}\n{"A":2}')]), ingestProps('Ing', DataFormat.JSON));
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual((await kql.run('.ingest inline into table Ing <|\n3')).rows[0].slice(1), [1, 0, 0, 0, 1], '.ingest inline reports its size and row count');
    await kql.run('.set-or-append Ing <| print A = 4');
    const per = (await kql.run('Ing | summarize n = count() by t = ingestion_time() | order by t asc')).rows;
    assert.deepEqual(per.map((r) => r[1]), [2, 1, 1], 'one ingestion time per request');
    const first = Date.parse(String(per[0][0]));
    assert.ok(first >= t0 - 5 && first <= t1 + 5, `first ingestion at ${String(per[0][0])}, between ${new Date(t0).toISOString()} and ${new Date(t1).toISOString()}`);
    // Where the service's own examples use it: filtering on it, and the lag after an event's own time.
    assert.deepEqual((await kql.run(`Ing | where ingestion_time() > datetime(${String(per[0][0])}) | count`)).rows, [[2]]);
    assert.deepEqual((await kql.run(`let recent = Ing | where A >= 3; recent | where ingestion_time() > datetime(${String(per[0][0])}) | count`)).rows, [[2]]);
    assert.deepEqual((await kql.run('Ing | where A > 1 | extend lag = ingestion_time() - datetime(2020-01-01) | summarize countif(lag > 1d)')).rows, [[3]]);
    // Hidden: not a column of the table, its schema or its rows.
    assert.deepEqual((await kql.run('Ing | take 1')).columns, ['A:long']);
    assert.deepEqual((await kql.run('Ing | getschema | project ColumnName')).rows, [['A']]);
    assert.match(String((await kql.run('.show table Ing cslschema')).rows[0][1]), /^A:long$/);
    // A projection keeps the table's rows; a summarize makes new ones (the service's null there is refused by name).
    assert.deepEqual((await kql.run('Ing | project A | where A == 1 | extend t = ingestion_time() | project ok = t == datetime(' + String(per[0][0]) + ')')).rows, [[true]]);
    const e = await kql.error('Ing | summarize by A | extend t = ingestion_time()');
    assert.match(String(e.error['@message']), /ingestion_time\(\) here/);
    // Rows an update policy writes get their ingestion time too.
    await kql.run('.create table IngCopy (A:long)');
    await kql.run(`.alter table IngCopy policy update @'[{"IsEnabled": true, "Source": "Ing", "Query": "Ing | project A = A * 10", "IsTransactional": true}]'`);
    await ingest.ingestFromStream(Readable.from([Buffer.from('{"A":5}')]), ingestProps('Ing', DataFormat.JSON));
    assert.deepEqual((await kql.run('IngCopy | where isnotnull(ingestion_time()) | project A')).rows, [[50]]);
  });

  it('unpacks bags into the columns the data has (bag_unpack without a schema), and names a clash with an input column', async () => {
    await kql.run('.create table Bags (Name:string, d:dynamic)');
    await kql.run('.ingest inline into table Bags with (format=json) <|\n{"Name":"a","d":{"x":1,"y":"s"}}\n{"Name":"b","d":{"x":2,"z":[1]}}\n{"Name":"c","d":null}');
    const r = await kql.run('Bags | evaluate bag_unpack(d) | order by Name asc');
    assert.deepEqual(r.columns, ['x:long', 'y:string', 'z:dynamic', 'Name:string']);
    assert.deepEqual(r.rows, [[1, 's', null, 'a'], [2, '', [1], 'b'], [null, '', null, 'c']]);
    // New slots in new data make new columns: the schema is the data's, looked at on every run.
    await kql.run('.ingest inline into table Bags with (format=json) <|\n{"Name":"d","d":{"w":true}}');
    assert.deepEqual((await kql.run('Bags | evaluate bag_unpack(d) | getschema | project ColumnName')).rows, [['w'], ['x'], ['y'], ['z'], ['Name']]);
    const e = await kql.error('Bags | extend d = bag_pack("Name", "n") | evaluate bag_unpack(d)');
    assert.match(String(e.error['@message']), /slot 'Name' would be a column 'Name', which its input already has.*columnsConflict/);
    // Where the engine cannot look first (a stored function's body), it asks for the schema when the function is made.
    const f = await kql.error('.create-or-alter function Unpacked() { Bags | evaluate bag_unpack(d) }');
    assert.match(String(f.error['@message']), /bag_unpack without an output schema inside a stored function/);
    await kql.run('.create-or-alter function Unpacked() { Bags | evaluate bag_unpack(d) : (*, x:long) }');
    assert.deepEqual((await kql.run('Unpacked() | where x == 2')).rows, [['b', 2]]);
  });

  it('truncates results over 500,000 rows with the service error unless notruncation is set', async () => {
    await assert.rejects(kql.client.execute('NetDefaultDB', 'range x from 1 to 500001 step 1'), /E_QUERY_RESULT_SET_TOO_LARGE/);
    const props = new ClientRequestProperties();
    props.setOption('notruncation', true);
    const r = await kql.client.execute('NetDefaultDB', 'range x from 1 to 500001 step 1', props);
    assert.equal(r.primaryResults[0]._rows.length, 500001);
    const r2 = await kql.run('set notruncation; range x from 1 to 500001 step 1 | count');
    assert.deepEqual(r2.rows, [[500001]]);
  });

  it('keeps row order in large results: sorted, serialized, and as the scan reads them', async () => {
    // Big enough for DuckDB to build the wire rows on both threads, whose partial results join in any order.
    const col = async (q: string, i = 0) => (await kql.client.execute('NetDefaultDB', q)).primaryResults[0]._rows.map((r) => r[i] as number);
    const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);
    await kql.run('.set-or-append Nums <| range x from 1 to 400000 step 1');
    const natural = await col('Nums | where x % 3 != 0');
    assert.equal(natural.length, 266667);
    assert.ok(ascending(natural), 'rows keep the order the scan reads them in');
    const sorted = await col('Nums | extend k = (x * 7919) % 400000 | order by k desc | project k');
    assert.ok(ascending(sorted.slice().reverse()), 'order by desc');
    const numbered = await col('Nums | summarize c = count() by k = x % 100000 | serialize rn = row_number()', 2);
    assert.equal(numbered.length, 100000);
    assert.ok(ascending(numbered), 'serialized rows come out in row_number order');
    assert.deepEqual((await kql.run('set truncationmaxrecords=5; Nums | summarize by k = x % 1000 | count')).rows, [[1000]]);
    await assert.rejects(kql.client.execute('NetDefaultDB', 'set truncationmaxrecords=5; Nums | summarize by k = x % 1000'), /E_QUERY_RESULT_SET_TOO_LARGE/);
  });

  it('cancels a running query by client request id, and keeps serving', async () => {
    const props = new ClientRequestProperties();
    props.clientRequestId = 'eventline-test-cancel-1';
    const started = Date.now();
    const running = kql.client.execute('NetDefaultDB', 'range x from 1 to 100000000000 step 1 | where x % 7 == 12345 | count', props);
    // Retry until the query is registered (a loaded machine can delay its arrival).
    let cancelled = false;
    for (let i = 0; i < 50 && !cancelled; i++) {
      await new Promise((r) => setTimeout(r, 200));
      cancelled = (await kql.run('.cancel query "eventline-test-cancel-1"')).rows[0][0] === true;
    }
    assert.ok(cancelled, 'the running query was never found by its client request id');
    await assert.rejects(running, (e: { response?: { data: { error: Record<string, unknown> } } }) => /cancelled/.test(String(e.response?.data.error['@message'])));
    assert.ok(Date.now() - started < 20_000);
    assert.deepEqual((await kql.run('print 1')).rows, [[1]]);
  });

  it('stops the query of a client that disconnects', async () => {
    const ac = new AbortController();
    const id = 'eventline-test-disconnect-1';
    const req = fetch(`${kql.uri}/v2/rest/query`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', 'x-ms-client-request-id': id }, body: JSON.stringify({ db: 'NetDefaultDB', csl: 'range x from 1 to 100000000000 step 1 | where x % 7 == 12345 | count' }) });
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    await assert.rejects(req);
    // Give the server a moment to notice; then the query must no longer be running (cancel finds nothing).
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await kql.run(`.cancel query "${id}"`)).rows[0][0], false, 'the query kept running after its client disconnected');
    const t0 = Date.now();
    assert.deepEqual((await kql.run('print 2')).rows, [[2]]);
    assert.ok(Date.now() - t0 < 5000);
  });

  it('keeps query plans between runs of the same text, and drops them when a table changes', async () => {
    await kql.run('.create table Plans (A:long)');
    await kql.run('.ingest inline into table Plans <|\n1');
    const count = 'Plans | summarize n = count()';
    assert.deepEqual((await kql.run(count)).rows, [[1]]);
    await kql.run('.ingest inline into table Plans <|\n2\n3');
    assert.deepEqual((await kql.run(count)).rows, [[3]], 'a kept plan reads the rows ingested since');
    // The same text over a table dropped and made again with other columns.
    await kql.run('.drop table Plans');
    await kql.run('.create table Plans (A:string, B:long)');
    await kql.run('.ingest inline into table Plans <|\nx,5');
    assert.deepEqual((await kql.run(count)).rows, [[1]]);
    assert.deepEqual((await kql.run('Plans | project A, B')).rows, [['x', 5]]);
    await kql.run('.set-or-replace Plans <| datatable(A:string, B:long)["y", 1, "z", 2]');
    assert.deepEqual((await kql.run(count)).rows, [[2]]);
    assert.deepEqual((await kql.run('Plans | order by B asc | project A')).rows, [['y'], ['z']]);
  });

  it('answers concurrent queries while ingesting, and loses no rows', async () => {
    await kql.run('.create table Stream (Seq:long, Batch:long)');
    const batches = 20;
    const per = 500;
    const ingests = Array.from({ length: batches }, (_, b) => {
      const body = Array.from({ length: per }, (_, i) => JSON.stringify({ Seq: b * per + i, Batch: b })).join('\n');
      return ingest.ingestFromStream(Readable.from([Buffer.from(body)]), ingestProps('Stream', DataFormat.JSON));
    });
    const counts: number[] = [];
    const queries = Array.from({ length: 20 }, async () => {
      const r = await kql.run('Stream | summarize c = count(), d = dcount(Batch)');
      const [c, d] = r.rows[0] as number[];
      assert.equal(c, d * per, 'a query saw a partial batch');
      counts.push(c);
    });
    await Promise.all([...ingests, ...queries]);
    assert.deepEqual((await kql.run('Stream | summarize count(), dcount(Seq)')).rows, [[batches * per, batches * per]]);
  });
});

describe('local Eventhouse persistence', function () {
  this.timeout(120_000);
  it('keeps databases, tables, rows, mappings, functions and policies across a restart', async () => {
    const dataDir = tempDataDir();
    const first = await startKql({ dataDir });
    try {
      await first.run('.create database Keep persist');
      await first.run('.create table T (Ts:datetime, V:real, D:dynamic)', 'Keep');
      await first.run(`.create table T ingestion json mapping "M" '[{"column":"Ts","path":"$.t"},{"column":"V","path":"$.v"},{"column":"D","path":"$.d"}]'`, 'Keep');
      await first.run('.create-or-alter function Big() { T | where V > 1 }', 'Keep');
      await first.run('.ingest inline into table T with (format=json, ingestionMappingReference="M") <|\n{"t":"2024-01-01T00:00:00.1234567Z","v":1,"d":{"a":1}}\n{"t":"2024-01-02T00:00:00Z","v":2,"d":[1]}', 'Keep');
    } finally { await first.stop(); }
    const second = await startKql({ dataDir });
    try {
      assert.deepEqual((await second.run('T | order by Ts asc', 'Keep')).rows, [['2024-01-01T00:00:00.1234567Z', 1, { a: 1 }], ['2024-01-02T00:00:00.0000000Z', 2, [1]]]);
      assert.deepEqual((await second.run('Big | count', 'Keep')).rows, [[1]]);
      assert.equal((await second.run('.show table T ingestion mappings', 'Keep')).rows.length, 1);
      assert.ok((await second.run('.show databases')).rows.some((r) => r[0] === 'Keep'));
    } finally { await second.stop(); }
  });
});
