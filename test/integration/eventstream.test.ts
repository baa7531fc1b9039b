import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { EventstreamOutcome } from '../../src/connections';
import type { EventstreamTopology } from '../../src/core/fabric/eventstream';
import type { FabricDefinition } from '../../src/core/fabric/definition';
import type { LocalReady } from '../../src/protocol/localReady';
import { StandIn, type RecordedRequest, type StandInReply } from './support/standins';
import { decodeJwt, TEST_PROVIDER_ID } from './support/testAuthProvider';
import { answered, api, description, labels, manifestUri, path, removeManifest, until, writeManifest } from './support/treeHelpers';

const WS = 'ws-1';
const KQL_DB = 'kqldb-1';
const CONN = '0a1b2c3d-1111-2222-3333-444455556666';
const OTHER_CONN = '9f8e7d6c-1111-2222-3333-444455556666';
const TYPED_CONN = '12345678-aaaa-bbbb-cccc-1234567890ab';
const NAME = 'sample-pipeline-telemetry';

interface Op { statuses: string[]; retryAfter: string; result?: unknown; error?: unknown }

function decode<T>(def: FabricDefinition, part: string): T {
  const p = def.parts.find((x) => x.path === part);
  assert.ok(p, `the definition has ${part}: ${def.parts.map((x) => x.path).join(', ')}`);
  assert.equal(p.payloadType, 'InlineBase64');
  return JSON.parse(Buffer.from(p.payload, 'base64').toString('utf8')) as T;
}

function encode(part: string, value: unknown) {
  return { path: part, payload: Buffer.from(JSON.stringify(value), 'utf8').toString('base64'), payloadType: 'InlineBase64' as const };
}

/** Requests of a deploy, without the tree's own (it may redraw the workspace list while a test runs). */
const deploySent = (rs: RecordedRequest[]) => rs.filter((r) => !/^\/v1\/workspaces(\/ws-1\/eventhouses)?$/.test(r.path));

