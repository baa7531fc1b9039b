// Management commands answer honestly: what they report is what the local Eventhouse does (issue #17 item 7).
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { compactSchema } from '../../../src/language/schema';
import { useKql, type Kql } from './helpers';

describe('local Eventhouse management commands: honest answers', function () {
  this.timeout(120_000);
  let kql: Kql;
  let ingest: InstanceType<typeof StreamingIngestClient>;
  useKql((k, i) => { kql = k; ingest = i; });

  const stream = (table: string, rows: object[], db = 'NetDefaultDB') =>
    ingest.ingestFromStream(Readable.from([Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'))]), new IngestionProperties({ database: db, table, format: DataFormat.MULTIJSON }));
  const streamError = async (table: string, db = 'NetDefaultDB'): Promise<string> => {
    try {
      await stream(table, [{ A: 1 }], db);
    } catch (e) {
      return JSON.stringify((e as { response?: { data?: unknown } }).response?.data ?? String(e));
    }
    throw new Error(`streaming ingestion into ${table} was accepted`);
  };

  it('reports stored functions\' parameters in .show database schema as json, as the language server reads them', async () => {
    await kql.run('.create table FnT (x:long, y:string)');
    await kql.run('.create-or-alter function with (docstring="d") Scaled(a:long, b:string = "x", T:(*), U:(x:long, y:string)) { U | extend a, b }');
    await kql.run('.create-or-alter function NoArgs() { FnT | count }');
    const doc = JSON.parse(String((await kql.run('.show database schema as json')).rows[0][0])) as { Databases: Record<string, { Functions: Record<string, { InputParameters: unknown[] }> }> };
    const fns = doc.Databases.NetDefaultDB.Functions;
    assert.deepEqual(fns.Scaled.InputParameters, [
      { Name: 'a', Type: 'System.Int64', CslType: 'long', CslDefaultValue: null },
      { Name: 'b', Type: 'System.String', CslType: 'string', CslDefaultValue: '"x"' },
      { Name: 'T', Columns: [] },
      { Name: 'U', Columns: [{ Name: 'x', Type: 'System.Int64', CslType: 'long' }, { Name: 'y', Type: 'System.String', CslType: 'string' }] },
    ]);
    assert.deepEqual(fns.NoArgs.InputParameters, []);
    const compact = compactSchema(doc, 'NetDefaultDB');
    assert.equal(compact?.functions.find((f) => f.name === 'Scaled')?.parameters, '(a:long, b:string = "x", T:(*), U:(x:long, y:string))');
  });

  it('turns streaming ingestion off and on with its policy, at table and database level, and shows the policy back', async () => {
    await kql.run('.create table Streamed (A:long)');
    await stream('Streamed', [{ A: 1 }]);
    await kql.run('.alter table Streamed policy streamingingestion disable');
    assert.match(await streamError('Streamed'), /Streaming ingestion into table 'Streamed' is disabled by the streaming ingestion policy of table 'Streamed'/);
    // Other ingestion still works; only streaming is governed by the policy.
    await kql.run('.ingest inline into table Streamed <|\n2');
    const shown = await kql.run('.show table Streamed policy streamingingestion');
    assert.deepEqual(shown.columns, ['PolicyName:string', 'EntityName:string', 'Policy:string', 'ChildEntities:string', 'EntityType:string']);
    assert.deepEqual(shown.rows, [['StreamingIngestionPolicy', '[NetDefaultDB].[Streamed]', '{"IsEnabled":false,"HintAllocatedRate":null}', '[]', 'Table']]);
    const details = await kql.run('.show tables details');
    assert.equal(details.rows.find((r) => r[0] === 'Streamed')![details.columns.indexOf('StreamingIngestionPolicy:string')], '{"IsEnabled":false,"HintAllocatedRate":null}');
    // The JSON form, as the policy's page writes it; IsEnabled is mandatory.
    await kql.run(`.alter table Streamed policy streamingingestion '{"IsEnabled": true, "HintAllocatedRate": 2.1}'`);
    await stream('Streamed', [{ A: 3 }]);
    assert.deepEqual((await kql.run('Streamed | summarize sum(A)')).rows, [[6]]);
    const noFlag = await kql.error(`.alter table Streamed policy streamingingestion '{"HintAllocatedRate": 1}'`);
    assert.match(String(noFlag.error['@message']), /needs IsEnabled set to true or false/);
    await kql.run(`.alter-merge table Streamed policy streamingingestion '{"IsEnabled": false}'`);
    assert.equal((await kql.run('.show table Streamed policy streamingingestion')).rows[0][2], '{"IsEnabled":false,"HintAllocatedRate":2.1}');
    await kql.run('.delete table Streamed policy streamingingestion');
    assert.equal((await kql.run('.show table Streamed policy streamingingestion')).rows[0][2], 'null');
    await stream('Streamed', [{ A: 4 }]);
    // A database policy governs the tables without one of their own.
    await kql.run('.alter database NetDefaultDB policy streamingingestion disable');
    assert.match(await streamError('Streamed'), /disabled by the streaming ingestion policy of database 'NetDefaultDB'.*\.alter database NetDefaultDB policy streamingingestion enable/);
    await kql.run('.alter table Streamed policy streamingingestion enable');
    await stream('Streamed', [{ A: 5 }]);
    const dbPolicy = await kql.run('.show database NetDefaultDB policy streamingingestion');
    assert.deepEqual(dbPolicy.rows[0].slice(0, 3), ['StreamingIngestionPolicy', '[NetDefaultDB]', '{"IsEnabled":false,"HintAllocatedRate":null}']);
    assert.equal(dbPolicy.rows[0][4], 'Database');
    await kql.run('.delete database NetDefaultDB policy streamingingestion');
    assert.deepEqual((await kql.run('Streamed | summarize sum(A)')).rows, [[15]]);
  });

  it('refuses a volatile database instead of keeping it on disk', async () => {
    const e = await kql.error('.create database Scratch volatile');
    assert.equal(e.status, 400);
    assert.match(String(e.error['@message']), /does not create volatile \(in-memory\) databases; use '\.create database Scratch persist'/);
    assert.ok(!(await kql.run('.show databases')).rows.some((r) => r[0] === 'Scratch'));
    await kql.run('.create database Kept persist');
    assert.ok((await kql.run('.show databases')).rows.some((r) => r[0] === 'Kept'));
  });
});
