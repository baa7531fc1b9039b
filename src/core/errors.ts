/**
 * Errors that end an action quietly or become a tree row rather than a pop-up. Checked by a flag rather than
 * `instanceof` so the check survives two copies of this module in different bundles.
 */
export class NotSignedInError extends Error {
  readonly isNotSignedIn = true;
  constructor(message = 'Not signed in to Microsoft. Run "Eventline: Sign In".') { super(message); this.name = 'NotSignedInError'; }
}

export class UserCancelledError extends Error {
  readonly isUserCancelled = true;
  constructor() { super('Cancelled'); this.name = 'UserCancelledError'; }
}

export function isNotSignedIn(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { isNotSignedIn?: unknown }).isNotSignedIn === true;
}

export function isUserCancelled(e: unknown): boolean {
  return typeof e === 'object' && e !== null && ((e as { isUserCancelled?: unknown }).isUserCancelled === true || (e as { name?: unknown }).name === 'AbortError');
}

/** An HTTP failure from a service, with the text a person needs. */
export class ServiceError extends Error {
  constructor(readonly service: string, readonly status: number | undefined, message: string, readonly requestId?: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

/**
 * An error as a sentence, never empty: Node reports a failed connect to every address of a host as an AggregateError
 * with no message (its reasons are inside), and an empty message reaches the user as "An unknown error occurred".
 */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) {
    if (typeof e !== 'object' || e === null) return String(e);
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message;
    try { return JSON.stringify(e); } catch { return Object.prototype.toString.call(e); }
  }
  if (e.message) return e.message;
  const inner = (e as { errors?: unknown[] }).errors;
  if (Array.isArray(inner) && inner.length) return errorText(inner[0]);
  const code = (e as { code?: unknown }).code;
  return `${e.name}${typeof code === 'string' ? ` (${code})` : ''}`;
}

/** One line saying what failed and what to do, for any error a service call can raise. */
export function describeError(e: unknown, what: string): string {
  if (isNotSignedIn(e)) return `Sign in to load ${what}.`;
  const status = (e as { status?: unknown; statusCode?: unknown }).status ?? (e as { statusCode?: unknown }).statusCode;
  const message = errorText(e);
  switch (status) {
    case 401: return `Could not load ${what}: the service did not accept the sign-in (401). Sign in again, or pick the right tenant.`;
    case 403: return `Could not load ${what}: access denied (403). Your account needs a role that can read it.`;
    case 404: return `Could not load ${what}: not found (404). Check the name in eventline.json.`;
    case 429: return `Could not load ${what}: the service is throttling requests (429). Retry in a moment.`;
    default: break;
  }
  if (/timed? ?out|ETIMEDOUT|TimeoutError/i.test(message)) return `Could not load ${what}: the service did not answer in time. Check the network and retry.`;
  if (/ECONNREFUSED/.test(message)) return `Could not load ${what}: nothing is listening there (connection refused). Is the service (or the local pipeline) running?`;
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `Could not load ${what}: the host name does not resolve. Check the address and the network.`;
  return `Could not load ${what}: ${message}`;
}
