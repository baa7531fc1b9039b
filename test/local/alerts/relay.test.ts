// The alert runner sending through a REAL second SMTP server as the relay (profiles.local.smtpRelay): smtp-server
// started here, AUTH required and only after STARTTLS, with a certificate made as src/local/tls.ts makes them; the
// password comes from the pipeline's local Key Vault (set through SecretClient). Plus the bad cases, each with the
// message the runner keeps in its outbox status: a missing secret, a wrong password, the relay down (the firing
// waits, is retried with backoff and counted), a TLS mismatch either way, an untrusted certificate, a setting that
// is wrong in the file. The password is in no log, state file or control API answer.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SecretClient } from '@azure/keyvault-secrets';
import { LocalVaultCredential } from '../../../src/core/localVaultToken';
import { ensureTls } from '../../../src/local/tls';
import { ALERT_PATHS, type AlertEvaluation, type AlertList, type MailMessage, type SmtpStatus } from '../../../src/protocol/controlApi';
import { envFor, waitFor, writeConfig, type Env } from '../connector/helpers';
import { startLocalPipeline, tempDataDir } from '../pipeline';
import { PASSWORD, Relay, USER } from './smtpRelay';

const SECRET = 'smtp-relay-password';
const WRONG = 'not-the-Pa55word-21ab';

