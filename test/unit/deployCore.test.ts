import * as assert from 'node:assert/strict';
import { DEPLOY_STATUS, ROLES, SETTINGS } from '../../src/core/deploy/constants';
import { ago, interpretDeployment, retryAfterMs } from '../../src/core/deploy/deployment';
import { appNameProblem, defaultFlexNames, describeCreation, resourceGroupNameProblem, setProfileValue, storageAccountNameProblem } from '../../src/core/deploy/names';
import { checkPackage, globToRegExp, matchesGlob } from '../../src/core/deploy/packageCheck';
import { packageReady, planSummary, renderPlan, type DeployPlan } from '../../src/core/deploy/plan';
import { desiredSettings, functionEntries, keyVaultReference, mergeSettings, parseVault, secretUri, settingsWarnings, sourceSetting } from '../../src/core/deploy/settings';
import { describeSite, identityPatch, needsRunFromPackage, needsSyncTriggers, unsupportedReason, uploadRoute } from '../../src/core/deploy/site';
import { eventsCheck, listedCheck, referenceCheck, renderVerification, runNowCheck } from '../../src/core/deploy/verify';
import type { Manifest } from '../../src/core/manifest';

const SUB = '00000000-0000-0000-0000-00000000a001';
const flexSite = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-fn/providers/Microsoft.Web/sites/func-ingest`, name: 'func-ingest', location: 'westeurope', kind: 'functionapp,linux', sku: 'FlexConsumption', state: 'Running',
  defaultHostName: 'func-ingest.azurewebsites.net', hostNameSslStates: [{ name: 'func-ingest.azurewebsites.net', hostType: 'Standard' }, { name: 'func-ingest.scm.azurewebsites.net', hostType: 'Repository' }],
  functionAppConfig: { runtime: { name: 'node', version: '22' } }, identity: { type: 'SystemAssigned', principalId: 'p-1' },
};

describe('deploy: app settings (read, merge, write back)', () => {
  const desired = desiredSettings({
    fn: { name: 'ingest', path: 'ingest-function', schedule: '0 */5 * * * *', partitionKey: 'siteId' },
    source: { name: 'sample-api', url: 'https://api.example.com/readings', auth: { header: 'x-api-key', secret: { keyVaultSecret: 'https://kv-x.vault.azure.net/secrets/sample-api-key' } } },
    hub: 'telemetry', namespaceHost: 'ns-main.servicebus.windows.net',
    apiKeyReference: keyVaultReference('https://kv-x.vault.azure.net/secrets/sample-api-key'), runFromPackage: false,
  });

  it('wants the identity-based hub connection, the hub, the schedule, the source and a Key Vault reference for the key', () => {
    const byName = Object.fromEntries(desired.map((d) => [d.name, d.value]));
    assert.equal(byName[SETTINGS.eventHubNamespace], 'ns-main.servicebus.windows.net');
    assert.equal(byName[SETTINGS.hubName], 'telemetry');
    assert.equal(byName[SETTINGS.schedule], '0 */5 * * * *');
    assert.equal(byName[SETTINGS.partitionKey], 'siteId');
    assert.equal(byName[SETTINGS.apiKey], '@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/sample-api-key)');
    const source = JSON.parse(byName[SETTINGS.source]) as Record<string, unknown>;
    assert.deepEqual(source.auth, { header: 'x-api-key', secretName: 'sample-api-key' }, 'the source carries the secret\'s name, never a value');
    assert.equal(desired.some((d) => d.name === SETTINGS.runFromPackage), false);
  });

  it('keeps every existing setting, adds and changes only its own, and names what it keeps', () => {
    const existing = { AzureWebJobsStorage: `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${Buffer.from('secret').toString('base64')}`, FUNCTIONS_EXTENSION_VERSION: '~4', [SETTINGS.hubName]: 'old-hub', USER_FLAG: 'on' };
    const m = mergeSettings(existing, desired);
    for (const [k, v] of Object.entries(existing)) if (k !== SETTINGS.hubName) assert.equal(m.merged[k], v, `${k} kept`);
    assert.equal(m.merged[SETTINGS.hubName], 'telemetry');
    assert.deepEqual(m.changes.find((c) => c.name === SETTINGS.hubName)?.kind, 'change');
    assert.deepEqual(m.kept, ['AzureWebJobsStorage', 'FUNCTIONS_EXTENSION_VERSION', 'USER_FLAG']);
    assert.equal(m.changes.length, desired.length);
  });

  it('a second merge over the result changes nothing (idempotent)', () => {
    const first = mergeSettings({ A: '1' }, desired);
    const second = mergeSettings(first.merged, desired);
    assert.deepEqual(second.changes, []);
    assert.equal(second.unchanged.length, desired.length);
  });

  it('never overwrites a user\'s WEBSITE_RUN_FROM_PACKAGE (only sets it when absent)', () => {
    const want = desiredSettings({ fn: { name: 'ingest', path: '.' }, source: undefined, hub: 'h', namespaceHost: 'n', apiKeyReference: undefined, runFromPackage: true });
    assert.equal(mergeSettings({}, want).merged[SETTINGS.runFromPackage], '1');
    const user = mergeSettings({ [SETTINGS.runFromPackage]: 'https://blob/x.zip' }, want);
    assert.equal(user.merged[SETTINGS.runFromPackage], 'https://blob/x.zip');
    assert.ok(user.unchanged.includes(SETTINGS.runFromPackage));
  });

  it('warns about a connection string or a raw API key the app already has, without showing them', () => {
    const w = settingsWarnings({ EventHubConnection: 'Endpoint=sb://x/;SharedAccessKey=abc', [SETTINGS.apiKey]: 'raw-key-123' });
    assert.equal(w.length, 2);
    assert.ok(!w.join(' ').includes('abc') && !w.join(' ').includes('raw-key-123'));
  });

  it('parses vaults and secret URIs in each form', () => {
    assert.deepEqual(parseVault('kv-x', 'https://vault.azure.net'), { name: 'kv-x', uri: 'https://kv-x.vault.azure.net/' });
    assert.deepEqual(parseVault('https://kv-y.vault.azure.cn/', 'https://vault.azure.cn'), { name: 'kv-y', uri: 'https://kv-y.vault.azure.cn/' });
    const id = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-z`;
    assert.deepEqual(parseVault(id, 'https://vault.azure.net'), { name: 'kv-z', uri: 'https://kv-z.vault.azure.net/', resourceId: id });
    assert.equal(secretUri('api-key', 'https://kv-x.vault.azure.net/'), 'https://kv-x.vault.azure.net/secrets/api-key');
    assert.equal(secretUri('https://kv-x.vault.azure.net/secrets/api-key/', undefined), 'https://kv-x.vault.azure.net/secrets/api-key');
    assert.equal(secretUri('api-key', undefined), undefined);
  });

  it('reads the manifest\'s functions entries defensively', () => {
    const m = { version: 1, name: 'x', functions: [{ name: 'ingest', path: 'f' }, { name: 3 }, 'junk'] } as unknown as Manifest;
    assert.deepEqual(functionEntries(m), [{ name: 'ingest', path: 'f' }]);
    assert.deepEqual(functionEntries({ version: 1, name: 'x' }), []);
  });

  it('puts only the source\'s shape into INGEST_SOURCE (no schedule, hub or secret reference)', () => {
    const s = JSON.parse(sourceSetting({ name: 's', url: 'https://a', schedule: '* * * * * *', hub: 'h', auth: { header: 'k', secret: { secretStorage: 'name' } } })) as Record<string, unknown>;
    assert.deepEqual(Object.keys(s).sort(), ['auth', 'name', 'url']);
  });
});

