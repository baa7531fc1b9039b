// `.show ingestion failures`: what the hub connector could not ingest and the update policies that failed.
import { SHOW_FAILURES_COLS, showFailuresSql } from '../failures';
import type { Command } from './command';
import { table, withProps } from './syntax';

export const FAILURES_COMMANDS: Command[] = [
  {
    pattern: /^\.show\s+ingestion\s+failures\s*(?:with\s*\(([^)]*)\))?\s*$/i,
    run: async (m, ctx) => {
      const db = ctx.db();
      const exists = await ctx.engine.runSql(`SELECT count(*) FROM duckdb_tables() WHERE schema_name = '__eventline' AND table_name = 'ingestion_failures'`, {});
      if (Number(exists[0][0]) === 0) return table(SHOW_FAILURES_COLS, []);
      const operation = withProps(m[1]).get('operationid');
      const rows = await ctx.engine.runSql(showFailuresSql(db.name), {});
      return table(SHOW_FAILURES_COLS, rows.filter((r) => operation === undefined || String(r[0]).toLowerCase() === operation.toLowerCase()).map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))));
    },
  },
];
