// The pipeline model over a real local pipeline: the same calls the tree, the tail and the notebooks make.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import { Client as KustoClient } from 'azure-kusto-data';
import { resolveProfile } from '../../../src/core/profiles';
import type { Manifest } from '../../../src/core/manifest';
import { AZURE_PUBLIC_CLOUD } from '../../../src/core/cloud';
import { PipelineModel } from '../../../src/model/pipelineModel';
import type { ModelHost } from '../../../src/model/host';
import type { LocalReady } from '../../../src/protocol/localReady';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';

describe('pipeline model, local profile (real local pipeline)', function () {
  this.timeout(60000);
  let pipeline: LocalPipeline;
  let model: PipelineModel;
  let running: LocalReady | undefined;
  let starts = 0;
  const manifest: Manifest = {
    version: 1, name: 'model-test',
    eventHubs: [{ name: 'telemetry', partitions: 2, consumerGroups: ['$Default', 'eventline-tail'] }, { name: 'declared-only' }],
    sources: [{ name: 'api', url: 'http://127.0.0.1:1/x', auth: { header: 'x-api-key', secret: { secretStorage: 'api-key' } } }],
    alerts: [{ name: 'hot', query: 'T' }],
    connections: [{ hub: 'telemetry', table: 'T' }],
    profiles: { local: { kind: 'local' } },
  };

  before(async () => {
    const dir = tempDataDir();
    const config = path.join(dir, 'eventline.json');
    fs.writeFileSync(config, JSON.stringify({ ...manifest, eventHubs: [manifest.eventHubs![0]] }));
    pipeline = await startLocalPipeline({ dataDir: path.join(dir, 'data'), args: ['--config', config] });
    const host: ModelHost = {
      snapshot: () => ({ manifest, profile: resolveProfile(manifest), manifestPath: config }),
      cloud: AZURE_PUBLIC_CLOUD,
      credential: () => { throw new Error('the local profile must not ask for a credential'); },
      token: () => Promise.reject(new Error('the local profile must not ask for a token')),
      localReady: () => running,
      ensureLocal: async () => { starts++; running = pipeline.ready; return running; },
      timeoutMs: () => 10_000,
    };
    model = new PipelineModel(host);
  });

  after(async () => { await pipeline?.stop(); });

  it('lists the running hubs and the declared hubs the pipeline does not have', async () => {
    const overview = await model.eventHubs.overview();
    assert.deepEqual(overview.hubs.map((h) => [h.name, h.location.kind, h.partitionCount]), [['telemetry', 'local', 2]]);
    assert.deepEqual(overview.missing, ['declared-only']);
    assert.deepEqual(overview.subscriptions, []);
    assert.ok(starts > 0, 'the model asked for the pipeline through ensureLocal');
  });

  it('reads partitions and their last sequence numbers, and sends through the target it builds', async () => {
    const [hub] = await model.eventHubs.allHubs();
    const before = await model.eventHubs.partitions(hub);
    assert.deepEqual(before.map((p) => [p.ref.partitionId, p.isEmpty]), [['0', true], ['1', true]]);
    const target = await model.eventHubs.target(hub);
    assert.equal(target.kind, 'connectionString');
    const producer = new EventHubProducerClient(pipeline.ready.eventHubs.connectionString, 'telemetry');
    try {
      await producer.sendBatch([{ body: 1 }, { body: 2 }], { partitionId: '1' });
    } finally {
      await producer.close();
    }
    const after = await model.eventHubs.partitions(hub);
    assert.equal(after[1].isEmpty, false);
    assert.equal(after[1].lastEnqueuedSequenceNumber, 1);
    assert.ok(after[1].lastEnqueuedOnUtc instanceof Date);
    assert.deepEqual(await model.eventHubs.partitionIds(hub), ['0', '1']);
  });

  it('creates a consumer group and keeps keys out of connection info unless asked', async () => {
    const [hub] = await model.eventHubs.allHubs();
    await model.eventHubs.createConsumerGroup(hub, 'dashboards');
    // connection-1 is the manifest's connection's own group, which the local connector made when it started.
    assert.deepEqual((await model.eventHubs.consumerGroups(hub)).map((g) => g.name), ['$Default', 'eventline-tail', 'connection-1', 'dashboards']);
    await assert.rejects(model.eventHubs.createConsumerGroup(hub, '-bad name'), /not a valid consumer group name/);
    assert.doesNotMatch(await model.eventHubs.connectionInfo(hub, false), /SharedAccessKey/);
    assert.match(await model.eventHubs.connectionInfo(hub, true), /SharedAccessKey=.+;EntityPath=telemetry$/);
  });

  it('gives a local hub\'s address as it is at each call, without starting the pipeline; none for a hub in Azure', async () => {
    const [hub] = await model.eventHubs.allHubs();
    const current = model.eventHubs.localTarget(hub)!;
    const startsBefore = starts;
    const saved = running;
    try {
      running = undefined;
      assert.throws(() => current(), /The local pipeline is not running; the tail reconnects once it is started again/);
      running = { ...pipeline.ready, eventHubs: { ...pipeline.ready.eventHubs, connectionString: 'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true' } };
      assert.deepEqual(current(), { kind: 'connectionString', connectionString: running.eventHubs.connectionString, hub: 'telemetry' });
      assert.equal(starts, startsBefore, 'never started the pipeline');
    } finally {
      running = saved;
    }
    assert.equal(model.eventHubs.localTarget({ ...hub, location: { kind: 'azure', host: 'ns.servicebus.windows.net' } }), undefined);
  });

  it('names the local Eventhouse `local`, lists tables and columns, and resolves it to the running URI', async () => {
    const kusto = new KustoClient(pipeline.ready.eventhouse.uri);
    try {
      await kusto.executeMgmt('NetDefaultDB', '.create table ModelProbe (Timestamp: datetime, Value: real)');
    } finally {
      kusto.close();
    }
    const { databases, workspaces } = await model.eventhouse.roots();
    assert.deepEqual(workspaces, []);
    const db = databases.find((d) => d.ref.database === 'NetDefaultDB');
    assert.ok(db, 'NetDefaultDB is listed');
    assert.equal(db.ref.cluster, 'local');
    const tables = await model.eventhouse.tables(db.ref);
    const probe = tables.find((t) => t.ref.name === 'ModelProbe');
    assert.ok(probe);
    assert.deepEqual((await model.eventhouse.columns(probe.ref)).map((c) => `${c.name}:${c.type}`), ['Timestamp:datetime', 'Value:real']);
    assert.equal(await model.eventhouse.createTableScript(probe.ref), '.create table ModelProbe (Timestamp: datetime, Value: real)');
    const resolved = await model.eventhouse.resolve(db.ref);
    assert.equal(resolved.uri, pipeline.ready.eventhouse.uri);
    assert.equal(resolved.credential, undefined);
    assert.equal(model.eventhouse.canonical({ cluster: `${pipeline.ready.eventhouse.uri}/`, database: 'X' }).cluster, 'local');
  });

  it('lists the manifest\'s sources, connections, alerts and secret names', () => {
    assert.deepEqual(model.sources(), [{ kind: 'source', name: 'api' }]);
    assert.deepEqual(model.connections(), [{ kind: 'connection', name: 'connection-1', hub: 'telemetry', table: 'T', consumerGroup: '$Default' }]);
    assert.deepEqual(model.connectionsOfHub({ kind: 'hub', name: 'telemetry', location: { kind: 'local' } }).map((c) => c.name), ['connection-1']);
    assert.deepEqual(model.connectionsOfHub({ kind: 'hub', name: 'orders', location: { kind: 'local' } }), []);
    assert.deepEqual(model.connectionsOfTable({ kind: 'table', name: 'T', database: { kind: 'database', cluster: 'local', database: 'NetDefaultDB' } }).map((c) => c.name), ['connection-1']);
    assert.deepEqual(model.alerts(), [{ kind: 'alert', name: 'hot' }]);
    assert.deepEqual(model.secrets.references(), [{ name: 'api-key', referencedBy: ['source "api"'], legacy: true }]);
  });
});
