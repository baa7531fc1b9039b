// The local Key Vault through the unchanged SecretClient (@azure/keyvault-secrets), over TLS with the local CA.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { SecretClient } from '@azure/keyvault-secrets';
import { LocalVaultCredential, mintLocalVaultToken } from '../../../src/core/localVaultToken';
import { startLocalPipeline, type LocalPipeline } from '../pipeline';

interface VaultReady { uri: string; caCertificate: string; tokenKeyFile: string }

function client(vault: VaultReady): SecretClient {
  return new SecretClient(vault.uri, new LocalVaultCredential(vault.tokenKeyFile), {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: fs.readFileSync(vault.caCertificate, 'utf8') },
  });
}

/** A raw HTTPS request, for what the SDK will not send (no token, a forged token). */
function raw(vault: VaultReady, pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(pathAndQuery, vault.uri);
    const req = https.request(u, { method: 'GET', headers, ca: fs.readFileSync(vault.caCertificate) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function errorOf(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try { await p; } catch (e) { return e as { statusCode?: number; code?: string; message: string }; }
  throw new Error('expected the call to fail');
}

describe('local Key Vault (SecretClient over TLS)', function () {
  this.timeout(60000);
  let pipeline: LocalPipeline;
  let vault: VaultReady;

  before(async () => {
    pipeline = await startLocalPipeline({ env: { EVENTLINE_VAULT_PENDING_MS: '300' } });
    vault = pipeline.ready.keyVault as VaultReady;
  });
  after(async () => { await pipeline?.stop(); });

  it('announces itself in the ready line with the local CA and a 0600 token key', () => {
    assert.match(vault.uri, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(vault.caCertificate, pipeline.ready.eventHubs.caCertificate, 'one local CA for every TLS listener');
    assert.equal(fs.statSync(vault.tokenKeyFile).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(pipeline.dataDir, 'keyvault', 'secrets.json')).mode & 0o777, 0o600);
  });

  it('set, get (latest and by version), versions, update, list without values', async () => {
    const c = client(vault);
    const v1 = await c.setSecret('db-password', 'first', { contentType: 'text/plain', tags: { env: 'dev' } });
    assert.equal(v1.value, 'first');
    assert.equal(v1.name, 'db-password');
    assert.ok(v1.properties.version);
    const v2 = await c.setSecret('db-password', 'second');
    assert.equal((await c.getSecret('db-password')).value, 'second');
    assert.equal((await c.getSecret('db-password', { version: v1.properties.version })).value, 'first');
    const versions: string[] = [];
    for await (const p of c.listPropertiesOfSecretVersions('db-password')) versions.push(p.version!);
    assert.deepEqual(versions.sort(), [v1.properties.version, v2.properties.version!].sort());
    const updated = await c.updateSecretProperties('db-password', v2.properties.version!, { tags: { owner: 'me' }, contentType: 'pw' });
    assert.deepEqual(updated.tags, { owner: 'me' });
    assert.equal(updated.contentType, 'pw');
    const names: string[] = [];
    for await (const p of c.listPropertiesOfSecrets()) {
      names.push(p.name);
      assert.equal((p as unknown as { value?: string }).value, undefined, 'a list never carries values');
    }
    assert.ok(names.includes('db-password'));
    assert.ok(names.includes('sample-api-key'), 'the sample API stored its key on first start');
  });

  it('pages a long list with nextLink', async () => {
    const c = client(vault);
    for (let i = 0; i < 30; i++) await c.setSecret(`bulk-${String(i).padStart(2, '0')}`, `v${i}`);
    let count = 0;
    for await (const page of c.listPropertiesOfSecrets().byPage({ maxPageSize: 10 })) {
      assert.ok(page.length <= 10);
      count += page.filter((p) => p.name.startsWith('bulk-')).length;
    }
    assert.equal(count, 30);
  });

  it('answers a missing secret with SecretNotFound in the service wording', async () => {
    const e = await errorOf(client(vault).getSecret('never-set'));
    assert.equal(e.statusCode, 404);
    assert.equal(e.code, 'SecretNotFound');
    assert.match(e.message, /A secret with \(name\/id\) never-set was not found in this key vault/);
  });

  it('soft delete: deleted-but-recoverable names say Conflict; recover and purge work', async () => {
    const c = client(vault);
    await c.setSecret('rotating', 'v1');
    const poller = await c.beginDeleteSecret('rotating', { intervalInMs: 100 });
    const deleted = await poller.pollUntilDone();
    assert.equal(deleted.name, 'rotating');
    assert.ok(deleted.properties.recoveryId);
    assert.ok(deleted.properties.scheduledPurgeDate! > deleted.properties.deletedOn!);
    const names: string[] = [];
    for await (const d of c.listDeletedSecrets()) names.push(d.name);
    assert.ok(names.includes('rotating'));
    const conflict = await errorOf(c.setSecret('rotating', 'v2'));
    assert.equal(conflict.statusCode, 409);
    assert.equal(conflict.code, 'Conflict');
    assert.match(conflict.message, /deleted but recoverable/);
    assert.equal((await errorOf(c.getSecret('rotating'))).code, 'SecretNotFound');
    const recovered = await (await c.beginRecoverDeletedSecret('rotating', { intervalInMs: 100 })).pollUntilDone();
    assert.equal(recovered.name, 'rotating');
    assert.equal((await c.getSecret('rotating')).value, 'v1');
    await (await c.beginDeleteSecret('rotating', { intervalInMs: 100 })).pollUntilDone();
    await c.purgeDeletedSecret('rotating');
    assert.equal((await errorOf(c.getDeletedSecret('rotating'))).code, 'SecretNotFound');
    assert.equal((await c.setSecret('rotating', 'fresh')).value, 'fresh', 'a purged name is free again');
  });

  it('refuses a disabled secret and an invalid name', async () => {
    const c = client(vault);
    const s = await c.setSecret('off-switch', 'x');
    await c.updateSecretProperties('off-switch', s.properties.version!, { enabled: false });
    const e = await errorOf(c.getSecret('off-switch'));
    assert.equal(e.statusCode, 403);
    assert.match(e.message, /disabled secret/);
    const bad = await errorOf(c.setSecret('no_underscores', 'x'));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.message, /invalid name: no_underscores/);
  });

  it('checks credentials: no token → 401 with the Key Vault challenge; forged, foreign-key and expired tokens are refused', async () => {
    const none = await raw(vault, '/secrets?api-version=7.5');
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[^"]+", resource="https:\/\/vault\.azure\.net"/);
    assert.match(none.body, /AKV10000: Request is missing a Bearer or PoP token/);
    const foreign = mintLocalVaultToken(crypto.randomBytes(32)).token;
    const other = await raw(vault, '/secrets?api-version=7.5', { authorization: `Bearer ${foreign}` });
    assert.equal(other.status, 401);
    assert.match(other.body, /not signed with this data folder's key/);
    const key = Buffer.from(fs.readFileSync(vault.tokenKeyFile, 'utf8'), 'base64');
    const expired = mintLocalVaultToken(key, Date.now() - 2 * 3600_000).token;
    assert.match((await raw(vault, '/secrets?api-version=7.5', { authorization: `Bearer ${expired}` })).body, /expired/);
    const good = mintLocalVaultToken(key).token;
    assert.equal((await raw(vault, '/secrets?api-version=7.5', { authorization: `Bearer ${good}` })).status, 200);
  });

  it('keeps secrets across a restart and never logs a value', async () => {
    const c = client(vault);
    const marker = `value-${crypto.randomBytes(8).toString('hex')}`;
    await c.setSecret('survivor', marker);
    await pipeline.stop();
    const again = await startLocalPipeline({ dataDir: pipeline.dataDir });
    try {
      const v2 = again.ready.keyVault as VaultReady;
      assert.equal((await client(v2).getSecret('survivor')).value, marker);
      assert.ok(!pipeline.logs().includes(marker) && !again.logs().includes(marker), 'no secret value in the logs');
    } finally {
      pipeline = again;
    }
  });
});
