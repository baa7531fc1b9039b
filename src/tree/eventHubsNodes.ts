import type * as vscode from 'vscode';
import { DEFAULT_CONSUMER_GROUP } from '../core/eventHubsNames';
import type { EventHubsModel, PartitionState } from '../model/eventHubs';
import type { PipelineModel } from '../model/pipelineModel';
import { describeHubLocation, type ConsumerGroupRef, type HubRef, type NamespaceRef, type PartitionRef, type SubscriptionRef } from '../model/refs';
import { connectionsFolder } from './connectionNodes';
import { EmptyNode, FolderNode, item, RefNode, TreeNode, updateRows, type LiveRow } from './treeNode';

/** An Event Hub: its partitions with live sequence numbers, and its consumer groups. */
export class HubNode extends RefNode<HubRef> {
  constructor(parent: TreeNode, private readonly hubs: EventHubsModel, ref: HubRef, private readonly model?: PipelineModel) {
    super(`${parent.id}/hub:${ref.name}`, parent, ref);
  }
  override get what(): string { return `Event Hub "${this.ref.name}"`; }
  treeItem(): vscode.TreeItem {
    const where = describeHubLocation(this.ref);
    return item(this.ref.name, {
      id: this.id, icon: 'symbol-event', collapsible: true, contextValue: 'eventHub',
      description: this.ref.partitionCount !== undefined ? `${this.ref.partitionCount} partitions` : where,
      tooltip: `Event Hub ${this.ref.name} (${where === 'local pipeline' ? 'local' : where})`,
    });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    const hub = this.ref;
    return [
      new FolderNode(`${this.id}/partitions`, this, 'Partitions', 'list-ordered', async (self, signal) => {
        const parts = await this.hubs.partitions(hub, signal);
        return parts.map((p) => new PartitionNode(self, p));
      }, `the partitions of "${hub.name}"`, 'partitions', undefined,
      async (self, children, signal) => updateRows(children, await this.hubs.partitions(hub, signal), (p) => PartitionNode.idOf(self, p))),
      new FolderNode(`${this.id}/groups`, this, 'Consumer groups', 'organization', async (self, signal) => {
        const groups = await this.hubs.consumerGroups(hub, signal);
        return groups.map((g) => new ConsumerGroupNode(self, g));
      }, `the consumer groups of "${hub.name}"`, 'consumerGroups'),
      ...(this.model ? connectionsFolder(this, this.model, this.model.connectionsOfHub(hub), 'hub') : []),
    ];
  }
}

function utc(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export class PartitionNode extends RefNode<PartitionRef> implements LiveRow<PartitionState> {
  static idOf(parent: TreeNode, state: PartitionState): string { return `${parent.id}/p:${state.ref.partitionId}`; }
  constructor(parent: TreeNode, private state: PartitionState) {
    super(PartitionNode.idOf(parent, state), parent, state.ref);
  }
  private get description(): string {
    const p = this.state;
    return p.isEmpty || !p.lastEnqueuedOnUtc ? 'empty' : `last #${p.lastEnqueuedSequenceNumber} · ${utc(p.lastEnqueuedOnUtc)}`;
  }
  update(state: PartitionState): boolean {
    const before = this.description;
    this.state = state;
    return this.description !== before;
  }
  treeItem(): vscode.TreeItem {
    const p = this.state;
    const description = this.description;
    const tooltip = [
      `Partition ${p.ref.partitionId}`,
      `first sequence number ${p.beginningSequenceNumber}`,
      `last sequence number ${p.lastEnqueuedSequenceNumber}`,
      `last offset ${p.lastEnqueuedOffset}`,
      `last enqueued ${p.isEmpty || !p.lastEnqueuedOnUtc ? '—' : p.lastEnqueuedOnUtc.toISOString()}`,
    ].join('\n');
    return item(`Partition ${p.ref.partitionId}`, { id: this.id, icon: 'symbol-number', description, tooltip, contextValue: 'partition' });
  }
}

export class ConsumerGroupNode extends RefNode<ConsumerGroupRef> {
  constructor(parent: TreeNode, ref: ConsumerGroupRef) {
    super(`${parent.id}/cg:${ref.name}`, parent, ref);
  }
  treeItem(): vscode.TreeItem {
    const shared = this.ref.name === DEFAULT_CONSUMER_GROUP ? 'shared with production readers' : undefined;
    return item(this.ref.name, { id: this.id, icon: 'organization', description: shared, contextValue: 'consumerGroup' });
  }
}

/** A hub eventline.json declares that the local pipeline does not have. */
export class MissingHubNode extends TreeNode {
  constructor(parent: TreeNode, private readonly name: string) { super(`${parent.id}/missing:${name}`, parent); }
  treeItem(): vscode.TreeItem {
    return item(this.name, { id: this.id, icon: 'warning', description: 'declared in eventline.json, not in the local pipeline', contextValue: 'missingHub' });
  }
}

/** An Azure Event Hubs namespace (from Resource Manager): its hubs, one request per page. */
export class NamespaceNode extends RefNode<NamespaceRef> {
  constructor(parent: TreeNode, private readonly hubs: EventHubsModel, ref: NamespaceRef, private readonly model?: PipelineModel) {
    super(`${parent.id}/ns:${ref.name}`, parent, ref);
  }
  override get what(): string { return `the hubs of namespace "${this.ref.name}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.ref.name, { id: this.id, icon: 'server-environment', collapsible: true, contextValue: 'eventHubsNamespace', description: this.ref.resourceGroup, tooltip: `${this.ref.host}\nresource group ${this.ref.resourceGroup}` });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const hubs = await this.hubs.hubsIn(this.ref, signal);
    return hubs.length ? hubs.map((h) => new HubNode(this, this.hubs, h, this.model)) : [new EmptyNode(this, 'No Event Hubs in this namespace')];
  }
}

export class SubscriptionNode extends RefNode<SubscriptionRef> {
  constructor(parent: TreeNode, private readonly hubs: EventHubsModel, ref: SubscriptionRef, private readonly model?: PipelineModel) {
    super(`${parent.id}/sub:${ref.subscriptionId}`, parent, ref);
  }
  override get what(): string { return `the Event Hubs namespaces of subscription "${this.ref.displayName}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.ref.displayName, { id: this.id, icon: 'azure', collapsible: true, contextValue: 'subscription', description: this.ref.subscriptionId });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const namespaces = await this.hubs.namespaces(this.ref, signal);
    return namespaces.length ? namespaces.map((ns) => new NamespaceNode(this, this.hubs, ns, this.model)) : [new EmptyNode(this, 'No Event Hubs namespaces in this subscription')];
  }
}

/** Children of the "Event Hubs" group for the active profile. */
export async function eventHubsChildren(group: TreeNode, hubs: EventHubsModel, signal: AbortSignal, model?: PipelineModel): Promise<TreeNode[]> {
  const overview = await hubs.overview(signal);
  return [
    ...overview.hubs.map((h) => new HubNode(group, hubs, h, model)),
    ...overview.missing.map((name) => new MissingHubNode(group, name)),
    ...overview.subscriptions.map((s) => new SubscriptionNode(group, hubs, s, model)),
  ];
}
