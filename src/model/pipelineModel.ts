// The pipeline model: one vscode-free view of the pipeline's resources (sources, function, hubs, databases,
// connections, alerts, secrets) for the active profile, with typed references and the operations on them. The
// tree renders it; the tail, sending, notebooks and every later feature use it instead of walking the tree.
import { LocalConnectionsModel, type LocalConnectionState } from './localConnections';
import { Emitter } from '../core/emitter';
import { EventhouseModel } from './eventhouse';
import { EventHubsModel } from './eventHubs';
import { FabricModel } from './fabric';
import { FunctionAppsModel } from './functionApps';
import { FunctionsModel } from './functions';
import type { ModelHost, PipelineSnapshot } from './host';
import type { AlertRef, ConnectionRef, HubRef, SourceRef, TableRef } from './refs';
import { SecretsModel } from './secrets';

export class PipelineModel {
  readonly eventHubs: EventHubsModel;
  readonly eventhouse: EventhouseModel;
  readonly fabric: FabricModel;
  readonly functionApps: FunctionAppsModel;
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
    this.fabric = new FabricModel(host);
    this.functionApps = new FunctionAppsModel(host);
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
    return (this.snapshot()?.manifest.connections ?? []).map((c, i) => ({ kind: 'connection', name: c.name ?? `connection-${i + 1}`, hub: c.hub, table: c.table, consumerGroup: c.consumerGroup ?? '$Default' }));
  }

  /** The connections that read a hub (by its name, the way the manifest names hubs). */
  connectionsOfHub(hub: HubRef): ConnectionRef[] {
    return this.connections().filter((c) => c.hub === hub.name);
  }

  /** The connections that write into a table of the profile's database (eventhouse.database, or any when unset). */
  connectionsOfTable(table: TableRef): ConnectionRef[] {
    const database = this.snapshot()?.manifest.eventhouse?.database;
    if (database && table.database.database !== database) return [];
    return this.connections().filter((c) => c.table === table.name);
  }

  alerts(): AlertRef[] {
    return (this.snapshot()?.manifest.alerts ?? []).map((a) => ({ kind: 'alert', name: a.name }));
  }

  /** The connections as the local pipeline's connector runs them (local profile): state, lag, latency, failures. */
  get localConnections(): LocalConnectionsModel {
    this.local ??= new LocalConnectionsModel(this.host, () => this.connections());
    return this.local;
  }

  private local: LocalConnectionsModel | undefined;

  /** Each connection's local state, lag and latency, for the tree's connection rows. */
  connectionStatus(signal?: AbortSignal): Promise<LocalConnectionState[]> {
    return this.localConnections.status(signal);
  }

  dispose(): void {
    this.functions.dispose();
    this.secrets.dispose();
    this.refreshed.dispose();
  }
}
