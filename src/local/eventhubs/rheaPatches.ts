import type * as rhea from 'rhea';
import { outgoingFrames } from './frameSlab';
// rhea internals tuned by tuneRhea(); no types ship for these modules.
/* eslint-disable @typescript-eslint/no-require-imports */
const rheaLog = require('rhea/lib/log.js') as Record<string, ((...args: unknown[]) => void) & { enabled?: boolean }>;
interface RheaFrame { type: number; channel: number; performative?: unknown; payload?: Buffer }
interface RheaWriter { skip(n: number): void; write_uint(v: number, width: number): void; write(v: unknown): void; write_bytes(b: Buffer): void; toBuffer(): Buffer }
const rheaFrames = require('rhea/lib/frames.js') as { TYPE_AMQP: number; write_frame(frame: RheaFrame): Buffer };
const rheaTypes = require('rhea/lib/types.js') as { Writer: new (buffer?: Buffer) => RheaWriter };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Two per-frame costs in rhea that dominated the hub's CPU profile at tens of thousands of events a second:
 * - Its frame writer starts every frame in a zero-filled, unpooled `Buffer.alloc(1024)` and grows it into
 *   another, twice the size, when a 1 KiB event does not fit: a fifth of the hub's CPU went to allocating and
 *   zero-filling those. Frames are written here into a slab-cut buffer sized for the payload, the same bytes as
 *   rhea's frames.write_frame: every byte up to the writer's position is written before the buffer is sliced and
 *   sent, and the frame size it skips is filled in after. (Making all of rhea's buffers pooled and unfilled
 *   measured slower: its 1 KiB writers for small frames used the pools up.)
 * - It logs every frame through `debug` loggers whose rest parameters allocate an array per call even when
 *   disabled. Loggers turned on with DEBUG=rhea:* stay.
 */
let rheaTuned = false;
export function tuneRhea(): void {
  // Once per process: each listener (AMQP, AMQPS, a restart) would otherwise wrap the writer again.
  if (rheaTuned) return;
  rheaTuned = true;
  const writeFrame = rheaFrames.write_frame.bind(rheaFrames);
  rheaFrames.write_frame = (frame: RheaFrame) => {
    if (frame.type !== rheaFrames.TYPE_AMQP || !frame.performative) return writeFrame(frame);
    // Performatives are tens of bytes (attach frames with filters a few hundred); the writer grows if needed.
    const reserved = outgoingFrames.take(256 + (frame.payload?.length ?? 0));
    const writer = new rheaTypes.Writer(reserved);
    writer.skip(4);
    writer.write_uint(2, 1); // data offset, in 4-byte words
    writer.write_uint(frame.type, 1);
    writer.write_uint(frame.channel, 2);
    writer.write(frame.performative);
    if (frame.payload) writer.write_bytes(frame.payload);
    const buffer = writer.toBuffer();
    buffer.writeUInt32BE(buffer.length, 0);
    // All of the reservation goes back if the writer outgrew it into a buffer of its own.
    outgoingFrames.giveBack(reserved, buffer.buffer === reserved.buffer ? buffer.length : 0);
    return buffer;
  };
  const noop = Object.assign(() => undefined, { enabled: false });
  for (const [name, logger] of Object.entries(rheaLog)) {
    if (typeof logger === 'function' && !logger.enabled) rheaLog[name] = noop;
  }
}

/**
 * rhea encodes and writes each outgoing frame on its own: one socket.write, plus heartbeat timer resets, per
 * delivery, from a nextTick pass over the connection. During that pass we only collect the encoded frames and
 * write them with one socket.write at the end, which matters at tens of thousands of deliveries a second.
 */
export function batchOutput(conn: rhea.Connection): void {
  type Sock = { write(b: Buffer): boolean; end(): void };
  const c = conn as unknown as { _process?: () => void; output?: () => void; socket?: Sock };
  const process = c._process;
  const output = c.output;
  if (typeof process !== 'function' || typeof output !== 'function') return;
  c._process = function batched(this: unknown) {
    let wanted = false;
    c.output = () => { wanted = true; };
    try {
      process.call(this);
    } finally {
      c.output = output;
    }
    if (!wanted) return;
    const socket = c.socket;
    if (!socket) return output.call(this);
    const chunks: Buffer[] = [];
    let ending = false;
    /* eslint-disable @typescript-eslint/unbound-method -- put back as they were, and called with the socket */
    const write = socket.write;
    const end = socket.end;
    /* eslint-enable @typescript-eslint/unbound-method */
    socket.write = (b: Buffer) => { chunks.push(b); return true; };
    // rhea ends the socket right after writing the close frame: end only after our one write.
    socket.end = () => { ending = true; };
    try {
      output.call(this);
    } finally {
      socket.write = write;
      socket.end = end;
      if (chunks.length > 0) write.call(socket, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      if (ending) end.call(socket);
    }
  };
}
