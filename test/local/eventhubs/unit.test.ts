// Unit checks of the parts the SDK tests cannot reach cheaply: the key hash against the SDK's, and log repair.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { partitionForKey } from '../../../src/local/eventhubs/hash';
import { PartitionLog } from '../../../src/local/eventhubs/partitionLog';
import { checkSasToken } from '../../../src/local/eventhubs/auth';
import { tempDataDir } from '../pipeline';
import { sdkMapPartitionKeyToId } from './helpers';
import { createHmac } from 'node:crypto';

const ev = (text: string) => ({ header: Buffer.alloc(0), ann: { count: 0, bytes: Buffer.alloc(0) }, rest: Buffer.from(text) });
const big = { ms: 3600_000, bytes: 1 << 30 };

describe('local Event Hubs internals', () => {
  it('maps partition keys exactly like the SDK (lookup3)', () => {
    for (const key of ['', 'a', 'abc', 'device-42', 'twelve bytes', 'thirteen bytes', 'ünïcødé ☃', 'x'.repeat(100)]) {
      for (const n of [1, 2, 3, 4, 7, 32]) assert.equal(partitionForKey(key, n), sdkMapPartitionKeyToId(key, n), `key ${JSON.stringify(key)} on ${n}`);
    }
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.integer({ min: 1, max: 1024 }), (key, n) => partitionForKey(key, n) === sdkMapPartitionKeyToId(key, n)), { numRuns: 2000 });
  });

  it('continues sequence numbers and offsets after reopening, and truncates a torn tail', () => {
    const dir = path.join(tempDataDir('eh-log-'), 'p0');
    const log = new PartitionLog(dir, big);
    log.open();
    log.append([ev('one'), ev('two')], 1000);
    log.append([ev('three')], 2000);
    const offsets = log.read(0, 10).map((e) => e.offset);
    log.close();
    const file = path.join(dir, fs.readdirSync(dir)[0]);
    fs.appendFileSync(file, Buffer.from([200, 0, 0, 0, 1, 2, 3])); // half a record, as after a crash mid-write
    const again = new PartitionLog(dir, big);
    again.open();
    assert.equal(again.repairedBytes, 7);
    assert.deepEqual(again.read(0, 10).map((e) => [e.seq, e.offset, e.rest.toString()]), [[0, offsets[0], 'one'], [1, offsets[1], 'two'], [2, offsets[2], 'three']]);
    again.append([ev('four')], 3000);
    const four = again.read(3, 1)[0];
    assert.equal(four.seq, 3);
    assert.ok(four.offset > offsets[2]);
    assert.equal(again.seqAfterOffset(offsets[1], false), 2);
    assert.equal(again.seqAfterOffset(offsets[1], true), 1);
    assert.equal(again.seqAfterTime(1500), 2);
    again.close();
  });

  it('reads the same events from its in-memory blocks as from the files, across block and cache edges', () => {
    fc.assert(fc.property(
      // Small appends share a cache block; large ones get their own.
      fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 300_000 })), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 40 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 10 }),
      (batches, reads) => {
        const dir = path.join(tempDataDir('eh-log-'), 'p0');
        const log = new PartitionLog(dir, big);
        log.open();
        let n = 0;
        // Sizes up to 300 KB push older blocks out of the 8 MiB cache, so reads hit both memory and disk.
        for (const sizes of batches) log.append(sizes.map((size) => ev(`${n++}:${'x'.repeat(size)}`)), 1000 + n);
        const seen = (events: ReturnType<PartitionLog['read']>) => events.map((e) => [e.seq, e.offset, e.time, e.rest.toString()]);
        const live = reads.map(([at, max]) => seen(log.read(at % (n + 1), max)));
        log.close();
        const again = new PartitionLog(dir, big);
        again.open();
        reads.forEach(([at, max], i) => {
          const fromDisk = seen(again.read(at % (n + 1), max));
          assert.ok(fromDisk.length > 0 || at % (n + 1) === n);
          // The file path may stop early at its 1 MiB read budget; what it returns must match the cache.
          assert.deepEqual(live[i].slice(0, fromDisk.length), fromDisk);
          live[i].forEach(([seq, , , text], k) => {
            assert.equal(seq, (at % (n + 1)) + k);
            assert.ok(String(text).startsWith(`${String(seq)}:`));
          });
          assert.ok(live[i].length <= max && (live[i].length > 0 || at % (n + 1) === n));
        });
        again.close();
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      },
    ), { numRuns: 60 });
  });

  it('keeps single-event appends in a few shared cache blocks, not an object per append', () => {
    const dir = path.join(tempDataDir('eh-log-'), 'p0');
    const log = new PartitionLog(dir, big);
    log.open();
    for (let i = 0; i < 3000; i++) log.append([ev(`${i}:${'x'.repeat(1000)}`)], 1000 + i);
    // About 3 MB of records: 12 blocks of 256 KiB, where an append each would have been 3,000 cache entries.
    const cache = (log as unknown as { cache: unknown[]; cacheHead: number });
    assert.ok(cache.cache.length - cache.cacheHead <= 13, `${cache.cache.length - cache.cacheHead} cache blocks`);
    assert.deepEqual(log.read(1234, 2).map((e) => e.rest.toString().slice(0, 5)), ['1234:', '1235:']);
    log.close();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('drops a record with a bad checksum and everything after it', () => {
    const dir = path.join(tempDataDir('eh-log-'), 'p0');
    const log = new PartitionLog(dir, big);
    log.open();
    log.append([ev('aaaa'), ev('bbbb'), ev('cccc')], 1000);
    const second = log.read(1, 1)[0].offset;
    log.close();
    const file = path.join(dir, fs.readdirSync(dir)[0]);
    const bytes = fs.readFileSync(file);
    bytes[second + 8 + 30] ^= 0xff; // flip a byte inside the second record's body
    fs.writeFileSync(file, bytes);
    const again = new PartitionLog(dir, big);
    again.open();
    assert.equal(again.nextSeq, 1);
    assert.deepEqual(again.read(0, 10).map((e) => e.rest.toString()), ['aaaa']);
    again.close();
  });

  it('enforces retention by size and by age on whole segments, keeping the sequence', () => {
    const dir = path.join(tempDataDir('eh-log-'), 'p0');
    const log = new PartitionLog(dir, { ms: 3600_000, bytes: 64 * 1024 });
    log.open();
    const kb = 'x'.repeat(1000);
    for (let i = 0; i < 400; i++) log.append([ev(kb)], 1000 + i);
    log.enforceRetention(2000);
    assert.ok(log.sizeBytes <= 64 * 1024 + 20 * 1024, `size ${log.sizeBytes}`);
    assert.ok(log.firstSeq > 0);
    assert.equal(log.read(0, 1)[0].seq, log.firstSeq);
    assert.equal(log.nextSeq, 400);
    log.retention = { ms: 1000, bytes: 1 << 30 };
    log.enforceRetention(10_000);
    assert.equal(log.isEmpty, true);
    assert.equal(log.nextSeq, 400);
    log.append([ev('after')], 11_000);
    assert.deepEqual(log.read(0, 5).map((e) => e.seq), [400]);
    log.close();
  });

  it('checks SAS tokens: signature, key name, expiry, audience host/port and path', () => {
    const sign = (uri: string, key: string, skn: string, se: number) => {
      const sr = encodeURIComponent(uri);
      const sig = encodeURIComponent(createHmac('sha256', key).update(`${sr}\n${se}`).digest('base64'));
      return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${skn}`;
    };
    const c = { keyName: 'K', key: 'secret', ports: [5672, 5671], now: 1_000_000 };
    const se = 2000;
    assert.equal(checkSasToken(sign('sb://127.0.0.1:5672/hub', 'secret', 'K', se), 'hub', c), se * 1000);
    assert.equal(checkSasToken(sign('sb://127.0.0.1:5671/hub', 'secret', 'K', se), 'hub/Partitions/0', c), se * 1000);
    assert.equal(checkSasToken(sign('sb://localhost/', 'secret', 'K', se), 'hub/$management', c), se * 1000);
    const fail = (t: string, wanted = 'hub') => { const r = checkSasToken(t, wanted, c); assert.equal(typeof r, 'object'); return r as { condition: string; description: string }; };
    assert.match(fail(sign('sb://127.0.0.1:5672/hub', 'wrong', 'K', se)).description, /invalid signature/);
    assert.match(fail(sign('sb://127.0.0.1:5672/hub', 'secret', 'Other', se)).description, /key name "Other"/);
    assert.match(fail(sign('sb://127.0.0.1:5672/hub', 'secret', 'K', 999)).description, /expired/);
    assert.match(fail(sign('sb://127.0.0.1:9999/hub', 'secret', 'K', se)).description, /port 9999/);
    assert.match(fail(sign('sb://example.com:5672/hub', 'secret', 'K', se)).description, /host "example.com"/);
    assert.match(fail(sign('sb://127.0.0.1:5672/hub', 'secret', 'K', se), 'hubby').description, /does not cover/);
    assert.equal(fail(sign('sb://127.0.0.1:5672/other', 'secret', 'K', se)).condition, 'amqp:unauthorized-access');
  });
});
