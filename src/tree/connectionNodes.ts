// Hub → table connections, shown under their hub and under their table. In a cloud profile a connection row
// expands to the Fabric Eventstream that carries it (found by name in the profile's workspace).
import * as vscode from 'vscode';
import type { PipelineModel } from '../model/pipelineModel';
import type { LocalConnectionState } from '../model/localConnections';
import type { ConnectionRef } from '../model/refs';
import { EmptyNode, FolderNode, item, RefNode, TreeNode, updateRows, type LiveRow } from './treeNode';

export class ConnectionNode extends RefNode<ConnectionRef> implements LiveRow<LocalConnectionState | undefined> {
  constructor(parent: TreeNode, private readonly model: PipelineModel, ref: ConnectionRef, private readonly side: 'hub' | 'table', private local?: LocalConnectionState) {
    super(`${parent.id}/conn:${ref.name}`, parent, ref);
  }
  update(local: LocalConnectionState | undefined): boolean {
    const before = this.treeItem();
    this.local = local;
    const after = this.treeItem();
    return after.description !== before.description || (after.iconPath as vscode.ThemeIcon).id !== (before.iconPath as vscode.ThemeIcon).id;
  }
  override get what(): string { return `the Fabric Eventstream of connection "${this.ref.name}"`; }
  private get cloud(): boolean { return this.model.snapshot()?.profile.kind === 'azure'; }
  treeItem(): vscode.TreeItem {
    const r = this.ref;
    const label = this.side === 'hub' ? `→ ${r.table}` : `← ${r.hub}`;
    const carrier = this.cloud ? `Eventstream ${this.model.fabric.planOf(r)?.name ?? '(not deployable: see eventline.json)'}` : 'local connector';
    const state = this.local?.summary;
    const failing = this.local?.status?.state === 'error' || (!this.cloud && this.local !== undefined && !this.local.status);
    return item(label, {
      id: this.id, icon: failing ? 'warning' : 'arrow-swap', contextValue: 'connection', collapsible: this.cloud,
      description: state ? `${r.name} · ${state}` : `${r.name} · ${carrier}`,
      tooltip: `Connection ${r.name}: hub ${r.hub} (consumer group ${r.consumerGroup ?? '$Default'}) → table ${r.table}\nCarried by the ${carrier}.${state ? `\n${state}` : ''}`,
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
  return [new FolderNode(`${parent.id}/connections`, parent, 'Connections', 'arrow-swap', async (self, signal) => {
    const local = model.snapshot()?.profile.kind === 'local' ? await localStates(model, signal) : undefined;
    return refs.map((r) => new ConnectionNode(self, model, r, side, local?.get(r.name.toLowerCase())));
  }, 'the connections', undefined, undefined, async (_self, children, signal) => {
    if (model.snapshot()?.profile.kind !== 'local') return [];
    const states = new Map((await model.connectionStatus(signal)).map((s) => [s.ref.name.toLowerCase(), s]));
    const rows = children.filter((c): c is ConnectionNode => c instanceof ConnectionNode);
    // Rows are one per ref and never come or go here (the manifest's changes reload the whole tree).
    return updateRows(rows, rows.map((r) => states.get(r.ref.name.toLowerCase())), (_, i) => rows[i].id);
  })];
}

/**
 * What the local connector reports for each connection. A connection added to eventline.json after the pipeline
 * started is not running yet: the manifest is the source of truth, so the connector is brought in line with it
 * (PUT, no restart) before the rows show. A status that cannot be read becomes the rows' text, not a failed folder.
 */
async function localStates(model: PipelineModel, signal: AbortSignal): Promise<Map<string, LocalConnectionState>> {
  const byName = (states: LocalConnectionState[]) => new Map(states.map((s) => [s.ref.name.toLowerCase(), s]));
  try {
    let states = await model.connectionStatus(signal);
    if (states.some((s) => !s.status)) {
      await model.localConnections.sync(signal);
      states = await model.connectionStatus(signal);
    }
    return byName(states);
  } catch (e) {
    if (signal.aborted) throw e;
    const summary = `status unavailable: ${e instanceof Error ? e.message : String(e)}`;
    return byName(model.connections().map((ref) => ({ ref, summary })));
  }
}
