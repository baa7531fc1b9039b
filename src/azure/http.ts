import { ServiceError } from '../core/errors';

/**
 * Runs a request with a deadline. At the deadline the request is aborted and the caller gets a ServiceError that
 * says it timed out (not an AbortError, which means the user cancelled), even if the client library does not
 * notice the abort; the caller's own signal still cancels.
 */
export function withTimeout<T>(service: string, ms: number, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort();
      reject(new ServiceError(service, undefined, `${service} did not answer within ${Math.round(ms / 1000)} s (timed out).`));
    }, ms);
    fn(controller.signal).then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

export interface HttpReply { status: number; headers: Record<string, string | string[] | undefined>; text: string }

/**
 * A GET through Node's http/https, which VS Code's proxy support patches and which honours the CA certificates
 * Node trusts (the extension host's global fetch does not see NODE_EXTRA_CA_CERTS).
 */
export function httpGet(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<HttpReply> {
  return httpRequest('GET', url, headers, undefined, signal);
}

/** Any method, with an optional body (sent with its Content-Length), through Node's http/https like httpGet. */
export async function httpRequest(method: string, url: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<HttpReply> {
  const target = new URL(url);
  const mod = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const data = body === undefined ? undefined : Buffer.from(body, 'utf8');
  return new Promise<HttpReply>((resolve, reject) => {
    const req = mod.request(target, { method, headers: data ? { ...headers, 'content-length': String(data.length) } : headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}
