// Eventline: Deploy Ingest Function inside a real VS Code, against HTTPS stand-ins for Resource Manager, the app's
// scm site and its admin endpoint, with a real local Event Hubs (AMQPS, JWT) standing in for the namespace so the
// verification reads real events that the stand-in's Run now sends.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import * as vscode from 'vscode';
import * as yauzl from 'yauzl';
import type { EventlineApi } from '../../src/extension';
import { CANCEL } from '../../src/common/prompt';
import { removeTempDataDir, startLocalPipeline, tempDataDir, type LocalPipeline } from '../local/pipeline';
import { APP, claims, FunctionCloud, MASTER_KEY, RG, SUB } from './support/functionStandins';
import { testAuthProvider, TEST_PROVIDER_ID, type TestAuthProvider } from './support/testAuthProvider';
import { answered, api, description, label, labels, manifestUri, path as treePath, removeManifest, until, writeManifest } from './support/treeHelpers';

const USER_SECRET = 'DefaultEndpointsProtocol=https;AccountName=stuser;AccountKey=dXNlci1zZWNyZXQ=';
const SECRET_URI = 'https://kv-pipeline.vault.azure.net/secrets/sample-api-key';

function manifest(profile: Record<string, unknown> = {}) {
  return {
    version: 1, name: 'deploy-test',
    sources: [{ name: 'sample-api', url: 'https://api.example.com/readings', auth: { header: 'x-api-key', secret: { keyVaultSecret: SECRET_URI } } }],
    functions: [{ name: 'ingest', path: 'ingest-function', source: 'sample-api', hub: 'telemetry', schedule: '0 */1 * * * *', partitionKey: 'site' }],
    eventHubs: [{ name: 'telemetry' }],
    keyVault: { name: 'kv-pipeline' },
    profiles: { local: { kind: 'local' }, prod: { kind: 'azure', tenantId: 'tenant-a', subscriptionId: SUB, eventHubsNamespace: 'ns-main', ...profile } },
    activeProfile: 'prod',
  };
}

function zipNames(buf: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => { names.push(e.fileName); zip.readEntry(); });
      zip.on('end', () => resolve(names));
      zip.readEntry();
    });
  });
}

/** "arm PUT …/sites/func-ingest/config/appsettings" lines, with the subscription and group prefix cut. */
function sequence(cloud: FunctionCloud): string[] {
  return cloud.all().map((r) => `${r.to} ${r.method} ${r.path.replace(`/subscriptions/${SUB}/resourceGroups/${RG}/providers`, '…').replace(`/subscriptions/${SUB}`, '/sub')}`);
}

