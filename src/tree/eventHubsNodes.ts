import * as vscode from 'vscode';
import { eventHubConsumerClient, eventHubManagementClient, subscriptionClient, type EventHubTarget } from '../azure/clients';
import { ServiceError } from '../core/errors';
import { FolderNode, InfoNode, item, TreeNode, type TreeContext } from './treeNode';

/** Where a hub lives: the local pipeline, or an Azure namespace (by host, with its ARM coordinates when known). */
export type HubLocation =
  | { kind: 'local'; connectionString: string; control: string }
  | { kind: 'azure'; host: string; subscriptionId?: string; resourceGroup?: string; namespace?: string };

export interface LocalHubInfo {
  name: string;
  partitionCount: number;
  consumerGroups: string[];
}

async function controlJson<T>(ctx: TreeContext, control: string, path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const res = await fetch(`${control}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) }, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try { message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text; } catch { /* not JSON */ }
    throw new ServiceError('local pipeline', res.status, `The local pipeline answered ${res.status}: ${message}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export function hubTarget(ctx: TreeContext, location: HubLocation, hub: string): EventHubTarget {
  return location.kind === 'local'
    ? { kind: 'connectionString', connectionString: location.connectionString, hub }
    : { kind: 'credential', host: location.host, hub, credential: ctx.credential() };
}

/** An Event Hub: partitions with live sequence numbers, and consumer groups. */
export class HubNode extends TreeNode {
  constructor(parent: TreeNode, readonly ctx: TreeContext, readonly location: HubLocation, readonly hub: string, private readonly partitionCount?: number, private readonly knownGroups?: string[]) {
    super(`${parent.id}/hub:${hub}`, parent);
  }
  override get what(): string { return `Event Hub "${this.hub}"`; }
  treeItem(): vscode.TreeItem {
    const where = this.location.kind === 'local' ? 'local' : this.location.host;
    return item(this.hub, {
      id: this.id, icon: 'symbol-event', collapsible: true, contextValue: 'eventHub',
      description: this.partitionCount !== undefined ? `${this.partitionCount} partitions` : where,
      tooltip: `Event Hub ${this.hub} (${where})`,
    });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    return [
      new FolderNode(`${this.id}/partitions`, this, 'Partitions', 'list-ordered', (self, signal) => this.partitions(self, signal), `the partitions of "${this.hub}"`),
      new FolderNode(`${this.id}/groups`, this, 'Consumer groups', 'organization', (self, signal) => this.consumerGroups(self, signal), `the consumer groups of "${this.hub}"`, 'consumerGroups'),
    ];
  }

  private async partitions(folder: TreeNode, signal: AbortSignal): Promise<TreeNode[]> {
    const client = await eventHubConsumerClient(hubTarget(this.ctx, this.location, this.hub));
    try {
      const ids = await client.getPartitionIds({ abortSignal: signal });
      const props = await Promise.all(ids.map((id) => client.getPartitionProperties(id, { abortSignal: signal })));
      return props.map((p) => {
        const desc = p.isEmpty ? 'empty' : `last #${p.lastEnqueuedSequenceNumber} · ${p.lastEnqueuedOnUtc.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`;
        return new PartitionNode(folder, this, p.partitionId, desc, `Partition ${p.partitionId}\nfirst sequence number ${p.beginningSequenceNumber}\nlast sequence number ${p.lastEnqueuedSequenceNumber}\nlast offset ${p.lastEnqueuedOffset}\nlast enqueued ${p.isEmpty ? '—' : p.lastEnqueuedOnUtc.toISOString()}`);
      });
    } finally {
      await client.close();
    }
  }

  /** The hub's partition ids, asked of the hub itself (the same data plane the tail and senders use). */
  async partitionIds(signal?: AbortSignal): Promise<string[]> {
    const client = await eventHubConsumerClient(hubTarget(this.ctx, this.location, this.hub));
    try {
      return await client.getPartitionIds({ abortSignal: signal });
    } finally {
      await client.close();
    }
  }

  private async consumerGroups(folder: TreeNode, signal: AbortSignal): Promise<TreeNode[]> {
    const groups = await this.listConsumerGroups(signal);
    return groups.map((g) => new InfoNode(`${folder.id}/cg:${g}`, folder, g, 'organization', g === '$Default' ? 'shared with production readers' : undefined, undefined, 'consumerGroup'));
  }

  /** The hub's consumer groups, from the local pipeline or Resource Manager. */
  async listConsumerGroups(signal?: AbortSignal): Promise<string[]> {
    let groups: string[];
    if (this.location.kind === 'local') {
      const hub = await controlJson<LocalHubInfo>(this.ctx, this.location.control, `/api/eventhubs/${encodeURIComponent(this.hub)}`, {}, signal);
      groups = hub.consumerGroups;
    } else if (this.location.subscriptionId && this.location.resourceGroup && this.location.namespace) {
      const arm = await eventHubManagementClient(this.ctx.credential(), this.ctx.cloud, this.location.subscriptionId);
      groups = [];
      for await (const g of arm.consumerGroups.listByEventHub(this.location.resourceGroup, this.location.namespace, this.hub, { abortSignal: signal })) groups.push(g.name ?? '');
    } else {
      groups = this.knownGroups ?? ['$Default'];
    }
    return groups;
  }

  /** "Create Consumer Group" on this hub. */
  async createConsumerGroup(name: string): Promise<void> {
    if (this.location.kind === 'local') {
      await controlJson(this.ctx, this.location.control, `/api/eventhubs/${encodeURIComponent(this.hub)}/consumergroups/${encodeURIComponent(name)}`, { method: 'PUT' });
    } else if (this.location.subscriptionId && this.location.resourceGroup && this.location.namespace) {
      const arm = await eventHubManagementClient(this.ctx.credential(), this.ctx.cloud, this.location.subscriptionId);
      await arm.consumerGroups.createOrUpdate(this.location.resourceGroup, this.location.namespace, this.hub, name, {});
    } else {
      throw new Error(`Eventline does not know the Azure resource of "${this.hub}" (only its host). Add "namespace" as an ARM resource id in eventline.json to manage consumer groups.`);
    }
  }

  /** Connection information without a key: host and hub, and how to authenticate. */
  connectionInfo(includeKey: boolean): string {
    if (this.location.kind === 'local') {
      if (includeKey) return `${this.location.connectionString};EntityPath=${this.hub}`;
      const endpoint = /Endpoint=([^;]+)/.exec(this.location.connectionString)?.[1] ?? '';
      return `Endpoint=${endpoint};EntityPath=${this.hub};UseDevelopmentEmulator=true`;
    }
    return `Endpoint=sb://${this.location.host}/;EntityPath=${this.hub} (authenticate with Microsoft Entra ID: role "Azure Event Hubs Data Receiver" or "Data Sender")`;
  }
}

/** The hub a tree row belongs to (the hub itself, a partition, a consumer group or a folder under it). */
export function hubOfNode(node: unknown): HubNode | undefined {
  for (let n = node instanceof TreeNode ? node : undefined; n; n = n.parent) {
    if (n instanceof HubNode) return n;
  }
  return undefined;
}

export class PartitionNode extends TreeNode {
  constructor(parent: TreeNode, readonly hubNode: HubNode, readonly partitionId: string, private readonly description: string, private readonly tooltip: string) {
    super(`${parent.id}/p:${partitionId}`, parent);
  }
  treeItem(): vscode.TreeItem {
    return item(`Partition ${this.partitionId}`, { id: this.id, icon: 'symbol-number', description: this.description, tooltip: this.tooltip, contextValue: 'partition' });
  }
}

/** An Azure Event Hubs namespace (from Resource Manager): its hubs, one request per page. */
export class NamespaceNode extends TreeNode {
  constructor(parent: TreeNode, private readonly ctx: TreeContext, private readonly subscriptionId: string, private readonly resourceGroup: string, private readonly name: string, private readonly host: string) {
    super(`${parent.id}/ns:${name}`, parent);
  }
  override get what(): string { return `the hubs of namespace "${this.name}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.name, { id: this.id, icon: 'server-environment', collapsible: true, contextValue: 'eventHubsNamespace', description: this.resourceGroup, tooltip: `${this.host}\nresource group ${this.resourceGroup}` });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const arm = await eventHubManagementClient(this.ctx.credential(), this.ctx.cloud, this.subscriptionId);
    const out: TreeNode[] = [];
    for await (const h of arm.eventHubs.listByNamespace(this.resourceGroup, this.name, { abortSignal: signal })) {
      out.push(new HubNode(this, this.ctx, { kind: 'azure', host: this.host, subscriptionId: this.subscriptionId, resourceGroup: this.resourceGroup, namespace: this.name }, h.name ?? '', h.partitionCount));
    }
    return out.length ? out : [new InfoNode(`${this.id}/empty`, this, 'No Event Hubs in this namespace')];
  }
}

export class SubscriptionNode extends TreeNode {
  constructor(parent: TreeNode, private readonly ctx: TreeContext, private readonly subscriptionId: string, private readonly label: string) {
    super(`${parent.id}/sub:${subscriptionId}`, parent);
  }
  override get what(): string { return `the Event Hubs namespaces of subscription "${this.label}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.label, { id: this.id, icon: 'azure', collapsible: true, contextValue: 'subscription', description: this.subscriptionId });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const arm = await eventHubManagementClient(this.ctx.credential(), this.ctx.cloud, this.subscriptionId);
    const out: TreeNode[] = [];
    for await (const ns of arm.namespaces.list({ abortSignal: signal })) {
      const rg = /\/resourceGroups\/([^/]+)/i.exec(ns.id ?? '')?.[1] ?? '';
      const host = ns.serviceBusEndpoint ? new URL(ns.serviceBusEndpoint).host : `${ns.name}.servicebus.windows.net`;
      out.push(new NamespaceNode(this, this.ctx, this.subscriptionId, rg, ns.name ?? '', host));
    }
    return out.length ? out : [new InfoNode(`${this.id}/empty`, this, 'No Event Hubs namespaces in this subscription')];
  }
}

/** Children of the "Event Hubs" group for the active profile. */
export async function eventHubsChildren(group: TreeNode, ctx: TreeContext, signal: AbortSignal): Promise<TreeNode[]> {
  const declared = ctx.manifest.eventHubs ?? [];
  if (ctx.profile.kind === 'local') {
    const ready = await ctx.local();
    const body = await controlJson<{ eventHubs: LocalHubInfo[] }>(ctx, ready.control, '/api/eventhubs', {}, signal);
    const location: HubLocation = { kind: 'local', connectionString: ready.eventHubs.connectionString, control: ready.control };
    const hubs = body.eventHubs.map((h) => new HubNode(group, ctx, location, h.name, h.partitionCount, h.consumerGroups));
    const missing = declared.filter((d) => !body.eventHubs.some((h) => h.name === d.name));
    return [
      ...hubs,
      ...missing.map((d) => new InfoNode(`${group.id}/missing:${d.name}`, group, d.name, 'warning', 'declared in eventline.json, not in the local pipeline', undefined, 'missingHub')),
    ];
  }
  const out: TreeNode[] = [];
  // Hubs named in the manifest with a namespace host are shown directly, without Resource Manager.
  for (const d of declared) {
    const ns = d.namespace ?? ctx.profile.profile.eventHubsNamespace;
    if (ns && !ns.startsWith('/subscriptions/')) out.push(new HubNode(group, ctx, { kind: 'azure', host: ns.includes('.') ? ns : `${ns}.servicebus.windows.net` }, d.name, d.partitions, d.consumerGroups));
  }
  const subs = await subscriptionClient(ctx.credential(), ctx.cloud);
  const wanted = ctx.profile.profile.subscriptionId;
  for await (const s of subs.subscriptions.list({ abortSignal: signal })) {
    if (wanted && s.subscriptionId !== wanted) continue;
    out.push(new SubscriptionNode(group, ctx, s.subscriptionId ?? '', s.displayName ?? s.subscriptionId ?? ''));
  }
  return out;
}
