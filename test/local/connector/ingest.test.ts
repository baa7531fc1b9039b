// The connector end to end: events sent with the unchanged EventHubProducerClient reach their table through the
// table's mapping (json, multijson, csv), in order per partition, and the update policy fills its target.
import * as assert from 'node:assert/strict';
import { CONTROL_PATHS, type HubInfo } from '../../../src/protocol/controlApi';
import { count, sendAll, startEnv, waitFor, type Env } from './helpers';

describe('connector: hub → table through the mapping and the update policy', function () {
  this.timeout(120_000);
  let env: Env;

  before(async () => {
    env = await startEnv({
      eventHubs: [{ name: 'telemetry', partitions: 4 }, { name: 'multi', partitions: 1 }, { name: 'csv', partitions: 1 }],
      eventhouse: { database: 'NetDefaultDB' },
      connections: [
        { name: 'readings', hub: 'telemetry', table: 'Raw', format: 'json', mapping: 'RawMapping' },
        { name: 'multi', hub: 'multi', table: 'Multi', format: 'multijson' },
        { name: 'csv-in', hub: 'csv', table: 'Csv', format: 'csv', mapping: 'CsvMapping' },
      ],
    });
    await env.mgmt('.create table Raw (P: int, N: long, Ts: datetime, Ms: datetime, Name: string, V: real, Props: dynamic, Src: string, Env: string)');
    const mapping = [
      { column: 'P', Properties: { Path: '$.p' } },
      { column: 'N', Properties: { Path: '$.n' } },
      { column: 'Ts', Properties: { Path: '$.ts', Transform: 'DateTimeFromUnixSeconds' } },
      { column: 'Ms', Properties: { Path: '$.ms', Transform: 'DateTimeFromUnixMilliseconds' } },
      { column: 'Name', Properties: { Path: '$.name' } },
      { column: 'V', Properties: { Path: '$.nested.v' } },
      { column: 'Props', Properties: { Path: '$.props', Transform: 'PropertyBagArrayToDictionary' } },
      { column: 'Src', Properties: { Transform: 'SourceLocation' } },
      { column: 'Env', Properties: { ConstValue: 'local' } },
    ];
    await env.mgmt(`.create table Raw ingestion json mapping "RawMapping" '${JSON.stringify(mapping)}'`);
    await env.mgmt('.create table Typed (N: long, P: int, Upper: string)');
    await env.mgmt(`.alter table Typed policy update @'[{"IsEnabled": true, "Source": "Raw", "Query": "Raw | project N, P, Upper = toupper(Name)", "IsTransactional": false}]'`);
    await env.mgmt('.create table Multi (Id: long, Kind: string)');
    await env.mgmt('.create table Csv (Id: long, Name: string, Value: real, At: datetime, Src: string)');
    const csvMapping = [
      { column: 'Id', Properties: { Ordinal: '0' } }, { column: 'Name', Properties: { Ordinal: '1' } }, { column: 'Value', Properties: { Ordinal: '2' } },
      { column: 'At', Properties: { Ordinal: '3', Transform: 'DateTimeFromUnixSeconds' } }, { column: 'Src', Properties: { Transform: 'SourceLocation' } },
    ];
    await env.mgmt(`.create table Csv ingestion csv mapping "CsvMapping" '${JSON.stringify(csvMapping)}'`);
  });

  after(async () => { await env?.close(); });

  it('ingests every event once, in order per partition, with the mapping applied, and runs the update policy', async () => {
    const producer = env.producer();
    const perPartition = 500;
    await Promise.all(['0', '1', '2', '3'].map((p) => sendAll(producer, Array.from({ length: perPartition }, (_, i) => {
      const n = Number(p) * 1000 + i;
      return { body: { p: Number(p), n, ts: 1_700_000_000 + n + 0.5, ms: 1_700_000_000_000 + n, name: `name-${n}`, nested: { v: n * 1.5 }, props: [{ a: n }, { b: 'x' }] } };
    }), p)));
    const total = await waitFor('all 2,000 rows in Raw', async () => { const n = await count(env, 'Raw | count'); return n >= 2000 ? n : undefined; });
    assert.equal(total, 2000);
    assert.equal(await count(env, 'Raw | summarize dcount(N)'), 2000);

    for (const p of [0, 1, 2, 3]) {
      // Rows of one partition are stored in their sequence order, and no later event was ingested before an earlier one.
      const rows = await env.rows(`Raw | where P == ${p} | extend It = ingestion_time() | project N, It`);
      assert.deepEqual(rows.map((r) => r.N), Array.from({ length: perPartition }, (_, i) => p * 1000 + i), `partition ${p} in order`);
      for (let i = 1; i < rows.length; i++) assert.ok(String(rows[i].It) >= String(rows[i - 1].It), `partition ${p}: row ${i} ingested before row ${i - 1}`);
    }

    const [row] = await env.rows('Raw | where N == 1007');
    assert.equal(row.P, 1);
    assert.equal(row.Ts, '2023-11-14T22:30:07.5000000Z');
    assert.equal(row.Ms, '2023-11-14T22:13:21.0070000Z');
    assert.equal(row.Name, 'name-1007');
    assert.equal(row.V, 1510.5);
    assert.deepEqual(row.Props, { a: 1007, b: 'x' });
    assert.match(String(row.Src), /^sb:\/\/127\.0\.0\.1:\d+\/telemetry\/ConsumerGroups\/readings\/Partitions\/1$/);
    assert.equal(row.Env, 'local');

    await waitFor('the update policy target', async () => ((await count(env, 'Typed | count')) === 2000 ? true : undefined));
    assert.deepEqual(await env.rows('Typed | where N == 3499 | project N, P, Upper'), [{ N: 3499, P: 3, Upper: 'NAME-3499' }]);

    const status = await waitFor('lag 0', async () => { const s = await env.connection('readings'); return s.lag === 0 && s.eventsIngested === 2000 ? s : undefined; });
    assert.equal(status.state, 'running');
    assert.equal(status.consumerGroup, 'readings');
    assert.deepEqual(status.partitions.map((x) => [x.id, x.checkpoint, x.lastEnqueuedSequenceNumber, x.lag]), [['0', 499, 499, 0], ['1', 499, 499, 0], ['2', 499, 499, 0], ['3', 499, 499, 0]]);
    assert.equal(status.rowsIngested, 2000);
    assert.equal(status.failures, 0);
    assert.ok(status.batches >= 1);
    assert.equal(status.latencyMs.samples, 2000);
    assert.ok(status.latencyMs.p50! >= 0 && status.latencyMs.p95! >= status.latencyMs.p50!, JSON.stringify(status.latencyMs));
    assert.ok(status.lastIngestedAt);

    // Its own consumer group, created on the hub; $Default's readers are left alone.
    const hub = (await env.control('GET', CONTROL_PATHS.eventHub('telemetry'))).body as HubInfo;
    assert.deepEqual(hub.consumerGroups, ['$Default', 'readings']);
  });

  it('applies the same mapping transforms to .ingest inline (the engine shares them)', async () => {
    await env.mgmt('.create table Inline (Id: long, Rest: dynamic, Us: datetime, Ns: datetime, Kind: string, Src: string)');
    const mapping = [
      { column: 'Id', Properties: { Path: '$.id' } },
      { column: 'Rest', Properties: { Path: '$', Transform: 'DropMappedFields' } },
      { column: 'Us', Properties: { Path: '$.us', Transform: 'DateTimeFromUnixMicroseconds' } },
      { column: 'Ns', Properties: { Path: '$.ns', Transform: 'DateTimeFromUnixNanoseconds' } },
      { column: 'Kind', Properties: { ConstValue: 'inline' } },
      { column: 'Src', Properties: { Transform: 'SourceLocation' } },
    ];
    await env.mgmt(`.create table Inline ingestion json mapping "InlineMapping" '${JSON.stringify(mapping)}'`);
    await env.mgmt(`.ingest inline into table Inline with (format = 'json', ingestionMappingReference = 'InlineMapping') <| {"id": 1, "us": 1700000000123456, "ns": "1700000000123456789", "extra": {"a": 1}, "other": "x"}`);
    const [row] = await env.rows('Inline');
    assert.deepEqual(row, { Id: 1, Rest: { extra: { a: 1 }, other: 'x' }, Us: '2023-11-14T22:13:20.1234560Z', Ns: '2023-11-14T22:13:20.1234567Z', Kind: 'inline', Src: '' });
    await env.mgmt(`.create table Inline ingestion json mapping "Bad" '[{"column":"Id","Properties":{"Path":"$.id","Transform":"SourceLineNumber"}}]'`);
    await assert.rejects(env.mgmt(`.ingest inline into table Inline with (format = 'json', ingestionMappingReference = 'Bad') <| {"id": 2}`),
      (e: { response?: { data?: { error?: { '@message'?: string } } } }) => /Mapping transform 'SourceLineNumber' \(column 'Id'\) is not supported by the local Eventhouse; it supports DateTimeFromUnixSeconds/.test(e.response?.data?.error?.['@message'] ?? ''));
  });

  it('takes multijson events: objects, arrays of objects, several objects in one event', async () => {
    const producer = env.producer('multi');
    await producer.sendBatch([
      { body: [{ Id: 1, Kind: 'array' }, { Id: 2, Kind: 'array' }] },
      { body: { Id: 3, Kind: 'object' } },
      { body: Buffer.from('{"Id": 4, "Kind": "two"}\n{"Id": 5,\n "Kind": "two"}') },
      { body: Buffer.from('  [ {"Id": 6, "Kind": "spaced"} ,{"Id": 12345678901234567, "Kind": "big"} ]  ') },
    ]);
    await waitFor('7 rows in Multi', async () => ((await count(env, 'Multi | count')) === 7 ? true : undefined));
    assert.deepEqual((await env.rows('Multi | order by Kind asc, Id asc | project Id = tostring(Id), Kind')).map((r) => [r.Id, r.Kind]),
      [['1', 'array'], ['2', 'array'], ['12345678901234567', 'big'], ['3', 'object'], ['6', 'spaced'], ['4', 'two'], ['5', 'two']]);
    const s = await env.connection('multi');
    assert.equal(s.eventsIngested, 4);
    assert.equal(s.rowsIngested, 7);
  });

  it('takes CSV events with several records and quoted fields, through a csv mapping', async () => {
    const producer = env.producer('csv');
    await producer.sendBatch([
      { body: Buffer.from('1,alpha,2.5,1700000000\n2,beta,3.5,1700000001\n') },
      { body: Buffer.from('3,"gamma, with ""quotes""\nand a line break",4.5,1700000002') },
    ]);
    await waitFor('3 rows in Csv', async () => ((await count(env, 'Csv | count')) === 3 ? true : undefined));
    const rows = await env.rows('Csv | order by Id asc');
    assert.deepEqual(rows.map((r) => [r.Id, r.Name, r.Value, r.At]), [
      [1, 'alpha', 2.5, '2023-11-14T22:13:20.0000000Z'], [2, 'beta', 3.5, '2023-11-14T22:13:21.0000000Z'],
      [3, 'gamma, with "quotes"\nand a line break', 4.5, '2023-11-14T22:13:22.0000000Z'],
    ]);
    assert.match(String(rows[0].Src), /\/csv\/ConsumerGroups\/csv-in\/Partitions\/0$/);
  });
});
