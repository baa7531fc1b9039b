import * as assert from 'node:assert/strict';
import { decodeBody } from '../../src/core/tail/body';
import { compileFilter, type FilterableEvent } from '../../src/core/tail/filter';
import { paceDelay, parseNdjson } from '../../src/core/tail/ndjson';
import { RingBuffer } from '../../src/core/tail/ringBuffer';
import { PartitionStats } from '../../src/core/tail/stats';

const ev = (json: unknown, text = JSON.stringify(json)): FilterableEvent => ({ json, text });

describe('tail building blocks', () => {
  describe('RingBuffer', () => {
    it('keeps the newest items and counts exactly what it dropped', () => {
      const r = new RingBuffer<number>(3);
      for (let i = 0; i < 10; i++) r.push(i);
      assert.deepEqual(r.toArray(), [7, 8, 9]);
      assert.equal(r.total, 10);
      assert.equal(r.dropped, 7);
      assert.equal(r.at(0), 7);
      assert.equal(r.at(3), undefined);
      r.clear();
      assert.equal(r.size, 0);
      assert.equal(r.dropped, 10);
      r.push(42);
      assert.deepEqual(r.toArray(), [42]);
    });

    it('rejects a nonsense capacity', () => {
      assert.throws(() => new RingBuffer(0), /positive integer/);
    });
  });

  describe('filters', () => {
    it('text search is case-insensitive over body and properties', () => {
      const f = compileFilter('ALERT');
      assert.ok(f.ok && f.kind === 'text');
      assert.ok(f.ok && f.test(ev({ msg: 'fire alert' })));
      assert.ok(f.ok && !f.test(ev({ msg: 'calm' })));
    });

    it('JSON-path predicates compare numbers, strings, booleans and nested paths', () => {
      const cases: [string, unknown, boolean][] = [
        ['$.temperature > 30', { temperature: 31 }, true],
        ['$.temperature > 30', { temperature: 30 }, false],
        ['$.temperature > 30', { temperature: '31' }, false],
        ['$.site == "A"', { site: 'A' }, true],
        ["$.site =~ 'a'", { site: 'A' }, true],
        ['$.tags contains "hot"', { tags: ['cold', 'hot'] }, true],
        ['$.a.b[1] <= 2', { a: { b: [5, 2] } }, true],
        ["$['odd key'] != null", { 'odd key': 1 }, true],
        ['$.ok', { ok: true }, true],
        ['$.ok', { ok: false }, false],
        ['$.missing', { a: 1 }, false],
        ['$.t > 30 && $.site == "A"', { t: 40, site: 'A' }, true],
        ['$.t > 30 and $.site == "B"', { t: 40, site: 'A' }, false],
      ];
      for (const [text, json, want] of cases) {
        const f = compileFilter(text);
        assert.ok(f.ok, `${text}: ${f.ok ? '' : f.error}`);
        assert.equal(f.test(ev(json)), want, text);
      }
      const text = compileFilter('$.x > 1');
      assert.ok(text.ok && !text.test({ json: undefined, text: 'not json' }), 'non-JSON bodies never match a path filter');
    });

    it('explains a bad predicate with its column', () => {
      const f = compileFilter('$.temperature >> 30');
      assert.ok(!f.ok);
      assert.match(f.error, /^Filter error at column \d+: Expected a number/);
      const g = compileFilter('$.a ~ 1');
      assert.ok(!g.ok && /Expected an operator/.test(g.error));
    });

    it('an empty filter passes everything', () => {
      const f = compileFilter('  ');
      assert.ok(f.ok && f.kind === 'all' && f.test(ev(null)));
    });
  });

  describe('body decoding', () => {
    it('shows JSON, text and binary bodies', () => {
      assert.equal(decodeBody({ a: 1 }).kind, 'json');
      const j = decodeBody(Buffer.from('{"t":21.5}'));
      assert.ok(j.kind === 'json' && (j.value as { t: number }).t === 21.5);
      const t = decodeBody(Buffer.from('hello world'));
      assert.ok(t.kind === 'text' && t.text === 'hello world');
      const b = decodeBody(Buffer.from([0, 1, 2, 255]));
      assert.ok(b.kind === 'binary' && b.hex === '00 01 02 ff' && b.base64 === 'AAEC/w==' && b.bytes === 4);
      assert.equal(decodeBody('<script>alert(1)</script>').preview, '<script>alert(1)</script>', 'decoding never interprets markup; the view escapes it');
    });

    it('keeps previews to one short line', () => {
      const d = decodeBody({ s: 'x'.repeat(1000) });
      assert.ok(d.preview.length <= 200 && d.preview.endsWith('…'));
    });
  });

  describe('rate and lag', () => {
    it('counts events per second over a sliding window', () => {
      const s = new PartitionStats(1000);
      s.record(50, 49, 10_000);
      s.record(50, 99, 10_500);
      assert.equal(s.rate(10_900), 100);
      assert.equal(s.rate(11_050), 50);
      assert.equal(s.rate(20_000), 0);
      assert.equal(s.received, 100);
    });

    it('lag is last enqueued minus last received, never negative', () => {
      const s = new PartitionStats();
      assert.equal(s.lag, 0);
      s.observeLastEnqueued(120);
      s.record(1, 100, 0);
      assert.equal(s.lag, 20);
      s.record(1, 130, 0);
      assert.equal(s.lag, 0);
    });
  });
});

describe('replay files', () => {
  it('reads envelopes and bare bodies, and reports bad lines by number', () => {
    const r = parseNdjson('{"body":{"t":1},"properties":{"a":"b"},"partitionKey":"k"}\n\n{"t":2}\n"text"\nnot json\n{"body":1,"properties":[1]}\n');
    assert.deepEqual(r.events, [
      { body: { t: 1 }, properties: { a: 'b' }, partitionKey: 'k', partitionId: undefined },
      { body: { t: 2 } },
      { body: 'text' },
    ]);
    assert.deepEqual(r.errors.map((e) => e.line), [5, 6]);
    assert.match(r.errors[0].message, /not JSON/);
  });

  it('paces sends to the chosen rate', () => {
    assert.equal(paceDelay(0, 100, 1000, 1000), 0);
    assert.equal(paceDelay(50, 100, 1000, 1000), 500);
    assert.equal(paceDelay(50, 100, 1000, 1600), 0);
    assert.equal(paceDelay(10, 0, 0, 0), 0, 'rate 0 means as fast as possible');
  });
});