describe('deploy: package checks', () => {
  it('reads main globs as the worker does', () => {
    assert.ok(matchesGlob('dist/src/functions/ingest.js', 'dist/src/functions/*.js'));
    assert.ok(!matchesGlob('dist/src/functions/sub/ingest.js', 'dist/src/functions/*.js'));
    assert.ok(matchesGlob('dist/src/functions/sub/ingest.js', 'dist/src/**/*.js'));
    assert.ok(matchesGlob('dist/src/index.js', 'dist/src/{index.js,functions/*.js}'));
    assert.ok(matchesGlob('dist/src/functions/a.js', './dist/src/{index.js,functions/*.js}'));
    assert.ok(matchesGlob('src/index.js', 'src/index.js'));
    assert.ok(!matchesGlob('srcXindex.js', 'src.index.js'));
    assert.equal(globToRegExp('a/**').test('a/b/c.js'), true);
  });

  it('passes a package with host.json, a matching main and @azure/functions bundled', () => {
    const checks = checkPackage({ files: ['host.json', 'package.json', 'dist/src/functions/ingest.js'], main: 'dist/src/functions/*.js', bundledPackages: ['@azure/functions'] });
    assert.deepEqual(checks.map((c) => c.ok), [true, true, true]);
  });

  it('names the three causes of "0 functions found", each with its fix', () => {
    const checks = checkPackage({ files: ['app/host.json', 'package.json', 'dist/functions/ingest.js'], main: 'dist/src/functions/*.js', bundledPackages: ['@azure/event-hubs'] });
    const [host, main, lib] = checks;
    assert.match(host.detail, /host\.json is at app\/host\.json, not at the root/);
    assert.match(main.detail, /matches none of the built files \(dist\/functions\/ingest\.js\)/);
    assert.match(main.fix ?? '', /"dist\/functions\/\*\.js"/);
    assert.match(lib.detail, /@azure\/functions is not in the package/);
    assert.match(lib.fix ?? '', /dependencies/);
    assert.equal(checkPackage({ files: ['host.json', 'x.js'], main: undefined, bundledPackages: [] })[1].ok, false);
    assert.equal(checkPackage({ files: ['host.json', 'x.js', 'node_modules/@azure/functions/package.json'], main: 'x.js', bundledPackages: [] })[2].ok, true);
  });
});

