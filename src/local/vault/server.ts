import * as https from 'node:https';
import type * as http from 'node:http';
import { closeServer, listenLocal } from '../listen';
import { checkLocalVaultToken, KEY_VAULT_AUDIENCE } from '../../core/localVaultToken';
import { VaultError, RECOVERABLE_DAYS, type DeletedSecret, type SecretStore, type SecretVersion } from './store';

/** The tenant the challenge names; the local credential ignores it, Azure's would ask that tenant. */
export const LOCAL_TENANT = '00000000-0000-0000-0000-000000000000';
const MAX_BODY = 64 * 1024;
const PAGE = 25;

/**
 * The Key Vault secrets REST API over HTTPS, as far as `@azure/keyvault-secrets`' SecretClient uses it: the 401
 * challenge, set/get/list/versions/update/delete/recover/purge, soft delete, and the service's error shapes.
 * Request bodies and secret values are never logged.
 */
export class VaultServer {
  private server: https.Server | undefined;
  private base = '';

  constructor(private readonly store: SecretStore, private readonly tokenKey: Buffer) {}

  async listen(port: number, tls: { key: string; cert: string }): Promise<number> {
    const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => { void this.handle(req, res); });
    this.server = server;
    const actual = await listenLocal(server, port);
    this.base = `https://127.0.0.1:${actual}`;
    return actual;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-ms-keyvault-service-version': 'eventline-local', ...headers });
      res.end(text);
    };
    const fail = (e: VaultError, headers?: Record<string, string>) => send(e.status, { error: { code: e.code, message: e.message, ...(e.innerCode ? { innererror: { code: e.innerCode } } : {}) } }, headers);
    try {
      const url = new URL(req.url ?? '/', this.base);
      // The challenge comes before the body is read: the SDK's first request carries none.
      const auth = req.headers.authorization;
      const challenge = { 'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${LOCAL_TENANT}", resource="${KEY_VAULT_AUDIENCE}"` };
      if (!auth || !/^Bearer\s+\S/i.test(auth)) {
        req.resume();
        return fail(new VaultError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'), challenge);
      }
      const why = checkLocalVaultToken(this.tokenKey, auth.replace(/^Bearer\s+/i, '').trim());
      if (why) {
        req.resume();
        return fail(new VaultError(401, 'Unauthorized', `The local Key Vault refused the request: ${why} Use the token key file named in the ready line (keyVault.tokenKeyFile).`), challenge);
      }
      if (!url.searchParams.get('api-version')) throw new VaultError(400, 'BadParameter', 'The api-version query parameter is missing.');
      const body = await readBody(req);
      const reply = this.route(req.method ?? 'GET', url, body);
      send(reply.status, reply.body);
    } catch (e) {
      if (e instanceof VaultError) return fail(e);
      send(500, { error: { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) } });
    }
  }

  private route(method: string, url: URL, body: Record<string, unknown>): { status: number; body?: unknown } {
    const segs = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const [root, name, third, fourth] = segs;
    const page = <T>(items: T[]) => this.page(url, items);
    if (root === 'secrets') {
      if (segs.length === 1 && method === 'GET') return { status: 200, body: page(this.store.list().map((s) => this.item(s.name, s.version))) };
      if (segs.length === 2 && method === 'PUT') {
        const attrs = (body.attributes ?? {}) as Record<string, unknown>;
        const s = this.store.set(name, body.value, { contentType: str(body.contentType), tags: tags(body.tags), enabled: bool(attrs.enabled), nbf: num(attrs.nbf), exp: num(attrs.exp) });
        return { status: 200, body: this.bundle(s.name, s.version) };
      }
      if (segs.length === 2 && method === 'DELETE') return { status: 200, body: this.deletedBundle(this.store.delete(name)) };
      if (segs.length === 3 && third === 'versions' && method === 'GET') return { status: 200, body: page(this.store.versions(name).map((s) => this.item(s.name, s.version))) };
      if (segs.length === 3 && third === 'backup') throw new VaultError(501, 'NotImplemented', 'Backup and restore are not supported by the local Key Vault.');
      if ((segs.length === 2 || segs.length === 3) && method === 'GET') {
        const s = this.store.get(name, third || undefined);
        if (!s.version.enabled) throw new VaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.');
        return { status: 200, body: this.bundle(s.name, s.version) };
      }
      if ((segs.length === 2 || segs.length === 3) && method === 'PATCH') {
        const attrs = (body.attributes ?? {}) as Record<string, unknown>;
        const s = this.store.update(name, third || undefined, { contentType: str(body.contentType), tags: tags(body.tags), enabled: bool(attrs.enabled), nbf: num(attrs.nbf), exp: num(attrs.exp) });
        return { status: 200, body: this.bundle(s.name, s.version, false) };
      }
    }
    if (root === 'deletedsecrets') {
      if (segs.length === 1 && method === 'GET') return { status: 200, body: page(this.store.listDeleted().map((d) => ({ ...this.item(d.name, d.version), ...this.deletedFields(d) }))) };
      if (segs.length === 2 && method === 'GET') return { status: 200, body: this.deletedBundle(this.store.getDeleted(name)) };
      if (segs.length === 2 && method === 'DELETE') { this.store.purge(name); return { status: 204 }; }
      if (segs.length === 3 && third === 'recover' && method === 'POST') {
        const s = this.store.recover(name);
        return { status: 200, body: this.bundle(s.name, s.version, false) };
      }
    }
    if (root === 'secrets' && fourth === undefined && third === 'restore') throw new VaultError(501, 'NotImplemented', 'Backup and restore are not supported by the local Key Vault.');
    throw new VaultError(404, 'NotFound', `The local Key Vault has no ${method} ${url.pathname}; it serves the secrets API (/secrets, /deletedsecrets).`);
  }

  private page<T>(url: URL, items: T[]): { value: T[]; nextLink: string | null } {
    const size = Math.min(PAGE, Math.max(1, Number(url.searchParams.get('maxresults')) || PAGE));
    const skip = Math.max(0, Number(url.searchParams.get('$skiptoken')) || 0);
    const value = items.slice(skip, skip + size);
    let nextLink: string | null = null;
    if (skip + size < items.length) {
      const next = new URL(url.pathname, this.base);
      next.searchParams.set('api-version', url.searchParams.get('api-version') ?? '');
      next.searchParams.set('maxresults', String(size));
      next.searchParams.set('$skiptoken', String(skip + size));
      nextLink = next.toString();
    }
    return { value, nextLink };
  }

  private attributes(v: SecretVersion) {
    return { enabled: v.enabled, nbf: v.nbf ?? null, exp: v.exp ?? null, created: v.created, updated: v.updated, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: RECOVERABLE_DAYS };
  }

  private item(name: string, v: SecretVersion) {
    return { id: `${this.base}/secrets/${name}/${v.version}`, attributes: this.attributes(v), contentType: v.contentType ?? null, tags: v.tags ?? {}, managed: null };
  }

  private bundle(name: string, v: SecretVersion, withValue = true) {
    return { ...(withValue ? { value: v.value } : {}), ...this.item(name, v), kid: null };
  }

  private deletedFields(d: DeletedSecret) {
    return { recoveryId: `${this.base}/deletedsecrets/${d.name}`, deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate };
  }

  private deletedBundle(d: DeletedSecret) {
    // No value: the service does not return one for deleted secrets.
    return { ...this.bundle(d.name, d.version, false), ...this.deletedFields(d) };
  }
}

async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new VaultError(413, 'BadParameter', 'The request body is larger than the local Key Vault accepts (64 KB).');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try { parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { throw new VaultError(400, 'BadParameter', 'The request body is not valid JSON.'); }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new VaultError(400, 'BadParameter', 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
function tags(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new VaultError(400, 'BadParameter', 'Tags must be an object of strings.');
  return v as Record<string, string>;
}
