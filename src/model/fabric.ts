// Fabric items of the cloud profile that carry the pipeline's hops: the workspace, its KQL databases, the cloud
// connections an Eventstream reads a hub through, and the Eventstream items themselves (found, created, updated).
import { fabricClient } from '../azure/clients';
import type { FabricClient, FabricConnection, FabricItem, FabricKqlDatabase, FabricWorkspace, OperationState } from '../azure/fabric';
import {
  buildTopology, eventstreamPlans, mergeTopology, newEventstreamDefinition, topologyOf, updatedEventstreamDefinition,
  type EventstreamPlan, type EventstreamTarget,
} from '../core/fabric/eventstream';
import { requireSnapshot, type ModelHost } from './host';
import type { ConnectionRef } from './refs';

// UNCONFIRMED: the Fabric portal's item address. Learn links items as /groups/<workspace>/<type>/<id>; the type
// segment for Eventstreams is taken to be "eventstreams".
export const FABRIC_PORTAL = 'https://app.fabric.microsoft.com';

export function eventstreamUrl(workspaceId: string, itemId: string): string {
  return `${FABRIC_PORTAL}/groups/${encodeURIComponent(workspaceId)}/eventstreams/${encodeURIComponent(itemId)}?experience=fabric-developer`;
}

/** Where the Fabric "Manage connections and gateways" page is (to create a cloud connection by hand). */
export const FABRIC_CONNECTIONS_PAGE = `${FABRIC_PORTAL}/groups/me/gateways`;

// UNCONFIRMED: how an Event Hubs cloud connection describes itself. Third-party scripts create it with
// connectionDetails.type "EventHub" and parameters endpoint (namespace) and entityPath (hub); the `path` Fabric
// returns is assumed to mention both. Matching is by these words, case-insensitive.
const EVENT_HUB_CONNECTION_TYPE = /event\s*hubs?/i;

export interface HubAddress { hub: string; namespace?: string; host?: string }

export interface ConnectionChoices {
  /** Event Hubs connections whose path names the hub's namespace and the hub. */
  matching: FabricConnection[];
  /** Other Event Hubs connections (the path format is not documented; the user can still pick one). */
  otherEventHubs: FabricConnection[];
}

export interface EventstreamDeployment {
  item: FabricItem;
  created: boolean;
  url: string;
}

export interface EventstreamState {
  plan?: EventstreamPlan;
  workspaceId?: string;
  item?: FabricItem;
  url?: string;
}

export class FabricModel {
  constructor(private readonly host: ModelHost) {}

  client(): FabricClient {
    return fabricClient((a, s) => this.host.token(a, s), this.host.cloud, this.host.timeoutMs());
  }

  /** The workspace the cloud profile names (profile, else eventhouse.workspaceId), if any. */
  workspaceId(): string | undefined {
    const s = this.host.snapshot();
    return s?.profile.profile.fabricWorkspaceId ?? s?.manifest.eventhouse?.workspaceId;
  }

  workspaces(signal?: AbortSignal): Promise<FabricWorkspace[]> {
    return this.client().listWorkspaces(signal);
  }

  kqlDatabases(workspaceId: string, signal?: AbortSignal): Promise<FabricKqlDatabase[]> {
    return this.client().listKqlDatabases(workspaceId, signal);
  }

  /** The Eventstream items the manifest's connections make (and what stops some from being made). */
  plans(): { plans: EventstreamPlan[]; problems: string[] } {
    return eventstreamPlans(requireSnapshot(this.host, 'the connections').manifest);
  }

  planOf(connection: ConnectionRef): EventstreamPlan | undefined {
    return this.plans().plans.find((p) => p.connections.some((c) => c.name === connection.name));
  }

