// The one place that talks to the Fabric REST API (there is no Fabric SDK for Node): listing with continuation
// tokens, items created with a definition, getDefinition/updateDefinition, long-running operations (202 +
// Location/x-ms-operation-id + Retry-After, polled to Succeeded/Failed, then /result), 429s retried after
// Retry-After, every call cancellable through an AbortSignal, and errors that carry the service's errorCode,
// message and requestId. Written for any item type: the Eventstream, Activator and dashboard deploys share it.
import { ServiceError } from '../core/errors';
import type { FabricDefinition } from '../core/fabric/definition';
import { httpRequest, withTimeout, type HttpReply } from './http';

export type { FabricDefinition, FabricDefinitionPart } from '../core/fabric/definition';

export interface FabricWorkspace { id: string; displayName: string; description?: string; capacityId?: string }
export interface FabricItem { id: string; displayName: string; description?: string; workspaceId: string; type?: string; folderId?: string }
export interface FabricEventhouse extends FabricItem { properties?: { queryServiceUri?: string; ingestionServiceUri?: string; databasesItemIds?: string[] } }
export interface FabricKqlDatabase extends FabricItem { properties?: { parentEventhouseItemId?: string; queryServiceUri?: string; ingestionServiceUri?: string; databaseType?: string } }

/** A Fabric connection (`GET /v1/connections`), e.g. the cloud connection an Eventstream source reads a hub through. */
export interface FabricConnection {
  id: string;
  displayName?: string;
  connectivityType?: string;
  connectionDetails?: { type?: string; path?: string };
  privacyLevel?: string;
  credentialDetails?: { credentialType?: string };
}

/** The `ErrorResponse` body of a failed call or operation (fabric-rest-api-specs common/definitions.json). */
export interface FabricErrorBody {
  errorCode?: string;
  message?: string;
  requestId?: string;
  moreDetails?: { errorCode?: string; message?: string }[];
  relatedResource?: { resourceId?: string; resourceType?: string };
  isRetriable?: boolean;
}

/** A Fabric failure: HTTP status (undefined for an operation that ended Failed), errorCode, message and request id. */
export class FabricError extends ServiceError {
  constructor(status: number | undefined, message: string, readonly errorCode?: string, requestId?: string, readonly operationId?: string) {
    super('Fabric', status, message, requestId);
    this.name = 'FabricError';
  }
}

export interface OperationState { operationId: string; status: string; percentComplete?: number }

export interface FabricCallOptions {
  signal?: AbortSignal;
  /** Told about each poll of a long-running operation. */
  onOperation?: (state: OperationState) => void;
}

export interface FabricClientOptions {
  /** How many times a 429 is retried before it is an error. */
  maxThrottleRetries?: number;
  /** The longest wait a Retry-After may ask for; longer asks are cut to this. */
  maxRetryAfterMs?: number;
  /** Poll interval when a 202 or a running operation has no Retry-After. */
  defaultPollMs?: number;
  /** How long an operation may run before Eventline stops waiting and says where to look. */
  maxOperationMs?: number;
}

interface Page<T> { value?: T[]; continuationToken?: string | null; continuationUri?: string | null }