describe('deploy: deployment records', () => {
  it('decides from status/complete/is_temp, with 0–2 still running (status 0 is not "unknown")', () => {
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.pending, complete: false }).state, 'running');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.building }).state, 'running');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.deploying, complete: false }).state, 'running');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.success, complete: true }).state, 'succeeded');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.success, complete: false }).state, 'running');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.failed, complete: true, status_text: 'npm failed' }).text, 'the deployment failed: npm failed');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.success, complete: true, is_temp: true }).state, 'failed');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.conflict }).state, 'conflict');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.cancelled }).state, 'cancelled');
    assert.equal(interpretDeployment({ status: DEPLOY_STATUS.partialSuccess, complete: true }).state, 'partial');
    assert.equal(interpretDeployment({}).state, 'running');
  });

  it('reads Retry-After in seconds, as a date and in ms, capped', () => {
    assert.equal(retryAfterMs({ 'retry-after': '2' }), 2000);
    assert.equal(retryAfterMs({ 'retry-after-ms': '150' }), 150);
    assert.equal(retryAfterMs({ 'retry-after': new Date(10_000 + 3000).toUTCString() }, 10_000), 3000);
    assert.equal(retryAfterMs({ 'retry-after': '9999' }), 60_000);
    assert.equal(retryAfterMs({}), undefined);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
  });

  it('says how long ago', () => {
    assert.equal(ago('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:05:00Z')), '5 min ago');
    assert.equal(ago(undefined), '');
  });
});

describe('deploy: the site', () => {
  it('reads a Flex app: plan, runtime, hosts and identity', () => {
    const app = describeSite(flexSite);
    assert.equal(app.plan, 'flex');
    assert.equal(app.runtime, 'node');
    assert.equal(app.scmHost, 'func-ingest.scm.azurewebsites.net');
    assert.equal(app.resourceGroup, 'rg-fn');
    assert.equal(uploadRoute(app.plan), 'publish');
    assert.equal(needsSyncTriggers(app.plan), false);
    assert.equal(unsupportedReason(app), undefined);
  });

  it('routes the other plans through zipdeploy with sync triggers, and refuses Linux Consumption and non-Node apps', () => {
    const consumption = describeSite({ ...flexSite, kind: 'functionapp', sku: 'Dynamic', functionAppConfig: undefined });
    assert.equal(consumption.plan, 'consumption');
    assert.equal(uploadRoute(consumption.plan), 'zipdeploy');
    assert.equal(needsSyncTriggers(consumption.plan), true);
    assert.equal(needsRunFromPackage(consumption), true);
    const premiumLinux = describeSite({ ...flexSite, kind: 'functionapp,linux', sku: 'ElasticPremium', functionAppConfig: undefined, siteConfig: { linuxFxVersion: 'Node|20' } });
    assert.equal(premiumLinux.plan, 'premium');
    assert.equal(premiumLinux.runtime, 'node');
    assert.equal(needsRunFromPackage(premiumLinux), false);
    assert.match(unsupportedReason(describeSite({ ...flexSite, sku: 'Dynamic', functionAppConfig: undefined })) ?? '', /Linux Consumption/);
    assert.match(unsupportedReason(describeSite({ ...flexSite, functionAppConfig: { runtime: { name: 'python', version: '3.11' } } })) ?? '', /runs python/);
  });

  it('adds the system identity without dropping user-assigned ones', () => {
    const app = describeSite({ ...flexSite, identity: { type: 'UserAssigned', userAssignedIdentities: { '/subscriptions/s/x/uami': {} } } });
    assert.deepEqual(identityPatch(app), { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { '/subscriptions/s/x/uami': {} } });
    assert.deepEqual(identityPatch(describeSite({ ...flexSite, identity: undefined })), { type: 'SystemAssigned' });
  });
});

