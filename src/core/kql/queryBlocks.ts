// Query blocks of a .kql file, as Kusto Explorer sees them: runs of non-blank lines separated by blank lines.
import { applyConnect, splitCell } from './connect';
import type { KqlConnectionRef } from './schemaSource';

export interface QueryBlock {
  /** 0-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
}

const COMMENT_ONLY = /^\s*(\/\/.*)?$/;

/** Every block that holds something to run (comment-only blocks are skipped). */
export function queryBlocks(text: string): QueryBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: QueryBlock[] = [];
  let start = -1;
  const close = (end: number) => {
    if (start < 0) return;
    const body = lines.slice(start, end + 1);
    if (!body.every((l) => COMMENT_ONLY.test(l))) blocks.push({ startLine: start, endLine: end, text: body.join('\n') });
    start = -1;
  };
  lines.forEach((l, i) => {
    if (l.trim() === '') close(i - 1);
    else if (start < 0) start = i;
  });
  close(lines.length - 1);
  return blocks;
}

/** The block under the cursor, or the nearest one above it when the cursor is on a blank line. */
export function blockAt(text: string, line: number): QueryBlock | undefined {
  const blocks = queryBlocks(text);
  return blocks.find((b) => line >= b.startLine && line <= b.endLine) ?? [...blocks].reverse().find((b) => b.endLine < line) ?? blocks[0];
}

/** A `#connect` in effect: a cluster, a database or both (the other part comes from the active connection). */
export interface ConnectInEffect { cluster?: string; database?: string; line: number }

/**
 * The `#connect` lines of a `.kql` file, read once: callers that ask about many queries of the same text (the
 * language server on every check, the schema list) then do not split the file again per query.
 */
export class FileConnects {
  readonly blocks: QueryBlock[];
  /** The directive in effect after each block that has one, folded, in file order. */
  private readonly steps: { startLine: number; connect: ConnectInEffect }[] = [];

  constructor(text: string) {
    this.blocks = queryBlocks(text);
    let found: ConnectInEffect | undefined;
    for (const b of this.blocks) {
      const c = splitCell(b.text).connect;
      if (!c) continue;
      found = { cluster: c.cluster || found?.cluster, database: c.database ?? found?.database, line: b.startLine + c.span.line };
      this.steps.push({ startLine: b.startLine, connect: found });
    }
  }

  /** See connectAbove. */
  above(line: number): ConnectInEffect | undefined {
    let found: ConnectInEffect | undefined;
    for (const step of this.steps) {
      if (step.startLine >= line) break;
      found = step.connect;
    }
    return found;
  }

  /** See connectOfQuery. */
  ofQuery(line: number, query: string): ConnectInEffect | undefined {
    const own = splitCell(query).connect;
    const above = this.above(line);
    if (!own) return above;
    return { cluster: own.cluster || above?.cluster, database: own.database ?? above?.database, line: line + own.span.line };
  }

  /** See connectionOfQuery. */
  connectionOf(line: number, query: string, base: KqlConnectionRef | undefined): KqlConnectionRef | undefined {
    const connect = this.ofQuery(line, query);
    return connect ? applyConnect(base, { cluster: connect.cluster ?? '', database: connect.database }) : base;
  }
}

/**
 * The `#connect` a query starting at `line` runs under when it has none of its own: the directives on the first
 * lines of the blocks that start above it, in order, as a script reads in Kusto Explorer. A later
 * `#connect database('y')` keeps the cluster an earlier one chose; a later cluster without a database keeps the
 * database. Undefined when none.
 */
export function connectAbove(text: string, line: number): ConnectInEffect | undefined {
  return new FileConnects(text).above(line);
}

/** A block that only holds a `#connect` line: it sets the connection for the queries below and runs nothing. */
export function isConnectOnly(block: QueryBlock): boolean {
  const cell = splitCell(block.text);
  return !!cell.connect && cell.query === '';
}

/**
 * Where a query of a `.kql` file runs, as "Run" sends it: the `#connect` lines above it (connectAbove) with its
 * own first-line `#connect`, if any, folded on top the same way, applied to the file's connection. `line` is the
 * query's first line and `query` its text. Undefined when the directives leave the cluster or database open and
 * the file has no connection to take it from.
 */
export function connectionOfQuery(text: string, line: number, query: string, base: KqlConnectionRef | undefined): KqlConnectionRef | undefined {
  return new FileConnects(text).connectionOf(line, query, base);
}

/** The `#connect` a query runs under, folded from the ones above and its own (see connectionOfQuery). */
export function connectOfQuery(text: string, line: number, query: string): ConnectInEffect | undefined {
  return new FileConnects(text).ofQuery(line, query);
}

/** The connections the queries of a `.kql` file run against other than `base` (for their schemas). */
export function otherConnections(text: string, base: KqlConnectionRef | undefined): KqlConnectionRef[] {
  if (!/#connect/i.test(text)) return [];
  const file = new FileConnects(text);
  const seen = new Map<string, KqlConnectionRef>();
  for (const b of file.blocks) {
    if (isConnectOnly(b)) continue;
    const ref = file.connectionOf(b.startLine, b.text, base);
    if (ref && !(base && ref.cluster === base.cluster && ref.database === base.database)) seen.set(`${ref.cluster}|${ref.database}`, ref);
  }
  return [...seen.values()];
}
