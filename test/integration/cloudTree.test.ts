import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EventlineApi } from '../../src/extension';
import { decodeJwt, testAuthProvider, TEST_PROVIDER_ID, type TestAuthProvider } from './support/testAuthProvider';
import { StandIn } from './support/standins';
import { api, child, description, label, labels, path, removeManifest, writeManifest } from './support/treeHelpers';

const SUB = '00000000-0000-0000-0000-00000000a001';
const RG = 'rg-pipeline';
const ARM_API = /^20\d\d-\d\d-\d\d(-preview)?$/;

function namespace(name: string) {
  return { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.EventHub/namespaces/${name}`, name, type: 'Microsoft.EventHub/namespaces', location: 'westeurope', properties: { serviceBusEndpoint: `https://${name}.servicebus.windows.net:443/` } };
}

describe('Eventline tree, cloud profile (HTTPS stand-ins for Resource Manager and Fabric)', function () {
  this.timeout(60000);
  let a: EventlineApi;
  let auth: TestAuthProvider;
  let arm: StandIn;
  let fabric: StandIn;

  before(async () => {
    a = await api();
    auth = await testAuthProvider();
    arm = await new StandIn()
      .route(/^\/subscriptions$/, () => ({ status: 200, body: { value: [{ id: `/subscriptions/${SUB}`, subscriptionId: SUB, displayName: 'Contoso Dev', state: 'Enabled', tenantId: 'tenant-a' }] } }))
      .route(/\/providers\/Microsoft\.EventHub\/namespaces$/, (url) => (url.searchParams.get('page') === '2'
        ? { status: 200, body: { value: ['ns-401', 'ns-403', 'ns-slow'].map((n) => namespace(n)) } }
        : { status: 200, body: { value: [namespace('ns-main')], nextLink: `${arm.url}/subscriptions/${SUB}/providers/Microsoft.EventHub/namespaces?api-version=${url.searchParams.get('api-version')}&page=2` } }))
      .route(/\/namespaces\/ns-main\/eventhubs$/, (url) => {
        const page = Number(url.searchParams.get('page') ?? '1');
        const hubs = Array.from({ length: 50 }, (_, i) => {
          const n = (page - 1) * 50 + i;
          return { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.EventHub/namespaces/ns-main/eventhubs/hub-${String(n).padStart(3, '0')}`, name: `hub-${String(n).padStart(3, '0')}`, properties: { partitionCount: 4, partitionIds: ['0', '1', '2', '3'] } };
        });
        return { status: 200, body: { value: hubs, ...(page === 1 ? { nextLink: `${arm.url}${url.pathname}?api-version=${url.searchParams.get('api-version')}&page=2` } : {}) } };
      })
      .route(/\/namespaces\/ns-401\/eventhubs$/, () => ({ status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } } }))
      .route(/\/namespaces\/ns-403\/eventhubs$/, () => ({ status: 403, body: { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action.' } } }))
      .route(/\/namespaces\/ns-slow\/eventhubs$/, () => 'hang')
      .start();
    fabric = await new StandIn()
      .route(/^\/v1\/workspaces$/, (url) => (url.searchParams.get('continuationToken') === 'page-2'
        ? { status: 200, body: { value: [{ id: 'ws-2', displayName: 'Sales', type: 'Workspace' }] } }
        : { status: 200, body: { value: [{ id: 'ws-1', displayName: 'Telemetry', type: 'Workspace' }], continuationToken: 'page-2', continuationUri: null } }))
      .route(/^\/v1\/workspaces\/ws-1\/eventhouses$/, () => ({ status: 200, body: { value: [{ id: 'eh-1', displayName: 'Telemetry House', type: 'Eventhouse', workspaceId: 'ws-1', properties: { queryServiceUri: 'https://trd-x.z1.kusto.fabric.microsoft.com' } }] } }))
      .route(/^\/v1\/workspaces\/ws-1\/kqlDatabases$/, () => ({ status: 200, body: { value: [{ id: 'db-1', displayName: 'TelemetryDB', type: 'KQLDatabase', workspaceId: 'ws-1', properties: { parentEventhouseItemId: 'eh-1', queryServiceUri: 'https://trd-x.z1.kusto.fabric.microsoft.com', databaseType: 'ReadWrite' } }] } }))
      .route(/^\/v1\/workspaces\/ws-2\/(eventhouses|kqlDatabases)$/, () => ({ status: 403, body: { errorCode: 'InsufficientPrivileges', message: 'The caller does not have sufficient permissions.' } }))
      .start();
    const config = vscode.workspace.getConfiguration('eventline');
    await config.update('cloud', { authProviderId: TEST_PROVIDER_ID, resourceManagerEndpoint: arm.url, fabricEndpoint: fabric.url }, vscode.ConfigurationTarget.Global);
    await config.update('requestTimeoutSeconds', 2, vscode.ConfigurationTarget.Global);
    await writeManifest(a, { version: 1, name: 'cloud-test', eventHubs: [{ name: 'telemetry' }], profiles: { local: { kind: 'local' }, prod: { kind: 'azure', tenantId: 'tenant-a' } }, activeProfile: 'prod' });
    await vscode.commands.executeCommand('eventline.signIn');
  });

  after(async () => {
    const config = vscode.workspace.getConfiguration('eventline');
    await config.update('cloud', undefined, vscode.ConfigurationTarget.Global);
    await config.update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    await removeManifest();
    await arm?.stop();
    await fabric?.stop();
  });

  it('uses the prod profile and lists subscriptions → namespaces, following nextLink, one request per page', async () => {
    assert.equal(a.profiles.current()?.name, 'prod');
    a.pipelineTree.refresh();
    const sub = await path(a, 'Event Hubs', 'Contoso Dev');
    assert.deepEqual(await labels(a, sub), ['ns-main', 'ns-401', 'ns-403', 'ns-slow']);
    const nsRequests = arm.requestsTo(/\/providers\/Microsoft\.EventHub\/namespaces$/);
    assert.equal(nsRequests.length, 2, 'two pages, two requests');
    for (const r of nsRequests) assert.match(r.query['api-version'], ARM_API);
  });

  it('expands a namespace with 100 hubs in one request per page, not per hub', async () => {
    const ns = await path(a, 'Event Hubs', 'Contoso Dev', 'ns-main');
    const hubs = await a.pipelineTree.getChildren(ns);
    assert.equal(hubs.length, 100);
    assert.equal(label(a, hubs[99]), 'hub-099');
    assert.equal(description(a, hubs[0]), '4 partitions');
    assert.equal(arm.requestsTo(/\/namespaces\/ns-main\/eventhubs$/).length, 2);
    assert.equal(arm.requests.filter((r) => /\/eventhubs\/hub-/.test(r.path)).length, 0, 'no request per hub');
  });

  it('sends ARM requests with a Resource Manager token for the profile\'s tenant, asked silently', async () => {
    for (const r of arm.requests) {
      const bearer = r.authorization ?? '';
      assert.ok(bearer.startsWith('Bearer '), `${r.path} has a bearer token`);
      const claims = decodeJwt(bearer.slice(7));
      assert.equal(claims.aud, 'https://management.azure.com');
      assert.equal(claims.tid, 'tenant-a');
    }
    const scopes = auth.requests.filter((r) => r.kind === 'get').map((r) => r.scopes.join(' '));
    assert.ok(scopes.includes('https://management.azure.com/.default VSCODE_TENANT:tenant-a'), scopes.join('\n'));
    assert.equal(auth.requests.filter((r) => r.kind === 'create').length, 0, 'tree loading never prompts');
  });

  it('turns a 401, a 403 and a timeout into readable error rows with Retry', async () => {
    const e401 = await child(a, await path(a, 'Event Hubs', 'Contoso Dev', 'ns-401'), /./);
    assert.match(label(a, e401), /did not accept the sign-in \(401\)\. Sign in again/);
    assert.equal(a.pipelineTree.getTreeItem(e401).contextValue, 'error.signIn');
    assert.equal(a.pipelineTree.getTreeItem(e401).command?.command, 'eventline.retry');
    const e403 = await child(a, await path(a, 'Event Hubs', 'Contoso Dev', 'ns-403'), /./);
    assert.match(label(a, e403), /access denied \(403\)/);
    const started = Date.now();
    const slow = await child(a, await path(a, 'Event Hubs', 'Contoso Dev', 'ns-slow'), /./);
    assert.match(label(a, slow), /did not answer in time|timed out/);
    assert.ok(Date.now() - started < 10000, 'the timeout setting (2 s) ends the wait');
  });

  it('lists Fabric workspaces with continuationToken paging, then Eventhouses and KQL databases', async () => {
    const eh = await path(a, 'Eventhouse');
    assert.deepEqual(await labels(a, eh), ['Telemetry', 'Sales']);
    const ws = fabric.requestsTo(/^\/v1\/workspaces$/);
    assert.equal(ws.length, 2);
    assert.equal(ws[1].query.continuationToken, 'page-2');
    const db = await path(a, 'Eventhouse', 'Telemetry', 'Telemetry House', 'TelemetryDB');
    assert.equal(a.pipelineTree.getTreeItem(db).contextValue, 'kqlDatabase');
    for (const r of fabric.requests) assert.equal(decodeJwt((r.authorization ?? '').slice(7)).aud, 'https://api.fabric.microsoft.com');
    const denied = await child(a, await path(a, 'Eventhouse', 'Sales'), /./);
    assert.match(label(a, denied), /access denied \(403\)/);
  });

  it('switches between profiles and redraws the live groups for the picked one', async () => {
    await a.profiles.pick('local');
    assert.equal(a.profiles.current()?.kind, 'local');
    // Then the per-hop health of the running local pipeline may follow ("local pipeline · 3.0 events/s").
    assert.match(description(a, await path(a, 'Event Hubs')), /^local pipeline( · |$)/);
    await a.profiles.pick('prod');
    assert.equal(description(a, await path(a, 'Event Hubs')), 'prod');
    assert.deepEqual(await labels(a, await path(a, 'Event Hubs')), ['Contoso Dev']);
  });

  it('shows a sign-in row, not an error, when signed out', async () => {
    await vscode.commands.executeCommand('eventline.signOut');
    const group = await path(a, 'Event Hubs');
    const [row] = await a.pipelineTree.getChildren(group);
    assert.match(label(a, row), /Sign in to Microsoft/);
    assert.equal(a.pipelineTree.getTreeItem(row).command?.command, 'eventline.signIn');
    await vscode.commands.executeCommand('eventline.signIn');
  });
});
