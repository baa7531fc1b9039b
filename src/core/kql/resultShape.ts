// Turns a raw Kusto REST response (v2 frames for queries, v1 tables for management commands) into the one
// result model the renderer draws (src/protocol/kqlResult.ts). vscode-free and unit-tested against wire samples.

import { KQL_RESULT_VERSION, type KqlResultOutput, type KqlRunInfo, type KqlTable, type KqlVisualization } from '../../protocol/kqlResult';
import { KqlQueryError, kqlErrorFromBody, positionInMessage, type KqlErrorInfo } from './queryError';

interface RawColumn { ColumnName?: string; ColumnType?: string; DataType?: string }
interface RawTable { TableName?: string; TableKind?: string; TableId?: number; Columns?: RawColumn[]; Rows?: unknown[][] }
interface RawFrame extends RawTable { FrameType?: string; HasErrors?: boolean; Cancelled?: boolean; OneApiErrors?: unknown[] }

/** v1 `DataType` names (management commands) to Kusto's scalar types, for services that omit ColumnType. */
const V1_TYPES: Record<string, string> = {
  boolean: 'bool', sbyte: 'bool', datetime: 'datetime', timespan: 'timespan', decimal: 'decimal', sqldecimal: 'decimal', object: 'dynamic',
  guid: 'guid', int32: 'int', int64: 'long', double: 'real', single: 'real', string: 'string',
};

export interface ShapeResult {
  output: KqlResultOutput;
  /** Service warnings to show beside the result (truncation, partial failures). */
  warnings: string[];
}

/**
 * Shapes a response. `info` is everything the caller knows about the run except the row count and truncation,
 * which come from the response. Errors reported inside a 200 response throw KqlQueryError.
 */
export function shapeResponse(raw: unknown, info: Omit<KqlRunInfo, 'rowCount' | 'truncated'>): ShapeResult {
  const warnings: string[] = [];
  let truncated = false;
  let tables: KqlTable[];
  let visualization: KqlVisualization | undefined;
  if (Array.isArray(raw)) {
    const frames = raw as RawFrame[];
    const dataTables = frames.filter((f) => f.FrameType === 'DataTable');
    tables = dataTables.filter((t) => t.TableKind === 'PrimaryResult').map((t) => shapeTable(t, false));
    const props = dataTables.find((t) => t.TableKind === 'QueryProperties' || t.TableName === '@ExtendedProperties');
    visualization = props ? visualizationFrom(props) : undefined;
    const errors: KqlErrorInfo[] = [];
    for (const f of frames) {
      if (f.FrameType === 'DataSetCompletion' && f.HasErrors) {
        for (const e of f.OneApiErrors ?? []) errors.push(kqlErrorFromBody(e) ?? { message: JSON.stringify(e) });
        if (!f.OneApiErrors?.length) errors.push({ message: 'The service reported errors without details.' });
      }
    }
    const status = dataTables.find((t) => t.TableKind === 'QueryCompletionInformation');
    if (status) errors.push(...statusErrors(status).filter((s) => !errors.some((e) => e.message === s.message)));
    for (const e of errors) {
      if (isTruncation(e)) { truncated = true; warnings.push(e.message); }
      else throw new KqlQueryError(e);
    }
  } else if (raw && typeof raw === 'object' && Array.isArray((raw as { Tables?: unknown }).Tables)) {
    tables = v1Primary((raw as { Tables: RawTable[] }).Tables).map((t) => shapeTable(t, true));
  } else {
    throw new Error(`The cluster answered with something that is not a Kusto result (${typeof raw}); is the URI a Kusto query endpoint?`);
  }
  const rowCount = tables.reduce((n, t) => n + t.rows.length, 0);
  const output: KqlResultOutput = { version: KQL_RESULT_VERSION, tables, info: { ...info, rowCount, ...(truncated ? { truncated } : {}) } };
  if (visualization) output.visualization = visualization;
  return { output, warnings };
}

/** v1: one table is the result; several tables end with a table of contents naming which are results. */
function v1Primary(tables: RawTable[]): RawTable[] {
  if (tables.length <= 2) return tables.slice(0, 1).map((t) => ({ ...t, TableName: t.TableName ?? 'Table_0' }));
  const toc = tables[tables.length - 1];
  const kindAt = (toc.Columns ?? []).findIndex((c) => c.ColumnName === 'Kind');
  const nameAt = (toc.Columns ?? []).findIndex((c) => c.ColumnName === 'Name');
  const out: RawTable[] = [];
  (toc.Rows ?? []).forEach((r, i) => { if (r[kindAt] === 'QueryResult' && tables[i]) out.push({ ...tables[i], TableName: typeof r[nameAt] === 'string' ? r[nameAt] : tables[i].TableName }); });
  return out.length ? out : [tables[0]];
}

