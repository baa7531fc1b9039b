// The host side of a live tail: reads a hub through @azure/event-hubs and hands batches to a view.
// vscode-free, so the local-pipeline suite tests it against the real SDK and a real hub.
import type { EventHubConsumerClient, EventPosition, ReceivedEventData, Subscription } from '@azure/event-hubs';
import { decodeBody, type DecodedBody } from '../core/tail/body';
import { PartitionStats } from '../core/tail/stats';
import type { TailState } from '../protocol/tailProtocol';

export type StartPosition =
  | { kind: 'latest' }
  | { kind: 'earliest' }
  | { kind: 'enqueuedTime'; time: Date }
  | { kind: 'sequence'; sequenceNumber: number }
  | { kind: 'offset'; offset: string };

export interface TailEvent {
  partitionId: string;
  sequenceNumber: number;
  offset: string;
  enqueuedTime: Date;
  partitionKey?: string;
  body: DecodedBody;
  properties: Record<string, unknown>;
  systemProperties: Record<string, unknown>;
}

export type { TailState };

export interface TailOptions {
  client: () => Promise<EventHubConsumerClient>;
  start: StartPosition;
  /** Partitions to read; all when undefined. */
  partitions?: string[];
  onEvents(events: TailEvent[]): void;
  onState(state: TailState, detail?: string): void;
  maxBatchSize?: number;
}

/** How long a reconnect waits for the old subscription and client to close before abandoning them. */
const CLOSE_GRACE_MS = 3000;
/**
 * A subscription calls processEvents at least every maxWaitTimeInSeconds (1 s), with an empty batch when nothing
 * arrived. A partition silent for this long is stalled: the SDK can hang in its own reconnect (the core-amqp
 * defect described in restart()) without ever calling processError, so the tail starts over by itself.
 */
const STALL_MS = 15000;
/** How long one attempt to list partitions may take (the SDK retries inside it). */
const PARTITION_IDS_TIMEOUT_MS = 30000;

/** Settles like `p`, or rejects after `ms` with a message that names what timed out. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first; a late rejection is swallowed. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((r) => { timer = setTimeout(r, ms); })]);
  clearTimeout(timer);
}

export function eventPosition(start: StartPosition): EventPosition {
  switch (start.kind) {
    case 'latest': return { offset: '@latest' };
    case 'earliest': return { offset: '-1' };
    case 'enqueuedTime': return { enqueuedOn: start.time };
    case 'sequence': return { sequenceNumber: start.sequenceNumber, isInclusive: true };
    case 'offset': return { offset: start.offset, isInclusive: true };
  }
}

function toTailEvent(partitionId: string, e: ReceivedEventData): TailEvent {
  return {
    partitionId,
    sequenceNumber: e.sequenceNumber,
    offset: String(e.offset),
    enqueuedTime: e.enqueuedTimeUtc,
    partitionKey: e.partitionKey ?? undefined,
    body: decodeBody(e.body),
    properties: e.properties ?? {},
    systemProperties: e.systemProperties ?? {},
  };
}

/**
 * One tail of one hub. Never sets an owner level (a tail must not steal a production reader's link). After a
 * dropped connection it resumes each partition after the last sequence number it delivered: no gap, and
 * events at or below that number are never delivered twice.
 */
export class TailSession {
  readonly stats = new Map<string, PartitionStats>();
  private readonly last = new Map<string, number>();
  private client: EventHubConsumerClient | undefined;
  private subscription: Subscription | undefined;
  private state: TailState = 'connecting';
  private stopped = false;
  private restarting = false;
  private wantPaused = false;
  private transition: Promise<void> = Promise.resolve();
  private generation = 0;
  /** Last time each subscribed partition called back (events or the empty heartbeat). */
  private readonly beats = new Map<string, number>();
  private watchdog: NodeJS.Timeout | undefined;
  /** Ends the wait of a reconnect that is backing off (reconnectNow). */
  private wake: (() => void) | undefined;

  constructor(private readonly opts: TailOptions) {}

  get currentState(): TailState { return this.state; }

  /** The sequence number last delivered per partition. */
  get positions(): ReadonlyMap<string, number> { return this.last; }

