/** Per-partition numbers the tail shows: totals, events per second over a sliding window, and lag. */
export class PartitionStats {
  received = 0;
  lastReceivedSequence = -1;
  lastEnqueuedSequence = -1;
  /** Counts per 100 ms bucket, oldest first: memory stays flat whatever the event rate. */
  private readonly buckets: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  /** Records received events at `now`. */
  record(count: number, lastSequence: number, now: number): void {
    this.received += count;
    this.lastReceivedSequence = Math.max(this.lastReceivedSequence, lastSequence);
    const at = now - (now % 100);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.at === at) last.count += count; else this.buckets.push({ at, count });
    this.trim(now);
  }

  /** What the service says was last enqueued (runtime metrics or getPartitionProperties). */
  observeLastEnqueued(sequence: number | undefined): void {
    if (sequence !== undefined && sequence > this.lastEnqueuedSequence) this.lastEnqueuedSequence = sequence;
  }

  /** Events per second over the window ending at `now`. */
  rate(now: number): number {
    this.trim(now);
    return this.buckets.reduce((n, b) => n + b.count, 0) / (this.windowMs / 1000);
  }

  /** Events enqueued but not yet received; 0 when unknown or caught up. */
  get lag(): number {
    return this.lastEnqueuedSequence < 0 ? 0 : Math.max(0, this.lastEnqueuedSequence - this.lastReceivedSequence);
  }

  private trim(now: number): void {
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop].at <= now - this.windowMs) drop++;
    if (drop) this.buckets.splice(0, drop);
  }
}