describe('Deploy Ingest Function (stand-ins for Resource Manager, scm and the admin endpoint; a real local hub)', function () {
  this.timeout(120000);
  let a: EventlineApi;
  let auth: TestAuthProvider;
  let cloud: FunctionCloud;
  let local: LocalPipeline;
  let workspace: string;
  let data: string | undefined;

  before(async () => {
    a = await api();
    auth = await testAuthProvider();
    // The local hub serves AMQPS with the CA this extension host trusts (NODE_EXTRA_CA_CERTS from the harness).
    data = tempDataDir('eventline-deploy-hub-');
    const tlsDir = process.env.EVENTLINE_TEST_TLS_DIR!;
    fs.mkdirSync(path.join(data, 'eventhubs', 'tls'), { recursive: true });
    for (const f of ['ca.pem', 'ca-key.pem', 'server.pem', 'server-key.pem']) fs.copyFileSync(path.join(tlsDir, f), path.join(data, 'eventhubs', 'tls', f));
    local = await startLocalPipeline({ dataDir: data });
    cloud = await new FunctionCloud().start();
    cloud.namespaceHost = `127.0.0.1:${local.ready.eventHubs.amqpsPort}`;
    cloud.scenario.onRunNow = async () => {
      const producer = new EventHubProducerClient(local.ready.eventHubs.connectionString, 'telemetry');
      try {
        const batch = await producer.createBatch();
        for (let i = 0; i < 3; i++) batch.tryAdd({ body: { site: 'north', temperature: 20 + i, from: 'run-now' } });
        await producer.sendBatch(batch);
      } finally {
        await producer.close();
      }
    };
    workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const project = path.join(workspace, 'ingest-function');
    fs.cpSync(path.join(process.env.EVENTLINE_REPO!, 'test', 'fixtures', 'ingest-function'), project, { recursive: true });
    fs.symlinkSync(path.join(process.env.EVENTLINE_REPO!, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    const config = vscode.workspace.getConfiguration('eventline');
    await config.update('cloud', { authProviderId: TEST_PROVIDER_ID, resourceManagerEndpoint: cloud.arm.url }, vscode.ConfigurationTarget.Global);
    await config.update('deploy.verifyTimeoutSeconds', 15, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('eventline.signIn');
  });

  beforeEach(() => {
    cloud.reset();
    cloud.scenario = { ...cloud.scenario, deploy: { kind: 'ok' }, roleDenied: false, referenceStatus: 'Resolved', throttleSettingsOnce: false, scmUnauthorized: undefined };
  });

  after(async () => {
    const config = vscode.workspace.getConfiguration('eventline');
    await config.update('cloud', undefined, vscode.ConfigurationTarget.Global);
    await config.update('deploy.verifyTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    await removeManifest();
    await cloud?.stop();
    await local?.stop();
    if (data) removeTempDataDir(data);
    if (workspace) fs.rmSync(path.join(workspace, 'ingest-function'), { recursive: true, force: true });
  });

  it('deploys from the tree row to an app picked from the subscription: plan, Confirm, the exact requests, all checks green', async () => {
    cloud.sites.clear();
    cloud.roleAssignments.length = 0;
    cloud.addSite({ name: APP, settings: { AzureWebJobsStorage: USER_SECRET, USER_SETTING: 'keep-me' } });
    await writeManifest(a, manifest());
    a.pipelineTree.refresh();
    const row = await treePath(a, 'Ingest function', 'ingest');
    assert.equal(a.pipelineTree.getTreeItem(row).contextValue, 'ingestFunction');
    await answered(a, [APP, 'Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction', row));
    assert.deepEqual(a.deploys.last?.outcome, 'verified', JSON.stringify(a.deploys.last));

    assert.deepEqual(sequence(cloud), [
      'arm GET /sub/providers/Microsoft.Web/sites',
      'arm GET /sub/providers/Microsoft.EventHub/namespaces',
      'arm GET /sub/resources',
      `arm POST …/Microsoft.Web/sites/${APP}/config/appsettings/list`,
      `arm PATCH …/Microsoft.Web/sites/${APP}`,
      'arm PUT …/Microsoft.EventHub/namespaces/ns-main/eventhubs/telemetry/providers/Microsoft.Authorization/roleAssignments/' + cloud.roleAssignments[0].name,
      'arm PUT …/Microsoft.KeyVault/vaults/kv-pipeline/providers/Microsoft.Authorization/roleAssignments/' + cloud.roleAssignments[1].name,
      `arm POST …/Microsoft.Web/sites/${APP}/config/appsettings/list`,
      `arm PUT …/Microsoft.Web/sites/${APP}/config/appsettings`,
      'scm POST /api/publish',
      ...sequence(cloud).filter((l) => /^scm GET/.test(l)),
      `arm GET …/Microsoft.Web/sites/${APP}/config/configreferences/appsettings`,
      `arm GET …/Microsoft.Web/sites/${APP}/functions`,
      `arm POST …/Microsoft.Web/sites/${APP}/host/default/listkeys`,
      'app POST /admin/functions/ingest',
    ]);
    const polls = sequence(cloud).filter((l) => /^scm GET/.test(l));
    assert.ok(polls.length >= 4 && polls.every((l) => /^scm GET \/api\/deployments\/[0-9a-f]+(\/log)?$/.test(l)), polls.join('\n'));

    // api-versions, tokens, bodies
    for (const r of cloud.arm.requests) {
      const expected = /roleAssignments/.test(r.path) ? '2022-04-01' : /Microsoft\.Web/.test(r.path) ? '2024-11-01' : undefined;
      if (expected) assert.equal(r.query['api-version'], expected, `${r.method} ${r.path}`);
      assert.equal(claims(r.authorization)?.aud, 'https://management.azure.com', r.path);
      assert.equal(claims(r.authorization)?.tid, 'tenant-a');
    }
    for (const r of cloud.scm.requests) assert.equal(claims(r.authorization)?.aud, 'https://appservice.azure.com', `scm ${r.path} uses the App Service audience`);
    const upload = cloud.scm.requests.find((r) => r.path === '/api/publish')!;
    assert.deepEqual(upload.query, { RemoteBuild: 'false', Deployer: 'Eventline' });
    assert.equal(upload.headers['content-type'], 'application/zip');
    assert.deepEqual(await zipNames(upload.raw), ['host.json', 'package.json', 'dist/src/functions/ingest.js']);
    const run = cloud.app.requests[0];
    assert.equal(run.authorization, undefined, 'the admin endpoint gets the master key, not a token');
    assert.equal(run.headers['x-functions-key'], MASTER_KEY);
    assert.deepEqual(JSON.parse(run.raw.toString()), { input: '' });
    const patch = cloud.arm.requests.find((r) => r.method === 'PATCH')!;
    assert.deepEqual(JSON.parse(patch.raw.toString()), { identity: { type: 'SystemAssigned' } });
    const principal = cloud.sites.get(APP)!.identity!.principalId;
    const roleBodies = cloud.arm.requests.filter((r) => /roleAssignments\/[0-9a-f-]{36}$/.test(r.path)).map((r) => JSON.parse(r.raw.toString()) as unknown);
    assert.deepEqual(roleBodies, [
      { properties: { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/2b629674-e913-4c01-ae53-ef4638d8f975`, principalId: principal, principalType: 'ServicePrincipal' } },
      { properties: { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`, principalId: principal, principalType: 'ServicePrincipal' } },
    ]);
    assert.notEqual(cloud.roleAssignments[0].name, cloud.roleAssignments[1].name, 'each assignment under a new GUID');
    const put = cloud.arm.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/config/appsettings'))!;
    const settings = (JSON.parse(put.raw.toString()) as { properties: Record<string, string> }).properties;
    assert.equal(settings.AzureWebJobsStorage, USER_SECRET, 'the user\'s settings are kept');
    assert.equal(settings.USER_SETTING, 'keep-me');
    assert.equal(settings.EventHubConnection__fullyQualifiedNamespace, cloud.namespaceHost);
    assert.equal(settings.INGEST_EVENTHUB_NAME, 'telemetry');
    assert.equal(settings.INGEST_SOURCE_API_KEY, `@Microsoft.KeyVault(SecretUri=${SECRET_URI})`);
    assert.equal(settings.INGEST_SCHEDULE, '0 */1 * * * *');

    // the choice is stored in the profile; consent was asked up front, silently; nothing secret anywhere
    const stored = JSON.parse(fs.readFileSync(manifestUri().fsPath, 'utf8')) as ReturnType<typeof manifest>;
    assert.equal((stored.profiles.prod as { functionApp?: string }).functionApp, cloud.siteId(APP));
    const scopes = auth.requests.map((r) => r.scopes.join(' '));
    assert.ok(scopes.includes('https://appservice.azure.com/.default VSCODE_TENANT:tenant-a'), scopes.join('\n'));
    assert.equal(auth.requests.filter((r) => r.kind === 'create').length, 0);
    const plan = a.deploys.document(APP, 'plan') ?? '';
    const verification = a.deploys.document(APP, 'verification') ?? '';
    for (const [where, text] of [['plan', plan], ['verification', verification], ['log', a.deploys.lastLog.join('\n')], ['eventline.json', fs.readFileSync(manifestUri().fsPath, 'utf8')]] as const) {
      assert.ok(!text.includes(MASTER_KEY) && !text.includes('dXNlci1zZWNyZXQ='), `nothing secret in the ${where}`);
    }
    assert.match(plan, /\*\*Enable\*\* the system-assigned managed identity/);
    assert.match(plan, /\| Azure Event Hubs Data Sender \| hub telemetry in namespace ns-main \| \*\*create\*\*/);
    assert.match(plan, /Kept as they are \(2, values not shown\): `AzureWebJobsStorage`, `USER_SETTING`/);
    assert.match(plan, /Upload: \*\*\d+\.\d KB\*\* zip, one-deploy `POST https:\/\/127\.0\.0\.1:\d+\/api\/publish`/);
    assert.equal((verification.match(/✓/g) ?? []).length, 4, verification);
    assert.match(verification, /New events arrive on hub telemetry[\s\S]*\d+ new events? arrived/);
    assert.match(a.deploys.lastLog.join('\n'), /Deployment successful/);
    // the documents are open, read-only Markdown
    const docs = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'eventline-deploy').map((d) => `${d.uri.path} ${d.languageId}`);
    assert.ok(docs.includes(`/${APP}/Deploy plan.md markdown`) && docs.includes(`/${APP}/Verification.md markdown`), docs.join(', '));
  });

  it('a second deploy with no change uploads again but changes no setting and no role', async () => {
    const before = { ...cloud.sites.get(APP)!.settings };
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.equal(a.deploys.last?.outcome, 'verified');
    const seq = sequence(cloud);
    assert.equal(seq.filter((l) => l === 'scm POST /api/publish').length, 1, 'uploads again');
    assert.deepEqual(seq.filter((l) => /^arm (PUT|PATCH)/.test(l)), [], 'no setting, identity or role changes');
    assert.equal(seq.filter((l) => /roleAssignments$/.test(l) && l.startsWith('arm GET')).length, 2, 'reads the existing assignments instead');
    assert.deepEqual(cloud.sites.get(APP)!.settings, before);
    assert.match(a.deploys.document(APP, 'plan') ?? '', /No setting changes/);
    assert.match(a.deploys.document(APP, 'plan') ?? '', /already assigned: no change/);
  });

  it('Cancel on the plan changes nothing', async () => {
    await assert.doesNotReject(answered(a, [CANCEL], () => vscode.commands.executeCommand('eventline.deployFunction')));
    assert.deepEqual(a.deploys.last, { outcome: 'cancelled', app: APP, phase: 'confirm' });
    assert.deepEqual(sequence(cloud).filter((l) => !/^arm (GET|POST .*\/appsettings\/list)/.test(l)), [], 'only reads before the plan');
  });

  it('Cancel during the upload aborts it, and nothing is sent after', async () => {
    cloud.scenario.deploy = { kind: 'hangUpload' };
    a.prompts.clear();
    a.prompts.queue('Confirm');
    const running = vscode.commands.executeCommand('eventline.deployFunction');
    const upload = await until(() => cloud.scm.requests.find((r) => r.path === '/api/publish'), 'the upload to arrive', 60000);
    a.deploys.cancel();
    await running;
    const cancelledAt = Date.now();
    assert.deepEqual(a.deploys.last, { outcome: 'cancelled', app: APP, phase: 'apply' });
    await until(() => (upload.abandoned ? true : undefined), 'the upload to be aborted on the wire');
    await new Promise((r) => setTimeout(r, 1500));
    const after = cloud.all().filter((r) => r.at > upload.at);
    assert.deepEqual(after.map((r) => `${r.to} ${r.method} ${r.path}`), [], 'nothing sent after Cancel');
    assert.ok(Date.now() - cancelledAt >= 1500);
    assert.match(a.deploys.lastLog.join('\n'), /cancelled: the request in flight was aborted and nothing more was sent/);
  });

  it('a 403 on a role assignment names the role, the scope and who can grant it, and stops before settings and upload', async () => {
    cloud.addSite({ name: 'func-noroles', settings: {} });
    await writeManifest(a, manifest({ functionApp: cloud.siteId('func-noroles') }));
    cloud.scenario.roleDenied = true;
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    const last = a.deploys.last;
    assert.equal(last?.outcome, 'failed');
    assert.match(last?.outcome === 'failed' ? last.error : '', /You may not assign "Azure Event Hubs Data Sender" on \/subscriptions\/.+\/namespaces\/ns-main\/eventhubs\/telemetry \(AuthorizationFailed\)\. Someone with Owner, User Access Administrator or Role Based Access Control Administrator on that scope can grant it/);
    const seq = sequence(cloud);
    assert.equal(seq.filter((l) => /config\/appsettings$/.test(l) && l.includes('PUT')).length, 0, 'no settings written');
    assert.equal(seq.filter((l) => l.startsWith('scm')).length, 0, 'nothing uploaded');
  });

  it('a 409 on a running deployment waits for it to finish, then uploads again', async () => {
    await writeManifest(a, manifest({ functionApp: cloud.siteId(APP) }));
    cloud.scenario.deploy = { kind: 'conflictOnce' };
    cloud.deployments = cloud.deployments.filter((d) => d.id !== 'other-running');
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.equal(a.deploys.last?.outcome, 'verified', JSON.stringify(a.deploys.last));
    const scm = sequence(cloud).filter((l) => l.startsWith('scm'));
    assert.equal(scm[0], 'scm POST /api/publish');
    assert.ok(scm.includes('scm GET /api/deployments/latest'), scm.join('\n'));
    assert.equal(scm.filter((l) => l === 'scm POST /api/publish').length, 2);
    assert.match(a.deploys.lastLog.join('\n'), /Another deployment is in progress on func-ingest/);
  });

  it('a deployment that fails shows its log and its details', async () => {
    cloud.scenario.deploy = { kind: 'fail', message: 'Error: Cannot find module \'@azure/functions-core\' (startup)' };
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    const last = a.deploys.last;
    assert.equal(last?.outcome, 'failed');
    assert.match(last?.outcome === 'failed' ? last.error : '', /the deployment failed: Error: Cannot find module.*Last log lines: .*Deployment failed/);
    assert.match(a.deploys.lastLog.join('\n'), /Check the package\./);
    assert.equal(cloud.app.requests.length, 0, 'no verification after a failed deployment');
  });

  it('a Key Vault reference that does not resolve: the verification names the likely cause and the fix', async () => {
    cloud.scenario.referenceStatus = 'AccessToKeyVaultDenied';
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.equal(a.deploys.last?.outcome, 'unverified');
    const v = a.deploys.document(APP, 'verification') ?? '';
    assert.match(v, /✗ Key Vault reference INGEST_SOURCE_API_KEY resolves/);
    assert.match(v, /role assignment has not propagated yet: verify again in a minute/);
    assert.match(v, /✓ The host lists ingest/);
  });

  it('a 429 with Retry-After is retried after the wait', async () => {
    cloud.scenario.throttleSettingsOnce = true;
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.equal(a.deploys.last?.outcome, 'verified');
    const lists = cloud.arm.requests.filter((r) => r.path.endsWith('/config/appsettings/list'));
    assert.ok(lists.length >= 3, 'the throttled read, its retry, and the read before writing');
    assert.ok(lists[1].at - lists[0].at >= 950, `waited ${lists[1].at - lists[0].at} ms for Retry-After: 1`);
  });

  it('without a "functions" entry it asks for the project folder, the function\'s name and the source', async () => {
    const m = manifest({ functionApp: cloud.siteId(APP) }) as Partial<ReturnType<typeof manifest>>;
    delete m.functions;
    await writeManifest(a, m);
    try {
      await answered(a, [path.join(workspace, 'ingest-function'), 'ingest', 'sample-api', 'Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
      assert.equal(a.deploys.last?.outcome, 'verified', JSON.stringify(a.deploys.last));
      assert.match(a.deploys.lastLog[0], /Deploy ingest \(ingest-function\) · profile prod/);
    } finally {
      await writeManifest(a, manifest({ functionApp: cloud.siteId(APP) }));
    }
  });

  it('a token refused mid-deploy (401 while following the deployment): a fresh token, and the deploy goes on', async () => {
    cloud.scenario.deploy = { kind: 'ok', runningPolls: 2 };
    cloud.scenario.scmUnauthorized = { path: /^\/api\/deployments\/[0-9a-f]+$/, count: 1 };
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.equal(a.deploys.last?.outcome, 'verified', JSON.stringify(a.deploys.last));
    const polls = cloud.scm.requests.filter((r) => /^\/api\/deployments\/[0-9a-f]+$/.test(r.path));
    const jtis = cloud.scm.requests.map((r) => claims(r.authorization)?.jti as number);
    assert.equal(new Set(jtis).size, jtis.length, 'every scm request carries a token asked for just then');
    assert.ok(claims(polls[1].authorization)!.jti as number > (claims(polls[0].authorization)!.jti as number));
    assert.match(a.deploys.lastLog.join('\n'), /the token was refused \(401\); asking for a fresh one/);
  });

  it('deploys to a Windows Consumption app with Kudu zipdeploy, WEBSITE_RUN_FROM_PACKAGE and a trigger sync', async () => {
    cloud.addSite({ name: 'func-windows', sku: 'Dynamic', linux: false, identity: { type: 'SystemAssigned', principalId: 'p-win' }, settings: {} });
    await writeManifest(a, manifest({ functionApp: cloud.siteId('func-windows') }));
    await answered(a, ['Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.equal(a.deploys.last?.outcome, 'verified', JSON.stringify(a.deploys.last));
    const upload = cloud.scm.requests.find((r) => r.method === 'POST')!;
    assert.equal(upload.path, '/api/zipdeploy');
    assert.deepEqual(upload.query, { isAsync: 'true', author: 'Eventline', deployer: 'Eventline', trackDeploymentId: 'true' });
    assert.ok(cloud.scm.requests.some((r) => r.path === '/api/deployments/latest'), 'follows the Location it was given');
    assert.equal(cloud.sites.get('func-windows')!.settings.WEBSITE_RUN_FROM_PACKAGE, '1');
    const seq = sequence(cloud);
    const sync = seq.indexOf('arm POST …/Microsoft.Web/sites/func-windows/syncfunctiontriggers');
    assert.ok(sync > seq.lastIndexOf('scm GET /api/deployments/latest'), 'sync triggers after the deployment');
    // Windows plans also keep invocation logs as files: Show Function Logs reads the newest.
    const logs = await vscode.commands.executeCommand<string>('eventline.showFunctionLogs');
    assert.match(logs, /Newest log file: 2026-12-05T18-05-00Z-bbbb\.log[\s\S]*ingest: sent 1 event\(s\) to telemetry/);
    assert.ok(!logs.includes('older run'));
  });

  it('creates a Flex Consumption app, each resource previewed first, and stores it in the profile; Cancel in the preview creates nothing', async () => {
    await writeManifest(a, manifest());
    const createAnswers = ['Create a new Function App (Flex Consumption)…', 'func-new-ingest', 'New resource group rg-func-new-ingest', 'rg-func-new-ingest', 'West Europe', 'Node.js 22'];
    await answered(a, [...createAnswers, CANCEL], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.deepEqual(sequence(cloud).filter((l) => /^arm (PUT|PATCH)/.test(l)), [], 'nothing created after Cancel');
    cloud.reset();
    await answered(a, [...createAnswers, 'Create', 'Confirm'], () => vscode.commands.executeCommand('eventline.deployFunction'));
    assert.equal(a.deploys.last?.outcome, 'verified', JSON.stringify(a.deploys.last));
    const creates = sequence(cloud).filter((l) => /^arm PUT/.test(l)).slice(0, 6).map((l) => l.replace(/[0-9a-f-]{36}$/, '<guid>').replace(/storageAccounts\/st\w+/, 'storageAccounts/st…'));
    assert.deepEqual(creates, [
      'arm PUT /sub/resourcegroups/rg-func-new-ingest',
      'arm PUT /sub/resourceGroups/rg-func-new-ingest/providers/Microsoft.Storage/storageAccounts/st…',
      'arm PUT /sub/resourceGroups/rg-func-new-ingest/providers/Microsoft.Storage/storageAccounts/st…/blobServices/default/containers/' + createdContainer(cloud),
      'arm PUT /sub/resourceGroups/rg-func-new-ingest/providers/Microsoft.Web/serverfarms/plan-func-new-ingest',
      'arm PUT /sub/resourceGroups/rg-func-new-ingest/providers/Microsoft.Web/sites/func-new-ingest',
      'arm PUT /sub/resourceGroups/rg-func-new-ingest/providers/Microsoft.Storage/storageAccounts/st…/providers/Microsoft.Authorization/roleAssignments/<guid>',
    ]);
    const site = JSON.parse(cloud.arm.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/sites/func-new-ingest'))!.raw.toString()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(site.identity.type, 'SystemAssigned');
    assert.equal(site.kind, 'functionapp,linux');
    assert.deepEqual(site.properties.functionAppConfig.runtime, { name: 'node', version: '22' });
    assert.deepEqual(site.properties.functionAppConfig.deployment.storage.authentication, { type: 'SystemAssignedIdentity' });
    assert.match(site.properties.functionAppConfig.deployment.storage.value, /^https:\/\/st\w+\.blob\.core\.windows\.net\/app-package-func-new-ingest-[0-9a-f]{7}$/);
    assert.deepEqual(site.properties.siteConfig.appSettings.map((s: { name: string }) => s.name), ['AzureWebJobsStorage__accountName']);
    const plan = JSON.parse(cloud.arm.requests.find((r) => r.path.includes('/serverfarms/'))!.raw.toString()) as { sku: unknown };
    assert.deepEqual(plan.sku, { name: 'FC1', tier: 'FlexConsumption' });
    const stored = JSON.parse(fs.readFileSync(manifestUri().fsPath, 'utf8')) as { profiles: { prod: { functionApp?: string } } };
    assert.equal(stored.profiles.prod.functionApp, `/subscriptions/${SUB}/resourceGroups/rg-func-new-ingest/providers/Microsoft.Web/sites/func-new-ingest`);
  });

  it('shows the function\'s logs and opens the app in the portal', async () => {
    await writeManifest(a, manifest({ functionApp: cloud.siteId(APP) }));
    const text = await vscode.commands.executeCommand<string>('eventline.showFunctionLogs');
    assert.match(text, /# Function logs: ingest on func-ingest/);
    assert.match(text, /## Last deployment[\s\S]*the deployment succeeded[\s\S]*Deployment successful/);
    assert.match(text, /Flex Consumption apps write invocation logs to Application Insights/);
    const url = await vscode.commands.executeCommand<string>('eventline.openInPortal');
    assert.equal(url, `https://portal.azure.com/#@tenant-a/resource${cloud.siteId(APP)}/overview`);
  });

  it('the tree\'s Ingest function row shows the deployed app, its plan, the last deployment and the state in Azure', async () => {
    a.pipelineTree.refresh();
    const row = await treePath(a, 'Ingest function', 'ingest');
    assert.equal(description(a, row), '0 */1 * * * * → telemetry');
    const kids = await a.pipelineTree.getChildren(row);
    assert.deepEqual(kids.map((k) => label(a, k)), [`Azure: ${APP}`, 'Last deployment', 'In Azure']);
    assert.match(description(a, kids[0]), /^Flex Consumption · Running$/);
    assert.match(description(a, kids[1]), /s ago · succeeded · by Eventline$/);
    assert.equal(description(a, kids[2]), 'enabled');
    assert.equal(a.pipelineTree.getTreeItem(kids[0]).contextValue, 'functionApp');
  });

  it('in the local profile it says to pick a cloud profile, and sends nothing', async () => {
    await a.profiles.pick('local');
    try {
      await vscode.commands.executeCommand('eventline.deployFunction');
      assert.equal(a.deploys.last?.outcome, 'failed');
      assert.match(a.deploys.last?.outcome === 'failed' ? a.deploys.last.error : '', /deploys to Azure from a cloud profile; "local" is the local pipeline/);
      assert.deepEqual(cloud.all(), []);
      assert.deepEqual(await labels(a, await treePath(a, 'Ingest function')), ['ingest']);
    } finally {
      await a.profiles.pick('prod');
    }
  });
});

function createdContainer(cloud: FunctionCloud): string {
  const put = cloud.arm.requests.find((r) => r.path.includes('/containers/'));
  return put ? put.path.split('/').pop()! : '?';
}
