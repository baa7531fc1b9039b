/**
 * A fixed-size buffer that keeps the newest items. Counts stay exact when it overflows: `dropped` says how many
 * items left the buffer, so a view can say "N older events dropped from view".
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private length = 0;
  /** Items ever pushed. */
  total = 0;
  /** Items pushed out by newer ones (or removed by clear()). */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Ring buffer capacity must be a positive integer, not ${capacity}.`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number { return this.length; }

  push(item: T): void {
    this.total++;
    if (this.length < this.capacity) {
      this.items[(this.start + this.length) % this.capacity] = item;
      this.length++;
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    this.dropped++;
  }

  /** The i-th oldest item still held. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return this.items[(this.start + i) % this.capacity];
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.dropped += this.length;
    this.items.fill(undefined);
    this.start = 0;
    this.length = 0;
  }
}
