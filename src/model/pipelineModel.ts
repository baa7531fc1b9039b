// The pipeline model: one vscode-free view of the pipeline's resources (sources, function, hubs, databases,
// connections, alerts, secrets) for the active profile, with typed references and the operations on them. The
// tree renders it; the tail, sending, notebooks and every later feature use it instead of walking the tree.
import { Emitter } from '../core/emitter';
import { EventhouseModel } from './eventhouse';
import { EventHubsModel } from './eventHubs';
import { FunctionsModel } from './functions';
import type { ModelHost, PipelineSnapshot } from './host';
import type { AlertRef, ConnectionRef, SourceRef } from './refs';
import { SecretsModel } from './secrets';

export class PipelineModel {
  readonly eventHubs: EventHubsModel;
  readonly eventhouse: EventhouseModel;
  /** The ingest functions and their sources' live state (#19). */
  readonly functions: FunctionsModel;
  /** The active profile's Key Vault and the secrets eventline.json refers to (#19). */
  readonly secrets: SecretsModel;
  private readonly refreshed = new Emitter<void>();
  /** Fires when the user asks for fresh data (Refresh): caches of live state should be dropped. */
  readonly onDidRefresh = this.refreshed.event;

  constructor(readonly host: ModelHost) {
    this.eventHubs = new EventHubsModel(host);
    this.eventhouse = new EventhouseModel(host);
    this.functions = new FunctionsModel(host);
    this.secrets = new SecretsModel(host);
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

  dispose(): void {
    this.functions.dispose();
    this.secrets.dispose();
    this.refreshed.dispose();
  }
}