describe('deploy: the plan document', () => {
  const app = describeSite(flexSite);
  // Made at run time so no key-shaped literal sits in the repository; what matters is that it never reaches the plan.
  const secretValue = `AccountKey=${Buffer.from('secret-should-never-show').toString('base64')}`;
  const settings = mergeSettings({ AzureWebJobsStorage: secretValue, [SETTINGS.apiKey]: 'raw-key-value-123' }, [
    { name: SETTINGS.hubName, value: 'telemetry', why: 'the hub' },
    { name: SETTINGS.apiKey, value: keyVaultReference('https://kv-x.vault.azure.net/secrets/k'), why: 'the key' },
  ]);
  const plan: DeployPlan = {
    app, functionName: 'ingest', project: 'ingest-function',
    package: { files: [{ path: 'host.json', size: 300 }, { path: 'dist/src/functions/ingest.js', size: 1_200_000 }], sizeBytes: 270_000, checks: checkPackage({ files: ['host.json', 'package.json', 'dist/src/functions/ingest.js'], main: 'dist/src/functions/*.js', bundledPackages: ['@azure/functions'] }), bundledPackages: ['@azure/functions'], buildMs: 900, zipMs: 80 },
    identity: 'present',
    roles: [
      { role: ROLES.eventHubsDataSender, scope: '/x/eventhubs/telemetry', scopeLabel: 'hub telemetry in namespace ns-main', state: 'create' },
      { role: ROLES.keyVaultSecretsUser, scope: '/x/vaults/kv-x', scopeLabel: 'Key Vault kv-x', state: 'exists' },
    ],
    settings, referenceSettings: [SETTINGS.apiKey], warnings: [],
    upload: { route: 'publish', url: 'https://func-ingest.scm.azurewebsites.net/api/publish' }, syncTriggers: false,
    hub: { name: 'telemetry', namespaceHost: 'ns-main.servicebus.windows.net' },
  };

  it('lists settings, identity, roles and the package with its size, and never an existing value', () => {
    const text = renderPlan(plan);
    assert.match(text, /# Deploy plan: ingest → func-ingest/);
    assert.match(text, /Upload: \*\*263\.7 KB\*\* zip, one-deploy `POST https:\/\/func-ingest\.scm\.azurewebsites\.net\/api\/publish`/);
    assert.match(text, /\| Azure Event Hubs Data Sender \| hub telemetry in namespace ns-main \| \*\*create\*\*/);
    assert.match(text, /\| Key Vault Secrets User \| Key Vault kv-x \| already assigned: no change \|/);
    assert.match(text, /`INGEST_SOURCE_API_KEY` \| \*\*change\*\* \(old value not shown\)/);
    assert.match(text, /Kept as they are \(1, values not shown\): `AzureWebJobsStorage`/);
    assert.ok(!text.includes(secretValue) && !text.includes('raw-key-value-123'), 'no existing value in the plan');
    assert.equal(packageReady(plan), true);
    assert.match(planSummary(plan), /upload 263\.7 KB, 1 role assignment, 2 app settings added or changed/);
  });

  it('says when the package check failed that nothing will be uploaded', () => {
    const bad = { ...plan, package: { ...plan.package, checks: checkPackage({ files: ['package.json', 'x.js'], main: 'x.js', bundledPackages: [] }) } };
    assert.equal(packageReady(bad), false);
    assert.match(renderPlan(bad), /The package check failed/);
  });
});

describe('deploy: verification', () => {
  it('ticks a resolved reference and names the likely cause of each failure', () => {
    assert.equal(referenceCheck('K', { name: 'K', status: 'Resolved', vaultName: 'kv', secretName: 's' }).state, 'ok');
    assert.match(referenceCheck('K', { status: 'AccessToKeyVaultDenied', vaultName: 'kv' }).fix ?? '', /not propagated yet.*firewall/s);
    assert.match(referenceCheck('K', { status: 'SecretNotFound', secretName: 'api-key' }).detail, /secret api-key is missing or disabled/);
    assert.match(referenceCheck('K', { status: 'FetchTimedOut' }).fix ?? '', /firewall/);
    assert.match(referenceCheck('K', { status: 'VaultNotFound' }).fix ?? '', /Key Vault name/);
    assert.equal(referenceCheck('K', undefined).state, 'failed');
  });

  it('checks the host\'s list, Run now and the events, with fixes', () => {
    assert.equal(listedCheck('ingest', ['ingest']).state, 'ok');
    assert.match(listedCheck('ingest', []).fix ?? '', /"main"/);
    assert.match(listedCheck('ingest', ['other']).fix ?? '', /app\.timer\('ingest'/);
    assert.equal(runNowCheck('ingest', 202).state, 'ok');
    assert.match(runNowCheck('ingest', 404).fix ?? '', /does not know the function yet/);
    assert.equal(eventsCheck('telemetry', 3, 1200).state, 'ok');
    assert.match(eventsCheck('telemetry', 0, 60000).fix ?? '', /Azure Event Hubs Data Sender.*INGEST_EVENTHUB_NAME/s);
    assert.match(eventsCheck('telemetry', 0, 0, 'Unauthorized').fix ?? '', /Data Receiver/);
    const text = renderVerification('func-x', 'ingest', [listedCheck('ingest', ['ingest']), eventsCheck('telemetry', 0, 1000)]);
    assert.match(text, /✓ The host lists ingest/);
    assert.match(text, /✗ New events arrive on hub telemetry/);
    assert.match(text, /\*\*Fix:\*\*/);
  });
});

describe('deploy: names for a new Flex app', () => {
  it('validates names and derives storage, container and plan names within Azure\'s rules', () => {
    assert.equal(appNameProblem('func-ingest-1'), undefined);
    assert.ok(appNameProblem('-bad'));
    assert.ok(appNameProblem('a'));
    assert.equal(resourceGroupNameProblem('rg-x'), undefined);
    assert.ok(resourceGroupNameProblem('rg.'));
    const n = defaultFlexNames('Func-Ingest-With-A-Very-Long-Name-That-Goes-On');
    assert.equal(storageAccountNameProblem(n.storageAccount), undefined);
    assert.ok(n.storageAccount.length <= 24);
    assert.match(n.container, /^app-package-[a-z0-9-]+-[0-9a-f]{7}$/);
    assert.ok(n.container.length <= 63);
    assert.deepEqual(defaultFlexNames('func-a'), defaultFlexNames('func-a'), 'stable for the same name');
    const lines = describeCreation({ subscriptionId: SUB, location: 'westeurope', nodeVersion: '22', createResourceGroup: true, names: defaultFlexNames('func-a') });
    assert.equal(lines.length, 5);
    assert.match(lines[3], /Node\.js 22, system-assigned managed identity/);
  });

  it('stores the app in a profile and keeps the file\'s formatting', () => {
    const text = '{\n  "version": 1,\n  "name": "p",\n  "profiles": {\n    "prod": { "kind": "azure" }\n  }\n}\n';
    const out = setProfileValue(text, 'prod', 'functionApp', '/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/f');
    const parsed = JSON.parse(out) as { profiles: { prod: Record<string, string> } };
    assert.equal(parsed.profiles.prod.functionApp, '/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/f');
    assert.ok(out.startsWith('{\n  "version": 1,\n  "name": "p",'));
  });
});
