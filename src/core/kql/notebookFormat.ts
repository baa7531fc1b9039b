// The `.kqlnb` file format: stable, diff-friendly JSON. Fixed key order, 2-space indent, a trailing newline,
// each cell's source as one string, the notebook's connection, and outputs only when the user asks for them.
// vscode-free; src/notebook/serializer.ts adapts it to VS Code's NotebookData.

import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { KqlConnectionRef } from './schemaSource';

export const NOTEBOOK_FORMAT_VERSION = 1;

export interface NotebookFileOutputItem {
  mime: string;
  /** Parsed JSON for JSON mimes (…/json, …+json), text otherwise. */
  value: unknown;
}

export interface NotebookFileCell {
  kind: 'kql' | 'markdown';
  source: string;
  outputs?: { items: NotebookFileOutputItem[] }[];
}

export interface NotebookFile {
  connection?: KqlConnectionRef;
  cells: NotebookFileCell[];
}

/** A file that is not a notebook; `line`/`column` are 1-based and point at the problem. */
export class NotebookFormatError extends Error {
  constructor(readonly problem: string, readonly line: number, readonly column: number, readonly file = 'This .kqlnb file') {
    super(`${file} cannot be opened as a KQL notebook: ${problem} (line ${line}, column ${column}). Fix it in a text editor ("Reopen Editor With… → Text Editor"), or restore it from version control.`);
    this.name = 'NotebookFormatError';
  }
}

export function isJsonMime(mime: string): boolean {
  return /(^|\/|\+)json$/i.test(mime) || mime === 'application/vnd.code.notebook.error';
}

/** Writes a notebook; outputs are kept only when `saveOutputs` is true. */
export function serializeNotebook(nb: NotebookFile, options: { saveOutputs: boolean }): string {
  // Objects are built key by key so the order in the file never depends on where the data came from.
  const out: Record<string, unknown> = { version: NOTEBOOK_FORMAT_VERSION };
  if (nb.connection) out.connection = { cluster: nb.connection.cluster, database: nb.connection.database };
  out.cells = nb.cells.map((c) => {
    const cell: Record<string, unknown> = { kind: c.kind, source: c.source };
    if (options.saveOutputs && c.outputs?.length) {
      cell.outputs = c.outputs.map((o) => ({ items: o.items.map((i) => ({ mime: i.mime, value: i.value })) }));
    }
    return cell;
  });
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Reads a notebook. An empty file is an empty notebook; anything malformed throws NotebookFormatError. */
export function parseNotebook(text: string, file?: string): NotebookFile {
  if (text.trim() === '') return { cells: [] };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: true });
  const at = lineColumn(text);
  if (errors.length || !root) {
    const e = errors[0];
    throw new NotebookFormatError(`the JSON is broken (${describe(e ? printParseErrorCode(e.error) : 'empty')})`, ...at(e?.offset ?? 0), file);
  }
  const fail = (node: Node | undefined, problem: string): never => { throw new NotebookFormatError(problem, ...at(node?.offset ?? 0), file); };
  if (root.type !== 'object') fail(root, 'the file must hold a JSON object with "version" and "cells"');
  const prop = (obj: Node, key: string): Node | undefined => obj.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1];

  const version = prop(root, 'version');
  if (version && version.value !== NOTEBOOK_FORMAT_VERSION) {
    fail(version, typeof version.value === 'number' && version.value > NOTEBOOK_FORMAT_VERSION
      ? `it was written by a newer Eventline (format version ${version.value}); update the extension`
      : `"version" must be ${NOTEBOOK_FORMAT_VERSION}`);
  }
  let connection: KqlConnectionRef | undefined;
  const conn = prop(root, 'connection');
  if (conn && conn.type !== 'null') {
    const cluster = conn.type === 'object' ? prop(conn, 'cluster') : undefined;
    const database = conn.type === 'object' ? prop(conn, 'database') : undefined;
    if (conn.type !== 'object' || cluster?.type !== 'string' || database?.type !== 'string') {
      fail(conn, '"connection" must be {"cluster": "<query URI or local>", "database": "<name>"}');
    }
    connection = { cluster: cluster!.value as string, database: database!.value as string };
  }
  const cellsNode = prop(root, 'cells');
  if (!cellsNode || cellsNode.type !== 'array') fail(cellsNode ?? root, '"cells" must be an array of {"kind", "source"} objects');
  const cells = (cellsNode!.children ?? []).map((c, i): NotebookFileCell => {
    if (c.type !== 'object') fail(c, `cells[${i}] must be an object with "kind" and "source"`);
    const kind = prop(c, 'kind');
    if (kind?.value !== 'kql' && kind?.value !== 'markdown') fail(kind ?? c, `cells[${i}].kind must be "kql" or "markdown"`);
    const source = prop(c, 'source');
    if (source?.type !== 'string') fail(source ?? c, `cells[${i}].source must be a string`);
    const cell: NotebookFileCell = { kind: kind!.value as 'kql' | 'markdown', source: source!.value as string };
    const outputs = prop(c, 'outputs');
    if (outputs) {
      if (outputs.type !== 'array') fail(outputs, `cells[${i}].outputs must be an array`);
      cell.outputs = (outputs.children ?? []).map((o, j) => {
        const items = o.type === 'object' ? prop(o, 'items') : undefined;
        if (items?.type !== 'array') fail(o, `cells[${i}].outputs[${j}] must be {"items": [{"mime", "value"}]}`);
        return {
          items: (items!.children ?? []).map((it, k) => {
            const mime = it.type === 'object' ? prop(it, 'mime') : undefined;
            if (mime?.type !== 'string') fail(it, `cells[${i}].outputs[${j}].items[${k}].mime must be a string`);
            const value = prop(it, 'value');
            return { mime: mime!.value as string, value: value ? nodeValue(value) : null };
          }),
        };
      });
    }
    return cell;
  });
  return { connection, cells };
}

function nodeValue(n: Node): unknown {
  switch (n.type) {
    case 'object': return Object.fromEntries((n.children ?? []).map((p) => [p.children![0].value as string, p.children![1] ? nodeValue(p.children![1]) : null]));
    case 'array': return (n.children ?? []).map(nodeValue);
    default: return n.value;
  }
}

function lineColumn(text: string): (offset: number) => [number, number] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
    return [line + 1, offset - starts[line] + 1];
  };
}

function describe(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
