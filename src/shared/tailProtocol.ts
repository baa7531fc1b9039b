// Messages between the tail panel's host (src/tail/tailPanel.ts) and its webview (src/webviews/tail/index.ts).
// Plain data only: both sides are type-checked against this file.

export interface TailRow {
  /** Unique within the panel: partition and sequence number. */
  key: string;
  partitionId: string;
  sequenceNumber: number;
  offset: string;
  enqueuedTime: string;
  partitionKey?: string;
  preview: string;
  bodyKind: 'json' | 'text' | 'binary';
  /** Pretty JSON, the text, or hex and base64 for binary bodies. */
  detail: string;
  /** The JSON body for path filters; absent for text and binary bodies. */
  json?: unknown;
  properties: Record<string, unknown>;
  systemProperties: Record<string, unknown>;
}

export interface PartitionLine { partitionId: string; received: number; rate: number; lag: number }

export type HostToView =
  | { type: 'init'; title: string; consumerGroup: string; start: string; bufferSize: number; restore: TailRestoreState }
  /** New rows (possibly none) with the counters; at most one per ~100 ms. */
  | { type: 'update'; rows: TailRow[]; total: number; dropped: number; partitions: PartitionLine[]; state: string; detail?: string }
  | { type: 'cleared' };

export type ViewToHost =
  | { type: 'ready' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'clear' }
  | { type: 'copy'; text: string }
  /** Save to NDJSON: the keys of the rows the filter shows, or all buffered rows when undefined. */
  | { type: 'save'; shownKeys?: string[] };

/** What the webview keeps (vscode.setState) so the panel comes back after a window reload. No secrets. */
export interface TailRestoreState { hub: string; consumerGroup: string; partitions?: string[] }