function shapeTable(t: RawTable, v1: boolean): KqlTable {
  const columns = (t.Columns ?? []).map((c, i) => ({ name: c.ColumnName ?? `Column${i + 1}`, type: c.ColumnType ?? V1_TYPES[(c.DataType ?? '').toLowerCase()] ?? 'string' }));
  const rows = (t.Rows ?? []).map((r) => columns.map((c, i) => jsonSafe(r[i], c.type, v1)));
  return { name: t.TableName ?? 'PrimaryResult', kind: t.TableKind ?? 'PrimaryResult', columns, rows };
}

/**
 * One cell value as the result model documents it: datetime/timespan as the service's text, dynamic as JSON
 * (v1 sends it as JSON text), numbers as numbers with NaN/±Infinity and unsafe longs as strings, null for empty.
 */
export function jsonSafe(v: unknown, type: string, v1 = false): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'dynamic':
      if (v1 && typeof v === 'string') {
        if (v === '') return null;
        try { return JSON.parse(v); } catch { return v; }
      }
      return v;
    case 'int': case 'long': case 'real':
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
        // A long beyond 2^53 already lost digits in JSON.parse; a string at least says it is not exact arithmetic.
        return type === 'long' && !Number.isSafeInteger(v) && Number.isInteger(v) ? String(v) : v;
      }
      if (v === '') return null;
      if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) {
        const n = Number(v);
        return type === 'long' && !Number.isSafeInteger(n) ? v : n;
      }
      return v;
    case 'bool':
      if (typeof v === 'number') return v !== 0;
      if (v === 'True' || v === 'true') return true;
      if (v === 'False' || v === 'false') return false;
      return v === '' ? null : v;
    case 'string':
      return v;
    default:
      return v === '' ? null : v;
  }
}

/**
 * The `render` properties from @ExtendedProperties: v2 has rows (TableId, Key, Value) with Key "Visualization";
 * older responses have one Value column holding the whole JSON. Without `render` Visualization is null.
 */
export function visualizationFrom(table: RawTable): KqlVisualization | undefined {
  const cols = (table.Columns ?? []).map((c) => c.ColumnName);
  const keyAt = cols.indexOf('Key');
  const valueAt = cols.indexOf('Value');
  for (const row of table.Rows ?? []) {
    let value: unknown;
    if (keyAt >= 0) { if (row[keyAt] !== 'Visualization') continue; value = row[valueAt]; }
    else value = row[valueAt >= 0 ? valueAt : 0];
    if (typeof value === 'string') { try { value = JSON.parse(value); } catch { continue; } }
    const vis = value as Partial<KqlVisualization> | null;
    if (vis && typeof vis === 'object' && typeof vis.Visualization === 'string' && vis.Visualization) return vis as KqlVisualization;
  }
  return undefined;
}

function statusErrors(t: RawTable): KqlErrorInfo[] {
  const cols = (t.Columns ?? []).map((c) => c.ColumnName);
  const levelAt = cols.indexOf('Level');
  const payloadAt = cols.indexOf('Payload');
  const out: KqlErrorInfo[] = [];
  for (const r of t.Rows ?? []) {
    if (typeof r[levelAt] !== 'number' || r[levelAt] > 2) continue;
    const payload = r[payloadAt];
    const parsed = kqlErrorFromBody(payload);
    const message = parsed?.message ?? (typeof payload === 'string' ? payload : JSON.stringify(payload));
    out.push(parsed ?? { message, ...positionInMessage(message) });
  }
  return out;
}

function isTruncation(e: KqlErrorInfo): boolean {
  return e.code === 'LimitsExceeded' || /E_QUERY_RESULT_SET_TOO_LARGE|TruncationMaxRecords|exceeded the internal .*limit/i.test(e.message);
}

/** A short text for outputs that cannot draw the grid (text/plain fallback). */
export function summarize(out: KqlResultOutput): string {
  const t = out.tables[0];
  const head = `${out.info.rowCount.toLocaleString('en-US')} row${out.info.rowCount === 1 ? '' : 's'} in ${(out.info.elapsedMs / 1000).toFixed(2)} s from ${out.info.database}${out.info.truncated ? ' (truncated)' : ''}`;
  if (!t) return head;
  const cols = t.columns.map((c) => c.name);
  const preview = t.rows.slice(0, 10).map((r) => r.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')).join('\t'));
  return [head, cols.join('\t'), ...preview, ...(t.rows.length > 10 ? [`… ${t.rows.length - 10} more`] : [])].join('\n');
}
