// The Function App's `scm` (Kudu) site: upload, deployment records and logs (spec §1.3, §1.4, azure-protocols §4).
// Hand-written REST: no Azure SDK covers Kudu. Every call carries a token for the App Service audience (ARM tokens
// are deprecated there) and is aborted by the caller's signal.
import { DEPLOYER, FLEX_PUBLISH_PATH, flexPublishQuery, ZIP_DEPLOY_PATH, zipDeployQuery } from '../core/deploy/constants';
import type { DeploymentLogEntry, DeploymentRecord } from '../core/deploy/deployment';
import { ServiceError } from '../core/errors';
import { errorText, restRequest, type RestResponse } from './restClient';

export interface UploadReply {
  /** The deployment id, when the reply tells it (header, or Flex's body). */
  deploymentId: string | undefined;
  /** Where to poll: the `Location` of the reply, when it is on the scm host. */
  statusUrl: string | undefined;
}

/** Another deployment is running on the app (409). */
export class DeploymentConflictError extends ServiceError {
  constructor(app: string, detail: string) {
    super('scm', 409, `Another deployment is in progress on ${app}${detail ? ` (${detail})` : ''}.`);
  }
}

export class ScmClient {
  readonly base: string;

  constructor(
    readonly app: string,
    scmHost: string,
    private readonly token: (signal: AbortSignal | undefined) => Promise<string>,
    private readonly onRetry?: (why: string, waitMs: number) => void,
  ) {
    this.base = `https://${scmHost}`;
  }

  private get service(): string { return `the scm site of ${this.app}`; }

