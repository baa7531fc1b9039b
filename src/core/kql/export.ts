// Writes a result table as CSV (RFC 4180) or JSON (an array of objects). vscode-free: the host asks where to
// save and writes the bytes; the renderer only asks for it (it has no file system).

import type { KqlTable } from '../../protocol/kqlResult';

export type ExportFormat = 'csv' | 'json';

/** One CSV field: dynamic values (objects, arrays) as JSON text, null as empty, quoted only when needed. */
export function csvField(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else s = JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180: CRLF line breaks, a header row with the column names, fields quoted when they hold , " CR or LF. */
export function toCsv(table: KqlTable): string {
  const lines = [table.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of table.rows) lines.push(table.columns.map((_, i) => csvField(row[i])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** An array of objects keyed by column name, one row per line (readable, and diffs line by line). */
export function toJson(table: KqlTable): string {
  if (table.rows.length === 0) return '[]\n';
  const rows = table.rows.map((r) => JSON.stringify(Object.fromEntries(table.columns.map((c, i) => [c.name, r[i] ?? null]))));
  return `[\n${rows.join(',\n')}\n]\n`;
}

export function exportTable(table: KqlTable, format: ExportFormat): string {
  return format === 'csv' ? toCsv(table) : toJson(table);
}

/** A file name from a suggestion or table name: no path separators or characters file systems refuse. */
export function exportFileName(suggested: string | undefined, format: ExportFormat): string {
  const base = (suggested ?? '').replace(/\.(csv|json)$/i, '').replace(/[\\/:*?"<>|]+/g, '_').replace(/\s+/g, ' ').trim() || 'results';
  return `${base}.${format}`;
}
