import type * as rhea from 'rhea';
import { encodeDelivery, runtimeMetrics } from './delivery';
import type { PartitionLog } from './partitionLog';

/** A client's receiver on `hub/ConsumerGroups/<cg>/Partitions/<n>`: streams the log from a position, within credit. */
export class Subscription {
  private next: number;
  private closed = false;
  private readonly detach: () => void;

  constructor(readonly sender: rhea.Sender, readonly log: PartitionLog, start: number, readonly metrics: boolean, readonly epoch: number | undefined) {
    this.next = start;
    this.detach = log.onAppend(() => this.pump());
  }

  pump(): void {
    if (this.closed) return;
    this.fill();
  }

  private fill(): void {
    const sender = this.sender;
    while (sender.sendable()) {
      this.next = this.log.clampSeq(this.next);
      const events = this.log.read(this.next, Math.min(256, Math.max(1, (sender as unknown as { credit: number }).credit)));
      if (events.length === 0) return;
      for (const ev of events) {
        if (!sender.sendable()) return;
        sender.send(encodeDelivery(ev, this.metrics ? runtimeMetrics(this.log) : undefined), undefined, 0);
        this.next = ev.seq + 1;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.detach();
  }
}

/** Reads the selector filter string (`amqp.annotation.x-opt-… > '…'`) from a receiver's source, if any. */
export function readFilter(filter: unknown): string | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  for (const v of Object.values(filter as Record<string, unknown>)) {
    if (typeof v === 'string') return v;
    const inner = (v as { value?: unknown } | null)?.value;
    if (typeof inner === 'string') return inner;
  }
  return undefined;
}

/** Where a new receiver starts, from its filter; no filter reads from the start like Azure. */
export function startPosition(filter: string | undefined, log: PartitionLog): number {
  if (filter === undefined) return log.firstSeq;
  const m = /^\s*amqp\.annotation\.x-opt-(offset|sequence-number|enqueued-time)\s*(>=|>)\s*'([^']*)'\s*$/i.exec(filter);
  if (!m) throw new Error(`Unsupported receiver filter "${filter}"; use amqp.annotation.x-opt-offset, x-opt-sequence-number or x-opt-enqueued-time with > or >=.`);
  const [, field, op, value] = m;
  const inclusive = op === '>=';
  if (field.toLowerCase() === 'offset') {
    if (value === '@latest') return log.nextSeq;
    const offset = Number(value);
    if (!Number.isFinite(offset)) throw new Error(`The offset '${value}' in the receiver filter is not a number.`);
    if (offset < 0) return log.firstSeq;
    return log.clampSeq(log.seqAfterOffset(offset, inclusive));
  }
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`The value '${value}' in the receiver filter is not a number.`);
  if (field.toLowerCase() === 'sequence-number') return log.clampSeq(inclusive ? Math.ceil(n) : Math.floor(n) + 1);
  return log.clampSeq(log.seqAfterTime(inclusive ? n - 1 : n));
}
