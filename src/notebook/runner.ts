import type * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { closeKustoQueryClient, kustoQueryClient } from '../azure/clients';
import { isNotSignedIn } from '../core/errors';
import { KqlQueryError, kqlErrorFromBody } from '../core/kql/queryError';
import { shapeResponse, type ShapeResult } from '../core/kql/resultShape';
import type { KqlConnectionRef } from '../core/kql/schemaSource';
import { changesSchema, type KqlConnections } from './connections';

export type RunOutcome =
  | { kind: 'done'; result: ShapeResult }
  | { kind: 'cancelled'; clientRequestId: string; elapsedMs: number };

export interface RunOptions {
  token: vscode.CancellationToken;
  timeoutSeconds: number;
  executionOrder?: number;
  log: vscode.LogOutputChannel;
}

/**
 * Runs one query or management command against a connection and shapes the answer.
 *
 * Each run gets its own client, because azure-kusto-data aborts requests only by closing a client. Cancel closes
 * it (the HTTP request is dropped, which the local Eventhouse and the service notice) and also sends
 * `.cancel query "<client request id>"` so the service stops work it already started.
 */
export async function runKql(connections: KqlConnections, ref: KqlConnectionRef, query: string, opts: RunOptions): Promise<RunOutcome> {
  const clientRequestId = `Eventline.Query;${randomUUID()}`;
  const started = performance.now();
  const cancelled = (): RunOutcome => ({ kind: 'cancelled', clientRequestId, elapsedMs: performance.now() - started });
  if (opts.token.isCancellationRequested) return cancelled();
  const resolved = await connections.resolve(ref);
  const { ClientRequestProperties } = await import('azure-kusto-data');
  const props = new ClientRequestProperties();
  props.clientRequestId = clientRequestId;
  props.application = 'Eventline';
  // raw: the frames as sent, so the shaping (and its tests) see exactly what the service returned.
  props.raw = true;
  props.setTimeout(opts.timeoutSeconds * 1000);
  const client = await kustoQueryClient(resolved.uri, resolved.credential);
  const isCommand = query.startsWith('.');
  let onCancel: vscode.Disposable | undefined;
  const stopped = new Promise<'cancelled'>((resolve) => {
    onCancel = opts.token.onCancellationRequested(() => {
      client.close();
      void cancelOnService(connections, ref, clientRequestId, opts.log);
      resolve('cancelled');
    });
  });
  try {
    const request = isCommand ? client.executeMgmt(ref.database, query, props) : client.executeQuery(ref.database, query, props);
    // The request is aborted above; racing only makes the cell end at once even while a token is still being fetched.
    request.catch(() => undefined);
    const raw = await Promise.race([request, stopped]);
    if (raw === 'cancelled' || opts.token.isCancellationRequested) return cancelled();
    const elapsedMs = performance.now() - started;
    const result = shapeResponse(raw, {
      cluster: resolved.uri, database: ref.database, clientRequestId, elapsedMs: Math.round(elapsedMs),
      ...(opts.executionOrder !== undefined ? { executionOrder: opts.executionOrder } : {}),
    });
    if (isCommand && changesSchema(query)) connections.invalidate(ref);
    return { kind: 'done', result };
  } catch (e) {
    if (opts.token.isCancellationRequested) return cancelled();
    throw explain(e, resolved.uri, ref.database);
  } finally {
    onCancel?.dispose();
    closeKustoQueryClient(client);
  }
}

async function cancelOnService(connections: KqlConnections, ref: KqlConnectionRef, clientRequestId: string, log: vscode.LogOutputChannel): Promise<void> {
  try {
    const { client } = await connections.sharedClient(ref);
    await client.executeMgmt(ref.database, `.cancel query "${clientRequestId}"`);
    log.info(`Asked ${ref.database} to cancel ${clientRequestId}.`);
  } catch (e) {
    // The query may already be over, or the principal may lack the right to cancel; the request is dropped anyway.
    log.info(`.cancel query for ${clientRequestId} was not accepted: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The service's own message for query errors; a readable next step for transport failures. */
function explain(e: unknown, uri: string, database: string): Error {
  if (e instanceof KqlQueryError || isNotSignedIn(e)) return e as Error;
  const response = (e as { response?: { status?: number; data?: unknown } }).response;
  const info = response ? kqlErrorFromBody(response.data) : undefined;
  if (info) return new KqlQueryError(info);
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  if (response?.status === 401) return new Error(`${uri} did not accept the sign-in (401). Run "Eventline: Sign In", or pick the right tenant with "Eventline: Select Tenant".`);
  if (response?.status === 403) return new Error(`Access to database "${database}" on ${uri} was denied (403): your account needs at least the viewer role on it.`);
  if (response?.status === 404) return new Error(`${uri} has no Kusto query endpoint (404). Check the cluster URI with "Eventline: Select KQL Connection".`);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return new Error(`Nothing is listening at ${uri} (connection refused). If this is the local Eventhouse, start it with "Eventline: Start Local Pipeline".`);
  if (code === 'ENOTFOUND' || /ENOTFOUND|EAI_AGAIN/.test(message)) return new Error(`The host of ${uri} does not resolve. Check the cluster URI and the network.`);
  if (code === 'ECONNABORTED' || /timeout/i.test(message)) return new Error(`${uri} did not answer in time. Raise "eventline.query.timeoutSeconds" or make the query cheaper.`);
  return new Error(`The query to ${uri} failed: ${message}`);
}
