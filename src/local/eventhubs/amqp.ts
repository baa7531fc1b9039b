/**
 * Byte-level helpers for AMQP 1.0 messages. Events are stored as the bytes the client sent and re-framed on
 * delivery by prepending our own message-annotations section, so the hot path never decodes or re-encodes a body.
 */

/** Section descriptor codes (AMQP 1.0 §3.2). */
export const SECTION = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  footer: 0x78,
} as const;

/** Returns the position just past the encoded value that starts at `pos`. */
export function skipValue(buf: Buffer, pos: number): number {
  const code = buf[pos];
  if (code === undefined) throw new Error('truncated AMQP value');
  if (code === 0x00) return skipValue(buf, skipValue(buf, pos + 1)); // described: descriptor, then value
  const hi = code & 0xf0;
  switch (hi) {
    case 0x40: return pos + 1;
    case 0x50: return pos + 2;
    case 0x60: return pos + 3;
    case 0x70: return pos + 5;
    case 0x80: return pos + 9;
    case 0x90: return pos + 17;
    case 0xa0: case 0xc0: case 0xe0: return pos + 2 + buf[pos + 1];
    case 0xb0: case 0xd0: case 0xf0: return pos + 5 + buf.readUInt32BE(pos + 1);
    default: throw new Error(`unknown AMQP constructor 0x${code.toString(16)}`);
  }
}

export interface Section { code: number; start: number; end: number }

/** Splits an encoded message into its sections (each `0x00 0x53 <code> <value>`, or a ulong8/ulong descriptor). */
export function sections(buf: Buffer): Section[] {
  const out: Section[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] !== 0x00) throw new Error('AMQP message section without a descriptor');
    let code: number;
    const d = buf[pos + 1];
    if (d === 0x53) code = buf[pos + 2];
    else if (d === 0x80) code = Number(buf.readBigUInt64BE(pos + 2));
    else throw new Error('AMQP message section with a non-numeric descriptor');
    const end = skipValue(buf, pos);
    if (end > buf.length) throw new Error('truncated AMQP message section');
    out.push({ code, start: pos, end });
    pos = end;
  }
  return out;
}

/** A map value's entries as raw bytes: `count` is the AMQP count (keys plus values), `bytes` all the pairs. */
export interface MapPairs { count: number; bytes: Buffer }

export const NO_PAIRS: MapPairs = { count: 0, bytes: Buffer.alloc(0) };

/** The raw pairs of the map inside a section (`buf[start..end]` is the whole section). */
export function mapPairs(buf: Buffer, s: Section): MapPairs {
  const pos = buf[s.start + 1] === 0x53 ? s.start + 3 : s.start + 10;
  const code = buf[pos];
  if (code === 0xc1) return { count: buf[pos + 2], bytes: buf.subarray(pos + 3, s.end) };
  if (code === 0xd1) return { count: buf.readUInt32BE(pos + 5), bytes: buf.subarray(pos + 9, s.end) };
  if (code === 0x40) return NO_PAIRS;
  throw new Error('message annotations section does not hold a map');
}

/** Encodes an AMQP symbol. */
export function symbol(name: string): Buffer {
  const b = Buffer.from(name, 'ascii');
  if (b.length < 256) return Buffer.concat([Buffer.from([0xa3, b.length]), b]);
  const h = Buffer.alloc(5); h[0] = 0xb3; h.writeUInt32BE(b.length, 1);
  return Buffer.concat([h, b]);
}

export function str(value: string): Buffer {
  const b = Buffer.from(value, 'utf8');
  if (b.length < 256) return Buffer.concat([Buffer.from([0xa1, b.length]), b]);
  const h = Buffer.alloc(5); h[0] = 0xb1; h.writeUInt32BE(b.length, 1);
  return Buffer.concat([h, b]);
}

export function long(value: number): Buffer {
  const b = Buffer.alloc(9); b[0] = 0x81; b.writeBigInt64BE(BigInt(value), 1);
  return b;
}

export function timestamp(ms: number): Buffer {
  const b = Buffer.alloc(9); b[0] = 0x83; b.writeBigInt64BE(BigInt(Math.trunc(ms)), 1);
  return b;
}

/**
 * A section holding a map32 of `own` (already encoded key, value, key, value…) followed by `extra`'s pairs.
 * An AMQP map's count is of keys and values together, so it is `own.length + extra.count`.
 */
export function mapSection(code: number, own: Buffer[], extra: MapPairs = NO_PAIRS): Buffer {
  let len = extra.bytes.length;
  for (const p of own) len += p.length;
  const head = Buffer.alloc(12);
  head[0] = 0x00; head[1] = 0x53; head[2] = code; head[3] = 0xd1;
  head.writeUInt32BE(len + 4, 4); // size counts the count field and the pairs
  head.writeUInt32BE(own.length + extra.count, 8);
  return Buffer.concat([head, ...own, extra.bytes], 12 + len);
}

/** A decoded scalar property as text ('' for anything else). */
export function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
}
