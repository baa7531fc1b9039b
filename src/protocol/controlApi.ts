// The control API of `eventline-local` (JSON over HTTP on 127.0.0.1): what Azure answers through Resource Manager
// or Fabric, for the local pipeline. The pipeline's routes (src/local/**) and the extension's client
// (src/model/local/controlClient.ts) are both type-checked against this file; the route table below is the
// one list of paths.

/** Every error reply: `{"error": {"code": "NotFound", "message": "…"}}`. */
export interface ControlErrorBody { error: { code: string; message: string } }

// ─── Event Hubs ─────────────────────────────────────────────────────────────────────────────────────────────

export interface PartitionInfo {
  id: string;
  /** -1 while the partition is empty. */
  beginSequenceNumber: number;
  lastEnqueuedSequenceNumber: number;
  lastEnqueuedOffset: string;
  lastEnqueuedTimeUtc: string | null;
  isEmpty: boolean;
  sizeBytes: number;
}

export interface HubInfo {
  name: string;
  partitionCount: number;
  consumerGroups: string[];
  retentionHours: number;
  retentionBytes?: number;
  createdAt: string;
  partitions: PartitionInfo[];
}

/** GET /api/eventhubs */
export interface HubList { eventHubs: HubInfo[] }

/** PUT /api/eventhubs/{hub} body (every field optional). */
export interface HubInput { partitionCount?: number; consumerGroups?: string[]; retentionHours?: number; retentionBytes?: number }

// ─── Health ─────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * GET /health, as the official Event Hubs emulator answers it: 200 `{"status":"healthy","message":"Service is
 * healthy."}`, or 503 `{"status":"unhealthy","message":"Service not available. Please try after some time."}`.
 */
export interface HealthReply { status: 'healthy' | 'unhealthy'; message: string }

// ─── Connections: the hub → table connector (src/local/connector) ──────────────────────────────────────────

/** What a connection reads and where it writes: the manifest's `connections[]` entry, plus local-only knobs. */
export interface ConnectionInput {
  /** Default: `connection-<n>` by position, as the pipeline model names it. */
  name?: string;
  hub: string;
  /** Default: a consumer group named for the connection, created if missing (so it never takes `$Default`'s readers). */
  consumerGroup?: string;
  table: string;
  /** Default: the manifest's `eventhouse.database`, else NetDefaultDB. */
  database?: string;
  /** Default json. */
  format?: 'json' | 'multijson' | 'csv';
  /** The table's ingestion mapping (json for json and multijson, csv for csv). */
  mapping?: string;
  /** Flush a batch at this many events (default 1,000). */
  maxBatchEvents?: number;
  /** …or this long after its first event was read (default 1,000 ms). */
  maxBatchDelayMs?: number;
  /** Events with a bigger body go to the failures (default 1 MiB). */
  maxEventBytes?: number;
}

/** starting: opening its hub and checkpoints; running: ingesting (or caught up); error: waiting for what `error` says. */
export type ConnectionState = 'starting' | 'running' | 'error';

export interface ConnectionPartitionStatus {
  id: string;
  /** The last sequence number committed to the table (or recorded as a failure); -1 before the first. */
  checkpoint: number;
  lastEnqueuedSequenceNumber: number;
  /** lastEnqueuedSequenceNumber − checkpoint. */
  lag: number;
}

export interface ConnectionStatus {
  name: string;
  hub: string;
  consumerGroup: string;
  database: string;
  table: string;
  format: 'json' | 'multijson' | 'csv';
  mapping?: string;
  state: ConnectionState;
  /** Why the connection is not ingesting (state error), with what to do; `since` is an ISO time. */
  error?: { message: string; since: string };
  /** Since the pipeline started: events committed as rows, the rows they made, and batches. */
  eventsIngested: number;
  rowsIngested: number;
  batches: number;
  /** Since the pipeline started: events recorded as ingestion failures (`.show ingestion failures`). */
  failures: number;
  /** Since the pipeline started: update policy runs over this connection's rows that failed (rows kept). */
  updatePolicyFailures: number;
  /** Events that left the hub's retention before they were ingested. */
  eventsExpired: number;
  /** Sum of the partitions' lag. */
  lag: number;
  partitions: ConnectionPartitionStatus[];
  /** Enqueued time → committed, over the last 10,000 events (null before the first). */
  latencyMs: { p50: number | null; p95: number | null; samples: number };
  /** How long a batch takes from the engine call to its commit, over the last 1,000 batches. */
  commitMs: { p50: number | null; p95: number | null; samples: number };
  lastIngestedAt: string | null;
}

/** GET /api/connections */
export interface ConnectionList { connections: ConnectionStatus[] }

/** PUT /api/connections: the whole set (as the manifest lists it); connections not in it stop, their checkpoints stay. */
export interface ConnectionsInput { connections: ConnectionInput[] }

/** An event the connection could not ingest. */
export interface ConnectionFailure {
  partition: string;
  sequenceNumber: number;
  enqueuedTime: string;
  failedOn: string;
  errorCode: string;
  reason: string;
  /** The raw body (the first 64 KiB), as text when it is UTF-8, else base64. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  bodyBytes: number;
}

/** GET /api/connections/{name}/failures?limit=N — the latest first (default 100, at most 1,000). */
export interface ConnectionFailureList { failures: ConnectionFailure[] }

/** The paths, so neither side spells one by hand. */
export const CONTROL_PATHS = {
  health: '/health',
  eventHubs: '/api/eventhubs',
  eventHub: (hub: string) => `/api/eventhubs/${encodeURIComponent(hub)}`,
  consumerGroup: (hub: string, group: string) => `/api/eventhubs/${encodeURIComponent(hub)}/consumergroups/${encodeURIComponent(group)}`,
  connections: '/api/connections',
  connection: (name: string) => `/api/connections/${encodeURIComponent(name)}`,
  connectionFailures: (name: string) => `/api/connections/${encodeURIComponent(name)}/failures`,
} as const;
