/** Ingestion latencies (enqueued → committed) of the last `size` events, for p50/p95 on demand. */
export class LatencyWindow {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(size = 10_000) {
    this.values = new Float64Array(size);
  }

  add(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    if (this.count < this.values.length) this.count++;
  }

  /** Nearest-rank percentiles, or nulls before the first event. */
  percentiles(): { p50: number | null; p95: number | null; samples: number } {
    if (!this.count) return { p50: null, p95: null, samples: 0 };
    const sorted = this.values.slice(0, this.count).sort();
    const at = (p: number) => Math.round(sorted[Math.min(this.count - 1, Math.ceil(p * this.count) - 1)]);
    return { p50: at(0.5), p95: at(0.95), samples: this.count };
  }
}
