// Hand-written REST for what no Azure SDK covers here: the Function App's `scm` (Kudu) site and its admin endpoint.
// Through Node's https (which honours the CAs Node trusts and VS Code's proxy support), with the retries the SDK
// pipelines do for Resource Manager: 429 and transient 5xx again after Retry-After (or a backoff), one fresh token
// after a 401, and every request and every wait aborted by the caller's signal.
import { retryAfterMs } from '../core/deploy/deployment';
import { ServiceError, UserCancelledError } from '../core/errors';

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  signal?: AbortSignal;
  /** Per attempt; an upload of a large package gets longer. */
  timeoutMs?: number;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  json<T>(): T;
}

export interface RestOptions {
  /** A fresh bearer token per attempt (the credential asks VS Code each time; nothing is cached here). */
  token?: (signal: AbortSignal | undefined) => Promise<string>;
  /** Names the service in messages: "the scm site of func-x". */
  service: string;
  maxRetries?: number;
  /** Told before each retry, for the deploy log. */
  onRetry?: (why: string, waitMs: number) => void;
}

const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|socket hang up/i;

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new UserCancelledError());
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new UserCancelledError()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function send(req: RestRequest, headers: Record<string, string>): Promise<RestResponse> {
  const target = new URL(req.url);
  const mod = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  if (req.signal?.aborted) controller.abort();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, req.timeoutMs ?? 60_000);
  try {
    return await new Promise<RestResponse>((resolve, reject) => {
      const r = mod.request(target, { method: req.method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, signal: controller.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, text: () => buf.toString('utf8'), json: <T>() => JSON.parse(buf.toString('utf8')) as T });
        });
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(body);
    });
  } catch (e) {
    if (req.signal?.aborted) throw new UserCancelledError();
    if (timedOut) throw new ServiceError('http', undefined, `${req.method} ${target.host}${target.pathname} did not answer within ${seconds(req.timeoutMs ?? 60_000)} s (timed out).`);
    throw e;
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}

/** The message of an error body: Kudu's `{Message}`, ARM's `{error:{code,message}}`, or the first text. */
export function errorText(res: RestResponse): string {
  const text = res.text().trim();
  try {
    const b = JSON.parse(text) as { error?: { code?: string; message?: string }; Message?: string; message?: string; ExceptionMessage?: string };
    const msg = [b.error?.code, b.error?.message ?? b.Message ?? b.message ?? b.ExceptionMessage].filter(Boolean).join(': ');
    if (msg) return msg;
  } catch { /* not JSON */ }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * Sends a request, retrying what is worth retrying. Returns every final reply, success or not: callers decide what
 * a 404 or 409 means. Throws UserCancelledError on abort and a ServiceError when retries run out on the network.
 */
export async function restRequest(req: RestRequest, options: RestOptions): Promise<RestResponse> {
  const maxRetries = options.maxRetries ?? 4;
  let refreshed = false;
  for (let attempt = 0; ; attempt++) {
    if (req.signal?.aborted) throw new UserCancelledError();
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (options.token) headers.authorization = `Bearer ${await options.token(req.signal)}`;
    let res: RestResponse;
    try {
      res = await send(req, headers);
    } catch (e) {
      if (e instanceof UserCancelledError || attempt >= maxRetries || !NETWORK.test(String((e as Error).message ?? e))) {
        if (e instanceof UserCancelledError || e instanceof ServiceError) throw e;
        throw new ServiceError(options.service, undefined, `${options.service} could not be reached: ${(e as Error).message ?? String(e)}`);
      }
      const wait = backoff(attempt);
      options.onRetry?.(`${(e as Error).message}`, wait);
      await abortableSleep(wait, req.signal);
      continue;
    }
    if (res.status === 401 && options.token && !refreshed) {
      // An expired token: ask for a fresh one once (the credential asks VS Code again, which renews it).
      refreshed = true;
      options.onRetry?.('the token was refused (401); asking for a fresh one', 0);
      continue;
    }
    if (TRANSIENT.has(res.status) && attempt < maxRetries) {
      const wait = retryAfterMs(res.headers) ?? backoff(attempt);
      options.onRetry?.(`${options.service} answered ${res.status}`, wait);
      await abortableSleep(wait, req.signal);
      continue;
    }
    return res;
  }
}

const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));

/** 1, 2, 4, 8 s with ±20 % jitter. */
function backoff(attempt: number): number {
  const base = 1000 * 2 ** attempt;
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
