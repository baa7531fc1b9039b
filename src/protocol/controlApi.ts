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

// ─── Ingest functions (src/local/functions) ─────────────────────────────────────────────────────────────────

/** Where a build or load error is, when it points into the project (paths relative to the project folder). */
export interface FunctionProblem { message: string; file?: string; line?: number; column?: number }

/** One run of a function, as `POST /api/functions/{name}/run` returns it and `lastRun` shows it. */
export interface FunctionRunResult {
  runId: string;
  trigger: 'schedule' | 'manual' | 'startup';
  /** ISO times. */
  start: string;
  end: string;
  durationMs: number;
  status: 'succeeded' | 'failed' | 'timedOut' | 'crashed';
  /** The counts the function reported (the template returns them; other handlers may not: then 0). */
  recordsFetched: number;
  eventsSent: number;
  pages: number;
  retries: number;
  /** Records skipped because one record alone was over the 1 MiB event limit. */
  recordsSkipped: number;
  /** What went wrong, in words a person can act on (never a secret). */
  error?: FunctionProblem;
}

export type FunctionState = 'building' | 'idle' | 'running' | 'error' | 'disabled';

export interface FunctionInfo {
  name: string;
  /** The project folder (absolute). */
  project: string;
  source: string;
  hub: string;
  schedule: string;
  /** Readable form of the schedule, e.g. "every 30 seconds". */
  schedulePreview: string;
  enabled: boolean;
  /** error: the project does not build or load, or its settings cannot be resolved (see `problem`). */
  state: FunctionState;
  problem?: FunctionProblem;
  lastRun?: FunctionRunResult;
  /** ISO time of the next scheduled run; absent when disabled or in error. */
  nextRun?: string;
  /** Ticks skipped because the previous run was still going. */
  skippedTicks: number;
  runs: number;
}

/** GET /api/functions — also says what is wrong with the manifest's functions as a whole (e.g. it does not parse). */
export interface FunctionList { functions: FunctionInfo[]; problem?: FunctionProblem }

export interface FunctionLogLine {
  /** Increasing per function; poll with `?after=<seq>`. */
  seq: number;
  time: string;
  level: 'trace' | 'debug' | 'information' | 'warning' | 'error';
  /** The run it belongs to; absent for build and runner lines. */
  runId?: string;
  message: string;
}

/** GET /api/functions/{name}/logs?after=<seq> — lines after `seq` (at most 1,000 kept per function). */
export interface FunctionLogPage { lines: FunctionLogLine[]; lastSeq: number }

export interface SourceFetch {
  /** ISO time the run that fetched ended. */
  time: string;
  records: number;
  status: 'ok' | 'error';
  error?: string;
  functionName: string;
}

/** GET /api/sources — each manifest source with its last fetch by a local run. */
export interface SourceList { sources: { name: string; url: string; lastFetch?: SourceFetch }[] }

// ─── Sample source API (src/local/sampleApi) ────────────────────────────────────────────────────────────────

/** A fault the sample API answers with; `count` requests (absent: until cleared). */
export type SampleApiFaultKind = 'http500' | 'http429' | 'slow' | 'malformed' | 'emptyPage' | 'reset';
export interface SampleApiFault { kind: SampleApiFaultKind; count?: number; retryAfterSeconds?: number; delayMs?: number }

/** PUT /api/sample-api/dataset: starts the readings over (a new epoch `historySeconds` back from now). */
export interface SampleApiDatasetInput {
  intervalMs?: number; historySeconds?: number; recordBytes?: number;
  /** A periodic heat burst at one site every this many seconds (0 or absent: none); the demo's alert fires on it. */
  burstEverySeconds?: number;
}

/** GET /api/sample-api */
export interface SampleApiInfo {
  url: string;
  secretName: string;
  keyHeader: string;
  sites: string[];
  epoch: string;
  intervalMs: number;
  recordBytes: number;
  /** The periodic burst's period (absent: none). */
  burstEverySeconds?: number;
  /** Readings up to now (what a full fetch would return). */
  available: number;
  requests: number;
  fault?: SampleApiFault;
}

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

// ─── Alerts and mail (src/local/alerts, src/local/smtp) ────────────────────────────────────────────────────────

/**
 * ok: evaluated, nothing fired in the last evaluation; firing: `firingObjects` objects fired in the last
 * evaluation; muted: evaluated but sends nothing; error: the rule cannot be evaluated (its query fails, a column is
 * missing, the rule is malformed: `error` says which); disabled: `enabled: false`.
 */
