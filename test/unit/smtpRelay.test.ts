// The local profile's smtpRelay (core/alerts/smtpRelay.ts): how the local pipeline reads it, and the problems the
// manifest reports while it is edited (schema and the same checks), each with the path a person edits.
import * as assert from 'node:assert/strict';
import { describeRelay, localProfileName, localSmtpRelay, normalizeSmtpRelay, SmtpRelayError } from '../../src/core/alerts/smtpRelay';
import { parseManifest, type Manifest } from '../../src/core/manifest';

const relay = { host: 'smtp.contoso.com', user: 'alerts@contoso.com', password: { keyVaultSecret: 'smtp-password' } };
const manifest = (smtpRelay: unknown, profile: Record<string, unknown> = { kind: 'local' }, extra: Record<string, unknown> = {}) => ({ version: 1, name: 'x', profiles: { local: { ...profile, smtpRelay } }, ...extra });
const problemsOf = (m: unknown) => { const r = parseManifest(JSON.stringify(m, null, 2)); return r.ok ? [] : r.problems; };
const relayError = (raw: unknown): string => {
  try { normalizeSmtpRelay(raw, ['profiles', 'local', 'smtpRelay']); } catch (e) { if (e instanceof SmtpRelayError) return e.message; throw e; }
  throw new Error('expected a relay error');
};

describe('SMTP relay setting', () => {
  it('reads the local profile\'s relay with the port of its security mode', () => {
    const r = localSmtpRelay(manifest(relay) as Manifest)!;
    assert.deepEqual({ ...r }, { host: 'smtp.contoso.com', port: 587, security: 'starttls', user: 'alerts@contoso.com', password: { secretName: 'smtp-password', version: undefined }, caFile: undefined, from: undefined, where: 'profiles.local.smtpRelay' });
    assert.equal(localSmtpRelay(manifest({ ...relay, from: 'noreply@contoso.com' }) as Manifest)!.from, 'noreply@contoso.com');
    assert.equal(localSmtpRelay(manifest({ ...relay, security: 'tls' }) as Manifest)!.port, 465);
    assert.equal(localSmtpRelay(manifest({ host: '127.0.0.1', security: 'none' }) as Manifest)!.port, 25);
    assert.equal(localSmtpRelay(manifest({ ...relay, password: { keyVaultSecret: 'https://kv.vault.azure.net/secrets/smtp-password/abc123' } }) as Manifest)!.password!.version, 'abc123');
    assert.equal(describeRelay(r), 'smtp.contoso.com:587 (STARTTLS, user alerts@contoso.com, password from Key Vault secret "smtp-password")');
  });

  it('uses the active local profile, else "local", else the first local one; a manifest without one has no relay', () => {
    assert.equal(localProfileName({ profiles: { dev: { kind: 'local' }, local: {} }, activeProfile: 'dev' }), 'dev');
    assert.equal(localProfileName({ profiles: { cloud: { kind: 'azure' }, local: {} }, activeProfile: 'cloud' }), 'local');
    assert.equal(localProfileName({ profiles: { cloud: {}, box: { kind: 'local' } } }), 'box');
    assert.equal(localProfileName({}), undefined);
    assert.equal(localSmtpRelay({ profiles: { local: { kind: 'local' } } }), undefined);
  });

  it('says what is wrong with each field, where, and what to write', () => {
    assert.match(relayError('smtp.contoso.com'), /^profiles\.local\.smtpRelay must be an object: \{"host"/);
    assert.match(relayError({}), /^profiles\.local\.smtpRelay\.host must be the relay's host name/);
    assert.match(relayError({ ...relay, port: 99999 }), /\.port must be a port number from 1 to 65535; it is 99999/);
    assert.match(relayError({ ...relay, security: 'ssl' }), /\.security must be "starttls" .* "tls" .* or "none"; it is "ssl"/);
    assert.match(relayError({ ...relay, password: 'hunter2' }), /\.password must be a reference to a Key Vault secret, such as \{"keyVaultSecret": "smtp-password"\}, never the password itself/);
    assert.ok(!relayError({ ...relay, password: 'hunter2' }).includes('hunter2'), 'the password written by mistake is not repeated');
    assert.match(relayError({ host: 'h', user: 'u' }), /\.password is missing: user "u" needs a password/);
    assert.match(relayError({ host: 'h', password: { keyVaultSecret: 'p' } }), /\.user is missing/);
    assert.match(relayError({ ...relay, password: { keyVaultSecret: 'not a name' } }), /\.password must be \{"keyVaultSecret": "<secret name>"\}/);
    assert.match(relayError({ ...relay, security: 'none' }), /\.security is "none", which would send the password to smtp\.contoso\.com unencrypted/);
    assert.match(relayError({ ...relay, tls: true }), /has an unknown property "tls"/);
    assert.match(relayError({ ...relay, from: 'alerts' }), /\.from must be the sender's email address/);
  });

  it('is reported in the manifest: by the schema, with the relay check\'s message for a password written as text', () => {
    assert.deepEqual(problemsOf(manifest(relay)), []);
    const [text] = problemsOf(manifest({ ...relay, password: 'hunter2' }));
    assert.equal(text.path, 'profiles.local.smtpRelay.password');
    assert.match(text.message, /never the password itself/);
    assert.equal(text.line, 10);
    const port = problemsOf(manifest({ ...relay, port: 'x' }));
    assert.ok(port.some((p) => /\.port must be a port number/.test(p.message)), JSON.stringify(port));
    const none = problemsOf(manifest({ ...relay, security: 'none' }));
    assert.match(none.map((p) => p.message).join('\n'), /unencrypted/);
  });

  it('is refused on a cloud profile: Activator mails deployed alerts', () => {
    const ps = problemsOf({ version: 1, name: 'x', profiles: { local: {}, prod: { kind: 'azure', smtpRelay: relay } } });
    assert.equal(ps.length, 1);
    assert.equal(ps[0].path, 'profiles.prod.smtpRelay');
    assert.match(ps[0].message, /Profile "prod" is a cloud profile: .* only a local profile takes smtpRelay/);
  });
});
