// Management commands run one at a time against one database, on a client of their own so that closing it aborts
// the command in flight (azure-kusto-data cancels requests only by closing the whole client).
import { randomUUID } from 'node:crypto';
import type { Client as KustoClient } from 'azure-kusto-data';
import { closeKustoQueryClient, kustoQueryClient } from '../azure/clients';
import { isNotSignedIn } from '../core/errors';
import { kqlErrorFromBody } from '../core/kql/queryError';
import type { ResolvedKusto } from './eventhouse';

export type CommandRow = Record<string, unknown>;

/** A command the service refused, in its own words. */
export class KustoCommandError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'KustoCommandError';
  }
}

export class KustoCommandSession {
  private closed = false;

  private constructor(readonly target: ResolvedKusto, private readonly client: KustoClient, private readonly timeoutMs: number) {}

  static async open(target: ResolvedKusto, timeoutMs: number): Promise<KustoCommandSession> {
    return new KustoCommandSession(target, await kustoQueryClient(target.uri, target.credential), timeoutMs);
  }

  get database(): string { return this.target.ref.database; }

  /** Runs one management command; resolves with the rows of its first table. */
  async run(command: string): Promise<CommandRow[]> {
    if (this.closed) throw cancelled();
    const { ClientRequestProperties } = await import('azure-kusto-data');
    const props = new ClientRequestProperties();
    props.clientRequestId = `Eventline.Schema;${randomUUID()}`;
    props.application = 'Eventline';
    props.setTimeout(this.timeoutMs);
    try {
      const res = await this.client.executeMgmt(this.database, command, props);
      const table = res.primaryResults[0];
      const out: CommandRow[] = [];
      if (table) for (const r of table.rows()) out.push(r.toJSON<CommandRow>());
      return out;
    } catch (e) {
      if (this.closed) throw cancelled();
      throw explain(e, this.target.uri, this.database);
    }
  }

  /** Aborts the command in flight (if any) and frees the client's sockets; later run() calls fail as cancelled. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeKustoQueryClient(this.client);
  }
}

function cancelled(): Error {
  const e = new Error('Cancelled');
  e.name = 'AbortError';
  return e;
}

function explain(e: unknown, uri: string, database: string): Error {
  if (isNotSignedIn(e)) return e as Error;
  const response = (e as { response?: { status?: number; data?: unknown } }).response;
  const info = response ? kqlErrorFromBody(response.data) : undefined;
  if (info) return new KustoCommandError(info.message, info.code);
  const message = e instanceof Error ? e.message : String(e);
  if (response?.status === 401) return new Error(`${uri} did not accept the sign-in (401). Run "Eventline: Sign In", or pick the right tenant.`);
  if (response?.status === 403) return new Error(`Database "${database}" on ${uri} refused the command (403): schema changes need the Database Admin role (or Table Admin on the tables).`);
  if (/ECONNREFUSED/.test(message) || (e as { code?: unknown }).code === 'ECONNREFUSED') return new Error(`Nothing is listening at ${uri} (connection refused). If this is the local Eventhouse, start it with "Eventline: Start Local Pipeline".`);
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return new Error(`The host of ${uri} does not resolve. Check the cluster URI and the network.`);
  if (/timeout|ECONNABORTED/i.test(message)) return new Error(`${uri} did not answer in time.`);
  return new Error(`The command to ${uri} failed: ${message}`);
}
