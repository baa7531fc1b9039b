import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameSlab } from '../../src/local/eventhubs/frameSlab';

describe('FrameSlab (the local hub\'s outgoing frame buffers)', () => {
  it('never hands out overlapping bytes, across slab boundaries and give-backs of any earlier buffer', () => {
    const op = fc.oneof(
      fc.record({ take: fc.integer({ min: 1, max: 80 }) }),
      fc.record({ giveBack: fc.nat(), keep: fc.integer({ min: 0, max: 80 }) }),
    );
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), (ops) => {
      // A small slab, so that a few hundred requests cross many of them; those over 64 bytes get buffers of their own.
      const slab = new FrameSlab(1024);
      const live: { buf: Buffer; tag: number }[] = [];
      ops.forEach((o, i) => {
        if ('take' in o) {
          const buf = slab.take(o.take);
          assert.equal(buf.length, o.take);
          buf.fill(i & 0xff);
          live.push({ buf, tag: i & 0xff });
        } else if (live.length) {
          // After a give-back its owner uses only the bytes it kept, whether or not the slab took the rest back.
          const entry = live[o.giveBack % live.length];
          slab.giveBack(entry.buf, o.keep);
          entry.buf = entry.buf.subarray(0, Math.min(o.keep, entry.buf.length));
        }
      });
      for (const { buf, tag } of live) assert.ok(buf.every((b) => b === tag), 'a buffer was overwritten by a later one');
    }), { numRuns: 300 });
  });

  it('gives back only from the last buffer it handed out', () => {
    const slab = new FrameSlab(4096);
    const a = slab.take(100);
    const b = slab.take(100);
    slab.giveBack(a, 10); // not the last: ignored, or b would be handed out again
    const c = slab.take(100);
    assert.notEqual(c.byteOffset, b.byteOffset);
    assert.ok(c.byteOffset >= b.byteOffset + b.length);
    slab.giveBack(c, 8);
    const d = slab.take(8);
    assert.equal(d.byteOffset, c.byteOffset + 8);
    assert.equal(a.buffer, d.buffer);
  });
});
