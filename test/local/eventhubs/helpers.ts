// Helpers for the local Event Hubs tests: receive with the real SDK until a count or a deadline, call the control API.
import {
  EventHubConsumerClient,
  type EventPosition,
  type ReceivedEventData,
  type SubscribeOptions,
} from '@azure/event-hubs';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface Got { partitionId: string; event: ReceivedEventData }

/** Subscribes (all partitions, or one) and resolves once `count` events arrived or `timeoutMs` passed. */
export async function receive(
  consumer: EventHubConsumerClient,
  count: number,
  opts: { partitionId?: string; startPosition?: EventPosition | Record<string, EventPosition>; timeoutMs?: number; untilError?: boolean; extra?: SubscribeOptions } = {},
): Promise<{ events: Got[]; errors: Error[] }> {
  const events: Got[] = [];
  const errors: Error[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => { done = r; });
  const handlers = {
    processEvents: (batch: ReceivedEventData[], ctx: { partitionId: string }) => {
      for (const event of batch) events.push({ partitionId: ctx.partitionId, event });
      if (events.length >= count) done();
      return Promise.resolve();
    },
    processError: (err: Error) => { errors.push(err); if (opts.untilError) done(); return Promise.resolve(); },
  };
  const options: SubscribeOptions = { maxWaitTimeInSeconds: 0.2, maxBatchSize: 500, ...(opts.startPosition ? { startPosition: opts.startPosition } : {}), ...opts.extra };
  const sub = opts.partitionId === undefined ? consumer.subscribe(handlers, options) : consumer.subscribe(opts.partitionId, handlers, options);
  const timer = setTimeout(done, opts.timeoutMs ?? 10_000);
  if (count === 0) done();
  await finished;
  clearTimeout(timer);
  await sub.close();
  return { events, errors };
}

export async function control(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${p}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) as unknown : undefined };
}

/** The SDK's own client-side key mapping (what EventHubBufferedProducerClient uses). */
export function sdkMapPartitionKeyToId(key: string, count: number): number {
  const dir = path.dirname(require.resolve('@azure/event-hubs'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(dir, 'impl', 'partitionKeyToIdMapper.js')) as { mapPartitionKeyToId(k: string, n: number): number };
  return mod.mapPartitionKeyToId(key, count);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a client script in its own node process, as a user's app would (NODE_EXTRA_CA_CERTS is read only when node
 * starts, so a client that trusts the local CA cannot run in the test process). The script prints one JSON line
 * last; that is the result.
 */
export function runClient<T>(script: string, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../../..'), env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      try { resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as T); } catch { reject(new Error(`client printed no result:\n${out}\n${err}`)); }
    });
  });
}
