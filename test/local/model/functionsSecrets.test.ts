// The pipeline model's ingest functions and secrets over a real local pipeline (the real runner with the real
// template, the sample API, the local Key Vault through SecretClient): the calls the tree and the commands make.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { AZURE_PUBLIC_CLOUD } from '../../../src/core/cloud';
import type { Manifest } from '../../../src/core/manifest';
import { resolveProfile } from '../../../src/core/profiles';
import { FunctionBusyError } from '../../../src/model/functions';
import type { ModelHost } from '../../../src/model/host';
import { PipelineModel } from '../../../src/model/pipelineModel';
import { isSecretDeleted } from '../../../src/model/secrets';
import { Control, manifestFor, startOn, vaultClient, workspace, type Workspace } from '../functions/helpers';
import type { LocalPipeline } from '../pipeline';

describe('pipeline model: ingest functions and secrets (real local pipeline)', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let pipeline: LocalPipeline;
  let model: PipelineModel;
  let manifest: Manifest;
  let changes = 0;

  before(async () => {
    ws = await workspace((port) => {
      const m = manifestFor(port);
      m.functions![0].settings = { EXTRA_TOKEN: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/extra-token)' };
      return m;
    });
    manifest = JSON.parse(fs.readFileSync(ws.manifestFile, 'utf8')) as Manifest;
    pipeline = await startOn(ws);
    await new Control(pipeline.ready.control).dataset({ intervalMs: 5000, historySeconds: 300 });
    const host: ModelHost = {
      snapshot: () => ({ manifest, profile: resolveProfile(manifest), manifestPath: ws.manifestFile }),
      cloud: AZURE_PUBLIC_CLOUD,
      credential: () => { throw new Error('the local profile must not ask for a credential'); },
      token: () => Promise.reject(new Error('the local profile must not ask for a token')),
      localReady: () => pipeline.ready,
      ensureLocal: async () => pipeline.ready,
      timeoutMs: () => 20_000,
    };
    model = new PipelineModel(host);
    model.functions.onDidChange(() => changes++);
  });

  after(async () => {
    model?.dispose();
    await pipeline?.stop();
    fs.rmSync(ws.dir, { recursive: true, force: true });
  });

  it('lists each functions entry with its schedule preview and the runner\'s state', async () => {
    const { rows, problem } = await model.functions.list();
    assert.equal(problem, undefined);
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.deepEqual(row.ref, { kind: 'function', name: 'ingest' });
    assert.equal(row.where, 'local');
    assert.equal(row.schedulePreview, 'at 00:00 UTC on January 1');
    assert.ok(row.info, 'the runner has the entry');
    assert.ok(['idle', 'building'].includes(row.info.state), row.info.state);
    assert.equal(row.info.lastRun, undefined);
  });

  it('lists the vault\'s secret names and the references it lacks, never values', async () => {
    const overview = await model.secrets.list();
    assert.equal(overview.where, 'local');
    assert.equal(overview.vault, (pipeline.ready.keyVault as { uri: string }).uri);
    const byName = new Map(overview.rows.map((r) => [r.ref.name, r]));
    assert.equal(byName.get('sample-api-key')?.state, 'set');
    assert.deepEqual(byName.get('sample-api-key')?.referencedBy, ['source "sample-api"']);
    assert.equal(byName.get('extra-token')?.state, 'missing');
    assert.deepEqual(byName.get('extra-token')?.referencedBy, ['function "ingest" setting EXTRA_TOKEN']);
    assert.ok(!JSON.stringify(overview).includes((await vaultClient(pipeline).getSecret('sample-api-key')).value!), 'no value in the overview');
  });

  it('runs a function now, with counts, and the sources show their last fetch', async () => {
    const failed = await model.functions.run({ kind: 'function', name: 'ingest' });
    assert.equal(failed.status, 'failed');
    assert.match(failed.error?.message ?? '', /EXTRA_TOKEN refers to Key Vault secret "extra-token", which is not in the local Key Vault\. Set it with "Eventline: Set Secret"/);
    await model.secrets.set('extra-token', 'token-value');
    const before = changes;
    const result = await model.functions.run({ kind: 'function', name: 'ingest' });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
    assert.equal(result.trigger, 'manual');
    assert.ok(result.recordsFetched > 0);
    assert.equal(result.eventsSent, result.recordsFetched);
    assert.ok(result.pages >= 1);
    assert.ok(changes > before, 'views were told the state changed');
    const [row] = (await model.functions.list()).rows;
    assert.equal(row.info?.lastRun?.runId, result.runId);
    const [source] = await model.functions.sources();
    assert.equal(source.ref.name, 'sample-api');
    assert.equal(source.lastFetch?.status, 'ok');
    assert.equal(source.lastFetch?.records, result.recordsFetched);
    const page = await model.functions.logs('ingest', 0);
    assert.ok(page && page.lines.some((l) => l.runId === result.runId), 'the run wrote log lines');
    const later = await model.functions.logs('ingest', page.lastSeq);
    assert.deepEqual(later?.lines, []);
  });

  it('says a second run waits for the first (runs never overlap)', async () => {
    const control = new Control(pipeline.ready.control);
    await control.fault({ kind: 'slow', delayMs: 3000, count: 1 });
    const first = model.functions.run({ kind: 'function', name: 'ingest' });
    const running = async () => (await model.functions.list()).rows[0].info?.state === 'running';
    for (let i = 0; i < 100 && !(await running()); i++) await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(model.functions.run({ kind: 'function', name: 'ingest' }), (e: unknown) => e instanceof FunctionBusyError && /already running/.test(e.message));
    assert.equal((await first).status, 'succeeded');
  });

  it('refuses to run an entry the manifest does not have, saying how to make one', async () => {
    await assert.rejects(model.functions.run({ kind: 'function', name: 'nope' }), /no functions entry "nope".*Scaffold Ingest Function/);
  });

  it('sets, soft-deletes, refuses to set a deleted name, recovers and purges', async () => {
    const name = 'model-secret';
    await model.secrets.set(name, 'first-value');
    assert.equal(await model.secrets.state(name), 'set');
    await model.secrets.set(name, 'second-value');
    assert.equal((await vaultClient(pipeline).getSecret(name)).value, 'second-value');
    await model.secrets.remove(name);
    assert.equal(await model.secrets.state(name), 'deleted');
    assert.equal((await model.secrets.list()).rows.find((r) => r.ref.name === name)?.state, 'deleted');
    await assert.rejects(model.secrets.set(name, 'third'), (e: unknown) => isSecretDeleted(e) && /deleted but recoverable/.test((e as Error).message) && !(e as Error).message.includes('third'));
    await model.secrets.recover(name);
    assert.equal(await model.secrets.state(name), 'set');
    assert.equal((await vaultClient(pipeline).getSecret(name)).value, 'second-value', 'recover brings the last value back');
    await model.secrets.remove(name);
    await model.secrets.purge(name);
    assert.equal(await model.secrets.state(name), 'missing');
    await model.secrets.set(name, 'fresh');
    assert.equal(await model.secrets.state(name), 'set');
  });

  it('writes references that name the local vault, or the declared Azure vault', async () => {
    const local = (pipeline.ready.keyVault as { uri: string }).uri.replace(/\/?$/, '');
    assert.equal(await model.secrets.referenceText('sample-api-key'), `@Microsoft.KeyVault(SecretUri=${local}/secrets/sample-api-key)`);
    manifest = { ...manifest, keyVault: { name: 'kv-prod' } };
    try {
      assert.equal(await model.secrets.referenceText('sample-api-key'), '@Microsoft.KeyVault(SecretUri=https://kv-prod.vault.azure.net/secrets/sample-api-key)');
    } finally {
      manifest = { ...manifest, keyVault: undefined };
    }
  });

  it('asks a cloud profile without a Key Vault to name one', async () => {
    const saved = manifest;
    manifest = { ...manifest, profiles: { prod: { kind: 'azure' } }, activeProfile: 'prod' };
    try {
      await assert.rejects(model.secrets.list(), /Profile "prod" names no Key Vault: add "keyVault"/);
      await assert.rejects(model.functions.run({ kind: 'function', name: 'ingest' }), /Run Now runs functions in the local pipeline/);
      assert.equal((await model.functions.list()).rows[0].where, 'azure');
    } finally {
      manifest = saved;
    }
  });

  it('looking at the functions, sources and secrets never starts the local pipeline', async () => {
    let starts = 0;
    const idle = new PipelineModel({
      snapshot: () => ({ manifest, profile: resolveProfile(manifest), manifestPath: ws.manifestFile }),
      cloud: AZURE_PUBLIC_CLOUD,
      credential: () => { throw new Error('no credential'); },
      token: () => Promise.reject(new Error('no token')),
      localReady: () => undefined,
      ensureLocal: async () => { starts++; throw new Error('must not start'); },
      timeoutMs: () => 20_000,
    });
    try {
      const { rows } = await idle.functions.list();
      assert.equal(rows[0].info, undefined);
      assert.match(rows[0].unavailable ?? '', /The local pipeline is not running: Run Now or "Eventline: Start Local Pipeline" starts it/);
      assert.equal((await idle.functions.sources())[0].lastFetch, undefined);
      const secrets = await idle.secrets.list();
      assert.equal(secrets.running, false);
      assert.deepEqual(secrets.rows.map((r) => [r.ref.name, r.state]), [['sample-api-key', 'unknown'], ['extra-token', 'unknown']]);
      assert.equal(starts, 0);
      // A command does start it (here: the host refuses, and the error says so).
      await assert.rejects(idle.functions.run({ kind: 'function', name: 'ingest' }), /must not start/);
      assert.equal(starts, 1);
    } finally {
      idle.dispose();
    }
  });
});
