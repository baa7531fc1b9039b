import * as assert from 'node:assert/strict';
import type { Manifest } from '../../src/core/manifest';
import { azureVaultUri, keyVaultSecretName, legacyReferenceMessage, legacySecretReferences, manifestSecretReferences, positionAt, referenceVaultUri, secretMigrations, secretNameProblem } from '../../src/core/secretReferences';
import { parseManifest } from '../../src/core/manifest';
import { rewriteSecretStorageReferences } from '../../src/core/manifestEdits';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';

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

  it('gives each reference its editor range (zero-based lines and characters, \\r\\n files too)', () => {
    const text = '{\n  "sources": [\n    { "name": "b", "auth": { "header": "h", "secret": { "secretStorage": "old-key" } } }\n  ]\n}';
    const [ref] = legacySecretReferences(text);
    const character = text.split('\n')[2].indexOf('"secretStorage"');
    assert.deepEqual(ref.start, { line: 2, character });
    assert.deepEqual(ref.end, { line: 2, character: character + '"secretStorage": "old-key"'.length });
    const crlf = legacySecretReferences(text.replace(/\n/g, '\r\n'))[0];
    assert.deepEqual([crlf.start, crlf.end], [ref.start, ref.end]);
    assert.deepEqual(positionAt('a\r\nb\rc\nd', 7), { line: 3, character: 0 });
    assert.deepEqual(positionAt('ab', 99), { line: 0, character: 2 });
  });

  it('plans one move per SecretStorage name, with a valid Key Vault name and every source that uses it', () => {
    const text = JSON.stringify({ sources: [
      { name: 'a', url: 'http://a', auth: { header: 'k', secret: { secretStorage: 'shared.key' } } },
      { name: 'b', url: 'http://b', auth: { header: 'k', secret: { keyVaultSecret: 'kv' } } },
      { name: 'c', url: 'http://c', auth: { query: 'k', secret: { secretStorage: 'shared.key' } } },
      { name: 'd', url: 'http://d', auth: { header: 'k', secret: { secretStorage: 'other' } } },
    ] }, null, 2);
    assert.deepEqual(secretMigrations(text), [{ from: 'shared.key', to: 'shared-key', sources: ['a', 'c'] }, { from: 'other', to: 'other', sources: ['d'] }]);
    assert.deepEqual(secretMigrations('not json'), []);
    const message = legacyReferenceMessage({ name: 'shared.key', sourceName: 'a' });
    assert.match(message, /Source "a" keeps its API key in VS Code's SecretStorage \("shared\.key"\)/);
    assert.match(message, /local Key Vault as "shared-key"/);
  });

  it('rewrites every source naming one SecretStorage name, and nothing else (formatting kept)', () => {
    const text = '{\n  "sources": [\n    { "name": "a", "auth": { "header": "k", "secret": { "secretStorage": "s1" } } },\n    { "name": "b", "auth": { "header": "k", "secret": { "secretStorage": "s2" } } },\n    { "name": "c", "auth": { "header": "k", "secret": { "secretStorage": "s1" } } }\n  ],\n  "version": 1 // mine\n}';
    const out = rewriteSecretStorageReferences(text, 's1', 's1');
    const refs = legacySecretReferences(out);
    assert.deepEqual(refs.map((r) => [r.sourceName, r.name]), [['b', 's2']]);
    assert.ok(out.includes('"version": 1 // mine'), 'comments and the rest stay');
    assert.ok(out.includes('{ "name": "b", "auth": { "header": "k", "secret": { "secretStorage": "s2" } } }'), 'the other line keeps its bytes');
    assert.match(out, /"name": "a", "auth": \{ "header": "k", "secret": \{\s*"keyVaultSecret": "s1"\s*\}/);
    assert.equal(rewriteSecretStorageReferences(text, 'absent', 'x'), text);
  });

  it('the fixtures: sample-pipeline uses the Key Vault form; legacy-secret keeps a SecretStorage reference and still loads', () => {
    const read = (dir: string) => fs.readFileSync(nodePath.join(__dirname, '..', 'fixtures', dir, 'eventline.json'), 'utf8');
    const sample = read('sample-pipeline');
    assert.equal(parseManifest(sample).ok, true, JSON.stringify(parseManifest(sample)));
    assert.deepEqual(legacySecretReferences(sample), []);
    const legacy = read('legacy-secret');
    assert.equal(parseManifest(legacy).ok, true, JSON.stringify(parseManifest(legacy)));
    assert.deepEqual(legacySecretReferences(legacy).map((r) => r.name), ['legacy-sensor-key']);
  });
});
