import { ServiceError } from '../core/errors';
import { httpGet, withTimeout } from './http';

export interface FabricWorkspace { id: string; displayName: string; description?: string; capacityId?: string }
export interface FabricItem { id: string; displayName: string; description?: string; workspaceId: string }
export interface FabricEventhouse extends FabricItem { properties?: { queryServiceUri?: string; ingestionServiceUri?: string; databasesItemIds?: string[] } }
export interface FabricKqlDatabase extends FabricItem { properties?: { parentEventhouseItemId?: string; queryServiceUri?: string; ingestionServiceUri?: string; databaseType?: string } }

interface Page<T> { value?: T[]; continuationToken?: string | null; continuationUri?: string | null }

/**
 * The few Fabric REST calls the tree needs (there is no Fabric SDK for Node). Follows `continuationToken` paging,
 * one request per page, and turns errors into messages that name the call.
 */
export class FabricClient {
  constructor(
    private readonly endpoint: string,
    private readonly token: (signal: AbortSignal) => Promise<string>,
    private readonly timeoutMs: number,
  ) {}

  listWorkspaces(signal?: AbortSignal): Promise<FabricWorkspace[]> {
    return this.list<FabricWorkspace>('/v1/workspaces', signal);
  }

  listEventhouses(workspaceId: string, signal?: AbortSignal): Promise<FabricEventhouse[]> {
    return this.list<FabricEventhouse>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/eventhouses`, signal);
  }

  listKqlDatabases(workspaceId: string, signal?: AbortSignal): Promise<FabricKqlDatabase[]> {
    return this.list<FabricKqlDatabase>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/kqlDatabases`, signal);
  }

  private async list<T>(path: string, signal?: AbortSignal): Promise<T[]> {
    const out: T[] = [];
    let url: string | undefined = `${this.endpoint}${path}`;
    for (let pages = 0; url; pages++) {
      if (pages > 1000) throw new ServiceError('Fabric', undefined, `Fabric kept returning pages for ${path}; stopped after 1000.`);
      const page: Page<T> = await this.get<Page<T>>(url, signal);
      out.push(...(page.value ?? []));
      if (page.continuationUri) url = page.continuationUri;
      else if (page.continuationToken) url = `${this.endpoint}${path}?continuationToken=${encodeURIComponent(page.continuationToken)}`;
      else url = undefined;
    }
    return out;
  }

  private get<T>(url: string, signal?: AbortSignal): Promise<T> {
    return withTimeout('Fabric', this.timeoutMs, signal, async (s) => {
      const token = await this.token(s);
      const res = await httpGet(url, { authorization: `Bearer ${token}`, accept: 'application/json' }, s);
      const text = res.text;
      if (res.status < 200 || res.status > 299) {
        let detail = '';
        try {
          const body = JSON.parse(text) as { errorCode?: string; message?: string };
          detail = [body.errorCode, body.message].filter(Boolean).join(': ');
        } catch { /* not JSON */ }
        throw new ServiceError('Fabric', res.status, `Fabric answered ${res.status} for GET ${new URL(url).pathname}${detail ? ` (${detail})` : ''}.`, typeof res.headers.requestid === 'string' ? res.headers.requestid : undefined);
      }
      return JSON.parse(text) as T;
    });
  }
}
