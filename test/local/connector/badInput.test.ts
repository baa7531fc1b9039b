// Bad input never stops the hop: events that don't parse or don't fit go to `.show ingestion failures` (and, with
// their bodies, to the control API) and are counted; a missing table or mapping holds the connection at its
// checkpoint until it exists; an update policy that fails keeps the source rows and is recorded, as in Kusto.
import * as assert from 'node:assert/strict';
import { count, sendAll, startEnv, waitFor, type Env } from './helpers';

describe('connector: bad input', function () {
  this.timeout(120_000);
  let env: Env;

  before(async () => {
    env = await startEnv({
      eventHubs: [{ name: 'bad', partitions: 2 }, { name: 'late', partitions: 2 }, { name: 'policy', partitions: 1 }, { name: 'tx', partitions: 1 }, { name: 'badcsv', partitions: 1 }],
      connections: [
        { name: 'bad', hub: 'bad', table: 'Bad', maxEventBytes: 2048 },
        { name: 'late', hub: 'late', table: 'Late', mapping: 'LateMapping' },
        { name: 'policy', hub: 'policy', table: 'RawA' },
        { name: 'tx', hub: 'tx', table: 'RawB' },
        { name: 'badcsv', hub: 'badcsv', table: 'CsvT', format: 'csv' },
      ],
    });
    await env.mgmt('.create table Bad (n: long, s: string)');
    await env.mgmt('.create table CsvT (a: long, b: string)');
  });

  after(async () => { await env?.close(); });

  it('records events that do not parse, are not objects, are empty or too large, and goes on with the rest', async () => {
    const producer = env.producer('bad');
    const big = JSON.stringify({ n: 100, s: 'x'.repeat(3000) });
    const bodies: (Buffer | object)[] = [
      { n: 1 }, Buffer.from('{"n": 2,'), { n: 3 }, Buffer.from('[{"n": 4}]'), { n: 5 }, Buffer.alloc(0), { n: 6 },
      Buffer.from(big), { n: 7 }, Buffer.from('"just a string"'), { n: 8 }, Buffer.from('{"n": 9, "s": }'),
      { n: 10 }, Buffer.from('{"n": 11} {"n": 12}'), { n: 13 }, Buffer.from([0xff, 0xfe, 0x00, 0x7b]), { n: 14 },
    ];
    await producer.sendBatch(bodies.map((body) => ({ body })), { partitionId: '1' });
    const good = [1, 3, 5, 6, 7, 8, 10, 13, 14];
    await waitFor('the good events in Bad', async () => ((await count(env, 'Bad | count')) === good.length ? true : undefined), 30_000,
      async () => JSON.stringify(await env.connection('bad')));
    assert.deepEqual((await env.rows('Bad | project n')).map((r) => r.n), good);

    const failures = await env.rows(".show ingestion failures | where Table == 'Bad' | order by IngestionSourcePath asc");
    const bySeq = new Map(failures.map((f) => [Number(/#(\d+)$/.exec(String(f.IngestionSourcePath))![1]), f]));
    assert.deepEqual([...bySeq.keys()].sort((a, b) => a - b), [1, 3, 5, 7, 9, 11, 13, 15]);
    assert.deepEqual(Object.fromEntries([...bySeq].map(([seq, f]) => [seq, f.ErrorCode])), {
      1: 'BadRequest_InvalidBlob', 3: 'BadRequest_NoRecordsOrWrongFormat', 5: 'BadRequest_NoRecordsOrWrongFormat', 7: 'BadRequest_EventTooLarge',
      9: 'BadRequest_NoRecordsOrWrongFormat', 11: 'BadRequest_InvalidBlob', 13: 'BadRequest_InvalidBlob', 15: 'BadRequest_InvalidBlob',
    });
    for (const f of failures) {
      assert.match(String(f.IngestionSourcePath), /^sb:\/\/127\.0\.0\.1:\d+\/bad\/ConsumerGroups\/bad\/Partitions\/1#\d+$/);
      assert.equal(f.Database, 'NetDefaultDB');
      assert.equal(f.FailureKind, 'Permanent');
      assert.equal(f.OperationKind, 'DataIngestPull');
      assert.equal(f.OriginatesFromUpdatePolicy, false);
      assert.ok(String(f.Details).length > 10, String(f.Details));
    }
    assert.match(String(bySeq.get(7)!.Details), /3\d{3} bytes, more than the connection's limit of 2048 bytes/);
    const one = await env.rows(`.show ingestion failures with (OperationId = '${String(failures[0].OperationId)}')`);
    assert.deepEqual(one.map((f) => f.IngestionSourcePath), [failures[0].IngestionSourcePath]);

    // The control API has the raw bodies, as text or (not UTF-8) base64, with partition and sequence number.
    const api = await env.failures('bad');
    assert.equal(api.length, 8);
    const body = (seq: number) => api.find((f) => f.sequenceNumber === seq)!;
    assert.deepEqual([body(1).partition, body(1).body, body(1).bodyEncoding, body(1).bodyBytes], ['1', '{"n": 2,', 'utf8', 8]);
    assert.equal(body(5).body, '');
    assert.equal(body(7).bodyBytes, Buffer.byteLength(big));
    assert.equal(body(11).body, '{"n": 9, "s": }');
    assert.deepEqual([body(15).body, body(15).bodyEncoding], [Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64'), 'base64']);
    assert.ok(body(1).reason.length > 0 && body(1).errorCode === 'BadRequest_InvalidBlob');
    assert.ok(Date.parse(body(1).enqueuedTime) > 0 && Date.parse(body(1).failedOn) >= Date.parse(body(1).enqueuedTime));

    const status = await env.connection('bad');
    assert.deepEqual([status.state, status.eventsIngested, status.failures, status.lag], ['running', good.length, 8, 0]);
    assert.equal(status.partitions[1].checkpoint, bodies.length - 1);

    // The hop goes on.
    await producer.sendBatch([{ body: { n: 15 } }, { body: Buffer.from('nope') }, { body: { n: 16 } }], { partitionId: '0' });
    await waitFor('the later events', async () => ((await count(env, 'Bad | where n >= 15 | count')) === 2 ? true : undefined));
    await waitFor('the later failure counted', async () => ((await env.connection('bad')).failures === 9 ? true : undefined));
  });

  it('refuses a CSV event with an unclosed quote without letting it swallow the next events', async () => {
    const producer = env.producer('badcsv');
    await producer.sendBatch([{ body: Buffer.from('1,one') }, { body: Buffer.from('2,"two') }, { body: Buffer.from('3,three\n4,four') }]);
    await waitFor('3 rows', async () => ((await count(env, 'CsvT | count')) === 3 ? true : undefined));
    assert.deepEqual((await env.rows('CsvT | order by a asc')).map((r) => [r.a, r.b]), [[1, 'one'], [3, 'three'], [4, 'four']]);
    const [f] = await env.failures('badcsv');
    assert.deepEqual([f.sequenceNumber, f.errorCode, f.body], [1, 'Stream_ClosingQuoteMissing', '2,"two']);
  });

  it('holds at its checkpoint while the table or mapping is missing, says so, and recovers once they exist', async () => {
    const producer = env.producer('late');
    await sendAll(producer, Array.from({ length: 30 }, (_, i) => ({ body: { id: i } })), '0');
    await sendAll(producer, Array.from({ length: 20 }, (_, i) => ({ body: { id: 100 + i } })), '1');
    const noTable = await waitFor('the missing table in the status', async () => { const s = await env.connection('late'); return s.state === 'error' ? s : undefined; });
    assert.match(noTable.error!.message, /Table 'Late' was not found/);
    assert.match(noTable.error!.message, /retries/);
    assert.ok(Date.parse(noTable.error!.since) > 0);
    assert.deepEqual(noTable.partitions.map((p) => [p.checkpoint, p.lag]), [[-1, 30], [-1, 20]]);
    assert.equal(noTable.lag, 50);

    await env.mgmt('.create table Late (Id: long)');
    const noMapping = await waitFor('the missing mapping in the status', async () => { const s = await env.connection('late'); return /LateMapping/.test(s.error?.message ?? '') ? s : undefined; });
    assert.match(noMapping.error!.message, /Ingestion mapping 'LateMapping' was not found on table 'Late'/);
    assert.equal(noMapping.lag, 50);
    assert.equal(await count(env, 'Late | count'), 0);

    await env.mgmt(`.create table Late ingestion json mapping "LateMapping" '[{"column":"Id","Properties":{"Path":"$.id"}}]'`);
    await waitFor('all 50 rows', async () => ((await count(env, 'Late | count')) === 50 ? true : undefined));
    const ok = await waitFor('running again', async () => { const s = await env.connection('late'); return s.state === 'running' && s.lag === 0 ? s : undefined; });
    assert.equal(ok.error, undefined);
    assert.equal(await count(env, 'Late | summarize dcount(Id)'), 50);
  });

  it('keeps the source rows and records the failure when a (non-transactional) update policy fails on a column type', async () => {
    await env.mgmt('.create table RawA (N: long, V: string)');
    await env.mgmt('.create table TypedA (N: long, V: long)');
    await env.mgmt(`.alter table TypedA policy update @'[{"IsEnabled": true, "Source": "RawA", "Query": "RawA | project N, V", "IsTransactional": false}]'`);
    const producer = env.producer('policy');
    await producer.sendBatch([1, 2, 3].map((n) => ({ body: { N: n, V: String(n * 10) } })));
    await waitFor('the first batch in TypedA', async () => ((await count(env, 'TypedA | count')) === 3 ? true : undefined));
    // One batch (one send, one partition) whose V can't be a long: the policy fails for the batch.
    await producer.sendBatch([{ body: { N: 4, V: '40' } }, { body: { N: 5, V: 'fifty' } }]);
    await waitFor('the second batch in RawA', async () => ((await count(env, 'RawA | count')) === 5 ? true : undefined));
    const failure = await waitFor('the update policy failure', async () => (await env.rows(".show ingestion failures | where Table == 'TypedA'"))[0]);
    assert.equal(failure.OriginatesFromUpdatePolicy, true);
    assert.equal(failure.ErrorCode, 'UpdatePolicy_QuerySchemaDoesNotMatchTableSchema');
    assert.match(String(failure.Details), /update policy of table 'TypedA' \(source 'RawA'\) failed: .*Conversion Error.*The rows stay in 'RawA'/);
    assert.match(String(failure.IngestionSourcePath), /\/policy\/ConsumerGroups\/policy\/Partitions\/0$/);
    assert.deepEqual((await env.rows('TypedA | order by N asc')).map((r) => r.N), [1, 2, 3]);
    assert.deepEqual((await env.rows('RawA | order by N asc')).map((r) => r.N), [1, 2, 3, 4, 5]);
    const s = await env.connection('policy');
    assert.deepEqual([s.state, s.eventsIngested, s.failures, s.updatePolicyFailures, s.lag], ['running', 5, 0, 1, 0]);
  });

  it('records the events a transactional update policy fails on and ingests the others into both tables', async () => {
    await env.mgmt('.create table RawB (N: long, V: string)');
    await env.mgmt('.create table TypedB (N: long, V: long)');
    await env.mgmt(`.alter table TypedB policy update @'[{"IsEnabled": true, "Source": "RawB", "Query": "RawB | project N, V", "IsTransactional": true}]'`);
    const producer = env.producer('tx');
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ body: { N: i, V: i === 6 ? 'six' : String(i) } })));
    await waitFor('9 rows in RawB', async () => ((await count(env, 'RawB | count')) === 9 ? true : undefined), 30_000, async () => JSON.stringify(await env.connection('tx')));
    assert.deepEqual((await env.rows('TypedB | order by N asc')).map((r) => r.N), [0, 1, 2, 3, 4, 5, 7, 8, 9]);
    assert.deepEqual((await env.rows('RawB | order by N asc')).map((r) => r.N), [0, 1, 2, 3, 4, 5, 7, 8, 9]);
    const [f] = await env.failures('tx');
    assert.equal(f.sequenceNumber, 6);
    assert.equal(f.errorCode, 'UpdatePolicy_Failure');
    assert.match(f.reason, /transactional/);
    assert.equal(JSON.parse(f.body).V, 'six');
    const s = await env.connection('tx');
    assert.deepEqual([s.eventsIngested, s.failures, s.lag], [9, 1, 0]);
  });
});
