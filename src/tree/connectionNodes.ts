// Hub → table connections, shown under their hub and under their table. In a cloud profile a connection row
// expands to the Fabric Eventstream that carries it (found by name in the profile's workspace).
import * as vscode from 'vscode';
import type { PipelineModel } from '../model/pipelineModel';
import type { ConnectionRef } from '../model/refs';
import { EmptyNode, FolderNode, item, RefNode, TreeNode } from './treeNode';

export class ConnectionNode extends RefNode<ConnectionRef> {
  constructor(parent: TreeNode, private readonly model: PipelineModel, ref: ConnectionRef, private readonly side: 'hub' | 'table') {
    super(`${parent.id}/conn:${ref.name}`, parent, ref);
  }
  override get what(): string { return `the Fabric Eventstream of connection "${this.ref.name}"`; }
  private get cloud(): boolean { return this.model.snapshot()?.profile.kind === 'azure'; }
  treeItem(): vscode.TreeItem {
    const r = this.ref;
    const label = this.side === 'hub' ? `→ ${r.table}` : `← ${r.hub}`;
    const carrier = this.cloud ? `Eventstream ${this.model.fabric.planOf(r)?.name ?? '(not deployable: see eventline.json)'}` : 'local connector';
    return item(label, {
      id: this.id, icon: 'arrow-swap', contextValue: 'connection', collapsible: this.cloud, description: `${r.name} · ${carrier}`,
      tooltip: `Connection ${r.name}: hub ${r.hub} (consumer group ${r.consumerGroup ?? '$Default'}) → table ${r.table}\nCarried by the ${carrier}.`,
    });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const state = await this.model.fabric.eventstreamOf(this.ref, signal);
    if (!state.plan) return [new EmptyNode(this, 'No Eventstream: fix this connection in eventline.json')];
    if (!state.workspaceId) return [new EmptyNode(this, 'Set "fabricWorkspaceId" in the profile to find its Eventstream')];
    return [new EventstreamItemNode(this, state.plan.name, state.item?.id, state.url)];
  }
}

class EventstreamItemNode extends TreeNode {
  constructor(parent: TreeNode, private readonly name: string, private readonly itemId: string | undefined, private readonly url: string | undefined) {
    super(`${parent.id}/eventstream`, parent);
  }
  treeItem(): vscode.TreeItem {
    return item(`Eventstream ${this.name}`, {
      id: this.id, icon: this.itemId ? 'pass' : 'circle-large-outline', contextValue: 'eventstreamItem',
      description: this.itemId ? 'in Fabric' : 'not deployed: run "Deploy Eventstream"',
      tooltip: this.itemId ? `Fabric item ${this.itemId}\n${this.url ?? ''}` : `No Eventstream named ${this.name} in the workspace yet.`,
      command: this.url ? { command: 'vscode.open', title: 'Open in Fabric', arguments: [vscode.Uri.parse(this.url)] } : undefined,
    });
  }
}

/** A "Connections" folder under a hub or a table, when any connection names it. */
export function connectionsFolder(parent: TreeNode, model: PipelineModel, refs: ConnectionRef[], side: 'hub' | 'table'): TreeNode[] {
  if (!refs.length) return [];
  return [new FolderNode(`${parent.id}/connections`, parent, 'Connections', 'arrow-swap', (self) => Promise.resolve(refs.map((r) => new ConnectionNode(self, model, r, side))), 'the connections')];
}
