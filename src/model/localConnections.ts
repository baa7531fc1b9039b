// The manifest's hub → table connections as the local pipeline runs them (its connector): state, lag, latency and
// the events it could not ingest, through the typed control API. vscode-free; the tree renders it.
import type { ConnectionFailure, ConnectionList, ConnectionStatus, ConnectionsInput } from '../protocol/controlApi';
import { CONTROL_PATHS } from '../protocol/controlApi';
import { requireSnapshot, type ModelHost } from './host';
import { LocalControlClient } from './localControl';
import type { ConnectionRef } from './refs';

export interface LocalConnectionState {
  ref: ConnectionRef;
  /** What the local connector reports; undefined when it does not run this connection (see `summary`). */
  status?: ConnectionStatus;
  /** One line for a tree row: "running · lag 0 · p95 0.9 s · 1,204 ingested", or what is wrong. */
  summary: string;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A connection's status in one line, the problem first. */
export function connectionSummary(s: ConnectionStatus): string {
  if (s.state === 'error') return `error: ${s.error?.message ?? 'unknown'}`;
  const parts: string[] = [s.state, `lag ${count(s.lag)}`];
  if (s.latencyMs.p95 !== null) parts.push(`p95 ${seconds(s.latencyMs.p95)}`);
  parts.push(`${count(s.eventsIngested)} ingested`);
  if (s.failures) parts.push(`${count(s.failures)} failed`);
  if (s.updatePolicyFailures) parts.push(`${count(s.updatePolicyFailures)} update policy failures`);
  return parts.join(' · ');
}

export class LocalConnectionsModel {
  constructor(private readonly host: ModelHost, private readonly refs: () => ConnectionRef[]) {}

  private async control(): Promise<LocalControlClient> {
    const s = requireSnapshot(this.host, 'the connections');
    if (s.profile.kind !== 'local') throw new Error(`The connections' local state exists only in the local profile; "${s.profile.name}" runs them as Fabric Eventstreams.`);
    const ready = await this.host.ensureLocal();
    return new LocalControlClient(ready.control, this.host.timeoutMs());
  }

  /** Each manifest connection with what the local connector reports for it. */
  async status(signal?: AbortSignal): Promise<LocalConnectionState[]> {
    const control = await this.control();
    const { connections } = await control.json<ConnectionList>(CONTROL_PATHS.connections, {}, signal);
    const byName = new Map(connections.map((c) => [c.name.toLowerCase(), c]));
    return this.refs().map((ref) => {
      const status = byName.get(ref.name.toLowerCase());
      return status
        ? { ref, status, summary: connectionSummary(status) }
        : { ref, summary: 'not running in the local pipeline: it started before this connection was added to eventline.json (sync the connections, or restart it)' };
    });
  }

  /** Makes the local connector run exactly the manifest's connections (added ones start, removed ones stop), no restart. */
  async sync(signal?: AbortSignal): Promise<ConnectionStatus[]> {
    const manifest = requireSnapshot(this.host, 'the connections').manifest;
    const body: ConnectionsInput = { connections: manifest.connections ?? [] };
    const control = await this.control();
    const { connections } = await control.json<ConnectionList>(CONTROL_PATHS.connections, { method: 'PUT', body: JSON.stringify(body) }, signal);
    return connections;
  }

  /** The latest events the connection could not ingest, with their bodies (newest first). */
  async failures(ref: ConnectionRef, limit = 100, signal?: AbortSignal): Promise<ConnectionFailure[]> {
    const control = await this.control();
    return (await control.json<{ failures: ConnectionFailure[] }>(`${CONTROL_PATHS.connectionFailures(ref.name)}?limit=${limit}`, {}, signal)).failures;
  }
}
