// Fetching one page: a timeout per request, retries with exponential backoff and jitter on network errors, 408,
// 429 and 5xx, Retry-After honoured, and never past the run's deadline. Messages name the source and the URL with
// every secret-looking query parameter masked; the API key is never in a message or a log line.
import { IngestError } from './settings';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000 };

/** Exponential backoff with jitter: a random delay in [½, 1] × min(max, base × 2^attempt) (attempt from 0). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const SENSITIVE = /^(api[-_]?key|key|code|token|access[-_]?token|secret|client[-_]?secret|sig|signature|password|pwd|auth)$/i;

/** The URL as it may appear in logs and messages: user info removed, secret-looking parameters masked. */
export function displayUrl(url: string | URL, extraSecretParams: string[] = []): string {
  let u: URL;
  try { u = new URL(String(url)); } catch { return '(an invalid URL)'; }
  u.username = '';
  u.password = '';
  const extra = new Set(extraSecretParams.map((p) => p.toLowerCase()));
  for (const k of [...u.searchParams.keys()]) if (SENSITIVE.test(k) || extra.has(k.toLowerCase())) u.searchParams.set(k, '***');
  return u.toString().replace(/%2A%2A%2A/g, '***');
}

export interface FetchContext {
  source: string;
  /** Query parameter names that carry a secret (the API key's), masked in messages. */
  secretParams: string[];
  /** Where the key came from, for a 401/403 message (e.g. Key Vault secret "sample-api-key"). */
  keyHint?: string;
  timeoutMs: number;
  deadline: number;
  policy: RetryPolicy;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
  onRetry: (message: string) => void;
}

export interface FetchedPage {
  url: string;
  status: number;
  headers: Headers;
  /** The body as it arrived, in chunks: a 1 MB page is never copied into one block (see split.ts). */
  chunks: Buffer[];
  retries: number;
}

/** The whole body as text (UTF-8, a byte order mark dropped), as fetch's text() reads it. */
export function pageText(page: Pick<FetchedPage, 'chunks'>): string {
  return new TextDecoder().decode(Buffer.concat(page.chunks));
}

/** GET (or POST) one URL with the retry policy; the result holds the whole body. */
export async function fetchWithRetry(url: string, init: { method: string; headers: Record<string, string> }, ctx: FetchContext): Promise<FetchedPage> {
  const shown = displayUrl(url, ctx.secretParams);
  const where = `source "${ctx.source}" (${init.method} ${shown})`;
  let retries = 0;
  for (let attempt = 0; ; attempt++) {
    const remaining = ctx.deadline - ctx.now();
    if (remaining <= 0) throw new IngestError(`Gave up on ${where}: the run's time budget ran out${retries ? ` after ${retries} retries` : ''}. The next run continues from the saved watermark.`);
    let problem: string;
    let retryAfterMs: number | undefined;
    try {
      const timeout = Math.min(ctx.timeoutMs, remaining);
      const res = await ctx.fetch(url, { method: init.method, headers: init.headers, signal: AbortSignal.timeout(timeout), redirect: 'follow' });
      if (res.ok) {
        const chunks: Buffer[] = [];
        try {
          const reader = res.body?.getReader();
          for (;;) {
            const next = await reader?.read();
            if (!next || next.done) break;
            chunks.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
          }
        } catch (e) {
          throw new Retryable(`the response body broke off (${describe(e)})`);
        }
        return { url, status: res.status, headers: res.headers, chunks, retries };
      }
      const body = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
      if (res.status === 401 || res.status === 403) {
        throw new IngestError(`${capital(where)} refused the API key (HTTP ${res.status}${body ? `: ${body}` : ''}). ${ctx.keyHint ? `The key comes from ${ctx.keyHint}; put the right key there` : 'Check the API key'} (in VS Code: Eventline: Set Secret), then run again.`);
      }
      if (!isRetryableStatus(res.status)) throw new IngestError(`${capital(where)} answered HTTP ${res.status}${body ? `: ${body}` : ''}.`);
      problem = `HTTP ${res.status}`;
      retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), ctx.now());
    } catch (e) {
      if (e instanceof IngestError) throw e;
      problem = e instanceof Retryable ? e.message : isTimeout(e) ? `no response within ${Math.round(Math.min(ctx.timeoutMs, remaining) / 1000)} s` : `network error: ${describe(e)}`;
    }
    if (attempt >= ctx.policy.maxRetries) {
      throw new IngestError(`${capital(where)} failed after ${retries} ${retries === 1 ? 'retry' : 'retries'}: ${problem}. Nothing past the saved watermark was lost; the next run tries again.`);
    }
    const delay = retryAfterMs ?? backoffDelay(attempt, ctx.policy, ctx.random);
    if (ctx.now() + delay >= ctx.deadline) {
      throw new IngestError(`${capital(where)}: ${problem}, and waiting ${Math.ceil(delay / 1000)} s${retryAfterMs !== undefined ? ' (its Retry-After)' : ''} would pass the run's time budget. The next run continues from the saved watermark.`);
    }
    retries++;
    ctx.onRetry(`${where}: ${problem}; retry ${retries} of ${ctx.policy.maxRetries} in ${delay} ms${retryAfterMs !== undefined ? ' (Retry-After)' : ''}`);
    await ctx.sleep(delay);
  }
}

class Retryable extends Error {}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
}

/** A network error's reason (undici puts it in `cause`), without the URL. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the source running?)';
  if (cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET') return 'the connection was reset';
  if (cause?.code === 'ENOTFOUND') return 'the host name does not resolve';
  return cause?.message ?? cause?.code ?? e.message;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
