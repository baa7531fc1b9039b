import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { ingestAppSettings, isTemplateFile, localSettingsJson, maxRunSeconds, sourceSetting } from '../../src/core/ingestSettings';
import { checkLocalVaultToken, mintLocalVaultToken } from '../../src/core/localVaultToken';
import { starterManifest, type Manifest } from '../../src/core/manifest';

describe('ingest app settings (the scaffold and runner contract)', () => {
  const manifest = (): Manifest => ({ ...starterManifest('p'), functions: [{ name: 'ingest', path: 'ingest-function', source: 'sample-api', hub: 'telemetry', schedule: '*/30 * * * * *', partitionKey: 'siteId' }] });

  it('writes the source without its secret reference, the key as a Key Vault reference, hub, schedule and budget', () => {
    const m = manifest();
    const s = ingestAppSettings(m, m.functions![0], { vaultUri: 'https://127.0.0.1:5443/' });
    assert.equal(s.INGEST_SCHEDULE, '*/30 * * * * *');
    assert.equal(s.INGEST_EVENTHUB_NAME, 'telemetry');
    assert.equal(s.INGEST_PARTITION_KEY_FIELD, 'siteId');
    assert.equal(s.INGEST_MAX_RUN_SECONDS, '27');
    assert.equal(s.INGEST_SOURCE_API_KEY, '@Microsoft.KeyVault(SecretUri=https://127.0.0.1:5443/secrets/sample-api-key)');
    const source = JSON.parse(s.INGEST_SOURCE) as { auth: Record<string, unknown>; name: string };
    assert.equal(source.name, 'sample-api');
    assert.deepEqual(source.auth, { header: 'x-api-key', secretName: 'sample-api-key' });
    assert.ok(!s.INGEST_SOURCE.includes('keyVaultSecret'));
  });

  it('keeps a reference that names its own vault, and reads older secretStorage names', () => {
    const m = manifest();
    m.sources![0].auth!.secret = { keyVaultSecret: 'https://prod-kv.vault.azure.net/secrets/api-key/abc123' };
    assert.equal(ingestAppSettings(m, m.functions![0], { vaultUri: 'https://other.vault.azure.net/' }).INGEST_SOURCE_API_KEY, '@Microsoft.KeyVault(SecretUri=https://prod-kv.vault.azure.net/secrets/api-key/abc123)');
    m.sources![0].auth!.secret = { secretStorage: 'legacy-key' };
    assert.equal(sourceSetting(m.sources![0]).auth?.secretName, 'legacy-key');
  });

  it('bounds a run by the schedule and the function timeout', () => {
    assert.equal(maxRunSeconds('*/30 * * * * *'), 27);
    assert.equal(maxRunSeconds('0 0 * * * *'), 270, 'hourly: 90% of the 5-minute timeout');
    assert.equal(maxRunSeconds('* * * * * *'), 5, 'never below 5 s');
    assert.equal(maxRunSeconds('0 */10 * * * *', 1800), 540);
  });

  it('gives the scaffold a local.settings.json without secrets, and the files to copy', () => {
    const m = manifest();
    const j = localSettingsJson(m, m.functions![0], { vaultUri: 'https://127.0.0.1:5443/' });
    assert.equal(j.Values.FUNCTIONS_WORKER_RUNTIME, 'node');
    assert.match(j.Values.INGEST_SOURCE_API_KEY, /^@Microsoft\.KeyVault\(/);
    assert.ok(!('EventHubConnection' in j.Values));
    assert.deepEqual(['src/functions/ingest.ts', 'node_modules/x/y.js', 'dist/src/a.js', 'package-lock.json', 'distribution.md'].filter(isTemplateFile), ['src/functions/ingest.ts', 'package-lock.json', 'distribution.md']);
  });

  it('refuses a function whose source is not declared', () => {
    const m = manifest();
    assert.throws(() => ingestAppSettings(m, { ...m.functions![0], source: 'nope' }, { vaultUri: 'https://v/' }), /source "nope", which is not declared/);
  });
});

describe('local Key Vault tokens', () => {
  const key = crypto.randomBytes(32);
  it('accepts its own tokens and refuses foreign, tampered, expired and malformed ones', () => {
    const { token, expiresOnTimestamp } = mintLocalVaultToken(key);
    assert.ok(expiresOnTimestamp > Date.now() + 3000_000, 'a realistic expiry (SDKs refresh in a tight loop on 0)');
    assert.equal(checkLocalVaultToken(key, token), undefined);
    assert.match(checkLocalVaultToken(crypto.randomBytes(32), token)!, /not signed with this data folder's key/);
    const [h, p, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ aud: 'https://vault.azure.net', exp: 9e9 })).toString('base64url');
    assert.match(checkLocalVaultToken(key, `${h}.${forged}.${sig}`)!, /not signed/);
    assert.match(checkLocalVaultToken(key, mintLocalVaultToken(key, Date.now() - 7200_000).token)!, /expired/);
    assert.match(checkLocalVaultToken(key, 'not-a-jwt')!, /not a JWT/);
    assert.ok(p.length > 0);
  });
});
