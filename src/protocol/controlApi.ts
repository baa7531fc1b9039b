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

/** The paths, so neither side spells one by hand. */
export const CONTROL_PATHS = {
  health: '/health',
  eventHubs: '/api/eventhubs',
  eventHub: (hub: string) => `/api/eventhubs/${encodeURIComponent(hub)}`,
  consumerGroup: (hub: string, group: string) => `/api/eventhubs/${encodeURIComponent(hub)}/consumergroups/${encodeURIComponent(group)}`,
} as const;
