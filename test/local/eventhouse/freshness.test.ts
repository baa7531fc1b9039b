// A query sent again after a write must see the write (issue #24): the engine keeps DuckDB plans per query text,
// and a plan made while a filter fell outside a table's statistics kept answering "nothing" after new rows arrived.
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { ClientRequestProperties } from 'azure-kusto-data';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { startKql, useKql, type Kql } from './helpers';

describe('local Eventhouse: repeated queries see every write', function () {
  this.timeout(120_000);
  let kql: Kql;
  let ingest: InstanceType<typeof StreamingIngestClient>;
  useKql((k, i) => { kql = k; ingest = i; });

  it('answers the same text again with the rows streaming ingestion added (the steps of issue #24)', async () => {
    await kql.run('.create table T (Seq:long)');
    await kql.run('.set-or-append T <| range Seq from 1 to 100 step 1');
    const q = 'T | where Seq between (1000 .. 2000) | count';
    assert.deepEqual((await kql.run(q)).rows, [[0]]);
    const body = Array.from({ length: 501 }, (_, i) => JSON.stringify({ Seq: 1000 + i })).join('\n');
    await ingest.ingestFromStream(Readable.from([Buffer.from(body)]), new IngestionProperties({ database: 'NetDefaultDB', table: 'T', format: DataFormat.MULTIJSON }));
    assert.deepEqual((await kql.run(q)).rows, [[501]], 'the same query text after streaming ingestion');
    assert.deepEqual((await kql.run('T | count')).rows, [[601]]);
  });

  it('answers the same text, sent again and again while streaming ingestion runs, with whole batches and never less', async () => {
    await kql.run('.create table Live (Seq:long)');
    await ingest.ingestFromStream(Readable.from([Buffer.from(Array.from({ length: 100 }, (_, i) => JSON.stringify({ Seq: i })).join('\n'))]), new IngestionProperties({ database: 'NetDefaultDB', table: 'Live', format: DataFormat.MULTIJSON }));
    const q = 'Live | where Seq between (1000 .. 2000) | summarize n = count(), d = dcount(Seq / 50)';
    assert.deepEqual((await kql.run(q)).rows, [[0, 0]]);
    const batches = 10;
    let done = false;
    const writer = (async () => {
      for (let b = 0; b < batches; b++) {
        const body = Array.from({ length: 50 }, (_, i) => JSON.stringify({ Seq: 1000 + b * 50 + i })).join('\n');
        await ingest.ingestFromStream(Readable.from([Buffer.from(body)]), new IngestionProperties({ database: 'NetDefaultDB', table: 'Live', format: DataFormat.MULTIJSON }));
      }
      done = true;
    })();
    let last = 0;
    // Queries overlap the writes: each answer holds whole batches (one transaction each) and never fewer than before.
    while (!done) {
      const [n, d] = (await kql.run(q)).rows[0] as number[];
      assert.equal(n, d * 50, `a query saw part of a batch: ${n} rows in ${d} batches`);
      assert.ok(n >= last, `the answer went back from ${last} to ${n}`);
      last = n;
    }
    await writer;
    assert.deepEqual((await kql.run(q)).rows, [[batches * 50, batches]]);
  });
});

// Property: random writes through every write path, interleaved with a fixed set of queries sent again and again;
// each answer must equal the same query's answer without any cache (translation, plan or connection kept).
interface Row { Seq: number; K: string; W: number }
type Table = 'Raw' | 'Dim';
type Op =
  | { kind: 'stream' | 'inline' | 'append' | 'set-or-append'; table: Table; rows: Row[] }
  | { kind: 'clear' | 'recreate'; table: Table | 'Even' }
  | { kind: 'query'; q: number }
  /** Every query once, as a dashboard refreshes its tiles. */
  | { kind: 'refresh' };

const SCHEMAS: Record<Table | 'Even', string> = { Raw: '(Seq:long, K:string)', Even: '(Seq:long, K:string)', Dim: '(K:string, W:long)' };
const project = (table: Table, r: Row) => (table === 'Dim' ? { K: r.K, W: r.W } : { Seq: r.Seq, K: r.K });
const literal = (table: Table, rows: Row[]) => `datatable${SCHEMAS[table]}[${rows.map((r) => (table === 'Dim' ? `"${r.K}", ${r.W}` : `${r.Seq}, "${r.K}"`)).join(', ')}]`;

const QUERIES = [
  'Raw | where Seq between (1000 .. 2000) | count',
  'Raw | where Seq > 5000 | summarize n = count(), s = sum(Seq), lo = min(Seq), hi = max(Seq) by K',
  'Raw | where K == "z" | count',
  'Raw | join kind=inner (Dim) on K | summarize n = count(), w = sum(W)',
  'Raw | where Seq < -1000 | take 3 | count',
  'Raw | top 3 by Seq desc | project Seq',
  'Even | summarize n = count(), hi = max(Seq), lo = min(Seq)',
  'Dim | where W between (50 .. 60) | summarize dcount(K)',
  'Raw | summarize c = count() by Seq | where c > 1 | count',
  'Raw | lookup (Dim | summarize W = max(W) by K) on K | where W > 90 | count',
  'Raw | where Seq > 1000000 | extend b = bin(Seq, 1000000) | summarize count() by b',
];

