// Bearer tokens for the local Key Vault of `eventline-local`. The vault holds real secrets (a user's real API key),
// so unlike the local Event Hubs it does not take just any token: it accepts only HS256 JWTs for the Key Vault
// audience signed with a random key made once per data folder (`<data>/keyvault/token-key`, mode 0600; its path is
// in the ready line as keyVault.tokenKeyFile). Whoever can read that file can use the vault — the same trust as
// the data folder itself. Tokens from Azure, from another data folder, expired or missing are refused.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

export const KEY_VAULT_AUDIENCE = 'https://vault.azure.net';
const ISSUER = 'eventline-local';
const LIFETIME_S = 3600;

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Reads the signing key from the file the ready line names. */
export function readTokenKey(file: string): Buffer {
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length < 32) throw new Error(`${file} does not hold a local Key Vault token key (32 random bytes, base64).`);
  return key;
}

/** Creates the key file if it is missing (mode 0600) and returns the key. */
export function ensureTokenKey(file: string): Buffer {
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  return readTokenKey(file);
}

/** A token for the local Key Vault, valid for an hour. */
export function mintLocalVaultToken(key: Buffer, now = Date.now()): { token: string; expiresOnTimestamp: number } {
  const iat = Math.floor(now / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ aud: KEY_VAULT_AUDIENCE, iss: ISSUER, iat, nbf: iat - 60, exp: iat + LIFETIME_S }));
  const sig = crypto.createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return { token: `${header}.${payload}.${sig}`, expiresOnTimestamp: (iat + LIFETIME_S) * 1000 };
}

/** Undefined when the token is good; otherwise why it is refused (never echoes the token). */
export function checkLocalVaultToken(key: Buffer, token: string, now = Date.now()): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'the bearer token is not a JWT.';
  const expected = crypto.createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return "the bearer token is not signed with this data folder's key (keyvault/token-key): Azure tokens and tokens for another local pipeline are refused.";
  }
  let claims: { alg?: string; aud?: unknown; exp?: unknown; nbf?: unknown };
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'HS256') return 'the bearer token is not HS256.';
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'the bearer token is not a JWT.';
  }
  if (typeof claims.aud !== 'string' || claims.aud.replace(/\/+$/, '') !== KEY_VAULT_AUDIENCE) return `the bearer token's audience is not ${KEY_VAULT_AUDIENCE}.`;
  const s = Math.floor(now / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= s) return 'the bearer token has expired.';
  if (typeof claims.nbf === 'number' && claims.nbf > s + 300) return 'the bearer token is not valid yet.';
  return undefined;
}

/**
 * A TokenCredential (structurally, for `@azure/keyvault-secrets`' SecretClient) for the local Key Vault: use it
 * with `{ disableChallengeResourceVerification: true }`, since 127.0.0.1 is not under vault.azure.net.
 */
export class LocalVaultCredential {
  private key: Buffer | undefined;
  constructor(private readonly tokenKeyFile: string) {}

  async getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }> {
    const list = Array.isArray(scopes) ? scopes : [scopes];
    if (!list.some((s) => s.startsWith(KEY_VAULT_AUDIENCE))) throw new Error(`The local Key Vault credential only serves ${KEY_VAULT_AUDIENCE}/.default, not ${list.join(', ')}.`);
    this.key ??= readTokenKey(this.tokenKeyFile);
    return mintLocalVaultToken(this.key);
  }
}
