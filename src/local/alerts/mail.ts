// Where the alert runner's email goes: the local SMTP server (the mailbox), or the SMTP relay the local profile
// names (core/alerts/smtpRelay.ts) with its password read from the local Key Vault each time a connection is set up,
// so a secret fixed with "Eventline: Set Secret" counts from the next retry. A failed send comes back in words that
// name the relay and say what to change (the secret, security, caFile, host/port); the password is never in them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { describeRelay, localSmtpRelay, SmtpRelayError, type SmtpRelay } from '../../core/alerts/smtpRelay';
import type { SecretStore } from '../vault';
import { readLocalSecret } from '../vault/resolve';

export const LOCAL_FROM = 'Eventline alerts <alerts@eventline.local>';

export interface MailRoute {
  /** Where email goes, in words (logs, GET /api/alerts); no password. */
  readonly description: string;
  /** Set when email goes to a relay rather than the local SMTP server. */
  readonly relay?: string;
  /** Equal for the same setting: a reload swaps the route only when it changed. */
  readonly key: string;
  readonly from: string;
  /** nodemailer's options for a new connection; throws an Error that says what to fix when there can be none. */
  options(): SMTPTransport.Options;
  /** A failed send in words. */
  explain(e: unknown): string;
}

const TIMEOUTS = { connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 15_000 } as const;

/** The local pipeline's SMTP server: loopback, no TLS, AUTH with the pipeline's key. */
export function localRoute(smtp: { host: string; port: number; user: string; pass: string }): MailRoute {
  return {
    description: `the local SMTP server ${smtp.host}:${smtp.port}`,
    key: 'local',
    from: LOCAL_FROM,
    options: () => ({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, auth: { user: smtp.user, pass: smtp.pass }, ...TIMEOUTS }),
    explain: (e) => (e instanceof Error ? e.message : String(e)),
  };
}

/** A relay that cannot be used as written: every send fails with what to fix, and the firing waits in the outbox. */
export function brokenRoute(message: string): MailRoute {
  return {
    description: `the outbox only: ${message}`,
    relay: 'invalid',
    key: `invalid ${message}`,
    from: LOCAL_FROM,
    options: () => { throw new Error(message); },
    explain: (e) => (e instanceof Error ? e.message : String(e)),
  };
}

export interface VaultAccess { store: SecretStore; uri: string }

