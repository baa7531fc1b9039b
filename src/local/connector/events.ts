// Hub events as the connector stages them: the body out of the stored AMQP bytes, and each format's rows, with
// the checks cheap enough to run on every event. Anything that passes them and still does not parse is found by
// strictCheck() or by splitting the batch (runner.ts), so a bad event costs nothing until one arrives.
import * as rhea from 'rhea';
import { SECTION, sections } from '../eventhubs/amqp';
import type { StoredEvent } from '../eventhubs/partitionLog';

export interface HubEvent {
  partition: string;
  seq: number;
  /** Enqueued time, ms since the epoch. */
  time: number;
  body: Buffer;
}

export interface Rejection { code: string; reason: string }

/** An event with the rows it stages (JSON lines, or CSV records; each without its newline), or why it can't be ingested. */
export interface Prepared {
  event: HubEvent;
  rows?: Buffer[];
  rejected?: Rejection;
}
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The event's body bytes: its data sections (what the Event Hubs SDKs send), or an amqp-value's text or binary,
 * or the JSON of any other value (as the SDK itself would hand it to a receiver).
 */
export function eventBody(ev: StoredEvent): Buffer {
  const secs = sections(ev.rest);
  const data = secs.filter((s) => s.code === SECTION.data);
  if (data.length) {
    const parts = data.map((s) => {
      const v = ev.rest[s.start + 1] === 0x53 ? s.start + 3 : s.start + 10;
      return ev.rest[v] === 0xa0
        ? ev.rest.subarray(v + 2, v + 2 + ev.rest[v + 1])
        : ev.rest.subarray(v + 5, v + 5 + ev.rest.readUInt32BE(v + 1));
    });
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
  if (!secs.some((s) => s.code === 0x76 || s.code === 0x77)) return Buffer.alloc(0);
  const body = (rhea.message.decode(ev.rest) as { body?: unknown }).body;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}

export function fromStored(partition: string, ev: StoredEvent): HubEvent {
  return { partition, seq: ev.seq, time: ev.time, body: eventBody(ev) };
}

/** The body with line breaks outside strings made spaces (a JSON line can't hold one; inside a string it is invalid). */
function oneLine(b: Buffer): Buffer {
  if (b.indexOf(0x0a) < 0 && b.indexOf(0x0d) < 0) return b;
  const out = Buffer.from(b);
  for (let i = 0; i < out.length; i++) if (out[i] === 0x0a || out[i] === 0x0d) out[i] = 0x20;
  return out;
}

function trimmed(b: Buffer): [number, number] {
  let s = 0;
  let e = b.length;
  while (s < e && WS.has(b[s])) s++;
  while (e > s && WS.has(b[e - 1])) e--;
  return [s, e];
}

/**
 * The top-level JSON values in `b[from, to)` as [start, end) ranges, found by brackets and strings alone (values
 * are not parsed: numbers keep every digit); undefined when the brackets or strings do not close.
 */
function topLevelValues(b: Buffer, from: number, to: number, separator?: number): [number, number][] | undefined {
  const out: [number, number][] = [];
  let i = from;
  while (i < to) {
    while (i < to && (WS.has(b[i]) || b[i] === separator)) i++;
    if (i >= to) break;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < to; i++) {
      const c = b[i];
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) { if (--depth === 0) { i++; break; } if (depth < 0) return undefined; }
      else if (depth === 0 && (WS.has(c) || c === separator)) break;
    }
    if (depth !== 0 || inString) return undefined;
    out.push([start, i]);
  }
  return out;
}

const NOT_OBJECT = 'The event is JSON but not an object; the json format takes one object per event (use multijson for arrays of objects).';

