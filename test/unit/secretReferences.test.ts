import * as assert from 'node:assert/strict';
import type { Manifest } from '../../src/core/manifest';
import { azureVaultUri, keyVaultSecretName, legacySecretReferences, manifestSecretReferences, referenceVaultUri, secretNameProblem } from '../../src/core/secretReferences';

describe('secret references of a manifest', () => {
  const manifest: Manifest = {
    version: 1, name: 'p',
    sources: [
      { name: 'a', url: 'http://a', auth: { header: 'k', secret: { keyVaultSecret: 'api-key' } } },
      { name: 'b', url: 'http://b', auth: { header: 'k', secret: { secretStorage: 'old-key' } } },
      { name: 'c', url: 'http://c', auth: { header: 'k', secret: { keyVaultSecret: 'https://v.vault.azure.net/secrets/api-key/abc' } } },
      { name: 'd', url: 'http://d' },
    ],
    functions: [{ name: 'ingest', path: 'f', source: 'a', hub: 'h', schedule: '0 * * * * *', settings: { TOKEN: '@Microsoft.KeyVault(VaultName=v;SecretName=token)', PLAIN: 'x' } }],
  };

  it('lists every name once with who refers to it', () => {
    assert.deepEqual(manifestSecretReferences(manifest), [
      { name: 'api-key', referencedBy: ['source "a"', 'source "c"'], legacy: false },
      { name: 'old-key', referencedBy: ['source "b"'], legacy: true },
      { name: 'token', referencedBy: ['function "ingest" setting TOKEN'], legacy: false },
    ]);
  });

  it('turns any SecretStorage name into a valid Key Vault secret name', () => {
    assert.equal(keyVaultSecretName('sample-api-key'), 'sample-api-key');
    assert.equal(keyVaultSecretName('my.api_key '), 'my-api-key');
    assert.equal(keyVaultSecretName('...'), 'secret');
    assert.equal(keyVaultSecretName('x'.repeat(200)).length, 127);
    assert.equal(secretNameProblem('ok-name-1'), undefined);
    assert.match(secretNameProblem('bad name')!, /letters, digits and dashes/);
    assert.match(secretNameProblem('')!, /Name the secret/);
  });

  it('finds the Azure Key Vault of a profile (name or URI) with the cloud\'s DNS suffix', () => {
    const m: Manifest = { version: 1, name: 'p', keyVault: { name: 'kv-main' } };
    assert.equal(azureVaultUri(m, undefined), 'https://kv-main.vault.azure.net/');
    assert.equal(azureVaultUri(m, { kind: 'azure', keyVault: 'kv-prod' }), 'https://kv-prod.vault.azure.net/');
    assert.equal(azureVaultUri(m, { kind: 'azure', keyVault: 'https://kv-x.vault.azure.cn' }), 'https://kv-x.vault.azure.cn/');
    assert.equal(azureVaultUri(m, { kind: 'azure', keyVault: 'kv-cn' }, 'https://vault.azure.cn'), 'https://kv-cn.vault.azure.cn/');
    assert.equal(azureVaultUri({ version: 1, name: 'p' }, { kind: 'azure' }), undefined);
  });

  it('writes references naming the declared Azure Key Vault, else the local one', () => {
    assert.equal(referenceVaultUri({ version: 1, name: 'p', keyVault: { name: 'kv' } }), 'https://kv.vault.azure.net/');
    assert.equal(referenceVaultUri({ version: 1, name: 'p', profiles: { local: { kind: 'local' }, prod: { kind: 'azure', keyVault: 'kv-prod' } } }), 'https://kv-prod.vault.azure.net/');
    assert.equal(referenceVaultUri({ version: 1, name: 'p' }), 'https://127.0.0.1:5443/');
    assert.equal(referenceVaultUri({ version: 1, name: 'p' }, undefined, 'https://127.0.0.1:40001/'), 'https://127.0.0.1:40001/');
  });

  it('locates secretStorage references in the text, for a diagnostic and its quick fix', () => {
    const text = '{\n  "sources": [\n    { "name": "a", "auth": { "secret": { "keyVaultSecret": "k" } } },\n    { "name": "b", "auth": { "header": "h", "secret": { "secretStorage": "old-key" } } }\n  ]\n}';
    const [ref, ...rest] = legacySecretReferences(text);
    assert.equal(rest.length, 0);
    assert.equal(ref.sourceIndex, 1);
    assert.equal(ref.sourceName, 'b');
    assert.equal(ref.name, 'old-key');
    assert.equal(text.slice(ref.offset, ref.offset + ref.length), '"secretStorage": "old-key"');
    assert.deepEqual(legacySecretReferences('{ broken'), []);
  });
});
