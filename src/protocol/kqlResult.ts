// The one shape of a KQL result that crosses from the extension host to the notebook renderer (and the .kql
// run output). Shared by src/notebook (producer), src/core/kql (shaping, export) and src/webviews/renderer
// (consumer), so it must stay free of both `vscode` and the DOM.

export const KQL_RESULT_MIME = 'application/vnd.eventline.kql-result+json';
export const KQL_RESULT_VERSION = 1;

/** Kusto scalar type names as the service reports them in ColumnType. */
export type KqlType = 'bool' | 'datetime' | 'decimal' | 'dynamic' | 'guid' | 'int' | 'long' | 'real' | 'string' | 'timespan';

/** `type` is a KqlType for every column the service returns; kept open for types added later. */
export interface KqlColumn { name: string; type: string }

/**
 * One table. Cell values are JSON-safe: datetime as an ISO 8601 string, timespan as Kusto's "[d.]hh:mm:ss[.fffffff]"
 * text, dynamic as parsed JSON, long/int/real as numbers (a long beyond 2^53 and NaN/±Infinity as strings), null
 * for empty.
 */
export interface KqlTable { name: string; kind: string; columns: KqlColumn[]; rows: unknown[][] }

/** The `render` operator's properties, as the service returns them in @ExtendedProperties (Visualization row). */
export interface KqlVisualization {
  Visualization: string;
  Title?: string | null;
  XColumn?: string | null;
  YColumns?: string | null;
  Series?: string | null;
  Kind?: string | null;
  XTitle?: string | null;
  YTitle?: string | null;
  Legend?: string | null;
  YSplit?: string | null;
  Accumulate?: boolean | null;
  IsQuerySorted?: boolean | null;
  Xmin?: unknown;
  Xmax?: unknown;
  Ymin?: unknown;
  Ymax?: unknown;
  XAxis?: string | null;
  YAxis?: string | null;
  AnomalyColumns?: string | null;
}

export interface KqlRunInfo {
  cluster: string;
  database: string;
  clientRequestId: string;
  /** Wall-clock time from send to last byte, in milliseconds. */
  elapsedMs: number;
  /** Row count of the primary result(s). */
  rowCount: number;
  executionOrder?: number;
  /** True when the service cut the result (truncation limits). */
  truncated?: boolean;
}

export interface KqlResultOutput {
  version: typeof KQL_RESULT_VERSION;
  /** Primary results first; several tables show as tabs. */
  tables: KqlTable[];
  visualization?: KqlVisualization;
  info: KqlRunInfo;
}

/** Messages from the renderer to the extension (the renderer has no file system or clipboard of its own). */
export type RendererToHost =
  | { type: 'export'; format: 'csv' | 'json'; table: KqlTable; suggestedName: string }
  | { type: 'copied'; rows: number }
  /** The renderer could not reach a clipboard itself (output iframes may be denied it): the host writes `text`. */
  | { type: 'copy'; text: string; rows: number };

/** Messages from the extension to the renderer. */
export type HostToRenderer =
  | { type: 'exported'; path: string }
  | { type: 'exportFailed'; message: string };
