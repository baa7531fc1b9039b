// The pipeline model: one vscode-free view of the pipeline's resources (sources, function, hubs, databases,
// connections, alerts, secrets) for the active profile, with typed references and the operations on them. The
// tree renders it; the tail, sending, notebooks and every later feature use it instead of walking the tree.
import { Emitter } from '../core/emitter';
import { EventhouseModel } from './eventhouse';
import { EventHubsModel } from './eventHubs';
import { FunctionAppsModel } from './functionApps';
import type { ModelHost, PipelineSnapshot } from './host';
import type { AlertRef, ConnectionRef, SecretRef, SourceRef } from './refs';

export class PipelineModel {
  readonly eventHubs: EventHubsModel;
  readonly eventhouse: EventhouseModel;
  readonly functionApps: FunctionAppsModel;
  private readonly refreshed = new Emitter<void>();
  /** Fires when the user asks for fresh data (Refresh): caches of live state should be dropped. */
  readonly onDidRefresh = this.refreshed.event;

  constructor(readonly host: ModelHost) {
    this.eventHubs = new EventHubsModel(host);
    this.eventhouse = new EventhouseModel(host);
    this.functionApps = new FunctionAppsModel(host);
  }

  snapshot(): PipelineSnapshot | undefined {
    return this.host.snapshot();
  }

  refresh(): void {
    this.refreshed.fire();
  }

  sources(): SourceRef[] {
    return (this.snapshot()?.manifest.sources ?? []).map((s) => ({ kind: 'source', name: s.name }));
  }

  connections(): ConnectionRef[] {
    return (this.snapshot()?.manifest.connections ?? []).map((c, i) => ({ kind: 'connection', name: c.name ?? `connection-${i + 1}`, hub: c.hub, table: c.table }));
  }

  alerts(): AlertRef[] {
    return (this.snapshot()?.manifest.alerts ?? []).map((a) => ({ kind: 'alert', name: a.name }));
  }

  /** The secrets the manifest refers to, by the name they are stored under. */
  secrets(): SecretRef[] {
    const names = new Set<string>();
    for (const s of this.snapshot()?.manifest.sources ?? []) {
      const ref = s.auth?.secret;
      const name = ref?.keyVaultSecret ?? ref?.secretStorage;
      if (name) names.add(name);
    }
    return [...names].map((name) => ({ kind: 'secret', name }));
  }

  dispose(): void {
    this.refreshed.dispose();
  }
}
