// What went wrong with a KQL request, in the service's own words, and where in the query (1-based).

export interface KqlErrorInfo {
  message: string;
  /** 1-based line and column in the text that was sent, when the service says where. */
  line?: number;
  column?: number;
  /** The service's code (General_BadRequest, LimitsExceeded, Cancelled…). */
  code?: string;
}

/** An error the service reported about the query (as opposed to a transport failure). */
export class KqlQueryError extends Error {
  constructor(readonly info: KqlErrorInfo) {
    super(info.message);
    this.name = 'KqlQueryError';
  }
}

const POSITION = /\[line:position=(\d+):(\d+)\]/;

/** Reads Kusto's error JSON (`{"error": {"code", "message", "@message", "@line", "@column"}}`) or a OneApi error. */
export function kqlErrorFromBody(body: unknown): KqlErrorInfo | undefined {
  let b = body;
  if (typeof b === 'string') { try { b = JSON.parse(b); } catch { return undefined; } }
  const err = (b as { error?: Record<string, unknown> } | undefined)?.error;
  if (!err || typeof err !== 'object') return undefined;
  const detail = typeof err['@message'] === 'string' && err['@message'] ? err['@message'] : undefined;
  const summary = typeof err.message === 'string' ? err.message : undefined;
  const message = detail ?? summary ?? 'The service rejected the request without saying why.';
  const info: KqlErrorInfo = { message, code: typeof err.code === 'string' ? err.code : undefined };
  const line = Number(err['@line']);
  const column = Number(err['@column']);
  if (Number.isInteger(line) && line > 0 && Number.isInteger(column) && column > 0) { info.line = line; info.column = column; }
  else Object.assign(info, positionInMessage(message));
  return info;
}

/** What the service said about a query, from any error a query raised (ours, or azure-kusto-data's with the reply). */
export function kqlErrorOf(e: unknown): KqlErrorInfo | undefined {
  if (e instanceof KqlQueryError) return e.info;
  const response = (e as { response?: { data?: unknown } } | undefined)?.response;
  return response ? kqlErrorFromBody(response.data) : undefined;
}

/** `… [line:position=2:8]` in a message → {line: 2, column: 8}. */
export function positionInMessage(message: string): { line?: number; column?: number } {
  const m = POSITION.exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : {};
}

/**
 * Maps a 1-based position in the sent text to a 0-based position in the cell, given where the sent text starts
 * in the cell (the client trims it, and a `#connect` line may come first).
 */
export function toCellPosition(pos: { line: number; column: number }, queryLine: number, queryColumn: number): { line: number; character: number } {
  const line = queryLine + pos.line - 1;
  const character = (pos.line === 1 ? queryColumn : 0) + pos.column - 1;
  return { line, character: Math.max(0, character) };
}
