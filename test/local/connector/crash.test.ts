// kill -9 in the middle of a 100,000-event stream, twice: after each restart the connector resumes after its
// checkpoints, which commit with the rows, so no event is lost and none is ingested twice (nor its update-policy row).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { startLocalPipeline, tempDataDir } from '../pipeline';
import { count, envFor, sendAll, startEnv, waitFor, writeConfig, type Env } from './helpers';

describe('connector: kill -9 mid-stream', function () {
  this.timeout(300_000);
  const envs: Env[] = [];
  after(async () => { await Promise.all(envs.map((e) => e.close().catch(() => undefined))); });

  it('loses nothing and doubles nothing across two kills during 100,000 events', async () => {
    const dir = tempDataDir('eventline-connector-crash-');
    const dataDir = path.join(dir, 'data');
    const config = { eventHubs: [{ name: 'telemetry', partitions: 2 }], connections: [{ name: 'stream', hub: 'telemetry', table: 'Raw', mapping: 'RawMapping' }] };
    let env = await startEnv(config, dataDir);
    envs.push(env);
    const total = 100_000;
    const half = total / 2;
    const producer = env.producer();
    // The whole stream goes to the hub first and the table comes after, so each kill lands while the connector
    // is working through a known backlog (the hub's own durability across kill -9 has its own tests).
    await Promise.all(['0', '1'].map((p) => sendAll(producer, Array.from({ length: half }, (_, i) => ({ body: { n: Number(p) * half + i, p: Number(p), pad: 'x'.repeat(40) } })), p)));
    await env.mgmt('.create table Raw (n: long, p: int, pad: string)');
    await env.mgmt('.create table Typed (n: long)');
    await env.mgmt(`.alter table Typed policy update @'[{"IsEnabled": true, "Source": "Raw", "Query": "Raw | project n", "IsTransactional": false}]'`);
    // The mapping last: until it exists the connection waits, so every row goes through the update policy.
    await env.mgmt(`.create table Raw ingestion json mapping "RawMapping" '[{"column":"n","Properties":{"Path":"$.n"}},{"column":"p","Properties":{"Path":"$.p"}},{"column":"pad","Properties":{"Path":"$.pad"}}]'`);

    const killed: number[] = [];
    for (const at of [20_000, 60_000]) {
      await waitFor(`${at} rows before the kill`, async () => ((await count(env, 'Raw | count')) >= at ? true : undefined), 120_000);
      await env.pipeline.kill();
      env.kusto.close();
      const file = writeConfig(dir, config);
      env = envFor(await startLocalPipeline({ dataDir, args: ['--config', file] }));
      envs.push(env);
      killed.push(await count(env, 'Raw | count'));
    }
    // Each kill came in the middle: some rows were in, not all.
    for (const n of killed) assert.ok(n > 0 && n < total, `rows after a kill: ${n}`);

    await waitFor('all 100,000 rows', async () => ((await count(env, 'Raw | count')) >= total ? true : undefined), 180_000,
      async () => JSON.stringify(await env.connection('stream')));
    const status = await waitFor('lag 0', async () => { const s = await env.connection('stream'); return s.lag === 0 ? s : undefined; });
    assert.deepEqual(status.partitions.map((p) => p.checkpoint), [half - 1, half - 1]);
    assert.equal(await count(env, 'Raw | count'), total);
    assert.equal(await count(env, 'Raw | summarize dcount(n)'), total);
    assert.deepEqual(await env.rows('Raw | summarize min(n), max(n)'), [{ min_n: 0, max_n: total - 1 }]);
    await waitFor('every row in Typed', async () => ((await count(env, 'Typed | count')) >= total ? true : undefined), 30_000, async () => `${await count(env, 'Typed | count')} rows`);
    assert.equal(await count(env, 'Typed | count'), total);
    assert.equal(await count(env, 'Typed | summarize dcount(n)'), total);
    assert.equal(status.failures, 0);
    assert.equal((await env.failures('stream')).length, 0);
  });
});
