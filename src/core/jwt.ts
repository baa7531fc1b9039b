/** Fallback lifetime when a token is not a readable JWT: short, so the SDKs ask again soon rather than spin. */
export const OPAQUE_TOKEN_LIFETIME_MS = 5 * 60 * 1000;

/** Reads a JWT's claims without verifying it (the token is only passed on, never trusted here). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = Buffer.from(parts[1].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? claims as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When a token expires, in epoch ms. Never 0 and never in the past: @azure/event-hubs schedules its CBS
 * renewal from this value and re-sends put-token in a tight loop when it is 0.
 */
export function tokenExpiresOn(token: string, now = Date.now()): number {
  const exp = jwtClaims(token)?.exp;
  if (typeof exp === 'number' && Number.isFinite(exp) && exp * 1000 > now) return exp * 1000;
  return now + OPAQUE_TOKEN_LIFETIME_MS;
}

/** The tenant a token was issued by (`tid`), if it says. */
export function tokenTenant(token: string): string | undefined {
  const tid = jwtClaims(token)?.tid;
  return typeof tid === 'string' ? tid : undefined;
}
