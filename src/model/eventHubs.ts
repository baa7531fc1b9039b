import { eventHubConsumerClient, eventHubManagementClient, subscriptionClient, type EventHubTarget } from '../azure/clients';
import { DEFAULT_CONSUMER_GROUP } from '../core/eventHubsNames';
import { requireSnapshot, type ModelHost, type PipelineSnapshot } from './host';
import { LocalControlClient } from './localControl';
import type { ConsumerGroupRef, HubRef, NamespaceRef, PartitionRef, SubscriptionRef } from './refs';
import type { LocalReady } from '../protocol/localReady';

/** The Event Hubs part of the active profile, as far as one level tells it. */
export interface HubsOverview {
  /** Hubs known without Resource Manager: the local pipeline's, or the manifest's hubs with a namespace host. */
  hubs: HubRef[];
  /** Hubs the manifest declares that the local pipeline does not have. */
  missing: string[];
  /** Cloud profile: the subscriptions to look for namespaces in. */
  subscriptions: SubscriptionRef[];
}

export interface PartitionState {
  ref: PartitionRef;
  isEmpty: boolean;
  beginningSequenceNumber: number;
  lastEnqueuedSequenceNumber: number;
  lastEnqueuedOffset: string;
  lastEnqueuedOnUtc: Date | undefined;
}

/** Event Hubs of the active profile: the local pipeline's hubs, or Azure namespaces through Resource Manager. */
export class EventHubsModel {
  constructor(private readonly host: ModelHost) {}

  private snapshot(): PipelineSnapshot {
    return requireSnapshot(this.host, 'the hubs');
  }

  private async control(): Promise<LocalControlClient> {
    const ready = await this.host.ensureLocal();
    return new LocalControlClient(ready.control, this.host.timeoutMs());
  }

  async overview(signal?: AbortSignal): Promise<HubsOverview> {
    const { manifest, profile } = this.snapshot();
    const declared = manifest.eventHubs ?? [];
    if (profile.kind === 'local') {
      const body = await (await this.control()).listHubs(signal);
      const hubs = body.eventHubs.map<HubRef>((h) => ({ kind: 'hub', name: h.name, location: { kind: 'local' }, partitionCount: h.partitionCount, consumerGroups: h.consumerGroups }));
      const missing = declared.filter((d) => !body.eventHubs.some((h) => h.name === d.name)).map((d) => d.name);
      return { hubs, missing, subscriptions: [] };
    }
    const hubs: HubRef[] = [];
    // Hubs named in the manifest with a namespace host are shown directly, without Resource Manager.
    for (const d of declared) {
      const ns = d.namespace ?? profile.profile.eventHubsNamespace;
      if (ns && !ns.startsWith('/subscriptions/')) {
        hubs.push({ kind: 'hub', name: d.name, location: { kind: 'azure', host: ns.includes('.') ? ns : `${ns}.servicebus.windows.net` }, partitionCount: d.partitions, consumerGroups: d.consumerGroups });
      }
    }
    const subs = await subscriptionClient(this.host.credential(), this.host.cloud);
    const wanted = profile.profile.subscriptionId;
    const subscriptions: SubscriptionRef[] = [];
    for await (const s of subs.subscriptions.list({ abortSignal: signal })) {
      if (wanted && s.subscriptionId !== wanted) continue;
      subscriptions.push({ kind: 'subscription', subscriptionId: s.subscriptionId ?? '', displayName: s.displayName ?? s.subscriptionId ?? '' });
    }
    return { hubs, missing: [], subscriptions };
  }

  async namespaces(sub: SubscriptionRef, signal?: AbortSignal): Promise<NamespaceRef[]> {
    const arm = await eventHubManagementClient(this.host.credential(), this.host.cloud, sub.subscriptionId);
    const out: NamespaceRef[] = [];
    for await (const ns of arm.namespaces.list({ abortSignal: signal })) {
      const resourceGroup = /\/resourceGroups\/([^/]+)/i.exec(ns.id ?? '')?.[1] ?? '';
      const host = ns.serviceBusEndpoint ? new URL(ns.serviceBusEndpoint).host : `${ns.name}.servicebus.windows.net`;
      out.push({ kind: 'namespace', subscriptionId: sub.subscriptionId, resourceGroup, name: ns.name ?? '', host });
    }
    return out;
  }

  async hubsIn(ns: NamespaceRef, signal?: AbortSignal): Promise<HubRef[]> {
    const arm = await eventHubManagementClient(this.host.credential(), this.host.cloud, ns.subscriptionId);
    const out: HubRef[] = [];
    for await (const h of arm.eventHubs.listByNamespace(ns.resourceGroup, ns.name, { abortSignal: signal })) {
      out.push({ kind: 'hub', name: h.name ?? '', location: { kind: 'azure', host: ns.host, subscriptionId: ns.subscriptionId, resourceGroup: ns.resourceGroup, namespace: ns.name }, partitionCount: h.partitionCount });
    }
    return out;
  }

  /** Every hub of the active profile, through subscriptions and namespaces in a cloud profile. */
  async allHubs(signal?: AbortSignal): Promise<HubRef[]> {
    const { hubs, subscriptions } = await this.overview(signal);
    const out = [...hubs];
    for (const sub of subscriptions) {
      for (const ns of await this.namespaces(sub, signal)) out.push(...await this.hubsIn(ns, signal));
    }
    return out;
  }

