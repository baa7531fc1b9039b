// Query blocks of a .kql file, as Kusto Explorer sees them: runs of non-blank lines separated by blank lines.

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
