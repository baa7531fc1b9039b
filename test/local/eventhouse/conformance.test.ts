// Data-driven KQL conformance: each case runs through the unchanged azure-kusto-data Client against the local
// Eventhouse started by the real CLI, and is compared with the result its cited KQL documentation page implies.
import * as assert from 'node:assert/strict';
import { CASES, SETUP } from './cases';
import { MGMT_CASES, MGMT_SETUP } from './mgmtCases';
import { startKql, type Kql } from './helpers';

function canon(v: unknown): unknown {
  if (typeof v === 'number') return Math.abs(v) < 1e-9 ? 0 : Number(v.toPrecision(12));
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canon(x)]));
  return v;
}

const sortRows = (rows: unknown[][]) => rows.map((r) => JSON.stringify(canon(r))).sort();

function check(c: { q: string; cols?: string; rows: unknown[][]; doc: string; ordered?: boolean }, got: { columns: string[]; rows: unknown[][] }): void {
  if (c.cols) assert.deepEqual(got.columns, c.cols.split(',').map((s) => s.trim().replace(/\s*:\s*/, ':')), `columns (per ${c.doc})`);
  const ordered = c.ordered ?? /\b(sort|order|top|serialize|range|make-series|prev|next|row_number)\b/.test(c.q);
  if (ordered) assert.deepEqual(got.rows.map((r) => canon(r)), c.rows.map((r) => canon(r)), `rows in order (per ${c.doc})`);
  else assert.deepEqual(sortRows(got.rows), sortRows(c.rows), `rows (per ${c.doc})`);
}

function message(e: unknown): string {
  return (e as { response?: { data?: { error?: { '@message'?: string } } } }).response?.data?.error?.['@message'] ?? (e instanceof Error ? e.message : String(e));
}

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
        throw new Error(`${message(e)}\n(expected per ${c.doc})`);
      }
      check(c, got);
    });
  }
});

describe('local Eventhouse: management command conformance', function () {
  this.timeout(120_000);
  let kql: Kql;
  before(async () => {
    kql = await startKql();
    for (const c of MGMT_SETUP) await kql.run(c);
  });
  after(async () => { await kql?.stop(); });

  // In order: later cases see what earlier ones did.
  for (const [i, c] of MGMT_CASES.entries()) {
    it(`#${i + 1} ${c.q.replace(/\s+/g, ' ').slice(0, 110)}`, async () => {
      if (c.error) {
        const e = await kql.error(c.q);
        assert.equal(e.status, 400);
        assert.match(String(e.error['@message']), c.error, `error (per ${c.doc})`);
        return;
      }
      let got;
      try {
        got = await kql.run(c.q);
      } catch (e) {
        throw new Error(`${message(e)}\n(expected per ${c.doc})`);
      }
      // Without rows: the result's values are ids or counts the page does not fix (checked by the cases after it).
      if (c.rows) check({ ...c, rows: c.rows }, got);
      else if (c.cols) check({ ...c, rows: got.rows }, got);
    });
  }
});
