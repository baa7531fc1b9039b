import * as vscode from 'vscode';
import { UserCancelledError } from '../core/errors';
import { registerCommand } from '../common/registerCommand';
import { HubNode, hubOfNode, hubTarget, PartitionNode } from '../tree/eventHubsNodes';
import type { PipelineTreeProvider } from '../tree/pipelineTree';
import { TreeNode } from '../tree/treeNode';
import type { TailRestoreState } from '../protocol/tailProtocol';
import type { StartPosition } from './tailSession';
import { TailPanel } from './tailPanel';

/** Arguments tests and other commands may pass instead of answering the prompts. */
export interface TailArgs { consumerGroup?: string; start?: StartPosition; startLabel?: string; partitions?: string[] }

const CREATE = '$(add) Create a dedicated consumer group…';

async function pickStart(): Promise<{ start: StartPosition; label: string }> {
  // ignoreFocusOut on every step of a tail, as on Send Test Event's: a panel or notification that takes focus
  // must not close the step and cancel the command without a word.
  const choice = await vscode.window.showQuickPick([
    { label: 'Latest', description: 'only events that arrive from now on', id: 'latest' },
    { label: 'Earliest', description: 'everything the hub retains', id: 'earliest' },
    { label: '15 minutes ago', id: '15m' },
    { label: 'An enqueued time…', description: 'a date, or "30 minutes ago"', id: 'time' },
    { label: 'A sequence number…', id: 'seq' },
    { label: 'An offset…', id: 'offset' },
  ], { title: 'Tail: start from', ignoreFocusOut: true });
  if (!choice) throw new UserCancelledError();
  switch (choice.id) {
    case 'latest': return { start: { kind: 'latest' }, label: 'latest' };
    case 'earliest': return { start: { kind: 'earliest' }, label: 'earliest' };
    case '15m': return { start: { kind: 'enqueuedTime', time: new Date(Date.now() - 15 * 60_000) }, label: '15 minutes ago' };
    case 'time': {
      const text = await vscode.window.showInputBox({ title: 'Start at enqueued time', ignoreFocusOut: true, prompt: 'An ISO date (2026-11-27T10:00:00Z) or "N minutes|hours ago"', validateInput: (v) => (parseWhen(v) ? undefined : 'Use an ISO date or "N minutes ago".') });
      const when = text ? parseWhen(text) : undefined;
      if (!when) throw new UserCancelledError();
      return { start: { kind: 'enqueuedTime', time: when }, label: when.toISOString() };
    }
    default: {
      const isSeq = choice.id === 'seq';
      const text = await vscode.window.showInputBox({ title: isSeq ? 'Start at sequence number' : 'Start at offset', ignoreFocusOut: true, validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'Enter a whole number.') });
      if (!text) throw new UserCancelledError();
      return isSeq ? { start: { kind: 'sequence', sequenceNumber: Number(text) }, label: `sequence ${text}` } : { start: { kind: 'offset', offset: text.trim() }, label: `offset ${text}` };
    }
  }
}

export function parseWhen(text: string): Date | undefined {
  const ago = /^\s*(\d+)\s*(second|minute|hour|day)s?\s+ago\s*$/i.exec(text);
  if (ago) {
    const unit = { second: 1e3, minute: 6e4, hour: 36e5, day: 864e5 }[ago[2].toLowerCase() as 'second'];
    return new Date(Date.now() - Number(ago[1]) * unit);
  }
  const d = new Date(text.trim());
  return text.trim() && !Number.isNaN(d.getTime()) ? d : undefined;
}

/** All partitions (Enter) or some of them; undefined means all, so new partitions are tailed too. */
async function pickPartitions(hub: HubNode): Promise<string[] | undefined> {
  const ids = await hub.partitionIds();
  if (ids.length <= 1) return undefined;
  const picked = await vscode.window.showQuickPick(ids.map((id) => ({ label: `Partition ${id}`, id, picked: true })), {
    title: `Tail ${hub.hub}: partitions`, placeHolder: 'Enter tails every partition; untick the ones to leave out', canPickMany: true, ignoreFocusOut: true,
  });
  if (!picked || picked.length === 0) throw new UserCancelledError();
  return picked.length === ids.length ? undefined : picked.map((p) => p.id);
}

async function pickConsumerGroup(hub: HubNode): Promise<string> {
  const groups = await hub.listConsumerGroups();
  const choice = await vscode.window.showQuickPick([...groups.filter((g) => g !== '$Default'), '$Default', CREATE].map((g) => ({ label: g, description: g === '$Default' ? 'shared with production readers' : undefined })), { title: `Tail ${hub.hub}: consumer group`, ignoreFocusOut: true });
  if (!choice) throw new UserCancelledError();
  if (choice.label === CREATE) {
    const name = await vscode.window.showInputBox({ title: 'New consumer group', value: 'eventline-tail', ignoreFocusOut: true });
    if (!name) throw new UserCancelledError();
    await hub.createConsumerGroup(name);
    return name;
  }
  if (choice.label === '$Default') {
    const ok = await vscode.window.showWarningMessage('Event Hubs allows 5 readers per consumer group; a tail on $Default can take a production reader\'s slot. A dedicated group (e.g. eventline-tail) is safer.', { modal: true }, 'Use $Default anyway');
    if (!ok) throw new UserCancelledError();
  }
  return choice.label;
}

