import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import type { MapPairs } from './amqp';

/**
 * One partition's append-only log: a folder of segment files named `<firstSeq>-<baseOffset>.log`.
 *
 * Record layout (little-endian): `u32 bodyLength, u32 crc32(body), body`, where body is
 * `f64 sequenceNumber, f64 enqueuedTimeMs, u32 headerLength, u32 annotationCount, u32 annotationLength,
 *  header section bytes, message-annotation map pairs, the rest of the message's sections`.
 * A record's offset is its segment's base offset plus its position in the file, so offsets are byte positions in
 * the partition's stream (as in Azure) and survive restarts without a separate index file.
 *
 * Durability: each append is one positioned write to the OS before the send is acknowledged (no fsync per
 * append; the log is fsynced on close, and in the background when a segment rolls). On open every record is
 * checked (length, checksum, sequence) and a torn tail from a crash is truncated, so the log is always readable.
 */

export interface EventBytes {
  /** The message's header section as sent (often empty). */
  header: Buffer;
  /** The client's own message annotations (e.g. x-opt-partition-key), as raw map pairs. */
  ann: MapPairs;
  /** Every later section (properties, application properties, body, footer) as sent. */
  rest: Buffer;
}

export interface StoredEvent extends EventBytes {
  seq: number;
  offset: number;
  time: number;
}

export interface Retention {
  ms: number;
  bytes: number;
}

interface Segment {
  firstSeq: number;
  base: number;
  file: string;
  fd: number;
  size: number;
  /** File position of each record. */
  pos: number[];
  /** Enqueued time of each record. */
  times: number[];
}

/**
 * Recent records, kept for reads near the tail: appends are copied one after another into blocks of BLOCK_BYTES
 * (an append of a quarter block or more gets a block of its own, sized to fit), and events are parsed from a block
 * when read, so those objects die young. The cache holds a few dozen blocks and not an object per event or per
 * append: at 1,000 single-event sends a second, an object (and an 8 KiB pool slice) per append kept ~7,500
 * long-lived objects per partition, which every young-generation GC copied and promoted and which grew the old
 * generation into major GCs that stalled the hub for tens of milliseconds.
 */
interface Block {
  buf: Buffer;
  /** Bytes of buf holding records. */
  used: number;
  firstSeq: number;
  /** Stream offset of buf[0]. */
  base: number;
  /** Position in buf of each record. */
  pos: number[];
}

const EVICTED: Block = { buf: Buffer.alloc(0), used: 0, firstSeq: -1, base: 0, pos: [] };
const BLOCK_BYTES = 256 * 1024;

const RECORD_HEAD = 8;
const BODY_FIXED = 28;
const CACHE_BYTES = 8 * 1024 * 1024;
const MAX_SEGMENT = 64 * 1024 * 1024;
const MIN_SEGMENT = 16 * 1024;

function segmentName(firstSeq: number, base: number): string {
  return `${String(firstSeq).padStart(16, '0')}-${String(base).padStart(16, '0')}.log`;
}

function parseRecord(buf: Buffer, p: number, seq: number, offset: number): StoredEvent {
  const len = buf.readUInt32LE(p);
  const b = p + RECORD_HEAD;
  const time = buf.readDoubleLE(b + 8);
  const hLen = buf.readUInt32LE(b + 16);
  const annCount = buf.readUInt32LE(b + 20);
  const annLen = buf.readUInt32LE(b + 24);
  const h = b + BODY_FIXED;
  return {
    seq, offset, time,
    header: buf.subarray(h, h + hLen),
    ann: { count: annCount, bytes: buf.subarray(h + hLen, h + hLen + annLen) },
    rest: buf.subarray(h + hLen + annLen, b + len),
  };
}

export class PartitionLog {
  private segments: Segment[] = [];
  private cache: Block[] = [];
  private cacheHead = 0;
  private cacheBytes = 0;
  private readonly listeners = new Set<() => void>();
  nextSeq = 0;
  lastTime = 0;
  lastOffset = -1;
  /** Bytes dropped from a torn tail when the log was opened (for the startup log line). */
  repairedBytes = 0;

  constructor(readonly dir: string, public retention: Retention) {}

  open(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const files = fs.readdirSync(this.dir).filter((f) => /^\d{16}-\d{16}\.log$/.test(f)).sort();
    for (const file of files) {
      const [firstSeq, base] = file.slice(0, -4).split('-').map(Number);
      const full = path.join(this.dir, file);
      const seg: Segment = { firstSeq, base, file: full, fd: fs.openSync(full, 'r+'), size: 0, pos: [], times: [] };
      this.scan(seg);
      this.segments.push(seg);
      if (seg.pos.length > 0) {
        this.lastTime = seg.times[seg.times.length - 1];
        this.lastOffset = seg.base + seg.pos[seg.pos.length - 1];
      }
    }
    if (this.segments.length === 0) this.newSegment(0, 0);
    const last = this.segments[this.segments.length - 1];
    this.nextSeq = last.firstSeq + last.pos.length;
  }

