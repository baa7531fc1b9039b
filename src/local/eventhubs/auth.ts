import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an AMQP address or token audience path names. Hub and consumer group names keep the caller's case. */
export type EntityPath =
  | { kind: 'send'; hub: string; partition?: string }
  | { kind: 'receive'; hub: string; consumerGroup: string; partition: string }
  | { kind: 'management'; hub: string };

export function parseEntityPath(address: string): EntityPath | undefined {
  const s = address.replace(/^\/+|\/+$/g, '').split('/');
  const eq = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
  if (s.length === 1 && s[0] !== '') return { kind: 'send', hub: s[0] };
  if (s.length === 2 && s[1].toLowerCase() === '$management') return { kind: 'management', hub: s[0] };
  if (s.length === 3 && eq(s[1], 'Partitions')) return { kind: 'send', hub: s[0], partition: s[2] };
  if (s.length === 5 && eq(s[1], 'ConsumerGroups') && eq(s[3], 'Partitions')) return { kind: 'receive', hub: s[0], consumerGroup: s[2], partition: s[4] };
  return undefined;
}

export interface AuthFailure { status: 400 | 401; condition: string; description: string }

/**
 * Splits a token audience or SAS resource URI (`sb://127.0.0.1:5672/hub/...`) into its path, after checking it
 * names this server: host 127.0.0.1 or localhost, and a port we listen on (or none, as clients that dial a custom
 * endpoint sign for the bare host).
 */
export function audiencePath(uri: string, ports: number[]): string | AuthFailure {
  const m = /^(?:sb|amqps?):\/\/([^/:]+)(?::(\d+))?(\/.*)?$/i.exec(uri);
  if (!m) return { status: 400, condition: 'com.microsoft:argument-error', description: `The token audience "${uri}" is not an sb:// URI of an event hub entity.` };
  const host = m[1].toLowerCase();
  if (host !== '127.0.0.1' && host !== 'localhost') {
    return { status: 401, condition: 'amqp:unauthorized-access', description: `The token audience "${uri}" names host "${m[1]}", but this local hub is 127.0.0.1.` };
  }
  if (m[2] !== undefined && !ports.includes(Number(m[2]))) {
    return { status: 401, condition: 'amqp:unauthorized-access', description: `The token audience "${uri}" names port ${m[2]}, but this local hub listens on ${ports.join(' and ')}.` };
  }
  return (m[3] ?? '/').replace(/^\/+|\/+$/g, '');
}

/** True when a token for `granted` (a path or path prefix) covers `wanted`; both compared case-insensitively. */
export function covers(granted: string, wanted: string): boolean {
  const g = granted.toLowerCase();
  const w = wanted.toLowerCase();
  return g === '' || w === g || w.startsWith(`${g}/`);
}

export interface SasCheck { keyName: string; key: string; ports: number[]; now: number }

/** Validates a `SharedAccessSignature sr=…&sig=…&se=…&skn=…` token for `wantedPath`; returns its expiry (ms). */
export function checkSasToken(token: string, wantedPath: string, c: SasCheck): number | AuthFailure {
  const deny = (description: string): AuthFailure => ({ status: 401, condition: 'amqp:unauthorized-access', description });
  const prefix = 'SharedAccessSignature ';
  if (!token.startsWith(prefix)) return deny('The token is not a SharedAccessSignature.');
  const fields = new Map<string, string>();
  for (const part of token.slice(prefix.length).split('&')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i), part.slice(i + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  const skn = fields.get('skn');
  if (!sr || !sig || !se || !skn) return deny('The SharedAccessSignature token is missing one of sr, sig, se or skn.');
  let skName: string;
  let resource: string;
  let signature: Buffer;
  try {
    skName = decodeURIComponent(skn);
    resource = decodeURIComponent(sr);
    signature = Buffer.from(decodeURIComponent(sig), 'base64');
  } catch {
    return deny('The SharedAccessSignature token is not URL-encoded correctly.');
  }
  if (skName !== c.keyName) return deny(`InvalidSignature: the token is signed with the key name "${skName}", which this local hub does not have; use the key name in its connection string.`);
  if (!/^\d+$/.test(se)) return deny('The SharedAccessSignature token has a malformed expiry (se).');
  const expiresAt = Number(se) * 1000;
  if (expiresAt <= c.now) return deny(`ExpiredToken: the token expired at ${new Date(expiresAt).toISOString()}.`);
  const expected = createHmac('sha256', c.key).update(`${sr}\n${se}`).digest();
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    return deny('InvalidSignature: the token has an invalid signature. The SharedAccessKey does not match this local hub\'s key; use the connection string from its ready line.');
  }
  const granted = audiencePath(resource, c.ports);
  if (typeof granted !== 'string') return granted;
  if (!covers(granted, wantedPath)) return deny(`InvalidAudience: the token is for "${resource}", which does not cover "${wantedPath}".`);
  return expiresAt;
}

/** A bearer token (from a TokenCredential). Only its expiry is read, when it is a JWT; any signature is accepted. */
export function checkJwt(token: string, now: number): number | AuthFailure {
  if (token.trim() === '') return { status: 401, condition: 'amqp:unauthorized-access', description: 'The jwt token is empty.' };
  const parts = token.split('.');
  if (parts.length === 3) {
    try {
      const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
      if (typeof payload.exp === 'number') {
        if (payload.exp * 1000 <= now) return { status: 401, condition: 'amqp:unauthorized-access', description: `ExpiredToken: the jwt expired at ${new Date(payload.exp * 1000).toISOString()}.` };
        return payload.exp * 1000;
      }
    } catch { /* not a JWT body we can read: treat as an opaque bearer token */ }
  }
  return now + 3600_000;
}
