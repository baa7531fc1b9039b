// The last events of a hub, spread over its partitions, for the schema drift check: read once from a sequence number
// near each partition's end, with a consumer that never sets an owner level (it must not take a production reader's
// place) and bodies left as bytes (the SDK would otherwise parse JSON, and a table loads bytes, not the SDK's view).
import type { PartitionProperties, SubscribeOptions, Subscription } from '@azure/event-hubs';
import { UserCancelledError } from '../core/errors';
import { eventHubConsumerClient, type EventHubTarget } from './clients';

export interface HubSample {
  events: { id: string; text: string }[];
  /** Partitions that did not hand over all their events in time, with how many arrived. */
  incomplete: string[];
  /** Older events let go to stay within the byte budget (1 MB events × 500 would be half a gigabyte). */
  dropped: number;
}

/** The body text a sample keeps by default. */
export const SAMPLE_MAX_BYTES = 64 * 1024 * 1024;

export interface SampleOptions {
  /** How long the partitions have to deliver their last events; a hub that answers at all does so in well under this. */
  timeoutMs?: number;
  /** The most body text kept; past it, each partition lets its oldest events go. */
  maxBytes?: number;
}

function bodyText(body: unknown): string {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (typeof body === 'string') return body;
  return JSON.stringify(body) ?? '';
}

export async function sampleHub(target: EventHubTarget, count: number, signal: AbortSignal, opts: SampleOptions = {}): Promise<HubSample> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const maxBytes = opts.maxBytes ?? SAMPLE_MAX_BYTES;
  const client = await eventHubConsumerClient(target, '$Default');
  const subscriptions: Subscription[] = [];
  try {
    let props: PartitionProperties[];
    try {
      const ids = await client.getPartitionIds({ abortSignal: signal });
      props = (await Promise.all(ids.map((id) => client.getPartitionProperties(id, { abortSignal: signal })))).filter((p) => !p.isEmpty);
    } catch (e) {
      if (signal.aborted) throw new UserCancelledError();
      throw new Error(`Could not read the partitions of ${target.hub}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!props.length) return { events: [], incomplete: [], dropped: 0 };
    const per = Math.max(1, Math.ceil(count / props.length));
    const byPartition = new Map<string, { id: string; text: string }[]>();
    let firstError: string | undefined;
    let bytes = 0;
    let dropped = 0;
    const complete = new Set<string>();
    const done = props.map((p) => new Promise<void>((resolve) => {
      // A partition with events has beginning ≤ last, so this start is never past its end.
      const from = Math.max(p.beginningSequenceNumber, p.lastEnqueuedSequenceNumber - per + 1);
      const got: { id: string; text: string }[] = [];
      byPartition.set(p.partitionId, got);
      subscriptions.push(client.subscribe(p.partitionId, {
        processEvents: async (events) => {
          for (const e of events) {
            if (e.sequenceNumber > p.lastEnqueuedSequenceNumber) continue;
            const text = bodyText(e.body);
            got.push({ id: `partition ${p.partitionId}, sequence ${e.sequenceNumber}`, text });
            bytes += text.length;
            while (bytes > maxBytes && got.length > 1) {
              bytes -= got.shift()!.text.length;
              dropped++;
            }
          }
          if (events.some((e) => e.sequenceNumber >= p.lastEnqueuedSequenceNumber)) {
            complete.add(p.partitionId);
            resolve();
          }
        },
        processError: async (err) => { firstError ??= err instanceof Error ? err.message : String(err); },
      }, { startPosition: { sequenceNumber: from, isInclusive: true }, maxBatchSize: Math.min(per, 100), maxWaitTimeInSeconds: 1, skipParsingBodyAsJson: true } satisfies SubscribeOptions));
    }));
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const finished = await Promise.race([
      Promise.all(done).then(() => 'done' as const),
      new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); }),
      new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]).finally(() => {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    });
    if (finished === 'aborted') throw new UserCancelledError();
    const events = props.flatMap((p) => byPartition.get(p.partitionId) ?? []);
    const incomplete = props.filter((p) => !complete.has(p.partitionId)).map((p) => `partition ${p.partitionId} (${byPartition.get(p.partitionId)?.length ?? 0} read)`);
    if (!events.length && finished === 'timeout') {
      throw new Error(`No event arrived from ${target.hub} within ${timeoutMs / 1000} s${firstError ? `: ${firstError}` : ''}. Check that the hub is reachable and that you may read it (role "Azure Event Hubs Data Receiver").`);
    }
    return { events, incomplete, dropped };
  } finally {
    await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
    await client.close().catch(() => undefined);
  }
}
