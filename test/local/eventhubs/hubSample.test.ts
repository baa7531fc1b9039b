// The drift check's sampler (src/azure/hubSample.ts) through the real SDK against the local Event Hubs: the newest
// events of each partition, bodies as their bytes, a byte budget that keeps the newest, and Cancel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import type { EventHubTarget } from '../../../src/azure/clients';
import { sampleHub } from '../../../src/azure/hubSample';
import { UserCancelledError } from '../../../src/core/errors';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';

describe('hub sample for the schema drift check (real SDK against the local Event Hubs)', function () {
  this.timeout(60_000);
  let p: LocalPipeline;
  const target = (hub: string): EventHubTarget => ({ kind: 'connectionString', connectionString: p.ready.eventHubs.connectionString, hub });

  async function send(hub: string, partitionId: string, bodies: unknown[]): Promise<void> {
    const producer = new EventHubProducerClient(p.ready.eventHubs.connectionString, hub);
    try {
      const batch = await producer.createBatch({ partitionId });
      for (const body of bodies) assert.ok(batch.tryAdd({ body }));
      await producer.sendBatch(batch);
    } finally {
      await producer.close();
    }
  }

  before(async () => {
    const dataDir = tempDataDir();
    const config = path.join(dataDir, 'eventline.json');
    fs.writeFileSync(config, JSON.stringify({ eventHubs: [{ name: 'four', partitions: 4 }, { name: 'big', partitions: 1 }, { name: 'empty', partitions: 2 }] }));
    p = await startLocalPipeline({ dataDir, args: ['--config', config] });
  });

  after(async () => {
    if (p) assert.equal(await p.stop(), 0, p.logs());
  });

  it('takes the newest events of every partition that has any, in sequence order, bodies as their text', async () => {
    await send('four', '0', Array.from({ length: 10 }, (_, i) => ({ p: 0, i })));
    await send('four', '1', Array.from({ length: 2 }, (_, i) => ({ p: 1, i })));
    await send('four', '3', [Buffer.from('not json'), 'a "string" body']);
    const s = await sampleHub(target('four'), 9, new AbortController().signal);
    assert.deepEqual(s.incomplete, []);
    assert.equal(s.dropped, 0);
    // 9 over three partitions with events: 3 each, the last 3 of partition 0.
    assert.deepEqual(s.events.map((e) => e.id), [
      'partition 0, sequence 7', 'partition 0, sequence 8', 'partition 0, sequence 9',
      'partition 1, sequence 0', 'partition 1, sequence 1',
      'partition 3, sequence 0', 'partition 3, sequence 1',
    ]);
    assert.equal(s.events[0].text, '{"p":0,"i":7}');
    assert.equal(s.events[5].text, 'not json', 'bytes stay bytes: the SDK does not parse them');
    // The SDK sends a string body as its JSON text: those bytes are what a table would load (a JSON string, no object).
    assert.equal(s.events[6].text, '"a \\"string\\" body"');
  });

  it('an empty hub gives no events at once', async () => {
    const started = Date.now();
    const s = await sampleHub(target('empty'), 500, new AbortController().signal);
    assert.deepEqual(s, { events: [], incomplete: [], dropped: 0 });
    assert.ok(Date.now() - started < 10_000);
  });

  it('keeps within its byte budget by letting the oldest events go, never the newest', async () => {
    await send('big', '0', Array.from({ length: 6 }, (_, i) => ({ i, pad: 'x'.repeat(10_000) })));
    const s = await sampleHub(target('big'), 6, new AbortController().signal, { maxBytes: 25_000 });
    assert.deepEqual(s.events.map((e) => e.id), ['partition 0, sequence 4', 'partition 0, sequence 5']);
    assert.equal(s.dropped, 4);
  });

  it('Cancel stops it with UserCancelledError', async () => {
    const c = new AbortController();
    c.abort();
    await assert.rejects(sampleHub(target('four'), 9, c.signal), UserCancelledError);
  });

  it('a hub that is not there fails with a message that names it', async () => {
    await assert.rejects(sampleHub(target('nope'), 9, new AbortController().signal), /Could not read the partitions of nope: /);
  });
});