  async start(): Promise<void> {
    this.setState('connecting');
    // Queued like a Resume: a Pause clicked while the first connection is still being made waits for it, then closes it.
    await this.queued(() => this.subscribe());
  }

  /** Stops reading; resume() continues after the last delivered event (or where the partition was at pause). */
  pause(): Promise<void> {
    this.wantPaused = true;
    return this.settle();
  }

  resume(): Promise<void> {
    this.wantPaused = false;
    return this.settle();
  }

  /**
   * Pause and Resume come as fast as a user clicks, and each takes a round trip to the hub. They run one after
   * the other, and each does what the latest click asked for: a Resume clicked while the pause is still closing
   * its links is not dropped (it was, and the tail stayed paused under a "Pause" button).
   */
  private settle(): Promise<void> {
    return this.queued(() => (this.wantPaused ? this.doPause() : this.doResume()));
  }

  /** Runs step after every transition already queued: pause, resume and a reconnect's own steps never interleave. */
  private queued(step: () => Promise<void>): Promise<void> {
    const run = this.transition.then(step);
    this.transition = run.catch(() => undefined);
    return run;
  }

  private async doPause(): Promise<void> {
    if (this.stopped || this.state === 'paused') return;
    await this.closeSubscription();
    try {
      // A partition that delivered nothing yet must not resume at "latest": that would skip what arrives meanwhile.
      if (this.client) {
        const client = this.client;
        for (const id of this.opts.partitions ?? await within(client.getPartitionIds(), PARTITION_IDS_TIMEOUT_MS, 'Listing the hub\'s partitions')) {
          if (this.last.has(id)) continue;
          const p = await within(client.getPartitionProperties(id), PARTITION_IDS_TIMEOUT_MS, `Reading partition ${id}`);
          this.last.set(id, p.isEmpty ? -1 : p.lastEnqueuedSequenceNumber);
        }
      }
    } finally {
      // The links are closed either way: say so, so that Resume reopens them (unless stop() ended it meanwhile).
      if (!this.stopped) this.setState('paused');
    }
  }

  private async doResume(): Promise<void> {
    if (this.stopped || this.state !== 'paused') return;
    this.setState('connecting');
    await this.subscribe();
  }

  /**
   * Starts over now from the last delivered events, because the hub is back (Eventline restarted its local
   * pipeline). Left to itself the SDK's link can sit in its own reconnect until the watchdog finds the partitions
   * silent (STALL_MS, 15 s), and a reconnect of ours can be waiting out its backoff (up to 5 s).
   */
  reconnectNow(reason: string): void {
    if (this.stopped || this.wantPaused || this.state === 'paused') return;
    this.setState('reconnecting', reason);
    if (this.restarting) this.wake?.();
    else void this.restart();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await settleWithin(this.closeSubscription(), CLOSE_GRACE_MS);
    await settleWithin(this.closeClient(), CLOSE_GRACE_MS);
    this.setState('stopped');
  }

  private setState(state: TailState, detail?: string): void {
    if (this.state === state && detail === undefined) return;
    this.state = state;
    this.opts.onState(state, detail);
  }

  private positionFor(partitionId: string): EventPosition {
    const last = this.last.get(partitionId);
    return last !== undefined ? { sequenceNumber: last, isInclusive: false } : eventPosition(this.opts.start);
  }