const line = (r: RecordedRequest) => `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query).toString()}` : ''}`;

describe('Deploy Eventstream against a Fabric stand-in (HTTPS)', function () {
  this.timeout(120000);
  let a: EventlineApi;
  let fabric: StandIn;
  let arm: StandIn;
  let ready: LocalReady;
  const items: { id: string; displayName: string; type: string; workspaceId: string }[] = [];
  const definitions = new Map<string, FabricDefinition>();
  const ops = new Map<string, Op>();
  let connections: unknown[] = [];
  let nextOp = 1;
  let throttleUpdates = 0;
  let slowOps = false;

  /** A 202 whose operation goes through `statuses`, then (Succeeded) has `result`. */
  function accepted(op: Omit<Op, 'retryAfter'> & { retryAfter?: string }): StandInReply {
    const id = `op-${nextOp++}`;
    ops.set(id, { retryAfter: '0', ...op });
    return { status: 202, headers: { location: `${fabric.url}/v1/operations/${id}`, 'x-ms-operation-id': id, 'retry-after': op.retryAfter ?? '0' } };
  }

  function manifest(extra: Record<string, unknown> = {}) {
    return {
      version: 1, name: 'sample-pipeline',
      eventHubs: [{ name: 'telemetry', namespace: 'contoso-ns.servicebus.windows.net' }, { name: 'lonely', namespace: 'lonely-ns.servicebus.windows.net' }],
      eventhouse: { database: 'TelemetryDB' },
      connections: [
        { name: 'telemetry-to-raw', hub: 'telemetry', table: 'RawReadings', format: 'json', mapping: 'RawReadingsMapping' },
        { name: 'lonely-to-raw', hub: 'lonely', table: 'RawReadings', format: 'json' },
      ],
      profiles: { local: { kind: 'local' }, prod: { kind: 'azure', tenantId: 'tenant-a', fabricWorkspaceId: WS, eventhouseQueryUri: ready.eventhouse.uri, ...extra } },
      activeProfile: 'prod',
    };
  }

  before(async () => {
    a = await api();
    arm = await new StandIn().route(/^\/subscriptions$/, () => ({ status: 200, body: { value: [] } })).start();
    fabric = await new StandIn()
      .route(/^\/v1\/workspaces$/, () => ({ status: 200, body: { value: [{ id: WS, displayName: 'Telemetry WS', type: 'Workspace' }] } }))
      .route(/^\/v1\/workspaces\/ws-1\/eventhouses$/, () => ({ status: 200, body: { value: [] } }))
      .route(/^\/v1\/workspaces\/ws-1\/kqlDatabases$/, () => ({ status: 200, body: { value: [{ id: KQL_DB, displayName: 'TelemetryDB', type: 'KQLDatabase', workspaceId: WS, properties: { parentEventhouseItemId: 'eh-1', queryServiceUri: 'https://trd-x.z1.kusto.fabric.microsoft.com', databaseType: 'ReadWrite' } }] } }))
      .route(/^\/v1\/connections$/, () => ({ status: 200, body: { value: connections } }))
      .route(/^\/v1\/workspaces\/ws-1\/items$/, (url) => ({ status: 200, body: { value: items.filter((i) => i.type === url.searchParams.get('type')) } }), 'GET')
      .route(/^\/v1\/workspaces\/ws-1\/items$/, (_url, req) => {
        const body = req.body as { displayName: string; type: string; definition: FabricDefinition };
        if (body.displayName === 'corrupt') return { status: 400, body: { errorCode: 'CorruptedPayload', message: 'The definition payload is corrupted.', requestId: 'req-400' } };
        if (body.displayName === 'denied') return { status: 403, body: { errorCode: 'InsufficientPrivileges', message: 'The caller does not have sufficient privileges.', requestId: 'req-403' } };
        if (body.displayName === 'failing') return accepted({ statuses: ['Running', 'Failed'], error: { errorCode: 'InvalidDefinition', message: 'Source EventlineTelemetrySource: the connection cannot be used.', requestId: 'req-op' } });
        const item = { id: `es-${items.length + 1}`, displayName: body.displayName, type: body.type, workspaceId: WS };
        items.push(item);
        definitions.set(item.id, body.definition);
        return accepted({ statuses: ['Running', 'Succeeded'], result: item });
      }, 'POST')
      .route(/^\/v1\/workspaces\/ws-1\/items\/[^/]+\/getDefinition$/, (url) => {
        const id = url.pathname.split('/')[5];
        const def = definitions.get(id);
        if (!def) return { status: 404, body: { errorCode: 'ItemNotFound', message: `The requested item ${id} was not found.`, requestId: 'req-404' } };
        return accepted({ statuses: ['Succeeded'], result: { definition: def } });
      }, 'POST')
      .route(/^\/v1\/workspaces\/ws-1\/items\/[^/]+\/updateDefinition$/, (url, req) => {
        if (throttleUpdates > 0) {
          throttleUpdates--;
          return { status: 429, body: { errorCode: 'TooManyRequests', message: 'Rate limit exceeded.' }, headers: { 'retry-after': '1' } };
        }
        if (slowOps) return accepted({ statuses: ['Running'], retryAfter: '2' });
        definitions.set(url.pathname.split('/')[5], (req.body as { definition: FabricDefinition }).definition);
        return { status: 200 };
      }, 'POST')
      .route(/^\/v1\/operations\/[^/]+\/result$/, (url) => ({ status: 200, body: ops.get(url.pathname.split('/')[3])?.result }))
      .route(/^\/v1\/operations\/[^/]+$/, (url): StandInReply => {
        const id = url.pathname.split('/')[3];
        const op = ops.get(id);
        if (!op) return { status: 404, body: { errorCode: 'OperationNotFound', message: id } };
        const status = op.statuses.length > 1 ? op.statuses.shift()! : op.statuses[0];
        if (status === 'Succeeded') return { status: 200, body: { status, percentComplete: 100 }, headers: { location: `${fabric.url}/v1/operations/${id}/result` } };
        if (status === 'Failed') return { status: 200, body: { status, error: op.error } };
        return { status: 200, body: { status, percentComplete: 50 }, headers: { 'retry-after': op.retryAfter } };
      })
      .start();
    connections = [
      { id: 'sql-1', displayName: 'warehouse', connectivityType: 'ShareableCloud', connectionDetails: { type: 'SQL', path: 'sql.contoso.com;db' } },
      { id: OTHER_CONN, displayName: 'orders-eh', connectivityType: 'ShareableCloud', connectionDetails: { type: 'EventHub', path: 'other-ns.servicebus.windows.net;orders' } },
      { id: CONN, displayName: 'telemetry-eh', connectivityType: 'ShareableCloud', connectionDetails: { type: 'EventHub', path: 'contoso-ns.servicebus.windows.net;telemetry' } },
    ];
    const config = vscode.workspace.getConfiguration('eventline');
    await config.update('cloud', { authProviderId: TEST_PROVIDER_ID, resourceManagerEndpoint: arm.url, fabricEndpoint: fabric.url }, vscode.ConfigurationTarget.Global);
    // The local Eventhouse stands in for the cloud profile's KQL database (a loopback query URI needs no sign-in).
    await writeManifest(a, { version: 1, name: 'sample-pipeline', profiles: { local: { kind: 'local' } }, activeProfile: 'local' });
    ready = await a.local.start(manifestUri().fsPath);
    const kusto = new KustoClient(ready.eventhouse.uri);
    try {
      await kusto.execute('NetDefaultDB', '.create database TelemetryDB persist');
      await kusto.execute('TelemetryDB', '.create-merge table RawReadings (site: string, temperature: dynamic)');
    } finally {
      kusto.close();
    }
    await writeManifest(a, manifest());
    await vscode.commands.executeCommand('eventline.signIn');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('eventline').update('cloud', undefined, vscode.ConfigurationTarget.Global);
    await a?.local.stop();
    await removeManifest();
    await fabric?.stop();
    await arm?.stop();
  });

  it('creates the Eventstream: the connection that points at the hub, exact requests, decoded parts, 202 followed to the created item', async () => {
    assert.equal(a.profiles.current()?.name, 'prod');
    const first = fabric.requests.length;
    const out = await answered(a, [NAME, /^telemetry-eh$/, 'Not Now', 'Deploy'], () => vscode.commands.executeCommand<EventstreamOutcome>('eventline.deployEventstream'));
    assert.ok(out, 'the command returned its outcome');
    assert.equal(out.created, true);
    assert.equal(out.item.id, 'es-1');
    assert.equal(out.url, `https://app.fabric.microsoft.com/groups/${WS}/eventstreams/es-1?experience=fabric-developer`);
    assert.match(out.notes[0], /names mapping "RawReadingsMapping"/);
    const sent = deploySent(fabric.requests.slice(first));
    assert.deepEqual(sent.map(line), [
      'GET /v1/workspaces/ws-1/kqlDatabases',
      'GET /v1/connections',
      'GET /v1/workspaces/ws-1/items?type=Eventstream',
      'POST /v1/workspaces/ws-1/items',
      'GET /v1/operations/op-1',
      'GET /v1/operations/op-1',
      'GET /v1/operations/op-1/result',
    ]);
    for (const r of sent) assert.equal(decodeJwt((r.authorization ?? '').slice(7)).aud, 'https://api.fabric.microsoft.com', `${line(r)} carries a Fabric token`);
    const create = sent[3].body as { displayName: string; type: string; description: string; definition: FabricDefinition };
    assert.equal(create.displayName, NAME);
    assert.equal(create.type, 'Eventstream');
    assert.deepEqual(create.definition.parts.map((p) => p.path), ['eventstream.json', 'eventstreamProperties.json']);
    assert.deepEqual(decode(create.definition, 'eventstreamProperties.json'), { retentionTimeInDays: 1, eventThroughputLevel: 'Low' });
    const json = { type: 'Json', properties: { encoding: 'UTF8' } };
    assert.deepEqual(decode<EventstreamTopology>(create.definition, 'eventstream.json'), {
      sources: [{ name: 'EventlineTelemetrySource', type: 'AzureEventHub', properties: { dataConnectionId: CONN, consumerGroupName: '$Default', inputSerialization: json } }],
      streams: [{ name: `${NAME}-stream`, type: 'DefaultStream', properties: {}, inputNodes: [{ name: 'EventlineTelemetrySource' }] }],
      operators: [],
      destinations: [{ name: 'EventlineToRawReadings', type: 'Eventhouse', properties: { dataIngestionMode: 'ProcessedIngestion', workspaceId: WS, itemId: KQL_DB, databaseName: 'TelemetryDB', tableName: 'RawReadings', inputSerialization: json }, inputNodes: [{ name: `${NAME}-stream` }] }],
      compatibilityLevel: '1.0',
    });
  });

  it('shows the connection under its hub and under its table, with its Fabric Eventstream', async () => {
    a.pipelineTree.refresh();
    const underHub = await path(a, 'Event Hubs', 'telemetry', 'Connections', '→ RawReadings');
    assert.equal(description(a, underHub), `telemetry-to-raw · Eventstream ${NAME}`);
    const item = await path(a, 'Event Hubs', 'telemetry', 'Connections', '→ RawReadings', `Eventstream ${NAME}`);
    assert.equal(description(a, item), 'in Fabric');
    assert.equal(a.pipelineTree.getTreeItem(item).contextValue, 'eventstreamItem');
    const underTable = await path(a, 'Eventhouse', 'TelemetryDB', 'Tables', 'RawReadings', 'Connections');
    assert.deepEqual(await labels(a, underTable), ['← telemetry', '← lonely']);
    const lonely = await path(a, 'Eventhouse', 'TelemetryDB', 'Tables', 'RawReadings', 'Connections', '← lonely', 'Eventstream sample-pipeline-lonely');
    assert.equal(description(a, lonely), 'not deployed: run "Deploy Eventstream"');
  });

  it('updates the existing item: reads its definition (202), keeps the user\'s nodes and the ids, writes it back; remembers the connection', async () => {
    const current = definitions.get('es-1')!;
    const topology = decode<EventstreamTopology>(current, 'eventstream.json');
    // What Fabric gives back after the user edited the item: ids on every node, a node of their own.
    topology.sources = [{ ...topology.sources[0], id: 'src-1' }, { id: 'src-user', name: 'Bikes', type: 'SampleData', properties: { type: 'Bicycles' } }];
    topology.streams = [{ ...topology.streams[0], id: 'stream-1', inputNodes: [{ name: 'EventlineTelemetrySource' }, { name: 'Bikes' }] }];
    topology.destinations = [{ ...topology.destinations[0], id: 'dst-1' }];
    definitions.set('es-1', { parts: [encode('eventstream.json', topology), encode('eventstreamProperties.json', { retentionTimeInDays: 7, eventThroughputLevel: 'Medium' }), encode('.platform', { metadata: { type: 'Eventstream', displayName: NAME } })] });
    const first = fabric.requests.length;
    const out = await answered(a, [NAME, /^telemetry-eh$/, 'Remember', 'Deploy'], () => vscode.commands.executeCommand<EventstreamOutcome>('eventline.deployEventstream'));
    assert.equal(out.created, false);
    const sent = deploySent(fabric.requests.slice(first));
    assert.deepEqual(sent.map(line), [
      'GET /v1/workspaces/ws-1/kqlDatabases',
      'GET /v1/connections',
      'GET /v1/workspaces/ws-1/items?type=Eventstream',
      'POST /v1/workspaces/ws-1/items/es-1/getDefinition',
      'GET /v1/operations/op-2',
      'GET /v1/operations/op-2/result',
      'POST /v1/workspaces/ws-1/items/es-1/updateDefinition',
    ]);
    assert.deepEqual(sent[3].body, {}, 'getDefinition is a POST with {}');
    assert.equal(sent[6].query.updateMetadata, undefined);
    const written = (sent[6].body as { definition: FabricDefinition }).definition;
    assert.deepEqual(written.parts.map((p) => p.path), ['eventstream.json', 'eventstreamProperties.json'], 'no .platform without updateMetadata');
    assert.deepEqual(decode(written, 'eventstreamProperties.json'), { retentionTimeInDays: 7, eventThroughputLevel: 'Medium' });
    const merged = decode<EventstreamTopology>(written, 'eventstream.json');
    assert.deepEqual(merged.sources.map((n) => [n.name, n.id]), [['Bikes', 'src-user'], ['EventlineTelemetrySource', 'src-1']]);
    assert.deepEqual(merged.streams.map((n) => [n.name, n.id, n.inputNodes?.map((i) => i.name)]), [[`${NAME}-stream`, 'stream-1', ['Bikes', 'EventlineTelemetrySource']]]);
    assert.deepEqual(merged.destinations.map((n) => [n.name, n.id]), [['EventlineToRawReadings', 'dst-1']]);
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(manifestUri()));
    assert.match(text, new RegExp(`"eventHubConnections": \\{\\s*"telemetry": "${CONN}"\\s*\\}`));
    assert.equal(a.model.snapshot()?.profile.profile.eventHubConnections?.telemetry, CONN);
  });

  it('retries a 429 after its Retry-After', async () => {
    throttleUpdates = 1;
    const first = fabric.requests.length;
    const out = await answered(a, [NAME, 'Deploy'], () => vscode.commands.executeCommand<EventstreamOutcome>('eventline.deployEventstream'));
    assert.equal(out.created, false);
    const updates = fabric.requests.slice(first).filter((r) => r.path.endsWith('/updateDefinition'));
    assert.equal(updates.length, 2, 'the throttled update was sent again');
    assert.ok(updates[1].at - updates[0].at >= 900, `waited the Retry-After (${updates[1].at - updates[0].at} ms)`);
    assert.equal(fabric.requests.slice(first).some((r) => r.path === '/v1/connections'), false, 'the remembered connection is not asked for again');
  });

  it('says how to create a connection when none points at the hub, and takes an id typed in', async () => {
    const saved = connections;
    connections = [saved[0]];
    try {
      const out = await answered(a, ['sample-pipeline-lonely', 'Enter Connection Id…', TYPED_CONN, 'Not Now', 'Deploy'], () => vscode.commands.executeCommand<EventstreamOutcome>('eventline.deployEventstream'));
      assert.equal(out.created, true);
      assert.equal(out.plan.name, 'sample-pipeline-lonely');
      const create = fabric.requests.filter((r) => r.method === 'POST' && r.path === '/v1/workspaces/ws-1/items').at(-1)!.body as { definition: FabricDefinition };
      assert.equal(decode<EventstreamTopology>(create.definition, 'eventstream.json').sources[0].properties.dataConnectionId, TYPED_CONN);
    } finally {
      connections = saved;
    }
  });

  it('turns a 400, a 403 and a 404 into errors with the service\'s errorCode, message and request id', async () => {
    const { plans } = a.model.fabric.plans();
    const target = { workspaceId: WS, kqlDatabaseItemId: KQL_DB, databaseName: 'TelemetryDB', dataConnectionId: CONN };
    await assert.rejects(a.model.fabric.deployEventstream({ ...plans[0], name: 'corrupt' }, target), (e: Error & { status?: number; errorCode?: string; requestId?: string }) => {
      assert.equal(e.status, 400);
      assert.equal(e.errorCode, 'CorruptedPayload');
      assert.equal(e.message, 'Fabric answered 400 for POST /v1/workspaces/ws-1/items (CorruptedPayload: The definition payload is corrupted.). Request id req-400.');
      return true;
    });
    await assert.rejects(a.model.fabric.deployEventstream({ ...plans[0], name: 'denied' }, target), (e: Error & { status?: number; errorCode?: string; requestId?: string }) => {
      assert.equal(e.status, 403);
      assert.equal(e.errorCode, 'InsufficientPrivileges');
      assert.equal(e.requestId, 'req-403');
      assert.match(e.message, /\(InsufficientPrivileges: The caller does not have sufficient privileges\.\)/);
      return true;
    });
    items.push({ id: 'es-gone', displayName: 'gone', type: 'Eventstream', workspaceId: WS });
    await assert.rejects(a.model.fabric.deployEventstream({ ...plans[0], name: 'gone' }, target), (e: Error & { status?: number; errorCode?: string }) => {
      assert.equal(e.status, 404);
      assert.equal(e.errorCode, 'ItemNotFound');
      assert.match(e.message, /^Fabric answered 404 for POST \/v1\/workspaces\/ws-1\/items\/es-gone\/getDefinition \(ItemNotFound: The requested item es-gone was not found\.\)\. Request id req-404\.$/);
      return true;
    });
  });

  it('reports an operation that ends Failed with the operation\'s error', async () => {
    const { plans } = a.model.fabric.plans();
    const target = { workspaceId: WS, kqlDatabaseItemId: KQL_DB, databaseName: 'TelemetryDB', dataConnectionId: CONN };
    await assert.rejects(a.model.fabric.deployEventstream({ ...plans[0], name: 'failing' }, target), (e: Error & { errorCode?: string; operationId?: string }) => {
      assert.equal(e.errorCode, 'InvalidDefinition');
      assert.match(e.message, /^The Fabric operation op-\d+ failed: InvalidDefinition: Source EventlineTelemetrySource: the connection cannot be used\. \(request id req-op\)$/);
      return true;
    });
  });

  it('Cancel aborts the deploy: the command ends at once and nothing is sent after it', async () => {
    slowOps = true;
    try {
      const first = fabric.requests.length;
      let cancelledAt = 0;
      await answered(a, [NAME, 'Deploy'], async () => {
        const running = vscode.commands.executeCommand('eventline.deployEventstream');
        await until(() => (fabric.requests.slice(first).some((r) => r.path.endsWith('/updateDefinition')) && a.progress.titles.some((t) => /Eventstream/.test(t)) ? true : undefined), 'the update to be accepted');
        assert.equal(a.progress.cancelRunning(/deploying Eventstream/), 1);
        cancelledAt = Date.now();
        assert.equal(await running, undefined, 'a cancelled deploy returns nothing');
      });
      assert.ok(Date.now() - cancelledAt < 1500, `the command ended ${Date.now() - cancelledAt} ms after Cancel`);
      await new Promise((r) => setTimeout(r, 3000));
      const after = fabric.requests.filter((r) => r.at > cancelledAt);
      assert.deepEqual(after.map(line), [], 'nothing was sent after Cancel (the operation is polled every 2 s)');
    } finally {
      slowOps = false;
    }
  });
});
