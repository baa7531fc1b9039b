import * as assert from 'node:assert/strict';
import { formatKeyVaultReference, isKeyVaultReference, parseKeyVaultReference, secretOfRef, secretUri } from '../../src/core/keyVaultReference';

describe('Key Vault references', () => {
  it('reads the SecretUri form, versionless and with a version', () => {
    assert.deepEqual(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/mysecret/)'),
      { ok: true, reference: { secretName: 'mysecret', version: undefined, vaultUri: 'https://myvault.vault.azure.net/' } });
    assert.deepEqual(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://127.0.0.1:5443/secrets/api-key/ec96f02080254f109c51a1f14cdb1931)'),
      { ok: true, reference: { secretName: 'api-key', version: 'ec96f02080254f109c51a1f14cdb1931', vaultUri: 'https://127.0.0.1:5443/' } });
  });

  it('reads the VaultName form', () => {
    assert.deepEqual(parseKeyVaultReference('@Microsoft.KeyVault(VaultName=myvault;SecretName=mysecret;SecretVersion=abc123)'),
      { ok: true, reference: { secretName: 'mysecret', version: 'abc123', vaultName: 'myvault' } });
  });

  const bad: [string, RegExp][] = [
    ['plain text', /is not a Key Vault reference/],
    ['@Microsoft.KeyVault(SecretUri=not a url)', /is not a URL/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/keys/k)', /must look like/],
    ['@Microsoft.KeyVault(SecretName=x)', /no VaultName/],
    ['@Microsoft.KeyVault(VaultName=v;SecretName=bad_name)', /not a valid secret name/],
    ['@Microsoft.KeyVault(Vault)', /not Key=Value/],
    ['@Microsoft.KeyVault()', /names no secret/],
  ];
  for (const [text, message] of bad) {
    it(`explains what is wrong with ${text}`, () => {
      const r = parseKeyVaultReference(text);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.match(r.message, message);
        assert.match(r.message, /https:\/\/<vault>|secret name|secret version/);
      }
    });
  }

  it('tells references from other values', () => {
    assert.ok(isKeyVaultReference('  @Microsoft.KeyVault(SecretUri=x)'));
    assert.ok(!isKeyVaultReference('UseDevelopmentStorage=true'));
  });

  it('formats the reference Copy Reference and the scaffold write', () => {
    assert.equal(formatKeyVaultReference('https://v.vault.azure.net/', 'api-key'), '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/api-key)');
    assert.equal(secretUri('https://127.0.0.1:5443', 'k', 'v1'), 'https://127.0.0.1:5443/secrets/k/v1');
    const round = parseKeyVaultReference(formatKeyVaultReference('https://v.vault.azure.net/', 'api-key', 'abc'));
    assert.ok(round.ok && round.reference.secretName === 'api-key' && round.reference.version === 'abc');
  });

  it('maps every manifest reference to a secret name', () => {
    assert.deepEqual(secretOfRef({ keyVaultSecret: 'sample-api-key' }), { secretName: 'sample-api-key' });
    assert.deepEqual(secretOfRef({ keyVaultSecret: 'https://v.vault.azure.net/secrets/k/abc' }), { secretName: 'k', version: 'abc', vaultUri: 'https://v.vault.azure.net/' });
    assert.deepEqual(secretOfRef({ secretStorage: 'sample-api-key' }), { secretName: 'sample-api-key', legacySecretStorage: true });
  });
});