/** Why a body that is not `{…}` can't be a json record: not JSON at all, or JSON of another kind. */
function notAnObject(b: Buffer): Rejection {
  try {
    JSON.parse(b.toString('utf8'));
    return { code: 'BadRequest_NoRecordsOrWrongFormat', reason: NOT_OBJECT };
  } catch (e) {
    return { code: 'BadRequest_InvalidBlob', reason: `The event is not valid JSON: ${e instanceof Error ? e.message : String(e)}.` };
  }
}

/** The rows one event stages, checked as cheaply as possible (no copy unless a line break must go). */
export function prepare(ev: HubEvent, format: 'json' | 'multijson' | 'csv', maxBytes: number): Prepared {
  const b = ev.body;
  if (b.length > maxBytes) return { event: ev, rejected: { code: 'BadRequest_EventTooLarge', reason: `The event is ${b.length} bytes, more than the connection's limit of ${maxBytes} bytes.` } };
  const [s, e] = trimmed(b);
  if (s === e) return { event: ev, rejected: { code: 'BadRequest_NoRecordsOrWrongFormat', reason: 'The event is empty.' } };
  if (format === 'json') {
    if (b[s] !== 0x7b || b[e - 1] !== 0x7d) return { event: ev, rejected: notAnObject(b) };
    return { event: ev, rows: [oneLine(b.subarray(s, e))] };
  }
  if (format === 'multijson') {
    const values = topLevelValues(b, s, e);
    if (!values) return { event: ev, rejected: { code: 'BadRequest_InvalidBlob', reason: 'The event is not valid JSON: a string, object or array does not close.' } };
    const rows: Buffer[] = [];
    for (const [vs, ve] of values) {
      if (b[vs] === 0x7b) { rows.push(oneLine(b.subarray(vs, ve))); continue; }
      const inner = b[vs] === 0x5b ? topLevelValues(b, vs + 1, ve - 1, 0x2c) : undefined;
      if (!inner || inner.some(([is]) => b[is] !== 0x7b)) return { event: ev, rejected: { code: 'BadRequest_NoRecordsOrWrongFormat', reason: 'The multijson format takes JSON objects, or arrays of objects; the event holds another value.' } };
      for (const [is, ie] of inner) rows.push(oneLine(b.subarray(is, ie)));
    }
    if (!rows.length) return { event: ev, rejected: { code: 'BadRequest_NoRecordsOrWrongFormat', reason: 'The event holds no records.' } };
    return { event: ev, rows };
  }
  // CSV: an unclosed quote would swallow the next events' records, so it is refused here.
  let quotes = 0;
  for (let i = b.indexOf(0x22, s); i >= 0 && i < e; i = b.indexOf(0x22, i + 1)) quotes++;
  if (quotes % 2) return { event: ev, rejected: { code: 'Stream_ClosingQuoteMissing', reason: 'Invalid CSV: a closing quote is missing.' } };
  return { event: ev, rows: [b.subarray(s, e)] };
}

/** A full check of what prepare() let through (JSON.parse per row); run only once DuckDB has refused a batch. */
export function strictCheck(p: Prepared, format: 'json' | 'multijson' | 'csv'): Prepared {
  if (!p.rows || format === 'csv') return p;
  for (const line of p.rows) {
    let v: unknown;
    try {
      v = JSON.parse(line.toString('utf8'));
    } catch (e) {
      return { event: p.event, rejected: { code: 'BadRequest_InvalidBlob', reason: `The event is not valid JSON: ${e instanceof Error ? e.message : String(e)}.` } };
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { event: p.event, rejected: { code: 'BadRequest_NoRecordsOrWrongFormat', reason: NOT_OBJECT } };
  }
  return p;
}

/** The staged bytes of these rows: each row and a newline, in one buffer (one copy of each event's bytes). */
export function staged(rows: Buffer[]): Buffer {
  let n = 0;
  for (const r of rows) n += r.length + 1;
  const out = Buffer.allocUnsafe(n);
  let at = 0;
  for (const r of rows) {
    at += r.copy(out, at);
    out[at++] = 0x0a;
  }
  return out;
}
