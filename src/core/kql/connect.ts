// `#connect` lines (as in Kusto Explorer) and cluster names: which cluster and database a KQL cell runs against.
// vscode-free so the rules can be unit-tested and shared by the controller and the connection service.

import type { KqlConnectionRef } from './schemaSource';

/** The alias stored for the local pipeline's Eventhouse, whose port changes from one start to the next. */
export const LOCAL_CLUSTER = 'local';

/** A 0-based position range on one line of the cell. */
export interface CellSpan { line: number; column: number; endColumn: number }

export interface ConnectDirective { cluster: string; database?: string; span: CellSpan }

export interface SplitCell {
  /** The parsed `#connect` line, if the cell starts with one. */
  connect?: ConnectDirective;
  /** A `#connect` line that could not be parsed; the cell must not run. */
  error?: { message: string; span: CellSpan };
  /** The query or command without the `#connect` line, trimmed as the client will send it. */
  query: string;
  /** Where `query` starts in the cell (0-based), to map the service's error positions back onto the cell. */
  queryLine: number;
  queryColumn: number;
}

const CONNECT_LINE = /^\s*#connect\b/i;
const QUOTED = String.raw`(?:'([^']*)'|"([^"]*)")`;
const CONNECT_FORM = new RegExp(String.raw`^\s*#connect\s+(?:cluster\(\s*${QUOTED}\s*\)(?:\s*\.\s*database\(\s*${QUOTED}\s*\))?|database\(\s*${QUOTED}\s*\))\s*;?\s*$`, 'i');
const FORMS = "#connect cluster('<cluster>').database('<database>'), #connect cluster('<cluster>') or #connect database('<database>')";

/**
 * Turns what a person writes for a cluster into its query URI:
 * `help` → https://help.kusto.windows.net, `x.kusto.fabric.microsoft.com` → https://…, `127.0.0.1:8080` or
 * `http://localhost:8080` → http (loopback only), `local` → the local pipeline's Eventhouse alias.
 * Throws with what is wrong and what to write instead.
 */
export function normalizeCluster(input: string): string {
  const text = input.trim();
  if (!text) throw new Error('The cluster is empty: write a cluster name or URI, e.g. cluster(\'help\') or cluster(\'https://x.kusto.windows.net\').');
  if (text.toLowerCase() === LOCAL_CLUSTER) return LOCAL_CLUSTER;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : undefined;
  let url: URL;
  try {
    if (withScheme) url = new URL(withScheme);
    else if (/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(text)) url = new URL(`http://${text}`);
    else if (!/[.:]/.test(text)) url = new URL(`https://${text}.kusto.windows.net`);
    else url = new URL(`https://${text}`);
  } catch {
    throw new Error(`"${text}" is not a cluster name or URI: write e.g. help, mycluster.westeurope.kusto.windows.net or https://….kusto.fabric.microsoft.com.`);
  }
  const loopback = /^(127\.0\.0\.1|localhost|\[::1\])$/i.test(url.hostname);
  if (url.protocol === 'http:' && !loopback) throw new Error(`"${text}" uses http: only a local Eventhouse (127.0.0.1 or localhost) may; use https:// for a cluster.`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${text}" is not an http(s) URI: a cluster's query URI starts with https://.`);
  return url.origin;
}

/** The `#connect` line that selects `ref`, for cells that must say where they run. */
export function formatConnect(ref: KqlConnectionRef): string {
  const q = (s: string) => `'${s.replace(/'/g, '')}'`;
  return `#connect cluster(${q(ref.cluster)}).database(${q(ref.database)})`;
}

/** Splits a cell into its optional first-line `#connect` and the query that follows. */
export function splitCell(text: string): SplitCell {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  let connect: ConnectDirective | undefined;
  let error: SplitCell['error'];
  let bodyStart = 0;
  if (first >= 0 && CONNECT_LINE.test(lines[first])) {
    const line = lines[first];
    const span: CellSpan = { line: first, column: line.length - line.trimStart().length, endColumn: line.trimEnd().length };
    bodyStart = first + 1;
    const m = CONNECT_FORM.exec(line);
    if (!m) {
      error = { message: `This #connect line is not understood. Write ${FORMS} (quotes required).`, span };
    } else {
      const cluster = m[1] ?? m[2];
      const database = m[3] ?? m[4] ?? m[5] ?? m[6];
      try {
        if (database !== undefined && !database.trim()) throw new Error('The database name is empty: write .database(\'<database>\').');
        connect = { cluster: cluster === undefined ? '' : normalizeCluster(cluster), database: database?.trim(), span };
      } catch (e) {
        error = { message: `#connect: ${e instanceof Error ? e.message : String(e)}`, span };
      }
    }
  }
  // A #connect anywhere else would be sent to the service as KQL and fail obscurely; say so here.
  for (let i = bodyStart; i < lines.length && !error; i++) {
    if (CONNECT_LINE.test(lines[i])) {
      const l = lines[i];
      error = { message: '#connect must be the first line of the cell (one per cell); move it up or split the cell.', span: { line: i, column: l.length - l.trimStart().length, endColumn: l.trimEnd().length } };
    }
  }
  // Leading blank and `//` lines are not sent: a management command must start with its dot (the client routes
  // on it). The client also trims, so the service's positions count from the first code character.
  let queryLine = bodyStart;
  while (queryLine < lines.length && /^\s*(\/\/.*)?$/.test(lines[queryLine])) queryLine++;
  const queryColumn = queryLine < lines.length ? lines[queryLine].length - lines[queryLine].trimStart().length : 0;
  const query = lines.slice(queryLine).join('\n').trim();
  return { connect, error, query, queryLine, queryColumn };
}

/** Applies a cell's `#connect` to the notebook's connection: a missing database keeps the notebook's database. */
export function applyConnect(base: KqlConnectionRef | undefined, connect: Pick<ConnectDirective, 'cluster' | 'database'> | undefined): KqlConnectionRef | undefined {
  if (!connect) return base;
  const cluster = connect.cluster || base?.cluster;
  const database = connect.database ?? base?.database;
  return cluster && database ? { cluster, database } : undefined;
}

/** Whether two cluster URIs (or aliases) name the same cluster: case and trailing slashes do not count. */
export function sameCluster(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/** One string per connection, the same for every spelling of its cluster: the key caches and the language server use. */
export function connectionKey(ref: KqlConnectionRef): string {
  return `${ref.cluster.replace(/\/+$/, '').toLowerCase()}|${ref.database}`;
}
