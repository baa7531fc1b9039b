// Where the local alert runner sends email: the local pipeline's own SMTP server (the mailbox), or a real SMTP relay
// named in the local profile as `smtpRelay` (host, port, STARTTLS/TLS, user, and the password as a Key Vault
// reference, never the password). Deployed alerts are mailed by Activator itself, so only a local profile has one.
// The local pipeline reads eventline.json without the JSON Schema, so every field is checked here too, with the
// path a person edits.
import { secretOfRef } from '../keyVaultReference';
import type { Manifest, SecretRef } from '../manifest';

export type SmtpSecurity = 'starttls' | 'tls' | 'none';

/** `profiles.<name>.smtpRelay` as written in eventline.json. */
export interface SmtpRelayConfig {
  host: string;
  port?: number;
  /** starttls (default): plain connection upgraded with STARTTLS, which must succeed; tls: TLS from the start; none: no TLS. */
  security?: SmtpSecurity;
  user?: string;
  password?: SecretRef;
  /** A PEM file (relative to eventline.json) with the CA that signed the relay's certificate, for a private CA. */
  caFile?: string;
  /** The sender address; default the user when it is an address (relays often insist), else alerts@eventline.local. */
  from?: string;
}

/** A checked relay: ports defaulted, the password a secret name in the profile's vault. */
export interface SmtpRelay {
  host: string;
  port: number;
  security: SmtpSecurity;
  user?: string;
  password?: { secretName: string; version?: string };
  caFile?: string;
  from?: string;
  /** Where it is declared, e.g. `profiles.local.smtpRelay`, for messages. */
  where: string;
}

export class SmtpRelayError extends Error {
  constructor(readonly path: (string | number)[], message: string) { super(message); }
}

/** The port each security mode usually listens on. */
export const DEFAULT_PORTS: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SECURITY: readonly SmtpSecurity[] = ['starttls', 'tls', 'none'];

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * The profile the local pipeline runs as: the active profile when it is a local one, else the one named `local`,
 * else the first of kind `local`. Undefined when the manifest declares none (the implicit local profile).
 */
export function localProfileName(m: Pick<Manifest, 'profiles' | 'activeProfile'>): string | undefined {
  const profiles = (typeof m.profiles === 'object' && m.profiles !== null ? m.profiles : {}) as Record<string, { kind?: unknown } | null>;
  const isLocal = (n: string) => Object.hasOwn(profiles, n) && (profiles[n]?.kind ?? (n === 'local' ? 'local' : 'azure')) === 'local';
  return [m.activeProfile, 'local', ...Object.keys(profiles)].find((n): n is string => n !== undefined && isLocal(n));
}

/** Checks one `smtpRelay` value; `path` is where it sits in eventline.json. */
export function normalizeSmtpRelay(raw: unknown, path: (string | number)[]): SmtpRelay {
  const where = path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  const fail = (field: string | undefined, message: string): never => { throw new SmtpRelayError(field ? [...path, field] : path, `${field ? `${where}.${field}` : where} ${message}`); };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(undefined, 'must be an object: {"host": "smtp.example.com", "port": 587, "security": "starttls", "user": "…", "password": {"keyVaultSecret": "smtp-password"}}.');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!['host', 'port', 'security', 'user', 'password', 'caFile', 'from'].includes(k)) fail(undefined, `has an unknown property "${k}" (it takes host, port, security, user, password, caFile and from).`);
  }
  if (typeof r.host !== 'string' || !/^[^\s/:]+$|^\[[0-9a-fA-F:]+\]$|^[0-9a-fA-F:]+$/.test(r.host)) fail('host', `must be the relay's host name or IP address, such as "smtp.office365.com"${r.host === undefined ? '' : ` (it is ${JSON.stringify(r.host)})`}.`);
  const host = r.host as string;
  if (r.security !== undefined && !SECURITY.includes(r.security as SmtpSecurity)) fail('security', `must be "starttls" (upgrade with STARTTLS, usually port 587), "tls" (TLS from the start, usually port 465) or "none"; it is ${JSON.stringify(r.security)}.`);
  const security = (r.security as SmtpSecurity | undefined) ?? 'starttls';
  if (r.port !== undefined && (typeof r.port !== 'number' || !Number.isInteger(r.port) || r.port < 1 || r.port > 65535)) fail('port', `must be a port number from 1 to 65535; it is ${JSON.stringify(r.port)}.`);
  const port = (r.port as number | undefined) ?? DEFAULT_PORTS[security];
  if (r.user !== undefined && (typeof r.user !== 'string' || r.user === '')) fail('user', 'must be the user name the relay takes (often the sender\'s address).');
  const user = r.user as string | undefined;
  let password: SmtpRelay['password'];
  if (r.password !== undefined) {
    if (typeof r.password === 'string') fail('password', 'must be a reference to a Key Vault secret, such as {"keyVaultSecret": "smtp-password"}, never the password itself: set the password with "Eventline: Set Secret".');
    const ref = typeof r.password === 'object' && r.password !== null && !Array.isArray(r.password) ? secretOfRef(r.password) : undefined;
    if (!ref) fail('password', 'must be {"keyVaultSecret": "<secret name>"} (1-127 letters, digits and dashes) or {"keyVaultSecret": "https://<vault>.vault.azure.net/secrets/<name>"}.');
    password = { secretName: ref!.secretName, version: ref!.version };
  }
  if (user !== undefined && password === undefined) fail('password', `is missing: user "${user}" needs a password, given as {"keyVaultSecret": "<secret name>"}.`);
  if (password !== undefined && user === undefined) fail('user', 'is missing: a password needs the user name it belongs to.');
  if (security === 'none' && password !== undefined && !isLoopback(host)) {
    fail('security', `is "none", which would send the password to ${host} unencrypted: use "starttls" or "tls" (or drop user and password for a relay that takes mail without them).`);
  }
  if (r.caFile !== undefined && (typeof r.caFile !== 'string' || r.caFile === '')) fail('caFile', 'must be the path of a PEM file (relative to eventline.json) with the CA certificate that signed the relay\'s certificate.');
  if (r.from !== undefined && (typeof r.from !== 'string' || !EMAIL.test(r.from))) fail('from', `must be the sender's email address, such as "alerts@contoso.com"; it is ${JSON.stringify(r.from)}.`);
  return { host, port, security, user, password, caFile: r.caFile as string | undefined, from: r.from as string | undefined, where };
}

/** The local profile's relay, or undefined when it has none (email then goes to the local SMTP server). */
export function localSmtpRelay(m: Pick<Manifest, 'profiles' | 'activeProfile'>): SmtpRelay | undefined {
  const name = localProfileName(m);
  if (name === undefined) return undefined;
  const raw = (m.profiles?.[name] as { smtpRelay?: unknown } | null | undefined)?.smtpRelay;
  return raw === undefined ? undefined : normalizeSmtpRelay(raw, ['profiles', name, 'smtpRelay']);
}

/** The relay in words, for logs and the control API: never the password, only the secret's name. */
export function describeRelay(r: SmtpRelay): string {
  const sec = r.security === 'starttls' ? 'STARTTLS' : r.security === 'tls' ? 'TLS' : 'no TLS';
  return `${r.host}:${r.port} (${sec}${r.user ? `, user ${r.user}, password from Key Vault secret "${r.password!.secretName}"` : ', no login'})`;
}