describe('alerts through a real SMTP relay (profiles.local.smtpRelay)', function () {
  this.timeout(120_000);
  let env: Env;
  let dir: string;
  let relay: Relay;
  let plain: Relay;
  let vault: SecretClient;
  let relaySettings: Record<string, unknown>;
  const rule = {
    name: 'relayed', source: { query: "print Site = 'A', Value = 42.5", every: '1h' }, object: 'Site', property: 'Value', condition: { kind: 'everyValue' },
    action: { email: { to: ['ops@contoso.com'], cc: ['lead@contoso.com'], subject: '{Site} at {Value}', headline: '{object} reads {value}', fields: ['Site'] } },
  };
  const configWith = (smtpRelay: Record<string, unknown>) => ({ alerts: [rule], profiles: { local: { kind: 'local', smtpRelay } }, activeProfile: 'local' });
  const apply = async (smtpRelay: Record<string, unknown>) => {
    writeConfig(dir, configWith(smtpRelay));
    assert.equal((await env.control('POST', ALERT_PATHS.alertsReload)).status, 200);
  };
  const outbox = async () => ((await env.control('GET', ALERT_PATHS.alerts)).body as AlertList).outbox;
  const evaluate = async (): Promise<AlertEvaluation> => {
    const r = await env.control('POST', ALERT_PATHS.alertEvaluate('relayed'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as AlertEvaluation;
  };
  const localMail = async () => ((await env.control('GET', ALERT_PATHS.mail)).body as { messages: MailMessage[] }).messages;
  /** Puts the good setting back and waits until everything still waiting has reached the relay. */
  const deliverAll = async (count: number) => {
    await apply(relaySettings);
    await evaluate();
    await waitFor(`${count} emails at the relay`, () => Promise.resolve(relay.received.length >= count ? true : undefined), 60_000, async () => JSON.stringify(await outbox()));
    await waitFor('an empty outbox', async () => ((await outbox()).pending === 0 ? true : undefined));
  };

  before(async () => {
    dir = tempDataDir('eventline-relay-');
    const tls = await ensureTls(path.join(dir, 'relay-tls'));
    fs.copyFileSync(tls.caCertificate, path.join(dir, 'relay-ca.pem'));
    relay = new Relay(tls);
    await relay.start();
    // One without STARTTLS, for a relay set to "starttls" that cannot upgrade.
    plain = new Relay(tls, { disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    await plain.start();
    relaySettings = { host: '127.0.0.1', port: relay.port, security: 'starttls', user: USER, password: { keyVaultSecret: SECRET }, caFile: 'relay-ca.pem' };
    const file = writeConfig(dir, configWith(relaySettings));
    env = envFor(await startLocalPipeline({ dataDir: path.join(dir, 'data'), args: ['--config', file] }));
    const kv = env.pipeline.ready.keyVault as { uri: string; caCertificate: string; tokenKeyFile: string };
    vault = new SecretClient(kv.uri, new LocalVaultCredential(kv.tokenKeyFile), { disableChallengeResourceVerification: true, tlsOptions: { ca: fs.readFileSync(kv.caCertificate, 'utf8') } });
  });
  after(async () => {
    await env?.close();
    await relay?.stop();
    await plain?.stop();
  });

  it('says where email goes, and keeps the local SMTP server running for the mailbox', async () => {
    assert.match(env.pipeline.logs(), new RegExp(`alerts: email goes to the SMTP relay 127\\.0\\.0\\.1:${relay.port} \\(STARTTLS, user alerts@contoso\\.com, password from Key Vault secret "smtp-relay-password"\\); the local SMTP server keeps taking mail`));
    assert.equal((await outbox()).relay, `127.0.0.1:${relay.port}`);
    assert.equal(((await env.control('GET', ALERT_PATHS.smtp)).body as SmtpStatus).accepting, true);
  });

  it('a missing secret: the firing waits in the outbox, and the message names the secret and how to set it', async () => {
    const r = await evaluate();
    assert.equal(r.firings, 1);
    assert.equal(r.outbox.pending, 1);
    assert.match(r.outbox.lastError ?? '', /^The SMTP relay 127\.0\.0\.1:\d+: its password \(profiles\.local\.smtpRelay\.password\) refers to Key Vault secret "smtp-relay-password", which is not in the local Key Vault\. Set it with "Eventline: Set Secret"/);
    assert.equal(relay.received.length, 0);
  });

  it('a wrong password: the message names the relay, the user and the secret to fix; nothing is lost', async () => {
    await vault.setSecret(SECRET, WRONG);
    const r = await evaluate();
    assert.equal(r.outbox.pending, 2);
    assert.match(r.outbox.lastError ?? '', /^The SMTP relay 127\.0\.0\.1:\d+ refused user "alerts@contoso\.com" with the password from Key Vault secret "smtp-relay-password" \(it answered "535 5\.7\.8 Authentication credentials invalid"\)\. Fix the secret "smtp-relay-password" in the local Key Vault \("Eventline: Set Secret"\)/);
    assert.ok(relay.logins.some((l) => l.user === USER && !l.ok), 'the relay was asked, with the wrong password');
    assert.equal(relay.received.length, 0);
  });

  it('the right password: every waiting email arrives at the relay over STARTTLS, logged in, with its headers', async () => {
    await vault.setSecret(SECRET, PASSWORD);
    const r = await evaluate();
    assert.equal(r.firings, 1);
    await waitFor('3 emails at the relay', () => Promise.resolve(relay.received.length >= 3 ? true : undefined), 30_000, async () => JSON.stringify(await outbox()));
    assert.equal(relay.received.length, 3);
    for (const m of relay.received) {
      assert.equal(m.secure, true, 'upgraded with STARTTLS before anything was sent');
      assert.equal(m.user, USER, 'logged in with the password from the local Key Vault');
      assert.equal(m.envelope.from, USER, 'sent from the relay user (relays insist)');
      assert.deepEqual(m.envelope.to.sort(), ['lead@contoso.com', 'ops@contoso.com']);
      assert.equal(m.mail.subject, 'A at 42.5');
      assert.equal(m.mail.headers.get('x-eventline-rule'), 'relayed');
      assert.equal(m.mail.headers.get('x-eventline-object'), 'A');
      assert.match(m.mail.headers.get('x-eventline-firing') as string, /^[0-9a-f-]{36}$/);
      assert.match(m.mail.messageId ?? '', /@eventline\.local>$/);
      assert.match(m.mail.text ?? '', /^A reads 42\.5\n/);
    }
    assert.equal(new Set(relay.received.map((m) => m.mail.messageId)).size, 3, 'three firings, each sent once');
    assert.equal((await outbox()).pending, 0);
    assert.equal((await localMail()).filter((m) => m.headers['x-eventline-rule'] === 'relayed').length, 0, 'not in the local mailbox');
  });

  it('the relay unreachable: the firing waits, is retried with backoff and counted, and is delivered once the relay is back', async () => {
    await relay.stop();
    const before = (await outbox()).failedAttempts;
    const r = await evaluate();
    assert.equal(r.outbox.pending, 1);
    assert.match(r.outbox.lastError ?? '', /^The SMTP relay 127\.0\.0\.1:\d+ cannot be reached \(.*ECONNREFUSED.*\)\. The email waits in the outbox and is retried\./);
    assert.ok(r.outbox.nextAttempt, 'a next attempt is planned');
    await waitFor('two more attempts (backoff)', async () => ((await outbox()).failedAttempts >= before + 3 ? true : undefined), 30_000);
    await relay.start(relay.port);
    await waitFor('the email at the relay', () => Promise.resolve(relay.received.length >= 4 ? true : undefined), 60_000, async () => JSON.stringify(await outbox()));
    await waitFor('an empty outbox', async () => ((await outbox()).pending === 0 ? true : undefined));
    assert.equal(relay.received.length, 4);
  });

  it('TLS mismatch: "tls" on a STARTTLS port says to use "starttls"; "starttls" on a relay without it says to use "tls"', async () => {
    await apply({ ...relaySettings, security: 'tls' });
    const r = await evaluate();
    assert.equal(r.outbox.pending, 1);
    assert.match(r.outbox.lastError ?? '', /^TLS mismatch: the SMTP relay 127\.0\.0\.1:\d+ does not speak TLS from the start, which security "tls" expects \(.*\)\. If it offers STARTTLS \(usually port 587\), set security "starttls" in profiles\.local\.smtpRelay\./);
    await apply({ ...relaySettings, port: plain.port });
    const s = await evaluate();
    assert.match(s.outbox.lastError ?? '', /^TLS mismatch: the SMTP relay 127\.0\.0\.1:\d+ did not upgrade the connection with STARTTLS \(.*\), which security "starttls" requires\./);
    assert.equal(plain.received.length, 0, 'nothing sent in plain text when STARTTLS was asked for');
    await deliverAll(7);
  });

  it('a certificate this machine does not trust says to set caFile; a setting that is wrong in the file says what to write', async () => {
    const { caFile: _ca, ...untrusted } = relaySettings;
    await apply(untrusted);
    const r = await evaluate();
    assert.match(r.outbox.lastError ?? '', /^The SMTP relay 127\.0\.0\.1:\d+ has a certificate this machine does not trust \(.*\)\. If a private CA signed it, set caFile in profiles\.local\.smtpRelay/);
    await apply({ ...relaySettings, password: 'typed-in-by-mistake' });
    const list = (await env.control('GET', ALERT_PATHS.alerts)).body as AlertList;
    assert.equal(list.outbox.relay, 'invalid');
    const s = await evaluate();
    assert.equal(s.outbox.pending, 2);
    assert.match(s.outbox.lastError ?? '', /eventline\.json: profiles\.local\.smtpRelay\.password must be a reference to a Key Vault secret, such as \{"keyVaultSecret": "smtp-password"\}, never the password itself/);
    assert.ok(!JSON.stringify(s).includes('typed-in-by-mistake'));
    await deliverAll(10);
  });

  it('never writes the password to a log, the state files, the control API or the mailbox', async () => {
    const alerts = path.join(dir, 'data', 'alerts');
    const stateFiles = fs.readdirSync(alerts).map((f) => fs.readFileSync(path.join(alerts, f), 'utf8'));
    assert.ok(stateFiles.length > 0, 'the runner wrote its state');
    const places = [
      env.pipeline.logs(),
      ...stateFiles,
      JSON.stringify((await env.control('GET', ALERT_PATHS.alerts)).body),
      JSON.stringify(await localMail()),
    ];
    for (const p of places) {
      assert.ok(!p.includes(PASSWORD), 'the password');
      assert.ok(!p.includes(WRONG), 'the wrong password');
    }
  });
});
