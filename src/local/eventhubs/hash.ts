/**
 * Partition-key routing with the service's own hash: Jenkins lookup3 (hashlittle2) over the key's UTF-8 bytes,
 * the two 32-bit results XOR-ed, narrowed to a signed 16-bit integer, absolute value modulo the partition count.
 * `@azure/event-hubs` reproduces the same mapping client-side for its buffered producer, so both clients must
 * agree on where a key lands (test/local/eventhubs/hash.test.ts checks it against the SDK).
 */

const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** lookup3 `hashlittle2` with both seeds 0; returns [c, b] as unsigned 32-bit integers. */
export function lookup3(data: Uint8Array): [number, number] {
  let a = (0xdeadbeef + data.length) >>> 0;
  let b = a;
  let c = a;
  const u32 = (i: number) => (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
  let i = 0;
  let size = data.length;
  while (size > 12) {
    a = (a + u32(i)) >>> 0; b = (b + u32(i + 4)) >>> 0; c = (c + u32(i + 8)) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    i += 12;
    size -= 12;
  }
  if (size === 0) return [c, b];
  // The tail: up to 12 bytes added little-endian into a, b, c (bytes past the end count as zero).
  const tail = new Uint8Array(12);
  tail.set(data.subarray(i, i + size));
  const t = (k: number) => (tail[k] | (tail[k + 1] << 8) | (tail[k + 2] << 16) | (tail[k + 3] << 24)) >>> 0;
  a = (a + t(0)) >>> 0; b = (b + t(4)) >>> 0; c = (c + t(8)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return [c, b];
}

/** The partition (0-based) that Event Hubs assigns to `partitionKey` on a hub with `partitionCount` partitions. */
export function partitionForKey(partitionKey: string, partitionCount: number): number {
  const [c, b] = lookup3(Buffer.from(partitionKey, 'utf8'));
  const h16 = ((c ^ b) << 16) >> 16;
  return Math.abs(h16 % partitionCount);
}