  private async subscribe(): Promise<void> {
    if (!this.client) {
      const client = await this.opts.client();
      // Stopped while the client was being made: stop() could not close it, so nothing may open on it.
      if (this.stopped) {
        await settleWithin(client.close(), CLOSE_GRACE_MS);
        return;
      }
      this.client = client;
    }
    // Raced rather than aborted: aborting a request whose link already dropped is what trips the SDK bug described in restart().
    const ids = this.opts.partitions ?? await within(this.client.getPartitionIds(), PARTITION_IDS_TIMEOUT_MS, 'Listing the hub\'s partitions');
    if (this.stopped) return;
    const generation = ++this.generation;
    // A subscription abandoned by a reconnect may still call back; only the current one may report or restart.
    const current = () => generation === this.generation && !this.stopped;
    const startPosition: Record<string, EventPosition> = {};
    for (const id of ids) startPosition[id] = this.positionFor(id);
    this.beats.clear();
    const now = Date.now();
    for (const id of ids) this.beats.set(id, now);
    this.startWatchdog(current);
    const handlers = {
      processInitialize: async (context: { partitionId: string }) => {
        if (!current()) return;
        this.beats.set(context.partitionId, Date.now());
        this.setState('live');
      },
      processEvents: async (events: ReceivedEventData[], context: { partitionId: string; lastEnqueuedEventProperties?: { sequenceNumber?: number } }) => {
        if (!current()) return;
        const id = context.partitionId;
        this.beats.set(id, Date.now());
        const stats = this.stats.get(id) ?? new PartitionStats();
        this.stats.set(id, stats);
        stats.observeLastEnqueued(context.lastEnqueuedEventProperties?.sequenceNumber);
        if (events.length === 0) return;
        const seen = this.last.get(id) ?? -1;
        const fresh = events.filter((e) => e.sequenceNumber > seen);
        if (fresh.length === 0) return;
        const lastSeq = fresh[fresh.length - 1].sequenceNumber;
        this.last.set(id, lastSeq);
        stats.record(fresh.length, lastSeq, Date.now());
        if (this.state !== 'live' && !this.stopped) this.setState('live');
        this.opts.onEvents(fresh.map((e) => toTailEvent(id, e)));
      },
      processError: async (err: Error) => {
        if (!current()) return;
        this.setState('reconnecting', err.message);
        // The SDK retries on its own; if its link is gone for good, start again from the last delivered events.
        if (/(not found|could not be found|unauthorized)/i.test(err.message)) return;
        void this.restart();
      },
    };
    const subscribeOptions = { startPosition, maxBatchSize: this.opts.maxBatchSize ?? 500, maxWaitTimeInSeconds: 1, trackLastEnqueuedEventProperties: true };
    this.subscription = ids.length === 1 && this.opts.partitions
      ? this.client.subscribe(ids[0], handlers, subscribeOptions)
      : this.client.subscribe(handlers, subscribeOptions);
  }

  private startWatchdog(current: () => boolean): void {
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      if (!current() || this.restarting || this.state === 'paused') return;
      const now = Date.now();
      const stalled = [...this.beats].find(([, at]) => now - at > STALL_MS);
      if (!stalled) return;
      this.setState('reconnecting', `partition ${stalled[0]} has been silent for ${Math.round((now - stalled[1]) / 1000)} s; reconnecting`);
      void this.restart();
    }, 1000);
    this.watchdog.unref?.();
  }

  private async restart(): Promise<void> {
    if (this.restarting || this.stopped) return;
    this.restarting = true;
    try {
      // @azure/core-amqp 4.4/4.5 can leave a close() pending forever when a request is aborted after its link
      // dropped (its abort listener throws before rejecting; src/azure/amqpLinkFix.ts guards the getter that throws).
      // Waiting on a close would freeze the tail for good if one still hung, so the old subscription and client get a
      // grace period and are then abandoned.
      await this.queued(async () => {
        await settleWithin(this.closeSubscription(), CLOSE_GRACE_MS);
        await settleWithin(this.closeClient(), CLOSE_GRACE_MS);
      });
      for (let attempt = 0; !this.stopped; attempt++) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, Math.min(5000, 250 * 2 ** attempt));
        });
        this.wake = undefined;
        // In the queue, so a Pause clicked while this subscribes waits for it and then closes what it opened (it
        // used to close nothing, and the tail went live under a "Resume" button). Nothing to do if the user paused
        // meanwhile (Resume subscribes afresh) or paused and resumed (that Resume has subscribed).
        let done = false;
        await this.queued(async () => {
          if (this.wantPaused || this.stopped || this.subscription) { done = true; return; }
          try {
            await this.subscribe();
            done = true;
          } catch (e) {
            this.setState('reconnecting', e instanceof Error ? e.message : String(e));
            await settleWithin(this.closeClient(), CLOSE_GRACE_MS);
          }
        });
        if (done) return;
      }
    } finally {
      this.restarting = false;
    }
  }

  private async closeClient(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.close().catch(() => undefined);
  }

  private async closeSubscription(): Promise<void> {
    const s = this.subscription;
    this.subscription = undefined;
    this.generation++;
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    if (s) await s.close();
  }
}