  async partitions(hub: HubRef, signal?: AbortSignal): Promise<PartitionState[]> {
    if (hub.location.kind === 'local') {
      const info = await (await this.control()).hub(hub.name, signal);
      return info.partitions.map((p) => ({
        ref: { kind: 'partition', hub, partitionId: p.id },
        isEmpty: p.isEmpty,
        beginningSequenceNumber: p.beginSequenceNumber,
        lastEnqueuedSequenceNumber: p.lastEnqueuedSequenceNumber,
        lastEnqueuedOffset: p.lastEnqueuedOffset,
        lastEnqueuedOnUtc: p.lastEnqueuedTimeUtc ? new Date(p.lastEnqueuedTimeUtc) : undefined,
      }));
    }
    const client = await eventHubConsumerClient(await this.target(hub));
    try {
      const ids = await client.getPartitionIds({ abortSignal: signal });
      const props = await Promise.all(ids.map((id) => client.getPartitionProperties(id, { abortSignal: signal })));
      return props.map((p) => ({
        ref: { kind: 'partition', hub, partitionId: p.partitionId },
        isEmpty: p.isEmpty,
        beginningSequenceNumber: p.beginningSequenceNumber,
        lastEnqueuedSequenceNumber: p.lastEnqueuedSequenceNumber,
        lastEnqueuedOffset: String(p.lastEnqueuedOffset),
        lastEnqueuedOnUtc: p.isEmpty ? undefined : p.lastEnqueuedOnUtc,
      }));
    } finally {
      await client.close();
    }
  }

  /** The hub's partition ids, asked of the hub itself (the same data plane the tail and senders use). */
  async partitionIds(hub: HubRef, signal?: AbortSignal): Promise<string[]> {
    const client = await eventHubConsumerClient(await this.target(hub));
    try {
      return await client.getPartitionIds({ abortSignal: signal });
    } finally {
      await client.close();
    }
  }

  async consumerGroups(hub: HubRef, signal?: AbortSignal): Promise<ConsumerGroupRef[]> {
    let names: string[];
    const loc = hub.location;
    if (loc.kind === 'local') {
      names = (await (await this.control()).hub(hub.name, signal)).consumerGroups;
    } else if (loc.subscriptionId && loc.resourceGroup && loc.namespace) {
      const arm = await eventHubManagementClient(this.host.credential(), this.host.cloud, loc.subscriptionId);
      names = [];
      for await (const g of arm.consumerGroups.listByEventHub(loc.resourceGroup, loc.namespace, hub.name, { abortSignal: signal })) names.push(g.name ?? '');
    } else {
      names = hub.consumerGroups ?? [DEFAULT_CONSUMER_GROUP];
    }
    return names.map((name) => ({ kind: 'consumerGroup', hub, name }));
  }

  async createConsumerGroup(hub: HubRef, name: string, signal?: AbortSignal): Promise<ConsumerGroupRef> {
    const loc = hub.location;
    if (loc.kind === 'local') {
      await (await this.control()).putConsumerGroup(hub.name, name, signal);
    } else if (loc.subscriptionId && loc.resourceGroup && loc.namespace) {
      const arm = await eventHubManagementClient(this.host.credential(), this.host.cloud, loc.subscriptionId);
      await arm.consumerGroups.createOrUpdate(loc.resourceGroup, loc.namespace, hub.name, name, {}, { abortSignal: signal });
    } else {
      throw new Error(`Eventline does not know the Azure resource of "${hub.name}" (only its host). Add "namespace" as an ARM resource id in eventline.json to manage consumer groups.`);
    }
    return { kind: 'consumerGroup', hub, name };
  }

  /** How SDK clients reach the hub: the running local pipeline's connection string, or Entra ID. */
  async target(hub: HubRef): Promise<EventHubTarget> {
    if (hub.location.kind === 'local') {
      return localHubTarget(await this.host.ensureLocal(), hub.name);
    }
    return { kind: 'credential', host: hub.location.host, hub: hub.name, credential: this.host.credential() };
  }

  /**
   * For a hub of the local pipeline, where it is at each call: a restart can move the pipeline to other ports (when
   * another program took one). Never starts a pipeline: a reconnecting tail must not bring back one the user stopped,
   * or one that keeps crashing. Undefined for a hub in Azure, whose address does not move.
   */
  localTarget(hub: HubRef): (() => EventHubTarget) | undefined {
    if (hub.location.kind !== 'local') return undefined;
    return () => {
      const ready = this.host.localReady();
      if (!ready) throw new Error('The local pipeline is not running; the tail reconnects once it is started again ("Eventline: Start Local Pipeline").');
      return localHubTarget(ready, hub.name);
    };
  }

  /** Connection information for the clipboard; a key only for the local pipeline, and only when asked. */
  async connectionInfo(hub: HubRef, includeKey: boolean): Promise<string> {
    if (hub.location.kind === 'local') {
      const cs = (await this.host.ensureLocal()).eventHubs.connectionString;
      if (includeKey) return `${cs};EntityPath=${hub.name}`;
      const endpoint = /Endpoint=([^;]+)/.exec(cs)?.[1] ?? '';
      return `Endpoint=${endpoint};EntityPath=${hub.name};UseDevelopmentEmulator=true`;
    }
    return `Endpoint=sb://${hub.location.host}/;EntityPath=${hub.name} (authenticate with Microsoft Entra ID: role "Azure Event Hubs Data Receiver" or "Data Sender")`;
  }
}

function localHubTarget(ready: LocalReady, hub: string): EventHubTarget {
  return { kind: 'connectionString', connectionString: ready.eventHubs.connectionString, hub };
}
