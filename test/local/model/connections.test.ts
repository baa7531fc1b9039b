// The pipeline model's view of the local connector (what the tree's connection rows show): state, lag, latency and
// failures of each manifest connection, and syncing an edited manifest, against a real local pipeline.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import { Client as KustoClient } from 'azure-kusto-data';
import { AZURE_PUBLIC_CLOUD } from '../../../src/core/cloud';
import type { Manifest } from '../../../src/core/manifest';
import { resolveProfile } from '../../../src/core/profiles';
import type { ModelHost } from '../../../src/model/host';
import { connectionSummary } from '../../../src/model/localConnections';
import { PipelineModel } from '../../../src/model/pipelineModel';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';

describe('pipeline model: local connections (real local pipeline)', function () {
  this.timeout(60_000);
  let pipeline: LocalPipeline;
  let model: PipelineModel;
  let kusto: KustoClient;
  let producer: EventHubProducerClient;
  let manifest: Manifest = {
    version: 1, name: 'model-connections',
    eventHubs: [{ name: 'telemetry', partitions: 2 }],
    connections: [{ name: 'readings', hub: 'telemetry', table: 'Readings' }, { hub: 'telemetry', table: 'Nowhere' }],
    profiles: { local: { kind: 'local' }, cloud: { kind: 'azure' } },
  };
  let profile = 'local';

  const poll = async <T>(what: string, f: () => Promise<T | undefined>): Promise<T> => {
    const until = Date.now() + 30_000;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    const dir = tempDataDir();
    const config = path.join(dir, 'eventline.json');
    fs.writeFileSync(config, JSON.stringify(manifest));
    pipeline = await startLocalPipeline({ dataDir: path.join(dir, 'data'), args: ['--config', config] });
    const host: ModelHost = {
      snapshot: () => ({ manifest, profile: resolveProfile(manifest, profile), manifestPath: config }),
      cloud: AZURE_PUBLIC_CLOUD,
      credential: () => { throw new Error('the local profile must not ask for a credential'); },
      token: () => Promise.reject(new Error('the local profile must not ask for a token')),
      localReady: () => pipeline.ready,
      ensureLocal: () => Promise.resolve(pipeline.ready),
      timeoutMs: () => 10_000,
    };
    model = new PipelineModel(host);
    kusto = new KustoClient(pipeline.ready.eventhouse.uri);
    producer = new EventHubProducerClient(pipeline.ready.eventHubs.connectionString, 'telemetry');
    await kusto.executeMgmt('NetDefaultDB', '.create table Readings (n: long)');
  });

  after(async () => {
    await producer?.close();
    kusto?.close();
    await pipeline?.stop();
  });

  it("shows each connection's state, lag, latency and what is wrong", async () => {
    await producer.sendBatch([{ body: { n: 1 } }, { body: { n: 2 } }, { body: Buffer.from('{oops') }], { partitionId: '0' });
    const states = await poll('both connections settled', async () => {
      const s = await model.connectionStatus();
      return s[0].status?.eventsIngested === 2 && s[1].status?.state === 'error' ? s : undefined;
    });
    assert.deepEqual(states.map((s) => s.ref.name), ['readings', 'connection-2']);
    const [ok, broken] = states;
    assert.equal(ok.status!.state, 'running');
    assert.equal(ok.status!.lag, 0);
    assert.equal(ok.status!.failures, 1);
    assert.ok(ok.status!.latencyMs.p95 !== null);
    assert.match(ok.summary, /^running · lag 0 · p95 \d+(\.\d)? m?s · 2 ingested · 1 failed$/);
    assert.equal(broken.status!.consumerGroup, 'connection-2');
    assert.equal(broken.status!.lag, 3);
    assert.match(broken.summary, /^error: Table 'Nowhere' was not found in database 'NetDefaultDB'/);

    const [failure] = await model.localConnections.failures(ok.ref);
    assert.deepEqual([failure.partition, failure.sequenceNumber, failure.body, failure.errorCode], ['0', 2, '{oops', 'BadRequest_InvalidBlob']);
  });

  it('syncs an edited manifest into the running pipeline', async () => {
    manifest = { ...manifest, connections: [manifest.connections![0], { name: 'copy', hub: 'telemetry', table: 'Readings' }] };
    const before = await model.connectionStatus();
    assert.equal(before[1].ref.name, 'copy');
    assert.equal(before[1].status, undefined);
    assert.match(before[1].summary, /not running in the local pipeline/);
    const after = await model.localConnections.sync();
    assert.deepEqual(after.map((c) => c.name), ['readings', 'copy']);
    // The copy starts at the earliest event the hub keeps: the two good events land again, through it.
    await poll('the copy ingests', async () => ((await model.connectionStatus())[1].status?.eventsIngested === 2 ? true : undefined));
  });

  it('summarises states in one line and refuses the local view in a cloud profile', async () => {
    const base = (await model.connectionStatus())[0].status!;
    assert.equal(connectionSummary({ ...base, state: 'error', error: { message: 'Table T was not found.', since: '' } }), 'error: Table T was not found.');
    assert.equal(connectionSummary({ ...base, state: 'starting', lag: 12_345, latencyMs: { p50: null, p95: null, samples: 0 }, eventsIngested: 0, failures: 0, updatePolicyFailures: 2 }),
      'starting · lag 12,345 · 0 ingested · 2 update policy failures');
    profile = 'cloud';
    try {
      await assert.rejects(model.connectionStatus(), /only in the local profile; "cloud" runs them as Fabric Eventstreams/);
    } finally {
      profile = 'local';
    }
  });
});
