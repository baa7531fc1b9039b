// The ingest function from VS Code (#19), against the real local pipeline the extension starts (its runner, sample
// API, local Key Vault and hub): scaffold into the workspace, set the API key, Run Now, and the tree rows update.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { EventHubConsumerClient, type ReceivedEventData } from '@azure/event-hubs';
import { SecretClient } from '@azure/keyvault-secrets';
import * as vscode from 'vscode';
import type { EventlineApi } from '../../src/extension';
import { LocalVaultCredential } from '../../src/core/localVaultToken';
import type { ScaffoldResult, SetSecretResult } from '../../src/functions';
import type { FunctionRunResult } from '../../src/protocol/controlApi';
import type { LocalReady } from '../../src/protocol/localReady';
import { startLocalProfile } from './support/localHelpers';
import { answered, api, description, label, labels, manifestUri, path, removeManifest, until, writeManifest } from './support/treeHelpers';

const RUN = Date.now().toString(36);
// Names unique to this run: the extension's pipeline keeps its data folder (vault, hubs, watermarks) between runs.
const SECRET = `sensor-key-${RUN}`;
const HUB = `readings-${RUN}`;
const FOLDER = `scaffolded-${RUN}`;

function manifest(apiUrl: string) {
  return {
    name: 'ingest-it',
    sources: [{
      name: 'sensors', url: apiUrl, query: { pageSize: '200' }, paging: { style: 'nextLink', nextLinkPath: 'next' },
      watermark: { param: 'since', field: 'timestamp' }, recordsPath: 'items', idField: 'id', timeField: 'timestamp',
      auth: { header: 'x-api-key', secret: { keyVaultSecret: SECRET } },
    }],
    eventHubs: [{ name: HUB, partitions: 2 }],
  };
}

function readManifest(): { functions?: { name: string; path: string; source: string; hub: string; schedule: string; partitionKey?: string }[] } {
  return JSON.parse(fs.readFileSync(manifestUri().fsPath, 'utf8')) as ReturnType<typeof readManifest>;
}

async function readHub(ready: LocalReady, hub: string, count: number): Promise<ReceivedEventData[]> {
  const consumer = new EventHubConsumerClient('$Default', ready.eventHubs.connectionString, hub);
  const got: ReceivedEventData[] = [];
  try {
    const sub = consumer.subscribe({ processEvents: async (events) => { got.push(...events); }, processError: async () => undefined }, { startPosition: { enqueuedOn: new Date(0) }, maxBatchSize: 500, maxWaitTimeInSeconds: 1 });
    try {
      await until(() => (got.length >= count ? true : undefined), `${count} events on ${hub} (got ${got.length})`, 30_000);
    } finally {
      await sub.close();
    }
  } finally {
    await consumer.close();
  }
  return got;
}

