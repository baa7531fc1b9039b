/**
 * The hub's wire encoding, both ways: a client's transfer split into the events to store (as the bytes it sent),
 * and a stored event framed as a delivery with our message annotations written in front of its own bytes.
 * Neither decodes or re-encodes a body.
 */
import * as rhea from 'rhea';
import { long, mapPairs, mapSection, NO_PAIRS, SECTION, sections, str, symbol, text, timestamp, type MapPairs } from './amqp';
import { outgoingFrames } from './frameSlab';
import type { EventBytes, PartitionLog, StoredEvent } from './partitionLog';

/** The SDK's batch envelope: one transfer whose data sections each hold a whole encoded event. */
export const BATCH_FORMAT = 0x80013700;

// Encoded once: the keys of the annotations stamped on every delivered event.
const K_SEQ = symbol('x-opt-sequence-number');
const K_OFFSET = symbol('x-opt-offset');
const K_TIME = symbol('x-opt-enqueued-time');
const K_LAST_OFFSET = symbol('last_enqueued_offset');
const K_LAST_SEQ = symbol('last_enqueued_sequence_number');
const K_LAST_TIME = symbol('last_enqueued_time_utc');
const K_RETRIEVAL = symbol('runtime_info_retrieval_time_utc');
const EMPTY: Buffer = Buffer.alloc(0);

/** The runtime-metric delivery annotations (`trackLastEnqueuedEventProperties`) for a partition, as of now. */
export function runtimeMetrics(log: PartitionLog): Buffer {
  return mapSection(SECTION.deliveryAnnotations, [
    K_LAST_OFFSET, str(String(log.lastOffset)), K_LAST_SEQ, long(log.nextSeq - 1),
    K_LAST_TIME, timestamp(log.lastTime), K_RETRIEVAL, timestamp(Date.now()),
  ]);
}

/** The delivery: the event's own bytes with our message annotations (and `metrics`, if any) written in front. */
export function encodeDelivery(ev: StoredEvent, metrics: Buffer = EMPTY): Buffer {
  const offset = String(ev.offset);
  const pairs = K_SEQ.length + 9 + K_OFFSET.length + 2 + offset.length + K_TIME.length + 9 + ev.ann.bytes.length;
  const buf = outgoingFrames.take(ev.header.length + metrics.length + 12 + pairs + ev.rest.length);
  let p = ev.header.copy(buf, 0);
  p += metrics.copy(buf, p);
  // message-annotations: described map32 of the sender's own annotations, then x-opt-sequence-number (long),
  // x-opt-offset (string) and x-opt-enqueued-time (timestamp). Ours come last so that they win when a client
  // forwards a raw received message that still carries the old ones (decoders keep the last duplicate key).
  buf[p] = 0x00; buf[p + 1] = 0x53; buf[p + 2] = SECTION.messageAnnotations; buf[p + 3] = 0xd1;
  buf.writeUInt32BE(pairs + 4, p + 4);
  buf.writeUInt32BE(6 + ev.ann.count, p + 8);
  p += 12;
  p += ev.ann.bytes.copy(buf, p);
  p += K_SEQ.copy(buf, p);
  p = writeInt64(buf, p, 0x81, ev.seq);
  p += K_OFFSET.copy(buf, p);
  buf[p] = 0xa1; buf[p + 1] = offset.length;
  p += 2 + buf.write(offset, p + 2, 'latin1');
  p += K_TIME.copy(buf, p);
  p = writeInt64(buf, p, 0x83, ev.time);
  ev.rest.copy(buf, p);
  return buf;
}

/** Writes a constructor byte and a non-negative integer as 8 bytes big-endian (long or timestamp). */
function writeInt64(buf: Buffer, p: number, code: number, value: number): number {
  buf[p] = code;
  buf.writeUInt32BE(Math.floor(value / 0x100000000), p + 1);
  buf.writeUInt32BE(value >>> 0, p + 5);
  return p + 9;
}

/** Splits a transfer into the events to store, and the partition key the sender set on it. */
export function splitEnvelope(envelope: Buffer, batch: boolean): { events: EventBytes[]; partitionKey: string | undefined } {
  const secs = sections(envelope);
  let partitionKey: string | undefined;
  const ma = secs.find((s) => s.code === SECTION.messageAnnotations);
  if (ma) {
    const decoded = rhea.message.decode(envelope.subarray(ma.start, ma.end));
    const pk = (decoded.message_annotations as Record<string, unknown> | undefined)?.['x-opt-partition-key'];
    if (pk !== undefined && pk !== null) partitionKey = text(pk);
  }
  if (!batch) return { events: [eventBytes(envelope, secs)], partitionKey };
  const events: EventBytes[] = [];
  for (const s of secs) {
    if (s.code !== SECTION.data) continue;
    const vpos = envelope[s.start + 1] === 0x53 ? s.start + 3 : s.start + 10;
    const code = envelope[vpos];
    const inner = code === 0xa0
      ? envelope.subarray(vpos + 2, vpos + 2 + envelope[vpos + 1])
      : envelope.subarray(vpos + 5, vpos + 5 + envelope.readUInt32BE(vpos + 1));
    events.push(eventBytes(inner, sections(inner)));
  }
  return { events, partitionKey };
}

function eventBytes(buf: Buffer, secs: ReturnType<typeof sections>): EventBytes {
  let header = EMPTY;
  let ann: MapPairs = NO_PAIRS;
  const rest: Buffer[] = [];
  // The later sections are normally adjacent: keep them as one slice instead of copying.
  let from = -1;
  let to = -1;
  for (const s of secs) {
    if (s.code === SECTION.header) header = buf.subarray(s.start, s.end);
    else if (s.code === SECTION.messageAnnotations) ann = mapPairs(buf, s);
    else if (s.code !== SECTION.deliveryAnnotations) {
      if (s.start === to) to = s.end;
      else {
        if (from >= 0) rest.push(buf.subarray(from, to));
        from = s.start;
        to = s.end;
      }
    }
  }
  if (from >= 0) rest.push(buf.subarray(from, to));
  return { header, ann, rest: rest.length === 1 ? rest[0] : Buffer.concat(rest) };
}
