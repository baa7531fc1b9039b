// Helpers for the connector tests: a pipeline started from an eventline.json with connections, the unchanged
// azure-kusto-data Client and EventHubProducerClient against it, the typed control API, and waiting on conditions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventHubProducerClient, type EventData } from '@azure/event-hubs';
import { Client } from 'azure-kusto-data';
import type { ConnectionFailureList, ConnectionList, ConnectionStatus } from '../../../src/protocol/controlApi';
import { CONTROL_PATHS } from '../../../src/protocol/controlApi';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';

export interface Env {
  pipeline: LocalPipeline;
  kusto: Client;
  producer(hub?: string): EventHubProducerClient;
  /** A query or command; rows as objects (datetimes as the wire's strings). */
  rows(csl: string): Promise<Record<string, unknown>[]>;
  mgmt(csl: string): Promise<void>;
  connections(): Promise<ConnectionStatus[]>;
  connection(name: string): Promise<ConnectionStatus>;
  failures(name: string, limit?: number): Promise<ConnectionFailureList['failures']>;
  control(method: string, p: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined; fails with `what` (and the last value seen) after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, describe?: () => Promise<string>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await sleep(100);
  }
}

export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = path.join(dir, 'eventline.json');
  fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'connector-test', ...config }, null, 2));
  return file;
}

/** Starts the CLI with this eventline.json (in a new folder, or the data folder given, to restart on it). */
export async function startEnv(config: Record<string, unknown>, dataDir?: string): Promise<Env> {
  const dir = dataDir ? path.dirname(dataDir) : tempDataDir('eventline-connector-');
  const file = writeConfig(dir, config);
  const pipeline = await startLocalPipeline({ dataDir: dataDir ?? path.join(dir, 'data'), args: ['--config', file] });
  return envFor(pipeline);
}

export function envFor(pipeline: LocalPipeline): Env {
  const kusto = new Client(pipeline.ready.eventhouse.uri);
  const db = pipeline.ready.eventhouse.database;
  const producers: EventHubProducerClient[] = [];
  const control = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${pipeline.ready.control}${p}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) as unknown : undefined };
  };
  const rows = async (csl: string) => {
    const r = csl.trim().startsWith('.') ? await kusto.executeMgmt(db, csl) : await kusto.execute(db, csl);
    const t = r.primaryResults[0];
    t.dateTimeParser = (s: string | null) => s;
    return t.toJSON<Record<string, unknown>>().data;
  };
  const connections = async () => ((await control('GET', CONTROL_PATHS.connections)).body as ConnectionList).connections;
  return {
    pipeline, kusto, rows, control, connections,
    producer(hub = 'telemetry') {
      const p = new EventHubProducerClient(pipeline.ready.eventHubs.connectionString, hub);
      producers.push(p);
      return p;
    },
    async mgmt(csl) { await kusto.executeMgmt(db, csl); },
    async connection(name) {
      const r = await control('GET', CONTROL_PATHS.connection(name));
      if (r.status !== 200) throw new Error(`GET ${CONTROL_PATHS.connection(name)}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as ConnectionStatus;
    },
    async failures(name, limit = 100) {
      return ((await control('GET', `${CONTROL_PATHS.connectionFailures(name)}?limit=${limit}`)).body as ConnectionFailureList).failures;
    },
    async close() {
      await Promise.all(producers.splice(0).map((p) => p.close().catch(() => undefined)));
      kusto.close();
      await pipeline.stop();
    },
  };
}

/** Sends events to one partition in SDK batches (as many per batch as fit). */
export async function sendAll(producer: EventHubProducerClient, events: EventData[], partitionId: string): Promise<void> {
  let batch = await producer.createBatch({ partitionId });
  for (const e of events) {
    if (batch.tryAdd(e)) continue;
    await producer.sendBatch(batch);
    batch = await producer.createBatch({ partitionId });
    if (!batch.tryAdd(e)) throw new Error('an event does not fit in an empty batch');
  }
  if (batch.count) await producer.sendBatch(batch);
}

/** The count a query's first row holds in its first column. */
export async function count(env: Env, csl: string): Promise<number> {
  const [row] = await env.rows(csl);
  return Number(Object.values(row)[0]);
}
