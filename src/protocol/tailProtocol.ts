// Messages between the tail panel's host (src/tail/tailPanel.ts + tailFeed.ts) and its webview
// (src/webviews/tail/index.ts). Plain data only: both sides are type-checked against this file.
// At 20,000 events/s every byte per row crosses the webview channel, so a row carries only what the list draws;
// the filter runs on the host, and bodies and properties travel only when the user opens one event.

/** One line of the event list. */
export interface TailRow {
  /** Unique within the panel: partition and sequence number. */
  key: string;
  partitionId: string;
  sequenceNumber: number;
  offset: string;
  enqueuedTime: string;
  partitionKey?: string;
  /** One line, at most 200 characters. */
  preview: string;
  bodyKind: 'json' | 'text' | 'binary';
}

/** What the details pane shows for one event. */
export interface TailDetails {
  row: TailRow;
  /** Pretty JSON, the text, or hex and base64 for binary bodies. */
  detail: string;
  properties: Record<string, unknown>;
  systemProperties: Record<string, unknown>;
}

/** Where a tail's reading stands. */
export type TailState = 'connecting' | 'live' | 'paused' | 'reconnecting' | 'stopped';

export interface PartitionLine { partitionId: string; received: number; rate: number; lag: number }

export type HostToView =
  | { type: 'init'; title: string; consumerGroup: string; start: string; bufferSize: number; restore: TailRestoreState }
  /** New rows that match the current filter (possibly none) with the counters; at most one per ~100 ms. */
  | { type: 'update'; rows: TailRow[]; total: number; dropped: number; partitions: PartitionLine[]; state: TailState; detail?: string }
  /** Answer to 'filter': every buffered row that matches it, oldest first; `error` when it does not compile. */
  | { type: 'filtered'; filter: string; rows: TailRow[]; error?: string }
  | { type: 'details'; key: string; details?: TailDetails }
  | { type: 'cleared' };

export type ViewToHost =
  | { type: 'ready' }
  /** The last 'update' is taken in; the host sends the next one only then (one update in flight). */
  | { type: 'ack' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'clear' }
  | { type: 'filter'; filter: string }
  | { type: 'details'; key: string }
  | { type: 'copy'; key: string }
  /** Save to NDJSON the buffered events the filter shows (`filtered`) or all of them. */
  | { type: 'save'; filtered: boolean };

/** What the webview keeps (vscode.setState) so the panel comes back after a window reload. No secrets. */
export interface TailRestoreState { hub: string; consumerGroup: string; partitions?: string[] }