export type AlertState = 'ok' | 'firing' | 'muted' | 'error' | 'disabled';

export interface AlertInfo {
  name: string;
  state: AlertState;
  enabled: boolean;
  muted: boolean;
  /** Readable interval, e.g. "1m". */
  every: string;
  /** Objects that fired in the last evaluation. */
  firingObjects: number;
  /** Objects with a pending "stays for" (the condition holds, the span is not up yet). */
  pendingObjects: number;
  /** The query's or the rule's message, with where (line and column for a query). */
  error?: { message: string; since: string };
  /** ISO times. */
  lastEvaluated?: string;
  lastFired?: string;
  /** Firings in the last 24 hours (muted ones not counted). */
  firings24h: number;
  /** Firings the cooldown held back, since the pipeline started. */
  suppressed: number;
  /** The end of the last evaluated window (event time). */
  watermark?: string;
}

/** Firings waiting to be recorded in EventlineAlerts or delivered by SMTP (retried with backoff, never dropped). */
export interface AlertOutboxStatus {
  pending: number;
  /** Failed delivery attempts since the pipeline started. */
  failedAttempts: number;
  delivered: number;
  lastError?: string;
  /** ISO time of the next attempt, when one is waiting. */
  nextAttempt?: string;
  /** host:port of the SMTP relay the local profile names (`invalid` when it cannot be used); absent: the local SMTP server. */
  relay?: string;
}

/** GET /api/alerts */
export interface AlertList { alerts: AlertInfo[]; outbox: AlertOutboxStatus }

/** POST /api/alerts/{name}/evaluate: evaluates now (and tries the outbox at once); the rule's status after it. */
export interface AlertEvaluation { alert: AlertInfo; firings: number; outbox: AlertOutboxStatus }

/** A message the local SMTP server received, parsed. */
export interface MailMessage {
  id: string;
  receivedAt: string;
  /** The envelope (MAIL FROM / RCPT TO), which includes Bcc recipients. */
  envelope: { from: string; to: string[] };
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  messageId?: string;
  date?: string;
  text: string;
  /** The HTML body, when there is one (show it only in a sandboxed frame without scripts). */
  html?: string;
  /** Every header, lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

/** GET /api/mail — the latest first (at most 1,000 kept). */
export interface MailList { messages: MailMessage[] }

/** PUT /api/smtp: `accepting: false` closes the local SMTP server's port (as a relay that is down), true opens it again. */
export interface SmtpInput { accepting: boolean }

/** GET /api/smtp */
export interface SmtpStatus { host: string; port: number; accepting: boolean; received: number }

export const ALERT_PATHS = {
  alerts: '/api/alerts',
  alert: (name: string) => `/api/alerts/${encodeURIComponent(name)}`,
  alertEvaluate: (name: string) => `/api/alerts/${encodeURIComponent(name)}/evaluate`,
  /** POST: re-reads the config's alerts now (the runner also does when the file changes); answers an AlertList. */
  alertsReload: '/api/alerts/reload',
  mail: '/api/mail',
  smtp: '/api/smtp',
} as const;

/** The paths, so neither side spells one by hand. */
export const CONTROL_PATHS = {
  health: '/health',
  eventHubs: '/api/eventhubs',
  eventHub: (hub: string) => `/api/eventhubs/${encodeURIComponent(hub)}`,
  consumerGroup: (hub: string, group: string) => `/api/eventhubs/${encodeURIComponent(hub)}/consumergroups/${encodeURIComponent(group)}`,
  functions: '/api/functions',
  functionsReload: '/api/functions/reload',
  function: (name: string) => `/api/functions/${encodeURIComponent(name)}`,
  functionRun: (name: string) => `/api/functions/${encodeURIComponent(name)}/run`,
  functionLogs: (name: string, after = 0) => `/api/functions/${encodeURIComponent(name)}/logs?after=${after}`,
  sources: '/api/sources',
  sampleApi: '/api/sample-api',
  sampleApiFault: '/api/sample-api/fault',
  sampleApiDataset: '/api/sample-api/dataset',
  connections: '/api/connections',
  connection: (name: string) => `/api/connections/${encodeURIComponent(name)}`,
  connectionFailures: (name: string) => `/api/connections/${encodeURIComponent(name)}/failures`,
} as const;