const RUNNING = new Set(['NotStarted', 'Running', 'Undefined']);

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const abortError = () => Object.assign(new Error('Cancelled'), { name: 'AbortError' });
    if (signal?.aborted) { reject(abortError()); return; }
    const onAbort = () => { clearTimeout(timer); reject(abortError()); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function header(reply: HttpReply, name: string): string | undefined {
  const v = reply.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class FabricClient {
  private readonly maxThrottleRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly defaultPollMs: number;
  private readonly maxOperationMs: number;

  constructor(
    private readonly endpoint: string,
    private readonly token: (signal: AbortSignal) => Promise<string>,
    private readonly timeoutMs: number,
    options: FabricClientOptions = {},
  ) {
    this.maxThrottleRetries = options.maxThrottleRetries ?? 5;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.defaultPollMs = options.defaultPollMs ?? 5_000;
    this.maxOperationMs = options.maxOperationMs ?? 15 * 60_000;
  }

  // ─── lists ───────────────────────────────────────────────────────────────────────────────────────────────

  listWorkspaces(signal?: AbortSignal): Promise<FabricWorkspace[]> {
    return this.list<FabricWorkspace>('/v1/workspaces', signal);
  }

  listEventhouses(workspaceId: string, signal?: AbortSignal): Promise<FabricEventhouse[]> {
    return this.list<FabricEventhouse>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/eventhouses`, signal);
  }

  listKqlDatabases(workspaceId: string, signal?: AbortSignal): Promise<FabricKqlDatabase[]> {
    return this.list<FabricKqlDatabase>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/kqlDatabases`, signal);
  }

  /** Items of a workspace, of one type (`Eventstream`, `Reflex`, `KQLDashboard`…) when given. */
  listItems(workspaceId: string, type?: string, signal?: AbortSignal): Promise<FabricItem[]> {
    return this.list<FabricItem>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/items${type ? `?type=${encodeURIComponent(type)}` : ''}`, signal);
  }

  /** The connections the signed-in user can use. */
  listConnections(signal?: AbortSignal): Promise<FabricConnection[]> {
    return this.list<FabricConnection>('/v1/connections', signal);
  }

  // ─── items and definitions ───────────────────────────────────────────────────────────────────────────────

  /** `POST /workspaces/{ws}/items` with the type in the body; 201, or 202 and the created item from the operation's result. */
  async createItem(workspaceId: string, item: { displayName: string; type: string; description?: string; folderId?: string; definition?: FabricDefinition }, options: FabricCallOptions = {}): Promise<FabricItem> {
    const path = `/v1/workspaces/${encodeURIComponent(workspaceId)}/items`;
    const reply = await this.send('POST', path, item, options.signal);
    const created = await this.complete<FabricItem>('POST', path, reply, true, options);
    if (!created?.id) throw new FabricError(reply.status, `Fabric created ${item.type} "${item.displayName}" but did not say its id; find it in the workspace.`);
    return created;
  }

  /** The item's definition (a POST; 200, or 202 and the definition from the operation's result). */
  async getItemDefinition(workspaceId: string, itemId: string, options: FabricCallOptions & { format?: string } = {}): Promise<FabricDefinition> {
    const path = `/v1/workspaces/${encodeURIComponent(workspaceId)}/items/${encodeURIComponent(itemId)}/getDefinition${options.format ? `?format=${encodeURIComponent(options.format)}` : ''}`;
    // An empty body can get 411 from the service; `{}` is what the API documents.
    const reply = await this.send('POST', path, {}, options.signal);
    const body = await this.complete<{ definition?: FabricDefinition }>('POST', path, reply, true, options);
    if (!body?.definition) throw new FabricError(reply.status, `Fabric returned no definition for item ${itemId}.`);
    return body.definition;
  }

  /** Replaces the item's definition; `.platform` is applied only with `updateMetadata`. */
  async updateItemDefinition(workspaceId: string, itemId: string, definition: FabricDefinition, options: FabricCallOptions & { updateMetadata?: boolean } = {}): Promise<void> {
    const path = `/v1/workspaces/${encodeURIComponent(workspaceId)}/items/${encodeURIComponent(itemId)}/updateDefinition${options.updateMetadata ? '?updateMetadata=true' : ''}`;
    const reply = await this.send('POST', path, { definition }, options.signal);
    await this.complete<unknown>('POST', path, reply, false, options);
  }

  // ─── the machinery ───────────────────────────────────────────────────────────────────────────────────────

  private async list<T>(path: string, signal?: AbortSignal): Promise<T[]> {
    const out: T[] = [];
    let url: string | undefined = `${this.endpoint}${path}`;
    for (let pages = 0; url; pages++) {
      if (pages > 1000) throw new FabricError(undefined, `Fabric kept returning pages for ${path}; stopped after 1000.`);
      const reply = await this.send('GET', url, undefined, signal);
      const page = (await this.complete<Page<T>>('GET', path, reply, true, { signal })) ?? {};
      out.push(...(page.value ?? []));
      if (page.continuationUri) url = this.sameOrigin(page.continuationUri) ?? withQuery(`${this.endpoint}${path}`, 'continuationToken', page.continuationToken ?? '');
      else if (page.continuationToken) url = withQuery(`${this.endpoint}${path}`, 'continuationToken', page.continuationToken);
      else url = undefined;
    }
    return out;
  }

  /** One request; a 429 waits its Retry-After (abortably) and is sent again, up to maxThrottleRetries times. */
  private async send(method: string, pathOrUrl: string, body: unknown, signal: AbortSignal | undefined): Promise<HttpReply> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.endpoint}${pathOrUrl}`;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
      const reply = await withTimeout('Fabric', this.timeoutMs, signal, async (s) => {
        const token = await this.token(s);
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
        if (body !== undefined) headers['content-type'] = 'application/json';
        return httpRequest(method, url, headers, body === undefined ? undefined : JSON.stringify(body), s);
      });
      if (reply.status !== 429 || attempt >= this.maxThrottleRetries) return reply;
      await sleep(this.retryAfterMs(reply, 10_000), signal);
    }
  }

  /**
   * The body of a finished call: 200/201 as sent, 202 followed to the end of its operation (and its result when
   * the call returns data), anything else a FabricError with the service's errorCode, message and request id.
   */
  private async complete<T>(method: string, path: string, reply: HttpReply, hasResult: boolean, options: FabricCallOptions): Promise<T | undefined> {
    if (reply.status === 202) return this.followOperation<T>(reply, hasResult, options);
    if (reply.status < 200 || reply.status > 299) throw this.error(method, path, reply);
    return reply.text ? (JSON.parse(reply.text) as T) : undefined;
  }

  private async followOperation<T>(accepted: HttpReply, hasResult: boolean, options: FabricCallOptions): Promise<T | undefined> {
    const location = header(accepted, 'location');
    const operationId = header(accepted, 'x-ms-operation-id') ?? /\/operations\/([^/?]+)/.exec(location ?? '')?.[1];
    if (!operationId && !location) throw new FabricError(202, 'Fabric accepted the request (202) but gave no operation to follow (no Location or x-ms-operation-id).');
    // The bearer token only goes to Fabric itself: a Location on another host is not followed.
    const pollUrl = (location && this.sameOrigin(location)) ?? `${this.endpoint}/v1/operations/${encodeURIComponent(operationId!)}`;
    const id = operationId ?? pollUrl;
    const started = Date.now();
    let wait = this.retryAfterMs(accepted, this.defaultPollMs);
    for (;;) {
      if (Date.now() - started > this.maxOperationMs) {
        throw new FabricError(undefined, `The Fabric operation ${id} is still running after ${Math.round(this.maxOperationMs / 60000)} minutes; Eventline stopped waiting. Check the item in Fabric.`, undefined, undefined, id);
      }
      await sleep(wait, options.signal);
      const reply = await this.send('GET', pollUrl, undefined, options.signal);
      if (reply.status < 200 || reply.status > 299) throw this.error('GET', new URL(pollUrl).pathname, reply);
      const state = JSON.parse(reply.text || '{}') as { status?: string; percentComplete?: number; error?: FabricErrorBody };
      const status = state.status ?? 'Undefined';
      options.onOperation?.({ operationId: id, status, percentComplete: state.percentComplete });
      if (status === 'Succeeded') {
        if (!hasResult) return undefined;
        const resultUrl = this.sameOrigin(header(reply, 'location') ?? '') ?? `${this.endpoint}/v1/operations/${encodeURIComponent(operationId ?? '')}/result`;
        const result = await this.send('GET', resultUrl, undefined, options.signal);
        if (result.status < 200 || result.status > 299) throw this.error('GET', new URL(resultUrl).pathname, result);
        return result.text ? (JSON.parse(result.text) as T) : undefined;
      }
      if (status === 'Failed') {
        const e = state.error ?? {};
        const code = e.errorCode ? `${e.errorCode}: ` : '';
        throw new FabricError(undefined, `The Fabric operation ${id} failed: ${code}${e.message ?? 'no reason given'}${details(e)}${e.requestId ? ` (request id ${e.requestId})` : ''}`, e.errorCode, e.requestId, id);
      }
      if (!RUNNING.has(status)) throw new FabricError(undefined, `The Fabric operation ${id} reported status "${status}", which Eventline does not know.`, undefined, undefined, id);
      wait = this.retryAfterMs(reply, this.defaultPollMs);
    }
  }

  private retryAfterMs(reply: HttpReply, fallbackMs: number): number {
    const raw = header(reply, 'retry-after');
    if (raw === undefined) return fallbackMs;
    const seconds = Number(raw);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
    return Math.min(this.maxRetryAfterMs, Math.max(0, Number.isFinite(ms) ? ms : fallbackMs));
  }

  private sameOrigin(url: string): string | undefined {
    try {
      return new URL(url).origin === new URL(this.endpoint).origin ? url : undefined;
    } catch {
      return undefined;
    }
  }

  private error(method: string, path: string, reply: HttpReply): FabricError {
    let body: FabricErrorBody = {};
    try { body = JSON.parse(reply.text) as FabricErrorBody; } catch { /* not JSON */ }
    const requestId = body.requestId ?? header(reply, 'requestid') ?? header(reply, 'x-ms-request-id');
    // UNCONFIRMED: the x-ms-public-api-error-code header (users report it; the spec does not list it).
    const errorCode = body.errorCode ?? header(reply, 'x-ms-public-api-error-code');
    const detail = [errorCode, body.message].filter(Boolean).join(': ');
    const throttled = reply.status === 429 ? ' Fabric is throttling this account; wait a minute and retry.' : '';
    const plainPath = path.split('?')[0];
    return new FabricError(reply.status, `Fabric answered ${reply.status} for ${method} ${plainPath}${detail ? ` (${detail}${details(body)})` : ''}.${throttled}${requestId ? ` Request id ${requestId}.` : ''}`, errorCode, requestId);
  }
}

function details(e: FabricErrorBody): string {
  const more = (e.moreDetails ?? []).map((d) => [d.errorCode, d.message].filter(Boolean).join(': ')).filter(Boolean);
  return more.length ? `; ${more.join('; ')}` : '';
}

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}
