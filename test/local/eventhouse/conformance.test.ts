// Data-driven KQL conformance: each case runs through the unchanged azure-kusto-data Client against the local
// Eventhouse started by the real CLI, and is compared with the result its cited KQL documentation page implies.
import * as assert from 'node:assert/strict';
import { CASES, SETUP } from './cases';
import { startKql, type Kql } from './helpers';

function canon(v: unknown): unknown {
  if (typeof v === 'number') return Math.abs(v) < 1e-9 ? 0 : Number(v.toPrecision(12));
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canon(x)]));
  return v;
}

const sortRows = (rows: unknown[][]) => rows.map((r) => JSON.stringify(canon(r))).sort();

describe('local Eventhouse: KQL conformance', function () {
  this.timeout(120_000);
  let kql: Kql;
  before(async () => {
    kql = await startKql();
    for (const c of SETUP) await kql.run(c);
  });
  after(async () => { await kql?.stop(); });

  for (const [i, c] of CASES.entries()) {
    it(`#${i + 1} ${c.q.replace(/\s+/g, ' ').slice(0, 110)}`, async () => {
      let got;
      try {
        got = await kql.run(c.q);
      } catch (e) {
        const data = (e as { response?: { data?: { error?: { '@message'?: string } } } }).response?.data?.error?.['@message'];
        throw new Error(`${data ?? (e instanceof Error ? e.message : String(e))}\n(expected per ${c.doc})`);
      }
      if (c.cols) assert.deepEqual(got.columns, c.cols.split(',').map((s) => s.trim().replace(/\s*:\s*/, ':')), `columns (per ${c.doc})`);
      const ordered = c.ordered ?? /\b(sort|order|top|serialize|range|make-series|prev|next|row_number)\b/.test(c.q);
      if (ordered) assert.deepEqual(got.rows.map((r) => canon(r)), c.rows.map((r) => canon(r)), `rows in order (per ${c.doc})`);
      else assert.deepEqual(sortRows(got.rows), sortRows(c.rows), `rows (per ${c.doc})`);
    });
  }
});
