// The tail feed sends a backlog in updates of at most MAX_ROWS_PER_UPDATE rows: one update of up to the whole
// buffer (10,000 rows) was one long task in the webview.
import * as assert from 'node:assert/strict';
import { decodeBody } from '../../../src/core/tail/body';
import { PartitionStats } from '../../../src/core/tail/stats';
import type { HostToView } from '../../../src/protocol/tailProtocol';
import { MAX_ROWS_PER_UPDATE, TailFeed } from '../../../src/tail/tailFeed';
import type { TailEvent } from '../../../src/tail/tailSession';

function events(from: number, n: number): TailEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    partitionId: '0', sequenceNumber: from + i, offset: String(from + i), enqueuedTime: new Date(0),
    body: decodeBody({ i: from + i }), properties: {}, systemProperties: {},
  }));
}

describe('tail feed backlog', () => {
  it('sends a backlog in bounded updates, in order, the next one on the acknowledgement, and loses no row', () => {
    const posts: HostToView[] = [];
    const f = new TailFeed({ bufferSize: 10_000, post: (m) => posts.push(m), stats: () => new Map([['0', new PartitionStats()]]), state: () => ({ state: 'live' }) });
    const updates = () => posts.filter((p): p is Extract<HostToView, { type: 'update' }> => p.type === 'update');
    f.viewReady();
    f.push(events(0, 9_000));
    f.ack();
    f.flush();
    assert.equal(updates().length, 1);
    assert.equal(updates()[0].rows.length, MAX_ROWS_PER_UPDATE);
    f.flush();
    assert.equal(updates().length, 1, 'still one update in flight');
    // Each acknowledgement sends the next full update at once; the remainder waits for the next tick.
    for (let i = 2; i <= 4; i++) {
      f.ack();
      assert.equal(updates().length, i);
    }
    f.ack();
    assert.equal(updates().length, 4, 'a partial update waits for the tick');
    f.flush();
    assert.equal(updates().at(-1)!.rows.length, 9_000 - 4 * MAX_ROWS_PER_UPDATE);
    const seqs = updates().flatMap((u) => u.rows.map((r) => r.sequenceNumber));
    assert.deepEqual(seqs, Array.from({ length: 9_000 }, (_, i) => i));
    for (const u of updates()) assert.ok(u.rows.length <= MAX_ROWS_PER_UPDATE);
    assert.equal(updates().at(-1)!.total, 9_000);
  });

  it('still draws only what the buffer holds when the backlog outgrew it', () => {
    const posts: HostToView[] = [];
    const f = new TailFeed({ bufferSize: 3_000, post: (m) => posts.push(m), stats: () => [], state: () => ({ state: 'live' }) });
    f.viewReady();
    f.push(events(0, 5_000));
    f.ack();
    f.flush();
    f.ack();
    f.flush();
    const rows = posts.flatMap((p) => (p.type === 'update' ? p.rows.map((r) => r.sequenceNumber) : []));
    assert.deepEqual(rows, Array.from({ length: 3_000 }, (_, i) => 2_000 + i));
  });
});