  /** Reads a segment's records, checks each and truncates the file at the first damaged one. */
  private scan(seg: Segment): void {
    const buf = fs.readFileSync(seg.file);
    let p = 0;
    while (p + RECORD_HEAD <= buf.length) {
      const len = buf.readUInt32LE(p);
      if (len < BODY_FIXED || p + RECORD_HEAD + len > buf.length) break;
      const body = buf.subarray(p + RECORD_HEAD, p + RECORD_HEAD + len);
      if (crc32(body) !== buf.readUInt32LE(p + 4)) break;
      if (body.readDoubleLE(0) !== seg.firstSeq + seg.pos.length) break;
      seg.pos.push(p);
      seg.times.push(body.readDoubleLE(8));
      p += RECORD_HEAD + len;
    }
    if (p < buf.length) {
      this.repairedBytes += buf.length - p;
      fs.ftruncateSync(seg.fd, p);
    }
    seg.size = p;
  }

  private newSegment(firstSeq: number, base: number): Segment {
    const file = path.join(this.dir, segmentName(firstSeq, base));
    const seg: Segment = { firstSeq, base, file, fd: fs.openSync(file, 'w+'), size: 0, pos: [], times: [] };
    this.segments.push(seg);
    return seg;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  private segmentLimit(): number {
    return Math.min(MAX_SEGMENT, Math.max(MIN_SEGMENT, Math.floor(this.retention.bytes / 8)));
  }

  private roll(): Segment {
    const old = this.active;
    // Flushed off the event loop: a full 64 MiB segment took 88 ms to fsync here, a stall for every link of the
    // hub. Nothing waits on it (a send is acknowledged once written to the OS); close() fsyncs every segment again.
    fs.fsync(old.fd, () => { /* a segment dropped by retention meanwhile has its fd closed: nothing to flush */ });
    return this.newSegment(this.nextSeq, old.base + old.size);
  }

  get firstSeq(): number {
    for (const s of this.segments) if (s.pos.length > 0) return s.firstSeq;
    return this.nextSeq;
  }

  get isEmpty(): boolean {
    return this.firstSeq >= this.nextSeq;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  onAppend(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Appends events with the next sequence numbers; returns once the bytes are written to the OS. */
  append(events: EventBytes[], now: number): void {
    if (events.length === 0) return;
    let seg = this.active;
    if (seg.pos.length > 0 && (seg.size >= this.segmentLimit() || now - seg.times[0] > this.retention.ms / 4)) seg = this.roll();
    const time = Math.max(now, this.lastTime);
    let total = 0;
    for (const e of events) total += RECORD_HEAD + BODY_FIXED + e.header.length + e.ann.bytes.length + e.rest.length;
    const block = this.blockFor(total, seg.base + seg.size);
    const buf = block.buf;
    const start = block.used;
    const pos: number[] = [];
    let p = start;
    let seq = this.nextSeq;
    for (const e of events) {
      const bodyLen = BODY_FIXED + e.header.length + e.ann.bytes.length + e.rest.length;
      const b = p + RECORD_HEAD;
      buf.writeUInt32LE(bodyLen, p);
      buf.writeDoubleLE(seq, b);
      buf.writeDoubleLE(time, b + 8);
      buf.writeUInt32LE(e.header.length, b + 16);
      buf.writeUInt32LE(e.ann.count, b + 20);
      buf.writeUInt32LE(e.ann.bytes.length, b + 24);
      let q = b + BODY_FIXED;
      q += e.header.copy(buf, q);
      q += e.ann.bytes.copy(buf, q);
      e.rest.copy(buf, q);
      buf.writeUInt32LE(crc32(buf.subarray(b, b + bodyLen)), p + 4);
      pos.push(p);
      p += RECORD_HEAD + bodyLen;
      seq++;
    }
    let written = 0;
    while (written < total) written += fs.writeSync(seg.fd, buf, start + written, total - written, seg.size + written);
    // Indexed only once written: a failed write leaves the log and the block as they were.
    for (const q of pos) {
      block.pos.push(q);
      seg.pos.push(seg.size + q - start);
      seg.times.push(time);
    }
    block.used = p;
    seg.size += total;
    this.nextSeq = seq;
    this.lastTime = time;
    this.lastOffset = block.base + block.pos[block.pos.length - 1];
    this.trimCache();
    for (const fn of this.listeners) fn();
  }

  /**
   * The cache block the next `total` bytes go into, at stream offset `base`: the newest block when they fit and
   * follow on from it, else a new one (counted in the cache at its full size, the memory it holds).
   */
  private blockFor(total: number, base: number): Block {
    const last = this.cache.length > this.cacheHead ? this.cache[this.cache.length - 1] : undefined;
    if (last && last.base + last.used === base && last.used + total <= last.buf.length) return last;
    const own = total >= BLOCK_BYTES / 4;
    const block: Block = { buf: own ? Buffer.allocUnsafeSlow(total) : Buffer.allocUnsafeSlow(BLOCK_BYTES), used: 0, firstSeq: this.nextSeq, base, pos: [] };
    this.cache.push(block);
    this.cacheBytes += block.buf.length;
    return block;
  }

  private trimCache(): void {
    const first = this.firstSeq;
    while (this.cacheHead < this.cache.length) {
      const c = this.cache[this.cacheHead];
      if (this.cacheBytes <= CACHE_BYTES && c.firstSeq + c.pos.length > first) break;
      this.cacheBytes -= c.buf.length;
      // Let go of the bytes now: a slot below the head is never read, but would hold a whole batch until compaction.
      this.cache[this.cacheHead] = EVICTED;
      this.cacheHead++;
    }
    // Compact now and then instead of shifting on every eviction.
    if (this.cacheHead > 256 && this.cacheHead * 2 > this.cache.length) {
      this.cache = this.cache.slice(this.cacheHead);
      this.cacheHead = 0;
    }
  }

  /** Events from the cached blocks, or undefined when `seq` is older than the cache. */
  private readCached(seq: number, max: number): StoredEvent[] | undefined {
    if (this.cacheHead >= this.cache.length || seq < this.cache[this.cacheHead].firstSeq) return undefined;
    // Readers are nearly always at the tail: search from the newest block back.
    let k = this.cache.length - 1;
    while (k > this.cacheHead && this.cache[k].firstSeq > seq) k--;
    const out: StoredEvent[] = [];
    for (; k < this.cache.length && out.length < max; k++) {
      const c = this.cache[k];
      for (let i = Math.max(0, seq - c.firstSeq); i < c.pos.length && out.length < max; i++) {
        out.push(parseRecord(c.buf, c.pos[i], c.firstSeq + i, c.base + c.pos[i]));
      }
    }
    return out;
  }

  /**
   * Up to `max` events starting at `seq` (or at the first retained one after it). Empty when `seq` is at the end.
   * Recent events come from memory; older ones are read from the segment files in one read.
   */
  read(seq: number, max: number, maxBytes = 1024 * 1024): StoredEvent[] {
    if (seq >= this.nextSeq) return [];
    const cached = this.readCached(seq, max);
    if (cached) return cached;
    for (const seg of this.segments) {
      const count = seg.pos.length;
      if (count === 0 || seq >= seg.firstSeq + count) continue;
      const i = Math.max(0, seq - seg.firstSeq);
      let j = Math.min(count, i + max);
      const end = (k: number) => (k < count ? seg.pos[k] : seg.size);
      while (j > i + 1 && end(j) - seg.pos[i] > maxBytes) j = i + Math.ceil((j - i) / 2);
      const start = seg.pos[i];
      const len = end(j) - start;
      const buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const n = fs.readSync(seg.fd, buf, got, len - got, start + got);
        if (n === 0) throw new Error(`partition log ${seg.file} ended early`);
        got += n;
      }
      const out: StoredEvent[] = [];
      for (let k = i; k < j; k++) out.push(parseRecord(buf, seg.pos[k] - start, seg.firstSeq + k, seg.base + seg.pos[k]));
      return out;
    }
    return [];
  }

  /** The sequence number of the first event whose offset is > `offset` (>= when inclusive). */
  seqAfterOffset(offset: number, inclusive: boolean): number {
    for (const seg of this.segments) {
      const count = seg.pos.length;
      if (count === 0) continue;
      const rel = offset - seg.base;
      const k = lowerBound(seg.pos, (p) => (inclusive ? p < rel : p <= rel));
      if (k < count) return seg.firstSeq + k;
    }
    return this.nextSeq;
  }

  /** The sequence number of the first event enqueued after `ms`. */
  seqAfterTime(ms: number): number {
    for (const seg of this.segments) {
      const count = seg.pos.length;
      if (count === 0) continue;
      const k = lowerBound(seg.times, (t) => t <= ms);
      if (k < count) return seg.firstSeq + k;
    }
    return this.nextSeq;
  }

  /** The first sequence number at or after `seq` that is still retained. */
  clampSeq(seq: number): number {
    return Math.min(this.nextSeq, Math.max(seq, this.firstSeq));
  }

  /** Drops whole segments older than the retention age, then the oldest ones while over the size limit. */
  enforceRetention(now: number): void {
    const cutoff = now - this.retention.ms;
    const act = this.active;
    if (act.pos.length > 0 && act.times[act.times.length - 1] < cutoff) this.roll();
    let total = this.sizeBytes;
    while (this.segments.length > 1) {
      const s = this.segments[0];
      const old = s.pos.length === 0 || s.times[s.times.length - 1] < cutoff;
      if (!old && total <= this.retention.bytes) break;
      total -= s.size;
      this.segments.shift();
      fs.closeSync(s.fd);
      fs.rmSync(s.file, { force: true });
    }
    this.trimCache();
  }

  close(): void {
    for (const s of this.segments) {
      try { fs.fsyncSync(s.fd); } catch { /* a read-only or vanished file needs no flush */ }
      fs.closeSync(s.fd);
    }
    this.segments = [];
    this.listeners.clear();
  }
}

/** Index of the first element for which `before` is false (elements are sorted). */
function lowerBound(arr: number[], before: (v: number) => boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(arr[mid])) lo = mid + 1; else hi = mid;
  }
  return lo;
}
