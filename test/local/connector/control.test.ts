// Connections change without a restart: PUT the whole set or one connection, DELETE one; a removed connection
// keeps its checkpoints and resumes from them when it comes back. Bad definitions are refused with what to fix.
import * as assert from 'node:assert/strict';
import { CONTROL_PATHS, type ConnectionList, type ConnectionStatus, type HubInfo } from '../../../src/protocol/controlApi';
import { count, startEnv, waitFor, type Env } from './helpers';

describe('connector: connections through the control API', function () {
  this.timeout(120_000);
  let env: Env;

  before(async () => {
    env = await startEnv({ eventHubs: [{ name: 'telemetry', partitions: 2, consumerGroups: ['shared'] }] });
    await env.mgmt('.create table A (n: long)');
    await env.mgmt('.create table B (n: long)');
  });

  after(async () => { await env?.close(); });

  const send = async (from: number, to: number) => {
    await env.producer().sendBatch(Array.from({ length: to - from }, (_, i) => ({ body: { n: from + i } })), { partitionId: String(from % 2) });
  };

  it('starts with none, takes a set with PUT, adds, removes and brings one back without losing or repeating events', async () => {
    assert.deepEqual(await env.connections(), []);
    const put = await env.control('PUT', CONTROL_PATHS.connections, { connections: [{ name: 'a', hub: 'telemetry', table: 'A' }] });
    assert.equal(put.status, 200);
    assert.deepEqual((put.body as ConnectionList).connections.map((c) => [c.name, c.consumerGroup, c.table, c.database]), [['a', 'a', 'A', 'NetDefaultDB']]);
    await send(0, 10);
    await waitFor('10 rows in A', async () => ((await count(env, 'A | count')) === 10 ? true : undefined));

    const b = await env.control('PUT', CONTROL_PATHS.connection('b'), { hub: 'telemetry', table: 'B', consumerGroup: 'shared' });
    assert.equal(b.status, 201);
    assert.equal((b.body as ConnectionStatus).consumerGroup, 'shared');
    // A new connection starts at the earliest event the hub keeps.
    await waitFor('10 rows in B', async () => ((await count(env, 'B | count')) === 10 ? true : undefined));
    assert.equal((await env.control('PUT', CONTROL_PATHS.connection('b'), { hub: 'telemetry', table: 'B', consumerGroup: 'shared' })).status, 200);

    assert.equal((await env.control('DELETE', CONTROL_PATHS.connection('a'))).status, 204);
    assert.deepEqual((await env.connections()).map((c) => c.name), ['b']);
    await send(10, 20);
    await waitFor('20 rows in B', async () => ((await count(env, 'B | count')) === 20 ? true : undefined));
    assert.equal(await count(env, 'A | count'), 10);

    // Back again: it resumes after its checkpoints, so A gets exactly the events it missed.
    await env.control('PUT', CONTROL_PATHS.connections, { connections: [{ name: 'a', hub: 'telemetry', table: 'A' }, { name: 'b', hub: 'telemetry', table: 'B', consumerGroup: 'shared' }] });
    await waitFor('20 rows in A', async () => ((await count(env, 'A | count')) === 20 ? true : undefined));
    assert.equal(await count(env, 'A | summarize dcount(n)'), 20);
    const a = await env.connection('a');
    assert.deepEqual(a.partitions.map((p) => p.checkpoint), [19, -1]);

    const hub = (await env.control('GET', CONTROL_PATHS.eventHub('telemetry'))).body as HubInfo;
    assert.deepEqual(hub.consumerGroups, ['$Default', 'shared', 'a']);
  });

  it('shows a connection whose hub or consumer group is missing as an error, and runs it once they exist', async () => {
    await env.control('PUT', CONTROL_PATHS.connection('later'), { hub: 'later', table: 'A', consumerGroup: 'readers' });
    const noHub = await waitFor('an error', async () => { const s = await env.connection('later'); return s.state === 'error' ? s : undefined; });
    assert.match(noHub.error!.message, /Event hub "later" does not exist/);
    await env.control('PUT', CONTROL_PATHS.eventHub('later'), { partitionCount: 1 });
    const noGroup = await waitFor('the consumer group error', async () => { const s = await env.connection('later'); return /Consumer group "readers"/.test(s.error?.message ?? '') ? s : undefined; });
    assert.match(noGroup.error!.message, /does not exist on event hub "later"/);
    await env.control('PUT', CONTROL_PATHS.consumerGroup('later', 'readers'));
    await env.producer('later').sendBatch([{ body: { n: 1000 } }]);
    await waitFor('the event in A', async () => ((await count(env, 'A | where n == 1000 | count')) === 1 ? true : undefined));
    assert.equal((await env.connection('later')).state, 'running');
    await env.control('DELETE', CONTROL_PATHS.connection('later'));
  });

  it('refuses bad definitions with what to fix, and changes nothing', async () => {
    const before = (await env.connections()).map((c) => c.name);
    const bad: [unknown, RegExp][] = [
      [{ connections: [{ hub: 'telemetry' }] }, /connections\[0\]\.table must be a non-empty string \(it is missing\)/],
      [{ connections: [{ hub: 'telemetry', table: 'A', format: 'avro' }] }, /format must be "json", "multijson" or "csv"/],
      [{ connections: [{ hub: 'telemetry', table: 'A', name: 'x' }, { hub: 'telemetry', table: 'B', name: 'X' }] }, /already used/],
      [{ connections: [{ hub: 'telemetry', table: 'A', colour: 'red' }] }, /unknown field "colour"/],
      [{ connections: [{ hub: 'telemetry', table: 'A', name: 'n'.repeat(60) }] }, /at most 50 characters\. Set "consumerGroup"/],
      [{ connections: [{ hub: 'telemetry', table: 'A', maxBatchEvents: 0 }] }, /maxBatchEvents must be a whole number from 1 to 100000/],
      [[{ hub: 'telemetry', table: 'A' }], /the whole set of connections/],
    ];
    for (const [body, message] of bad) {
      const r = await env.control('PUT', CONTROL_PATHS.connections, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match((r.body as { error: { message: string } }).error.message, message);
    }
    const named = await env.control('PUT', CONTROL_PATHS.connection('one'), { name: 'two', hub: 'telemetry', table: 'A' });
    assert.equal(named.status, 400);
    assert.equal((await env.control('GET', CONTROL_PATHS.connection('nope'))).status, 404);
    assert.equal((await env.control('DELETE', CONTROL_PATHS.connection('nope'))).status, 404);
    assert.equal((await env.control('GET', CONTROL_PATHS.connectionFailures('nope'))).status, 404);
    assert.deepEqual((await env.connections()).map((c) => c.name), before);
  });
});