  /** Where the manifest says a hub lives in the active profile. */
  hubAddress(hub: string): HubAddress {
    const s = requireSnapshot(this.host, 'the hubs');
    const ns = s.manifest.eventHubs?.find((h) => h.name === hub)?.namespace ?? s.profile.profile.eventHubsNamespace;
    if (!ns) return { hub };
    const fromId = /\/namespaces\/([^/]+)/i.exec(ns)?.[1];
    if (fromId) return { hub, namespace: fromId, host: `${fromId}.servicebus.windows.net` };
    const host = ns.includes('.') ? ns.replace(/^sb:\/\//, '').replace(/\/.*$/, '') : `${ns}.servicebus.windows.net`;
    return { hub, namespace: host.split('.')[0], host };
  }

  /** The cloud connections that could feed an Eventstream from the hub. */
  async eventHubConnections(address: HubAddress, signal?: AbortSignal): Promise<ConnectionChoices> {
    const all = (await this.client().listConnections(signal)).filter((c) => EVENT_HUB_CONNECTION_TYPE.test(c.connectionDetails?.type ?? ''));
    const mentions = (c: FabricConnection, word: string | undefined) => !!word && (c.connectionDetails?.path ?? '').toLowerCase().includes(word.toLowerCase());
    const matching = all.filter((c) => mentions(c, address.hub) && (!address.namespace || mentions(c, address.namespace)));
    return { matching, otherEventHubs: all.filter((c) => !matching.includes(c)) };
  }

  async findEventstream(workspaceId: string, name: string, signal?: AbortSignal): Promise<FabricItem | undefined> {
    const items = await this.client().listItems(workspaceId, 'Eventstream', signal);
    return items.find((i) => i.displayName === name);
  }

  /** Finds the plan's Eventstream item in the workspace (for the tree). */
  async eventstreamOf(connection: ConnectionRef, signal?: AbortSignal): Promise<EventstreamState> {
    const plan = this.planOf(connection);
    const workspaceId = this.workspaceId();
    if (!plan || !workspaceId) return { plan, workspaceId };
    const item = await this.findEventstream(workspaceId, plan.name, signal);
    return { plan, workspaceId, item, url: item ? eventstreamUrl(workspaceId, item.id) : undefined };
  }

  /**
   * Creates the plan's Eventstream, or updates the one with its name: read its definition, lay Eventline's nodes
   * over it (the user's nodes stay), write it back. Long-running operations are followed to the end.
   */
  async deployEventstream(plan: EventstreamPlan, target: EventstreamTarget, options: { signal?: AbortSignal; onStatus?: (message: string) => void } = {}): Promise<EventstreamDeployment> {
    const fabric = this.client();
    const { signal, onStatus } = options;
    const onOperation = (s: OperationState) => onStatus?.(`Fabric operation ${s.status}${s.percentComplete !== undefined ? ` (${s.percentComplete}%)` : ''}`);
    const built = buildTopology(plan, target);
    onStatus?.(`looking for Eventstream "${plan.name}"`);
    const existing = await this.findEventstream(target.workspaceId, plan.name, signal);
    if (!existing) {
      onStatus?.(`creating Eventstream "${plan.name}"`);
      const item = await fabric.createItem(target.workspaceId, {
        displayName: plan.name, type: 'Eventstream', description: `Hub ${plan.hub} → ${plan.connections.map((c) => c.table).join(', ')} (deployed by Eventline)`,
        definition: newEventstreamDefinition(built),
      }, { signal, onOperation });
      return { item, created: true, url: eventstreamUrl(target.workspaceId, item.id) };
    }
    onStatus?.(`reading Eventstream "${plan.name}"`);
    const current = await fabric.getItemDefinition(target.workspaceId, existing.id, { signal, onOperation });
    const merged = mergeTopology(topologyOf(current), built);
    onStatus?.(`updating Eventstream "${plan.name}"`);
    await fabric.updateItemDefinition(target.workspaceId, existing.id, updatedEventstreamDefinition(current, merged), { signal, onOperation });
    return { item: existing, created: false, url: eventstreamUrl(target.workspaceId, existing.id) };
  }
}