export function relayRoute(relay: SmtpRelay, configDir: string, vault: VaultAccess): MailRoute {
  const hp = `${relay.host}:${relay.port}`;
  const secretName = relay.password?.secretName;
  const from = relay.from ?? (relay.user && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(relay.user) ? relay.user : LOCAL_FROM);
  return {
    description: `the SMTP relay ${describeRelay(relay)}`,
    relay: hp,
    key: JSON.stringify(relay),
    from,
    options() {
      let auth: SMTPTransport.Options['auth'];
      if (relay.user && relay.password) {
        const secret = readLocalSecret(vault.store, relay.password.secretName, relay.password.version, vault.uri);
        if (!secret.ok) throw new Error(`The SMTP relay ${hp}: its password (${relay.where}.password) refers to Key Vault secret "${relay.password.secretName}", which ${secret.why}`);
        auth = { user: relay.user, pass: secret.value };
      }
      let ca: string | undefined;
      if (relay.caFile) {
        const file = path.resolve(configDir, relay.caFile);
        try { ca = fs.readFileSync(file, 'utf8'); } catch (e) {
          throw new Error(`The SMTP relay ${hp}: ${relay.where}.caFile ${file} cannot be read (${e instanceof Error ? e.message : String(e)}); give the PEM file of the CA that signed the relay's certificate.`);
        }
      }
      return {
        host: relay.host, port: relay.port,
        // tls: TLS from the first byte; starttls: the upgrade must happen (no fallback to plain text); none: plain.
        secure: relay.security === 'tls', requireTLS: relay.security === 'starttls', ignoreTLS: relay.security === 'none',
        auth, tls: { ...(ca ? { ca } : {}), servername: /^[\d.]+$|:/.test(relay.host) ? undefined : relay.host, minVersion: 'TLSv1.2' },
        ...TIMEOUTS,
      };
    },
    explain(e) {
      const err = (e ?? {}) as { code?: string; responseCode?: number; response?: string; command?: string; message?: string };
      const raw = (err.message ?? String(e)).trim();
      if (!(e instanceof Error) || raw.startsWith(`The SMTP relay ${hp}:`)) return raw;
      // OpenSSL's "80FC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…" → its reason.
      const message = raw.replace(/[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):\S*/g, 'SSL: $1').replace(/\s+/g, ' ');
      const said = err.response ? `it answered "${err.response.trim()}"` : message;
      const retry = 'The email waits in the outbox and is retried.';
      const tlsMismatch = /wrong version number|packet length too long|unknown protocol|record layer failure|http request|EPROTO/i.test(message);
      const untrusted = /certificate|self[- ]signed|unable to verify|UNABLE_TO|CERT_/i.test(`${err.code ?? ''} ${message}`);
      if (err.code === 'EAUTH' || err.responseCode === 535) {
        if (relay.user) return `The SMTP relay ${hp} refused user "${relay.user}" with the password from Key Vault secret "${secretName}" (${said}). Fix the secret "${secretName}" in the local Key Vault ("Eventline: Set Secret"), or the user in ${relay.where}. ${retry}`;
        return `The SMTP relay ${hp} wants a user name and password (${said}): add user and password ({"keyVaultSecret": "<name>"}) to ${relay.where}. ${retry}`;
      }
      if (err.responseCode === 530 && !relay.user) return `The SMTP relay ${hp} wants a user name and password (${said}): add user and password ({"keyVaultSecret": "<name>"}) to ${relay.where}. ${retry}`;
      if (err.code === 'ETLS' && relay.security === 'starttls') {
        return `TLS mismatch: the SMTP relay ${hp} did not upgrade the connection with STARTTLS (${said}), which security "starttls" requires. If the port speaks TLS from the start (usually 465), set security "tls" in ${relay.where}. ${retry}`;
      }
      if (untrusted && !tlsMismatch) return `The SMTP relay ${hp} has a certificate this machine does not trust (${message}). If a private CA signed it, set caFile in ${relay.where} to that CA's certificate (PEM). ${retry}`;
      if (relay.security === 'tls' && (tlsMismatch || /Greeting never received|socket hang up|ECONNRESET/i.test(message))) {
        return `TLS mismatch: the SMTP relay ${hp} does not speak TLS from the start, which security "tls" expects (${message}). If it offers STARTTLS (usually port 587), set security "starttls" in ${relay.where}. ${retry}`;
      }
      if (relay.security !== 'tls' && /Greeting never received/i.test(message)) {
        return `The SMTP relay ${hp} sent no greeting (${message}): if the port speaks TLS from the start (usually 465), set security "tls" in ${relay.where}; otherwise check host and port. ${retry}`;
      }
      if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ETIMEDOUT|timeout/i.test(`${err.code ?? ''} ${message}`) || err.code === 'ECONNECTION') {
        return `The SMTP relay ${hp} cannot be reached (${message}). ${retry} If it persists, check host and port in ${relay.where}.`;
      }
      return `The SMTP relay ${hp} did not take the email (${said}). ${retry}`;
    },
  };
}

/** The route the config file asks for: its local profile's relay, else the local SMTP server. */
export function mailRouteFor(raw: Record<string, unknown> | undefined, configPath: string | undefined, local: MailRoute, vault: VaultAccess): MailRoute {
  if (!raw || !configPath) return local;
  let relay: SmtpRelay | undefined;
  try {
    relay = localSmtpRelay(raw);
  } catch (e) {
    if (!(e instanceof SmtpRelayError)) throw e;
    return brokenRoute(`${configPath}: ${e.message} Alert email waits in the outbox until it is fixed.`);
  }
  return relay ? relayRoute(relay, path.dirname(configPath), vault) : local;
}
