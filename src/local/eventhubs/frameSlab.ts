/**
 * Short-lived buffers cut one after another from large slabs. From Node's 8 KiB Buffer pool, the hub's two
 * kilobyte-sized frames per delivered event needed a new pool every three or four events, and allocating those
 * pools (each its own ArrayBuffer for the GC to track) took 7% of the hub's CPU in a profile at 45,000 events/s.
 * A slab is freed when the last buffer cut from it is, so only what dies young belongs here.
 */
export class FrameSlab {
  private slab: Buffer;
  private used = 0;

  constructor(private readonly size = 256 * 1024) {
    this.slab = Buffer.allocUnsafeSlow(size);
  }

  /** `n` uninitialised bytes; large requests get their own buffer. */
  take(n: number): Buffer {
    if (n > this.size >>> 4) return Buffer.allocUnsafe(n);
    if (this.used + n > this.size) {
      this.slab = Buffer.allocUnsafeSlow(this.size);
      this.used = 0;
    }
    const b = this.slab.subarray(this.used, this.used + n);
    this.used = align(this.used + n);
    return b;
  }

  /**
   * Gives back the end of `reserved` beyond its first `kept` bytes, when it is the last buffer take() handed out
   * (a frame is reserved at its largest size and is usually smaller). Otherwise does nothing.
   */
  giveBack(reserved: Buffer, kept: number): void {
    if (reserved.buffer !== this.slab.buffer || align(reserved.byteOffset + reserved.length) !== this.used) return;
    this.used = align(reserved.byteOffset + Math.min(kept, reserved.length));
  }
}

function align(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Outgoing frames live for one pass of the connection (encoded, joined, written to the socket, dropped), two of
 * about a kilobyte per delivered event: the delivery and the transfer frame around it. Shared by the delivery
 * encoder and rhea's patched frame writer.
 */
export const outgoingFrames = new FrameSlab();
