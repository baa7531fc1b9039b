// Property: random filters and aggregations over random data give the same answer through the local Eventhouse
// (stored with ingestion, queried with the unchanged client) as a plain JavaScript evaluation of KQL's rules.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { startKql, type Kql } from './helpers';

interface Row { k: string; n: number | null; r: number | null; s: string }

/** Kusto's three-valued logic: comparisons with null give null (except == and !=), where keeps only true. */
type B = boolean | null;
type Pred = { kql: string; js: (row: Row) => B };
const and = (a: B, b: B): B => (a === false || b === false ? false : a === null || b === null ? null : true);
const or = (a: B, b: B): B => (a === true || b === true ? true : a === null || b === null ? null : false);
const not = (a: B): B => (a === null ? null : !a);

const rowArb: fc.Arbitrary<Row> = fc.record({
  k: fc.constantFrom('a', 'b', 'c', 'A'),
  n: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 5 }),
  r: fc.option(fc.integer({ min: -1000, max: 1000 }).map((x) => x / 8), { freq: 5 }),
  s: fc.stringMatching(/^[abxyAB -]{0,6}$/),
});

const num = fc.integer({ min: -50, max: 50 });
const word = fc.constantFrom('a', 'ab', 'x', 'B', 'y ', '');

const leaf: fc.Arbitrary<Pred> = fc.oneof(
  num.map((c) => ({ kql: `n > ${c}`, js: (x: Row) => (x.n === null ? null : x.n > c) })),
  num.map((c) => ({ kql: `n <= ${c}`, js: (x: Row) => (x.n === null ? null : x.n <= c) })),
  // == and != against a non-null value are false/true for null, per the null-values page.
  num.map((c) => ({ kql: `n == ${c}`, js: (x: Row) => x.n === c })),
  num.map((c) => ({ kql: `n != ${c}`, js: (x: Row) => x.n !== c })),
  num.map((c) => ({ kql: `r < ${c}.5`, js: (x: Row) => (x.r === null ? null : x.r < c + 0.5) })),
  fc.constantFrom('a', 'A', 'b').map((c) => ({ kql: `k == "${c}"`, js: (x: Row) => x.k === c })),
  fc.constantFrom('a', 'b').map((c) => ({ kql: `k =~ "${c}"`, js: (x: Row) => x.k.toLowerCase() === c })),
  word.map((w) => ({ kql: `s contains "${w}"`, js: (x: Row) => x.s.toLowerCase().includes(w.toLowerCase()) })),
  word.map((w) => ({ kql: `s startswith_cs "${w}"`, js: (x: Row) => x.s.startsWith(w) })),
  fc.constant({ kql: 'isnull(n)', js: (x: Row) => x.n === null }),
  fc.constant({ kql: 'isempty(s)', js: (x: Row) => x.s === '' }),
);

const pred: fc.Arbitrary<Pred> = fc.oneof(
  leaf,
  fc.tuple(leaf, leaf).map(([a, b]) => ({ kql: `(${a.kql} and ${b.kql})`, js: (x: Row) => and(a.js(x), b.js(x)) })),
  fc.tuple(leaf, leaf).map(([a, b]) => ({ kql: `(${a.kql} or ${b.kql})`, js: (x: Row) => or(a.js(x), b.js(x)) })),
  leaf.map((a) => ({ kql: `not(${a.kql})`, js: (x: Row) => not(a.js(x)) })),
);

describe('local Eventhouse: property test against a JavaScript evaluation', function () {
  this.timeout(120_000);
  let kql: Kql;
  before(async () => { kql = await startKql(); });
  after(async () => { await kql?.stop(); });

  it('agrees on random where + summarize (count, sum, min, max, dcount, countif) by key', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(rowArb, { maxLength: 40 }), pred, leaf, async (rows, where, cond) => {
      const table = `P${run++}`;
      await kql.run(`.create table ${table} (k:string, n:long, r:real, s:string)`);
      if (rows.length) await kql.run(`.ingest inline into table ${table} with (format=json) <|\n${rows.map((x) => JSON.stringify(x)).join('\n')}`);
      const got = await kql.run(`${table} | where ${where.kql} | summarize c = count(), sn = sum(n), mn = min(n), mx = max(r), d = dcount(s), ci = countif(${cond.kql}) by k`);
      await kql.run(`.drop table ${table}`);
      const groups = new Map<string, Row[]>();
      for (const x of rows.filter((x) => where.js(x) === true)) groups.set(x.k, [...(groups.get(x.k) ?? []), x]);
      const want = [...groups.entries()].map(([k, g]) => {
        const ns = g.map((x) => x.n).filter((v): v is number => v !== null);
        const rs = g.map((x) => x.r).filter((v): v is number => v !== null);
        return [k, g.length, ns.length ? ns.reduce((a, b) => a + b, 0) : null, ns.length ? Math.min(...ns) : null, rs.length ? Math.max(...rs) : null, new Set(g.map((x) => x.s)).size, g.filter((x) => cond.js(x) === true).length];
      });
      const key = (r: unknown[]) => JSON.stringify(r);
      // Kusto's sum over only nulls is not pinned down by the docs; compare the rest of such rows.
      const norm = (r: unknown[]) => (r[2] === null ? [...r.slice(0, 2), 'n/a', ...r.slice(3)] : r);
      const gotRows = got.rows.map((r) => norm(r.map((v, i) => (i === 2 && v === 0 && !want.find((w) => w[0] === r[0])?.[2]) ? null : v)));
      assert.deepEqual(gotRows.map(key).sort(), want.map(norm).map(key).sort(), `where ${where.kql}; countif(${cond.kql})`);
    }), { numRuns: 40, seed: 4242 });
  });
});
