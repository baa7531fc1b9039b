// The record splitter must agree with JSON.parse on every document, however the body is cut into chunks.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordsOf } from '../src/lib/paging';
import type { SourceSettings } from '../src/lib/settings';
import { splitRecords } from '../src/lib/split';

const source = (recordsPath?: string): SourceSettings => ({ name: 's', url: 'http://127.0.0.1/x', recordsPath });

/** The body cut into chunks of `size` bytes (the last shorter). */
function cut(text: string | Buffer, size: number): Buffer[] {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** Splits at every chunk size from 1 to the whole, and checks each against JSON.parse. */
function agrees(text: string, path: string | undefined, expectRaw = true): void {
  const parsed = JSON.parse(text) as unknown;
  const keys = path && path !== '$' ? path.split('.') : [];
  let expected: unknown = parsed;
  for (const k of keys) expected = (expected as Record<string, unknown>)[k];
  const len = Buffer.byteLength(text);
  for (let size = 1; size <= len; size++) {
    const page = recordsOf(source(path), 'http://127.0.0.1/x', cut(text, size));
    assert.deepEqual(page.records, expected, `chunks of ${size}`);
    if (expectRaw) {
      assert.ok(page.raw, `split at chunks of ${size}`);
      assert.deepEqual(page.raw.map((r) => JSON.parse(r.toString('utf8')) as unknown), expected);
    }
  }
}

describe('record splitter', () => {
  it('splits the records array of an object body, whatever the chunk size', () => {
    agrees('{"items":[{"id":"a","v":1},{"id":"b","v":[1,{"x":"]"}]}],"next":"http://h/p?x=1"}', 'items');
  });

  it('reads the rest of the body (the next link) from what is left around the array', () => {
    const page = recordsOf(source('items'), 'http://127.0.0.1/x', cut('{"count":2,"items":[1,2],"next":"n"}', 3));
    assert.deepEqual(page.body, { count: 2, items: [], next: 'n' });
    assert.deepEqual(page.records, [1, 2]);
  });

  it('handles escaped quotes and backslashes that fall on a chunk boundary', () => {
    agrees(String.raw`{"items":["a\"b","c\\","d\\\"]e\\\\",{"k\"":"\\"}],"n":"\"[\\"}`, 'items');
  });

  it('nested paths, keys with escapes, whitespace, scalars and empty records arrays', () => {
    agrees('{ "data" : { "it\\u0065ms" : [ 1 , "two" , null , true , -3.5e2 , { } , [ ] ] } , "items": 5 }', 'data.items');
    agrees(' [ {"a":1} ,\n\t{"b":2} ] ', '$');
    agrees('{"items":[]}', 'items');
    agrees('{"other":{"items":[9]},"items":[1]}', 'items');
  });

  it('keeps each record\'s bytes as sent: big integers and number spelling survive', () => {
    const page = recordsOf(source('items'), 'u', cut('{"items":[{"id":12345678901234567890,"t":21.50}]}', 7));
    assert.equal(page.raw?.[0].toString(), '{"id":12345678901234567890,"t":21.50}');
  });

  it('drops a byte order mark as fetch does', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"items":[1]}')]);
    for (let size = 1; size <= body.length; size++) assert.deepEqual(recordsOf(source('items'), 'u', cut(body, size)).records, [1]);
  });

  it('multi-byte UTF-8 cut in the middle of a character', () => {
    agrees('{"items":["žluťoučký kůň","😀 – ∑"],"next":"ø"}', 'items');
  });

  it('sends bytes that are not UTF-8 as decoded, as the whole-body path would', () => {
    const body = Buffer.concat([Buffer.from('{"items":["a'), Buffer.from([0xff]), Buffer.from('b"]}')]);
    const page = recordsOf(source('items'), 'u', [body]);
    assert.deepEqual(page.records, ['a\ufffdb']);
    assert.equal(page.raw?.[0].toString('utf8'), '"a\ufffdb"');
  });

  it('leaves what it cannot split with certainty to JSON.parse, which then decides', () => {
    // A duplicate key: JSON.parse keeps the last value.
    const dup = recordsOf(source('items'), 'u', [Buffer.from('{"items":[1,2],"items":[3]}')]);
    assert.deepEqual(dup.records, [3]);
    assert.equal(dup.raw, undefined);
    const dupScalar = () => recordsOf(source('items'), 'u', [Buffer.from('{"items":[1],"items":null}')]);
    assert.throws(dupScalar, /holds null, not an array/);
    assert.equal(splitRecords([Buffer.from('{"items":[1,]}')], ['items']), undefined);
    assert.equal(splitRecords([Buffer.from('{"items":[,1]}')], ['items']), undefined);
    assert.equal(splitRecords([Buffer.from('{"items":[1}')], ['items']), undefined);
    assert.equal(splitRecords([Buffer.from('{"items":[1]')], ['items']), undefined);
    assert.equal(splitRecords([Buffer.from('{"nope":[1]}')], ['items']), undefined);
    assert.equal(splitRecords([], ['items']), undefined);
    assert.throws(() => recordsOf(source('items'), 'u', [Buffer.from('{"items":[1,]}')]), /not JSON/);
    assert.throws(() => recordsOf(source('items'), 'u', [Buffer.from('{"items":{"a":1}}')]), /holds object, not an array/);
    assert.throws(() => recordsOf(source('items'), 'u', [Buffer.from('{"x":1}')]), /without the records path "items"/);
  });

  it('agrees with JSON.parse on random documents cut at random places', () => {
    let seed = 20261206;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const ws = () => pick(['', '', ' ', '\n  ', '\t']);
    const str = () => JSON.stringify(Array.from({ length: Math.floor(rand() * 8) }, () => pick(['a', '"', '\\', ']', '}', ',', ':', '[', '{', 'é', '😀', '\n', '\u0001'])).join(''));
    const value = (depth: number): string => {
      const k = rand();
      if (depth > 3 || k < 0.4) return pick([str(), String(Math.floor(rand() * 1e6) - 5e5), '1.5e-3', 'true', 'false', 'null', '12345678901234567890']);
      if (k < 0.7) return `[${ws()}${Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
      return `{${ws()}${Array.from({ length: Math.floor(rand() * 4) }, () => `${str()}${ws()}:${ws()}${value(depth + 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
    };
    for (let n = 0; n < 400; n++) {
      const records = Array.from({ length: Math.floor(rand() * 6) }, () => value(0));
      const text = `${ws()}{${ws()}"before":${value(1)},${ws()}"items"${ws()}:${ws()}[${ws()}${records.join(`${ws()},${ws()}`)}${ws()}]${ws()},"next":${str()}${ws()}}${ws()}`;
      const expected = (JSON.parse(text) as { items: unknown[] }).items;
      const size = 1 + Math.floor(rand() * 40);
      const page = recordsOf(source('items'), 'u', cut(text, size));
      assert.deepEqual(page.records, expected, text);
      assert.ok(page.raw, text);
      assert.deepEqual(page.raw.map((r) => JSON.parse(r.toString('utf8')) as unknown), expected, text);
    }
  });
});
