// Commands about the service rather than a database's contents: its caches (no-ops here: the local Eventhouse
// keeps no cache a client could see stale; see Readers for the plans it keeps and drops by itself), what ran
// (.show queries, .show commands, .show operations), and the cluster-level commands it refuses by name.
import type { Activity } from '../activity';
import { KustoUserError, type KType } from '../types';
import type { Command } from './command';
import { NAME, table, unname } from './syntax';

/** The one node of this "cluster", as results name it. */
const NODE = 'eventline-local';

const NODE_STATUS: [string, KType][] = [['NodeId', 'string'], ['Status', 'string']];

const ACTIVITY_COLS: [string, KType][] = [
  ['ClientActivityId', 'string'], ['Text', 'string'], ['Database', 'string'], ['StartedOn', 'datetime'], ['LastUpdatedOn', 'datetime'],
  ['Duration', 'timespan'], ['State', 'string'], ['FailureReason', 'string'], ['RootActivityId', 'guid'], ['User', 'string'], ['Application', 'string'],
  ['Principal', 'string'], ['ClientRequestProperties', 'dynamic'], ['TotalCpu', 'timespan'], ['MemoryPeak', 'long'], ['CacheStatistics', 'dynamic'],
  ['ScannedExtentsStatistics', 'dynamic'], ['ResultSetStatistics', 'dynamic'], ['WorkloadGroup', 'string'],
];

function iso(d: Date): string {
  return d.toISOString().replace('Z', '0000Z');
}

/** Milliseconds as a timespan's wire text. */
function span(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(t / 3_600_000))}:${p(Math.floor(t / 60_000) % 60)}:${p(Math.floor(t / 1000) % 60)}.${p(t % 1000, 3)}0000`;
}

/** One row of .show queries / .show commands (CommandType first for commands). CPU, memory and scan statistics are not measured here: null. */
function activityRow(a: Activity, withType: boolean): unknown[] {
  const end = a.state === 'InProgress' ? new Date() : a.lastUpdatedOn;
  const row = [a.clientActivityId, a.text, a.database, iso(a.startedOn), iso(end), span(end.getTime() - a.startedOn.getTime()), a.state, a.failureReason,
    a.rootActivityId, a.user, a.application, '', a.properties, null, null, null, null, null, 'default'];
  return withType ? [row[0], a.kind === 'Query' ? 'Query' : a.commandType, ...row.slice(1)] : row;
}

function activityTable(list: Activity[], withType: boolean) {
  const cols: [string, KType][] = withType ? [ACTIVITY_COLS[0], ['CommandType', 'string'], ...ACTIVITY_COLS.slice(1)] : ACTIVITY_COLS;
  return table(cols, list.map((a) => activityRow(a, withType)));
}

/** Cluster-level commands a script may send that have no local meaning, refused with the reason. */
const REFUSED: [RegExp, string][] = [
  [/^\.show\s+cluster\b/i, 'it runs as one process, not a cluster of nodes'],
  [/^\.show\s+capacity\b/i, 'it has no capacity limits to report (queries and ingestion are not throttled)'],
  [/^\.show\s+diagnostics\b/i, 'it has no cluster health to report; a running process answers /v1/rest/ping'],
  [/^\.show\s+export\s+containers\b/i, 'it has no storage containers (streaming and inline ingestion only)'],
  [/^\.show\s+(table\s+\S+\s+)?extents\b/i, 'it keeps rows in DuckDB, not in extents'],
  [/^\.(drop|move|merge|replace)\s+(async\s+)?extents?\b/i, 'it keeps rows in DuckDB, not in extents'],
  [/^\.(show|create|create-or-alter|alter|drop)\s+(async\s+)?materialized-views?\b/i, 'materialized views are not implemented'],
  [/^\.(show|create|create-or-alter|alter|drop)\s+external\s+tables?\b/i, 'external tables are not implemented'],
  [/^\.clear\s+cache\s+remote-schema\b/i, 'it makes no cross-cluster queries'],
  [/^\.clear\s+database\s+cache\s+query_weak_consistency\b/i, 'it has no weak-consistency query heads'],
  [/^\.alter(-merge)?\s+tables\s*\(/i, 'policies are set one table at a time here (.alter table T policy …)'],
];

export const CLUSTER_COMMANDS: Command[] = [
  {
    // The schema streaming ingestion uses is always the current one here; nothing to clear.
    pattern: new RegExp(`^\\.clear\\s+(?:database(?:\\s+${NAME})?|table\\s+(${NAME}))\\s+cache\\s+streamingingestion\\s+schema\\s*$`, 'i'),
    run: async (m, ctx) => {
      if (m[1]) ctx.engine.table(ctx.db(), unname(m[1]));
      return table(NODE_STATUS, [[NODE, 'Succeeded']]);
    },
  },
  {
    // No query results cache (query_results_cache_max_age is not honoured): no entries to delete.
    pattern: /^\.clear\s+database\s+cache\s+query_results\s*$/i,
    run: async () => table([['NodeId', 'string'], ['Count', 'long']], [[NODE, 0]]),
  },
  {
    // The data management service's refresh of its policy cache (the SDKs' end-to-end tests send it); nothing is cached.
    pattern: /^\.refresh\s+database\s+\S+(?:\s+table\s+\S+)?\s+cache\s+\w+\s*$/i,
    run: async () => table(NODE_STATUS, [[NODE, 'Succeeded']]),
  },
  { pattern: /^\.show\s+queries\s*$/i, run: async (_m, ctx) => activityTable(ctx.engine.activity.list('Query'), false) },
  { pattern: /^\.show\s+running\s+queries\s*$/i, run: async (_m, ctx) => activityTable(ctx.engine.activity.list('Query', true), false) },
  { pattern: /^\.show\s+commands\s*$/i, run: async (_m, ctx) => activityTable(ctx.engine.activity.list('Command'), true) },
  { pattern: /^\.show\s+commands-and-queries\s*$/i, run: async (_m, ctx) => activityTable(ctx.engine.activity.list(undefined), true) },
  {
    pattern: /^\.show\s+operations(?:\s+(\S+))?\s*$/i,
    run: async (m, ctx) => {
      const id = m[1]?.replace(/^['"]|['"]$/g, '');
      const ops = ctx.engine.activity.operations().filter((o) => !id || o.id === id);
      return table([['OperationId', 'guid'], ['Operation', 'string'], ['NodeId', 'string'], ['StartedOn', 'datetime'], ['LastUpdatedOn', 'datetime'], ['Duration', 'timespan'],
        ['State', 'string'], ['Status', 'string'], ['RootActivityId', 'guid'], ['ShouldRetry', 'bool'], ['Database', 'string'], ['Principal', 'string'], ['User', 'string'], ['AdminEpochStartTime', 'datetime']],
      ops.map((o) => [o.id, o.operation, NODE, iso(o.startedOn), iso(o.lastUpdatedOn), span(o.lastUpdatedOn.getTime() - o.startedOn.getTime()), o.state, o.status, o.id, false, o.database, '', '', null]));
    },
  },
  ...REFUSED.map(([pattern, why]): Command => ({
    pattern,
    run: async (_m, ctx) => {
      const verb = /^\.[\w-]+(\s+[\w-]+){0,2}/.exec(ctx.csl)?.[0] ?? ctx.csl.slice(0, 30);
      throw new KustoUserError('Unsupported', `The local Eventhouse does not support the management command '${verb}': ${why}. See docs/local-eventhouse.md for the commands it answers.`);
    },
  })),
];