const rowArb: fc.Arbitrary<Row> = fc.record({
  // Values in narrow bands around the queries' filters (and now and then a huge one), so that a write can move a
  // table's statistics past a filter that a plan made earlier had found empty.
  Seq: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 100 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1000, max: 2000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 5001, max: 6000 }) },
    { weight: 2, arbitrary: fc.integer({ min: -2000, max: -1001 }) },
    { weight: 1, arbitrary: fc.constantFrom(999, 2001, 5000, -1000, 1_000_001) },
    { weight: 1, arbitrary: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }) },
  ),
  K: fc.constantFrom('a', 'b', 'y', 'z'),
  W: fc.integer({ min: 0, max: 100 }),
});
const tableArb = fc.constantFrom<Table>('Raw', 'Raw', 'Dim');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: QUERIES.length - 1 }).map((q): Op => ({ kind: 'query', q })) },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'refresh' }) },
  // Streaming ingestion and .ingest inline most: they are the paths a connector and a dashboard's data take.
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('stream' as const, 'inline' as const), table: tableArb, rows: fc.array(rowArb, { minLength: 1, maxLength: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('append' as const, 'set-or-append' as const), table: tableArb, rows: fc.array(rowArb, { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('clear' as const, 'recreate' as const), table: fc.constantFrom<Table | 'Even'>('Raw', 'Dim', 'Even') }) },
);

describe('local Eventhouse: property test of cached answers against uncached ones', function () {
  this.timeout(0);
  let kql: Kql;
  let ingest: InstanceType<typeof StreamingIngestClient>;
  const nocache = new ClientRequestProperties();
  nocache.setOption('eventline_nocache', true);
  before(async () => {
    kql = await startKql();
    ingest = new StreamingIngestClient(kql.uri);
    for (const t of ['Raw', 'Even', 'Dim'] as const) await kql.run(`.create table ${t} ${SCHEMAS[t]}`);
  });
  after(async () => {
    ingest?.close();
    await kql?.stop();
  });

  /** The rows sorted, or the error the service gave (both sides must fail alike, if at all). */
  const rowsOf = async (q: string, props?: ClientRequestProperties): Promise<string[]> => {
    try {
      const t = (await kql.client.execute('NetDefaultDB', q, props)).primaryResults[0];
      return [...t.rows()].map((r) => JSON.stringify(t.columns.map((c) => (r as unknown as Record<string, unknown>)[c.name as string]))).sort();
    } catch (e) {
      const message = (e as { response?: { data?: { error?: { '@message'?: string } } } }).response?.data?.error?.['@message'];
      return [`error: ${message ?? String(e)}`];
    }
  };

  async function apply(op: Op): Promise<void> {
    switch (op.kind) {
      case 'stream': {
        const body = op.rows.map((r) => JSON.stringify(project(op.table, r))).join('\n');
        await ingest.ingestFromStream(Readable.from([Buffer.from(body)]), new IngestionProperties({ database: 'NetDefaultDB', table: op.table, format: DataFormat.MULTIJSON }));
        return;
      }
      case 'inline': await kql.run(`.ingest inline into table ${op.table} with (format=json) <|\n${op.rows.map((r) => JSON.stringify(project(op.table, r))).join('\n')}`); return;
      case 'append': case 'set-or-append': await kql.run(`.${op.kind} ${op.table} <| ${literal(op.table, op.rows)}`); return;
      case 'clear': await kql.run(`.clear table ${op.table} data`); return;
      case 'recreate':
        // The update policy lives on Even: dropping Even drops it, so it is set again.
        await kql.run(`.drop table ${op.table}`);
        await kql.run(`.create table ${op.table} ${SCHEMAS[op.table]}`);
        if (op.table === 'Even') await kql.run(`.alter table Even policy update @'[{"IsEnabled": true, "Source": "Raw", "Query": "Raw | where Seq % 2 == 0", "IsTransactional": true}]'`);
        return;
      case 'query': case 'refresh': break;
    }
  }

  it('gives every repeated query the answer an uncached run gives, whatever was written in between', async () => {
    const runs = Number(process.env.EVENTLINE_FRESHNESS_RUNS ?? 60);
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 24 }), async (ops) => {
      // New tables, so that their statistics start empty (a delete does not narrow them), as after .create.
      for (const t of ['Raw', 'Even', 'Dim'] as const) await apply({ kind: 'recreate', table: t });
      for (const [i, op] of ops.entries()) {
        await apply(op);
        const queries = op.kind === 'query' ? [QUERIES[op.q]] : op.kind === 'refresh' ? QUERIES : [];
        for (const q of queries) {
          const cached = await rowsOf(q);
          const fresh = await rowsOf(q, nocache);
          assert.deepEqual(cached, fresh, `step ${i + 1}: ${q}`);
        }
      }
    }), { numRuns: runs, seed: Number(process.env.EVENTLINE_FRESHNESS_SEED ?? 2424), endOnFailure: true });
  });
});