  private url(path: string, query?: Record<string, string>): string {
    const u = new URL(path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
    return u.toString();
  }

  private call(method: 'GET' | 'POST', url: string, signal: AbortSignal | undefined, extra: { body?: Buffer; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<RestResponse> {
    return restRequest({ method, url, signal, ...extra }, { token: this.token, service: this.service, onRetry: this.onRetry });
  }

  private fail(res: RestResponse, what: string): never {
    throw new ServiceError('scm', res.status, `${what} on ${this.app} failed: the scm site answered ${res.status}${errorText(res) ? ` (${errorText(res)})` : ''}.`);
  }

  /** A Location to poll, only when it points back at this scm site (the token must not go anywhere else). */
  private statusUrlOf(res: RestResponse): string | undefined {
    const loc = res.headers.location;
    const value = Array.isArray(loc) ? loc[0] : loc;
    if (!value) return undefined;
    const u = new URL(value, this.base);
    return u.origin === new URL(this.base).origin ? u.toString() : undefined;
  }

  private idOf(res: RestResponse, body: string | undefined): string | undefined {
    const h = res.headers['scm-deployment-id'];
    const header = Array.isArray(h) ? h[0] : h;
    if (header) return header;
    // Flex's reply body is the id, as a bare or quoted string (spec §0: body shape UNCONFIRMED).
    const t = (body ?? '').trim().replace(/^"|"$/g, '');
    return /^[\w-]{8,}$/.test(t) ? t : undefined;
  }

  /** Flex Consumption one-deploy: `POST /api/publish?RemoteBuild=false&Deployer=…`. */
  async publish(zip: Buffer, signal?: AbortSignal): Promise<UploadReply> {
    const res = await this.call('POST', this.url(FLEX_PUBLISH_PATH, flexPublishQuery(DEPLOYER)), signal, {
      body: zip, headers: { 'content-type': 'application/zip', 'cache-control': 'no-cache' }, timeoutMs: 10 * 60_000,
    });
    if (res.status === 409) throw new DeploymentConflictError(this.app, errorText(res));
    if (res.status !== 200 && res.status !== 202) this.fail(res, 'The upload (one-deploy)');
    return { deploymentId: this.idOf(res, res.text()), statusUrl: this.statusUrlOf(res) };
  }

  /** Kudu zip deploy: `POST /api/zipdeploy?isAsync=true&…`; 202 with a Location to poll, 409 while another runs. */
  async zipDeploy(zip: Buffer, signal?: AbortSignal): Promise<UploadReply> {
    const res = await this.call('POST', this.url(ZIP_DEPLOY_PATH, zipDeployQuery(DEPLOYER)), signal, {
      body: zip, headers: { 'content-type': 'application/zip' }, timeoutMs: 10 * 60_000,
    });
    if (res.status === 409) throw new DeploymentConflictError(this.app, errorText(res));
    if (res.status !== 200 && res.status !== 202) this.fail(res, 'The upload (zip deploy)');
    return { deploymentId: this.idOf(res, undefined), statusUrl: this.statusUrlOf(res) };
  }

  /** A deployment record (by URL, id, or `latest`); undefined while it does not exist yet (404). */
  async deployment(ref: { url?: string; id?: string }, signal?: AbortSignal): Promise<DeploymentRecord | undefined> {
    const url = ref.url ?? this.url(`/api/deployments/${encodeURIComponent(ref.id ?? 'latest')}`);
    const res = await this.call('GET', url, signal);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299) this.fail(res, 'Reading the deployment status');
    const text = res.text().trim();
    if (!text) return undefined;
    return JSON.parse(text) as DeploymentRecord;
  }

  async deployments(signal?: AbortSignal): Promise<DeploymentRecord[]> {
    const res = await this.call('GET', this.url('/api/deployments'), signal);
    if (res.status === 404) return [];
    if (res.status < 200 || res.status > 299) this.fail(res, 'Listing deployments');
    return res.json<DeploymentRecord[]>();
  }

  /** The log of a deployment: `GET /api/deployments/{id}/log`. */
  async deploymentLog(id: string, signal?: AbortSignal): Promise<DeploymentLogEntry[]> {
    const res = await this.call('GET', this.url(`/api/deployments/${encodeURIComponent(id)}/log`), signal);
    if (res.status === 404) return [];
    if (res.status < 200 || res.status > 299) this.fail(res, 'Reading the deployment log');
    const body = res.json<unknown>();
    return Array.isArray(body) ? body as DeploymentLogEntry[] : [];
  }

  /** The details of one log entry (its `details_url`, only on this scm site). */
  async logDetails(url: string, signal?: AbortSignal): Promise<DeploymentLogEntry[]> {
    const u = new URL(url, this.base);
    if (u.origin !== new URL(this.base).origin) return [];
    const res = await this.call('GET', u.toString(), signal);
    if (res.status < 200 || res.status > 299) return [];
    const body = res.json<unknown>();
    return Array.isArray(body) ? body as DeploymentLogEntry[] : [];
  }

  /**
   * The newest file-system log of a function (Windows plans write them under LogFiles/Application/Functions;
   * Linux and Flex apps log to Application Insights only). Undefined when the app has none.
   */
  async functionLog(functionName: string, signal?: AbortSignal): Promise<{ name: string; text: string } | undefined> {
    const dir = this.url(`/api/vfs/LogFiles/Application/Functions/Function/${encodeURIComponent(functionName)}/`);
    const list = await this.call('GET', dir, signal);
    if (list.status !== 200) return undefined;
    const files = list.json<{ name?: string; mtime?: string; href?: string }[]>().filter((f) => f.name && f.href && /\.log$/.test(f.name));
    files.sort((a, b) => (a.mtime ?? '').localeCompare(b.mtime ?? ''));
    const newest = files.at(-1);
    if (!newest?.href || new URL(newest.href, this.base).origin !== new URL(this.base).origin) return undefined;
    const res = await this.call('GET', newest.href, signal, { headers: { accept: 'text/plain' } });
    return res.status === 200 ? { name: newest.name!, text: res.text() } : undefined;
  }
}

/** The Function App's own host: `POST /admin/functions/{name}` runs a non-HTTP function now (Learn "Manually run…"). */
export async function runFunctionNow(defaultHost: string, functionName: string, masterKey: string, signal?: AbortSignal, onRetry?: (why: string, waitMs: number) => void): Promise<{ status: number; detail: string }> {
  const res = await restRequest({
    method: 'POST', url: `https://${defaultHost}/admin/functions/${encodeURIComponent(functionName)}`, signal,
    headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' }, body: JSON.stringify({ input: '' }),
  }, { service: `the host of ${defaultHost}`, onRetry, maxRetries: 3 });
  return { status: res.status, detail: res.status >= 300 ? errorText(res) : '' };
}
