import * as assert from 'node:assert/strict';
import { countReadings, readRange, readRangeJson } from '../../src/local/sampleApi/readings';
import { pageBody } from '../../src/local/sampleApi';

describe('sample API readings', () => {
  it('writes each reading as exactly the JSON of the reading object, padded to the record size', () => {
    for (const recordBytes of [0, 120, 1024, 4096]) {
      const ds = { epochMs: Date.parse('2026-12-01T00:00:00Z'), intervalMs: 1000, recordBytes };
      const objects = readRange(ds, { slot: 0, site: 0 }, 20_000, 3_000);
      const texts = readRangeJson(ds, { slot: 0, site: 0 }, 20_000, 3_000);
      assert.deepEqual(texts.next, objects.next);
      assert.deepEqual(texts.items, objects.items.map((r) => JSON.stringify(r)));
      if (recordBytes >= 200) assert.deepEqual(new Set(texts.items.map((t) => Buffer.byteLength(t))), new Set([recordBytes]));
    }
  });

  it('counts the readings up to a slot without making them (quiet spells left out)', () => {
    const ds = { epochMs: Date.parse('2026-12-01T00:00:00Z'), intervalMs: 1000, recordBytes: 0 };
    let n = 0;
    for (let r = readRange(ds, { slot: 0, site: 0 }, 9_000, 1_000); ; r = readRange(ds, r.next, 9_000, 1_000)) {
      n += r.items.length;
      if (!r.next) break;
    }
    assert.equal(countReadings(ds, 9_000), n);
    assert.ok(n < 4 * 9_001, 'the quiet-prone site skipped some slots');
    assert.equal(countReadings(ds, -1), 0);
  });
});

describe('sample API pages', () => {
  it('writes the page JSON byte for byte as JSON.stringify would', () => {
    const ds = { epochMs: Date.parse('2026-12-01T00:00:00Z'), intervalMs: 1000, recordBytes: 1024 };
    const objects = readRange(ds, { slot: 0, site: 0 }, 20_000, 500).items;
    const texts = readRangeJson(ds, { slot: 0, site: 0 }, 20_000, 500).items;
    const next = 'http://127.0.0.1:1/readings?cursor=eyJzbG90IjoxfQ&pageSize=500';
    assert.equal(pageBody({ items: texts, next }).toString('utf8'), JSON.stringify({ items: objects, next, count: objects.length }));
    assert.equal(pageBody({ items: [], next: null }).toString('utf8'), '{"items":[],"next":null,"count":0}');
  });
});