/**
 * Every hub the Event Hubs group of the tree shows for the active profile: directly under the group (local
 * pipeline, hubs named in the manifest) or under subscriptions and namespaces (Resource Manager).
 */
async function listHubs(tree: PipelineTreeProvider): Promise<HubNode[]> {
  const group = (await tree.getChildren()).find((r) => r.id === 'group/Event Hubs');
  if (!group) throw new Error('Create or fix eventline.json first: the hubs to tail come from the Pipeline tree.');
  const hubs: HubNode[] = [];
  const walk = async (node: TreeNode): Promise<void> => {
    for (const child of await tree.getChildren(node)) {
      if (child instanceof HubNode) hubs.push(child);
      else if (['subscription', 'eventHubsNamespace'].includes(child.treeItem().contextValue ?? '')) await walk(child);
    }
  };
  await walk(group);
  return hubs;
}

export async function hubFromPalette(tree: PipelineTreeProvider, title = 'Tail Event Hub'): Promise<HubNode> {
  const hubs = await listHubs(tree);
  if (hubs.length === 0) throw new Error('No Event Hubs in the active profile. Check the Pipeline tree for errors.');
  // ignoreFocusOut, as on the steps after it: an open tail panel that takes focus back must not cancel the command.
  const choice = await vscode.window.showQuickPick(hubs.map((h) => ({ label: h.hub, description: h.location.kind === 'local' ? 'local pipeline' : h.location.host, hub: h })), { title, ignoreFocusOut: true });
  if (!choice) throw new UserCancelledError();
  return choice.hub;
}

/** "Eventline: Tail Event Hub": one panel per hub and consumer group. */
export class TailManager implements vscode.Disposable {
  readonly panels = new Map<string, TailPanel>();
  private readonly disposable: vscode.Disposable;

  constructor(private readonly extensionUri: vscode.Uri, tree: PipelineTreeProvider, private readonly log: vscode.LogOutputChannel) {
    const serializer = vscode.window.registerWebviewPanelSerializer('eventline.tail', { deserializeWebviewPanel: (panel, state) => this.restore(panel, state, tree) });
    this.disposable = vscode.Disposable.from(serializer, registerCommand('eventline.tailEventHub', log, async (node?: unknown, args: TailArgs = {}) => {
      const hub = hubOfNode(node) ?? await hubFromPalette(tree);
      const item = node instanceof TreeNode ? node.treeItem() : undefined;
      const groupFromNode = item?.contextValue === 'consumerGroup' && typeof item.label === 'string' ? item.label : undefined;
      const consumerGroup = args.consumerGroup ?? groupFromNode ?? await pickConsumerGroup(hub);
      const { start, label } = args.start ? { start: args.start, label: args.startLabel ?? args.start.kind } : await pickStart();
      // A partition node names its partition; tests and callers that pass a start position want all of them.
      const partitions = node instanceof PartitionNode ? [node.partitionId] : args.partitions ?? (args.start ? undefined : await pickPartitions(hub));
      return this.open(hub, consumerGroup, start, label, partitions);
    }));
  }

  open(hub: HubNode, consumerGroup: string, start: StartPosition, startLabel: string, partitions?: string[]): TailPanel {
    const key = `${hub.id}|${consumerGroup}|${partitions?.join(',') ?? '*'}`;
    const existing = this.panels.get(key);
    if (existing) { existing.panel.reveal(); return existing; }
    const title = `Tail: ${hub.hub}${partitions ? ` p${partitions.join(',')}` : ''}`;
    const webview = vscode.window.createWebviewPanel('eventline.tail', title, vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    const bufferSize = Math.max(100, vscode.workspace.getConfiguration('eventline.tail').get<number>('bufferSize') ?? 10000);
    const panel = new TailPanel(webview, this.extensionUri, { title: hub.hub, target: hubTarget(hub.ctx, hub.location, hub.hub), consumerGroup, start, startLabel, partitions }, bufferSize, this.log);
    this.panels.set(key, panel);
    webview.onDidDispose(() => this.panels.delete(key));
    return panel;
  }

  /** Brings a tail panel back after a window reload, from the hub name kept in the webview's state. */
  async restore(webview: vscode.WebviewPanel, state: unknown, tree: PipelineTreeProvider): Promise<void> {
    const s = state as Partial<TailRestoreState> | undefined;
    const hub = s?.hub ? (await listHubs(tree)).find((h) => h.hub === s.hub) : undefined;
    if (!hub || !s?.consumerGroup) {
      webview.dispose();
      void vscode.window.showWarningMessage(`The tail of "${s?.hub ?? 'an Event Hub'}" could not be restored: the hub is not in the active profile. Open it again with "Eventline: Tail Event Hub".`);
      return;
    }
    const key = `${hub.id}|${s.consumerGroup}|${s.partitions?.join(',') ?? '*'}`;
    const bufferSize = Math.max(100, vscode.workspace.getConfiguration('eventline.tail').get<number>('bufferSize') ?? 10000);
    const panel = new TailPanel(webview, this.extensionUri, { title: hub.hub, target: hubTarget(hub.ctx, hub.location, hub.hub), consumerGroup: s.consumerGroup, start: { kind: 'latest' }, startLabel: 'latest (restored)', partitions: s.partitions }, bufferSize, this.log);
    this.panels.set(key, panel);
    webview.onDidDispose(() => this.panels.delete(key));
  }

  dispose(): void {
    this.disposable.dispose();
    for (const p of this.panels.values()) p.panel.dispose();
  }
}
