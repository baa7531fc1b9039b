import * as assert from 'node:assert/strict';
import { decodeBody } from '../../src/core/tail/body';
import { PartitionStats } from '../../src/core/tail/stats';
import type { HostToView } from '../../src/protocol/tailProtocol';
import { TailFeed, tailHtml } from '../../src/tail/tailFeed';
import type { TailEvent } from '../../src/tail/tailSession';

function events(from: number, n: number): TailEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    partitionId: '0', sequenceNumber: from + i, offset: String((from + i) * 100), enqueuedTime: new Date(0),
    body: decodeBody({ i: from + i }), properties: {}, systemProperties: {},
  }));
}

describe('tail feed (host side of the panel)', () => {
  function feed(bufferSize: number) {
    const posts: HostToView[] = [];
    const stats = new Map([['0', new PartitionStats()]]);
    const f = new TailFeed({ bufferSize, post: (m) => posts.push(m), stats: () => stats, state: () => ({ state: 'live' }) });
    return { f, posts, updates: () => posts.filter((p): p is Extract<HostToView, { type: 'update' }> => p.type === 'update') };
  }

  it('posts nothing before the view is ready, then everything the buffer holds', () => {
    const { f, posts, updates } = feed(10);
    f.push(events(0, 4));
    f.flush();
    assert.equal(posts.length, 0);
    f.viewReady();
    assert.deepEqual(updates()[0].rows.map((r) => r.sequenceNumber), [0, 1, 2, 3]);
  });

  it('keeps one update in flight: a slow view gets bigger batches, not a queue', () => {
    const { f, updates } = feed(5);
    f.viewReady();
    f.push(events(0, 2));
    f.flush();
    f.push(events(2, 20));
    f.flush();
    assert.equal(updates().length, 1, 'nothing more until the view acknowledges');
    f.ack();
    f.flush();
    assert.equal(updates().length, 2);
    assert.deepEqual(updates()[1].rows.map((r) => r.sequenceNumber), [17, 18, 19, 20, 21], 'only what the buffer holds');
    assert.equal(updates()[1].total, 22);
  });

  it('batches rows between flushes and keeps counts exact when the buffer overflows', () => {
    const { f, updates } = feed(5);
    f.viewReady();
    f.push(events(0, 3));
    f.push(events(3, 9));
    f.ack();
    f.flush();
    const u = updates().at(-1)!;
    assert.deepEqual(u.rows.map((r) => r.sequenceNumber), [7, 8, 9, 10, 11], 'only what the buffer holds is drawn');
    assert.equal(u.total, 12);
    assert.equal(u.dropped, 7);
    f.flush();
    assert.equal(updates().length, 1, 'an empty flush posts nothing until the counters are due');
  });

  it('keeps pending rows bounded while the view is gone', () => {
    const { f, updates } = feed(100);
    for (let i = 0; i < 50; i++) f.push(events(i * 100, 100));
    f.viewReady();
    assert.equal(updates()[0].rows.length, 100);
    assert.equal(updates()[0].total, 5000);
  });

  it('filters on the host: a new filter answers with the buffered matches, later updates carry only matches', () => {
    const { f, posts, updates } = feed(100);
    f.viewReady();
    f.push(events(0, 10));
    f.setFilter('$.i >= 7');
    const answer = posts.at(-1) as Extract<HostToView, { type: 'filtered' }>;
    assert.equal(answer.type, 'filtered');
    assert.deepEqual(answer.rows.map((r) => r.sequenceNumber), [7, 8, 9]);
    f.push(events(10, 2));
    f.flush();
    assert.deepEqual(updates().at(-1)!.rows.map((r) => r.sequenceNumber), [10, 11]);
    assert.equal(updates().at(-1)!.total, 12, 'counts cover every event, matching or not');
    f.setFilter('$.i >');
    const bad = posts.at(-1) as Extract<HostToView, { type: 'filtered' }>;
    assert.ok(bad.error, 'a filter that does not compile says why');
    assert.equal(bad.rows.length, 12, 'and shows everything meanwhile');
  });

  it('sends rows without bodies; details travel on request', () => {
    const { f, updates } = feed(10);
    f.viewReady();
    f.push(events(0, 1));
    f.flush();
    const row = updates().at(-1)!.rows[0];
    assert.deepEqual(Object.keys(row).sort(), ['bodyKind', 'enqueuedTime', 'key', 'offset', 'partitionId', 'partitionKey', 'preview', 'sequenceNumber']);
    assert.match(f.details(row.key)!.detail, /"i": 0/);
    assert.equal(f.details('9:9'), undefined);
  });

  it('puts a nonce on the only script and allows no inline or remote code', () => {
    const html = tailHtml({ nonce: 'abc123', cspSource: 'https://webview.test', scriptUri: 'https://webview.test/tail.js' });
    assert.match(html, /script-src 'nonce-abc123'/);
    assert.match(html, /default-src 'none'/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="abc123" src="https:\/\/webview.test\/tail.js">/);
  });
});