describe('Ingest function from VS Code: scaffold, set the secret, run now (the real local pipeline)', function () {
  this.timeout(180_000);
  let a: EventlineApi;
  let ready: LocalReady;
  let root: string;
  let schemaWritten: string[] = [];

  before(async () => {
    a = await api();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // A pipeline an earlier suite left running has another manifest's hubs: start ours. With auto-start off, the
    // tree (Event Hubs group) cannot start one of its own, without --config, while ours is starting.
    await vscode.workspace.getConfiguration('eventline.local').update('autoStart', false, vscode.ConfigurationTarget.Global);
    await a.local.stop();
    ready = await startLocalProfile(a, { name: 'ingest-it', eventHubs: [{ name: HUB, partitions: 2 }] });
    assert.ok(ready.sampleApi && ready.keyVault, 'the local pipeline has its sample API and Key Vault');
    // A small backlog (a reading per site every 5 s for 5 min) keeps the run short.
    const res = await fetch(`${ready.control}/api/sample-api/dataset`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ intervalMs: 5000, historySeconds: 300 }) });
    assert.equal(res.status, 200, await res.text());
    // eventline.json open in an editor while the test rewrites it on disk: the scaffold's edit must not trip over
    // (or undo) a change VS Code has not re-read yet.
    await vscode.window.showTextDocument(manifestUri());
    await writeManifest(a, { version: 1, profiles: { local: { kind: 'local' } }, activeProfile: 'local', ...manifest(ready.sampleApi.url) });
  });

  after(async () => {
    await vscode.workspace.getConfiguration('eventline.local').update('autoStart', undefined, vscode.ConfigurationTarget.Global);
    await a?.local.stop();
    await removeManifest();
    if (root) fs.rmSync(nodePath.join(root, FOLDER), { recursive: true, force: true });
    if (root && schemaWritten.length) fs.rmSync(nodePath.join(root, 'kql'), { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('before the scaffold: the source is listed, the group offers the scaffold, the secret shows as missing', async () => {
    a.pipelineTree.refresh();
    assert.deepEqual(await labels(a, await path(a, 'Sources')), ['sensors']);
    assert.match(description(a, await path(a, 'Sources', 'sensors')), /^GET http:\/\/127\.0\.0\.1:\d+\/readings$/);
    assert.deepEqual(await labels(a, await path(a, 'Ingest function')), ['Not scaffolded yet']);
    const secret = await path(a, 'Secrets', SECRET);
    assert.equal(a.pipelineTree.getTreeItem(secret).contextValue, 'secret.missing');
    assert.match(description(a, secret), /^missing: Set Secret · used by source "sensors"/);
  });

  it('an invalid NCRONTAB stops the scaffold at the schedule step: nothing written', async () => {
    const result = await answered(a, ['sensors', HUB, '*/30 * * * *'], () => vscode.commands.executeCommand<ScaffoldResult | undefined>('eventline.scaffoldFunction'));
    assert.equal(result, undefined, 'the five-field schedule does not validate');
    assert.equal(readManifest().functions, undefined);
    assert.ok(!fs.existsSync(nodePath.join(root, FOLDER)));
  });

  it('scaffolds the template into the workspace and adds the functions entry (no secret in any file)', async () => {
    const kqlBefore = fs.existsSync(nodePath.join(root, 'kql'));
    const rawBefore = kqlBefore && fs.existsSync(nodePath.join(root, 'kql', 'tables', 'RawReadings.kql')) ? fs.readFileSync(nodePath.join(root, 'kql', 'tables', 'RawReadings.kql'), 'utf8') : undefined;
    const result = await answered(a, ['sensors', HUB, '0 0 0 1 1 *', 'siteId', `${FOLDER}/`], () => vscode.commands.executeCommand<ScaffoldResult>('eventline.scaffoldFunction'));
    assert.ok(result, 'the scaffold finished');
    schemaWritten = result.schema;
    const dir = nodePath.join(root, FOLDER);
    for (const f of ['host.json', 'package.json', 'tsconfig.json', 'src/functions/ingest.ts', 'local.settings.json', '.eventline-scaffold.json']) {
      assert.ok(fs.existsSync(nodePath.join(dir, f)), `${f} was written`);
    }
    assert.ok(!fs.existsSync(nodePath.join(dir, 'node_modules')), 'no node_modules copied');
    assert.ok(result.created.includes('src/functions/ingest.ts'));
    // A starting schema for the events, only where the workspace had none (an earlier suite may have left one).
    if (kqlBefore) {
      assert.deepEqual(result.schema, [], 'an existing kql/ is left alone');
      if (rawBefore !== undefined) assert.equal(fs.readFileSync(nodePath.join(root, 'kql', 'tables', 'RawReadings.kql'), 'utf8'), rawBefore);
    } else {
      assert.deepEqual(result.schema, ['kql/functions/ReadingsFromRaw.kql', 'kql/tables/RawReadings.kql', 'kql/tables/Readings.kql']);
      assert.match(fs.readFileSync(nodePath.join(root, 'kql', 'tables', 'RawReadings.kql'), 'utf8'), /ingestion json mapping "RawReadingsMapping"/);
    }
    const settings = JSON.parse(fs.readFileSync(nodePath.join(dir, 'local.settings.json'), 'utf8')) as { Values: Record<string, string> };
    assert.equal(settings.Values.INGEST_EVENTHUB_NAME, HUB);
    assert.equal(settings.Values.INGEST_SCHEDULE, '0 0 0 1 1 *');
    assert.equal(settings.Values.INGEST_PARTITION_KEY_FIELD, 'siteId');
    assert.match(settings.Values.INGEST_SOURCE_API_KEY, new RegExp(`^@Microsoft\\.KeyVault\\(SecretUri=https://127\\.0\\.0\\.1:\\d+/secrets/${SECRET}\\)$`));
    assert.deepEqual(readManifest().functions, [{ name: 'ingest', path: FOLDER, source: 'sensors', hub: HUB, schedule: '0 0 0 1 1 *', partitionKey: 'siteId' }]);

    let seen = '';
    const row = await until(async () => {
      a.pipelineTree.refresh();
      const r = await path(a, 'Ingest function', 'ingest');
      seen = `${description(a, r)} / ${(await labels(a, r)).join(', ')} / ${JSON.stringify((await a.model.functions.list()).rows[0] ?? null)} / runner: ${await (await fetch(`${ready.control}/api/functions`)).text()} / current: ${a.local.current?.control} ours: ${ready.control}`;
      return /^idle · /.test(description(a, r)) ? r : undefined;
    }, 'the runner to load the scaffolded project', 90_000).catch((e: Error) => { throw new Error(`${e.message}; last seen: ${seen}`); });
    assert.equal(a.pipelineTree.getTreeItem(row).contextValue, 'ingestFunction');
    assert.deepEqual(await labels(a, row), ['Schedule', 'Last run', 'Next run']);
    assert.equal(description(a, await path(a, 'Ingest function', 'ingest', 'Schedule')), 'at 00:00 UTC on January 1 (0 0 0 1 1 *)');
    // No "not run yet" check: the runner keeps a function's last run by name across restarts of the pipeline, and
    // an earlier suite's "ingest" may have run in this data folder.
  });

  it('Run Now without the secret fails, names the secret and says how to set it', async () => {
    const result = await vscode.commands.executeCommand<FunctionRunResult>('eventline.runFunctionNow', await path(a, 'Ingest function', 'ingest'));
    assert.equal(result?.status, 'failed');
    assert.match(result.error?.message ?? '', new RegExp(`Key Vault secret "${SECRET}".*Eventline: Set Secret`));
    assert.ok(a.ingestFunction.lines.some((l) => l.includes('Run Now: "ingest" failed')), a.ingestFunction.lines.join('\n'));
  });

  it('sets the secret from its row through a password box; the row says set, and no value shows anywhere', async () => {
    const kv = ready.keyVault!;
    const vault = new SecretClient(kv.uri, new LocalVaultCredential(kv.tokenKeyFile), { disableChallengeResourceVerification: true, tlsOptions: { ca: fs.readFileSync(kv.caCertificate, 'utf8') } });
    const key = (await vault.getSecret(ready.sampleApi!.secretName)).value!;
    const row = await path(a, 'Secrets', SECRET);
    const result = await answered(a, [key], () => vscode.commands.executeCommand<SetSecretResult>('eventline.setSecret', row));
    assert.equal(result?.name, SECRET);
    assert.ok(!JSON.stringify(result).includes(key), 'the result carries no value');
    assert.equal((await vault.getSecret(SECRET)).value, key, 'the local Key Vault has it');
    const after = await until(async () => {
      const r = await path(a, 'Secrets', SECRET);
      return /^set \d{4}-\d\d-\d\d · used by source "sensors"/.test(description(a, r)) ? r : undefined;
    }, 'the Secrets row to say set');
    assert.equal(a.pipelineTree.getTreeItem(after).contextValue, 'secret');
    const reference = await vscode.commands.executeCommand<string>('eventline.copySecretReference', after);
    assert.match(reference ?? '', new RegExp(`^@Microsoft\\.KeyVault\\(SecretUri=https://127\\.0\\.0\\.1:\\d+/secrets/${SECRET}\\)$`));
  });

  it('Run Now sends every fetched record to the hub; the function and source rows show the run', async () => {
    const result = await vscode.commands.executeCommand<FunctionRunResult>('eventline.runFunctionNow', await path(a, 'Ingest function', 'ingest'));
    assert.equal(result?.status, 'succeeded', JSON.stringify(result?.error));
    assert.ok(result.recordsFetched > 0, 'records were fetched');
    assert.equal(result.eventsSent, result.recordsFetched);
    const events = await readHub(ready, HUB, result.eventsSent);
    assert.equal(events.length, result.eventsSent, 'each record arrived once');
    assert.equal(events[0].properties?.source, 'sensors');

    const fn = await until(async () => {
      const r = await path(a, 'Ingest function', 'ingest');
      return /^idle · last run succeeded, [\d,]+ events sent$/.test(description(a, r)) ? r : undefined;
    }, 'the function row to show the run');
    assert.ok(fn);
    assert.match(description(a, await path(a, 'Ingest function', 'ingest', 'Last run')), new RegExp(`^succeeded · .* · ${result.recordsFetched.toLocaleString('en-US')} records fetched · ${result.eventsSent.toLocaleString('en-US')} events sent`));
    assert.match(description(a, await path(a, 'Sources', 'sensors')), new RegExp(`^last fetch \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ · ${result.recordsFetched.toLocaleString('en-US')} records · ok$`));
    assert.ok(a.ingestFunction.lines.some((l) => l.includes('Run Now: "ingest" succeeded')), a.ingestFunction.lines.join('\n'));
  });

  it('scaffolding again updates untouched files and never overwrites an edited one without asking', async () => {
    const ingest = nodePath.join(root, FOLDER, 'src/functions/ingest.ts');
    const edited = `${fs.readFileSync(ingest, 'utf8')}\n// my own change\n`;
    fs.writeFileSync(ingest, edited);
    const kept = await answered(a, ['sensors', HUB, '0 0 0 1 1 *', 'siteId', FOLDER, 'Keep Mine'], () => vscode.commands.executeCommand<ScaffoldResult>('eventline.scaffoldFunction'));
    assert.deepEqual(kept?.kept, ['src/functions/ingest.ts']);
    assert.deepEqual(kept.created, []);
    assert.equal(fs.readFileSync(ingest, 'utf8'), edited, 'the edit is still there');
    assert.equal(kept.manifestChanged, false, 'the same answers leave eventline.json as it was');

    // Asked again next time (the record still says the file is the user's), and Replace puts the template back.
    const replaced = await answered(a, ['sensors', HUB, '0 */5 * * * *', '', FOLDER, 'Replace'], () => vscode.commands.executeCommand<ScaffoldResult>('eventline.scaffoldFunction'));
    assert.deepEqual(replaced?.replaced, ['src/functions/ingest.ts']);
    assert.ok(replaced.updated.includes('local.settings.json'), 'the untouched settings file was updated');
    assert.ok(!fs.readFileSync(ingest, 'utf8').includes('my own change'));
    assert.deepEqual(readManifest().functions, [{ name: 'ingest', path: FOLDER, source: 'sensors', hub: HUB, schedule: '0 */5 * * * *' }]);
    const settings = JSON.parse(fs.readFileSync(nodePath.join(root, FOLDER, 'local.settings.json'), 'utf8')) as { Values: Record<string, string> };
    assert.equal(settings.Values.INGEST_SCHEDULE, '0 */5 * * * *');
    assert.equal(settings.Values.INGEST_PARTITION_KEY_FIELD, undefined);
    a.pipelineTree.refresh();
    assert.equal(label(a, await path(a, 'Ingest function', 'ingest')), 'ingest');
  });

  it('deletes a secret (recoverable); Set Secret on it then offers Recover and stores the new value', async () => {
    const kv = ready.keyVault!;
    const vault = new SecretClient(kv.uri, new LocalVaultCredential(kv.tokenKeyFile), { disableChallengeResourceVerification: true, tlsOptions: { ca: fs.readFileSync(kv.caCertificate, 'utf8') } });
    const deleted = await answered(a, ['Delete'], async () => vscode.commands.executeCommand<string>('eventline.deleteSecret', await path(a, 'Secrets', SECRET)));
    assert.equal(deleted, SECRET);
    const row = await until(async () => {
      const r = await path(a, 'Secrets', SECRET);
      return a.pipelineTree.getTreeItem(r).contextValue === 'secret.deleted' ? r : undefined;
    }, 'the Secrets row to say deleted');
    assert.match(description(a, row), /^deleted, recoverable until \d{4}-\d\d-\d\d: Recover or Purge · used by source "sensors"/);
    const result = await answered(a, ['second-value', 'Recover'], () => vscode.commands.executeCommand<SetSecretResult>('eventline.setSecret', row));
    assert.equal(result?.name, SECRET);
    assert.equal((await vault.getSecret(SECRET)).value, 'second-value');
    await until(async () => (a.pipelineTree.getTreeItem(await path(a, 'Secrets', SECRET)).contextValue === 'secret' ? true : undefined), 'the row to say set again');
  });
});
