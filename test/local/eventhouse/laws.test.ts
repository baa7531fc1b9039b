// Property tests of general laws the documentation states, each over random inputs through the unchanged client:
// where DuckDB's default semantics differ from Kusto's, these fail (issue #18 §2).
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { startKql, type Kql } from './helpers';

const RUNS = Number(process.env.EVENTLINE_LAW_RUNS ?? 30);
const lit = (v: number | null) => (v === null ? 'long(null)' : String(v));

describe('local Eventhouse: laws from the KQL documentation (property tests)', function () {
  this.timeout(300_000);
  let kql: Kql;
  before(async () => { kql = await startKql(); });
  after(async () => { await kql?.stop(); });

  it('%: 0 <= N % D < abs(D), and N - N % D is a multiple of D (numerical-operators)', async () => {
    const nonZero = fc.integer({ min: -1000, max: 1000 }).filter((d) => d !== 0);
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: -100_000, max: 100_000 }), nonZero), { minLength: 1, maxLength: 20 }), async (pairs) => {
      const got = await kql.run(`datatable(n:long, d:long)[${pairs.map(([n, d]) => `${n}, ${d}`).join(', ')}] | extend m = n % d, r = todouble(n) % todouble(d) | project m, r`);
      got.rows.forEach(([m, r], i) => {
        const [n, d] = pairs[i];
        const want = ((n % d) + Math.abs(d)) % Math.abs(d);
        assert.equal(m, want, `${n} % ${d}`);
        assert.ok(Math.abs(Number(r) - want) < 1e-9, `real ${n} % ${d}: ${String(r)}`);
      });
    }), { numRuns: RUNS, seed: 1818 });
  });

  it('arg_max / arg_min return one input row per group, with the extreme key (arg-max-aggregation-function)', async () => {
    const row = fc.record({ g: fc.constantFrom('a', 'b'), k: fc.option(fc.integer({ min: 0, max: 5 }), { freq: 4 }), x: fc.option(fc.integer({ min: 0, max: 9 }), { freq: 3 }), y: fc.option(fc.integer({ min: 0, max: 9 }), { freq: 3 }) });
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 15 }), fc.constantFrom('arg_max', 'arg_min'), async (rows, fn) => {
      const table = `datatable(g:string, k:long, x:long, y:long)[${rows.map((r) => `"${r.g}", ${lit(r.k)}, ${lit(r.x)}, ${lit(r.y)}`).join(', ')}]`;
      const got = await kql.run(`${table} | summarize ${fn}(k, *) by g | project g, k, x, y`);
      for (const [g, k, x, y] of got.rows as [string, number | null, number | null, number | null][]) {
        const group = rows.filter((r) => r.g === g);
        const keys = group.map((r) => r.k).filter((v): v is number => v !== null);
        // Rows with a null key are passed over unless every row's key is null.
        const best = keys.length ? (fn === 'arg_max' ? Math.max(...keys) : Math.min(...keys)) : null;
        assert.equal(k, best, `${fn} key of group ${g}`);
        assert.ok(group.some((r) => r.k === k && r.x === x && r.y === y), `${fn}(k, *) by g gave ${JSON.stringify([g, k, x, y])}, which is no input row of ${JSON.stringify(group)}`);
      }
      assert.equal(got.rows.length, new Set(rows.map((r) => r.g)).size);
    }), { numRuns: RUNS, seed: 1819 });
  });

  // Reals with the special values, as datatable literals and as the wire gives them back.
  type V = number | null;
  const real: fc.Arbitrary<V> = fc.oneof(fc.integer({ min: -5, max: 5 }).map((x) => x / 2), fc.constantFrom<V>(null, NaN, Infinity, -Infinity));
  const realLit = (v: V) => (v === null ? 'real(null)' : Number.isNaN(v) ? 'real(nan)' : v === Infinity ? 'real(+inf)' : v === -Infinity ? 'real(-inf)' : `real(${v})`);
  const realWire = (v: V) => (v === null ? null : Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
  /** The sort page's order: null and NaN form one group at the start or the end (null first within it when the group leads). */
  const kustoOrder = (xs: V[], asc: boolean, first: boolean): V[] => {
    const rank = (v: V) => (v === null ? (first ? 0 : 2) : Number.isNaN(v) ? 1 : -1);
    return [...xs].sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      if (ra >= 0 || rb >= 0) {
        if (ra >= 0 && rb >= 0) return ra - rb;
        return (ra >= 0) === first ? -1 : 1;
      }
      return asc ? (a as number) - (b as number) : (b as number) - (a as number);
    });
  };

  it('sort by a real puts NaN with the nulls, as the sort page\'s table orders special values (sort-operator)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(real, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.option(fc.boolean()), async (xs, asc, nullsFirst) => {
      const got = await kql.run(`datatable(x:real)[${xs.map(realLit).join(', ')}] | order by x ${asc ? 'asc' : 'desc'}${nullsFirst === null ? '' : nullsFirst ? ' nulls first' : ' nulls last'}`);
      const first = nullsFirst ?? asc;
      assert.deepEqual(got.rows.map((r) => r[0]), kustoOrder(xs, asc, first).map(realWire), `order by x ${asc ? 'asc' : 'desc'} nulls ${first ? 'first' : 'last'} of ${JSON.stringify(xs.map(realWire))}`);
    }), { numRuns: RUNS, seed: 1821 });
  });

  it('top N by a real, and order by then take N, are the first N rows of that order, NaN with the nulls (top-operator)', async () => {
    // Often without NaN, so both the plain top-N and the exact one answer (NaNFree in translate/context.ts).
    const xsArb = fc.oneof(fc.array(real.filter((v) => !Number.isNaN(v)), { minLength: 1, maxLength: 12 }), fc.array(real, { minLength: 1, maxLength: 12 }));
    await fc.assert(fc.asyncProperty(xsArb, fc.integer({ min: 1, max: 13 }), fc.boolean(), fc.boolean(), async (xs, n, asc, viaTake) => {
      const dir = asc ? 'asc' : 'desc';
      const table = `datatable(x:real)[${xs.map(realLit).join(', ')}]`;
      const got = await kql.run(viaTake ? `${table} | order by x ${dir} | take ${n}` : `${table} | top ${n} by x ${dir}`);
      // Nulls first when ascending, last when descending.
      const want = kustoOrder(xs, asc, asc).slice(0, n);
      assert.deepEqual(got.rows.map((r) => r[0]), want.map(realWire), `${viaTake ? 'order by, take' : 'top'} ${n} ${dir} of ${JSON.stringify(xs.map(realWire))}`);
    }), { numRuns: RUNS, seed: 1822 });
  });

  it('summarize without keys over no rows gives one row of the default values (summarize-operator)', async () => {
    const agg = fc.constantFrom(
      ['count()', 0], ['countif(x > 1)', 0], ['dcount(x)', 0], ['sum(x)', 0], ['sumif(x, x > 0)', 0], ['variance(x)', 0], ['stdev(x)', 0],
      ['avg(x)', null], ['min(x)', null], ['max(x)', null], ['make_list(x)', []], ['make_set(x)', []],
    );
    await fc.assert(fc.asyncProperty(fc.array(fc.option(fc.integer({ min: -9, max: 9 })), { maxLength: 10 }), fc.uniqueArray(agg, { minLength: 1, maxLength: 5, selector: (a) => a[0] }), async (xs, aggs) => {
      // The filter drops every row, whatever they are.
      const table = xs.length ? `datatable(x:long)[${xs.map(lit).join(', ')}]` : 'datatable(x:long)[]';
      const got = await kql.run(`${table} | where x > 100 | summarize ${aggs.map(([a], i) => `a${i} = ${String(a)}`).join(', ')}`);
      assert.deepEqual(got.rows, [aggs.map(([, d]) => d)]);
    }), { numRuns: RUNS, seed: 1820 });
  });
});
