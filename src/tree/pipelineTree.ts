import * as vscode from 'vscode';
import { describeError, isNotSignedIn } from '../core/errors';
import { withTimeout } from '../azure/http';
import { emptyRow, manifestRows, outlineFromProblems, ROOT_GROUPS, type OutlineNode, type RootGroup } from '../core/pipelineOutline';
import { HEALTH_COLORS, HEALTH_ICONS, type Hop, type PipelineHealth } from '../core/pipelineHealth';
import { Disposable } from '../common/disposable';
import type { ManifestStore } from '../manifest/manifestStore';
import type { PipelineSnapshot } from '../model/host';
import type { PipelineModel } from '../model/pipelineModel';
import type { ContextValue } from './contextValues';
import { eventHubsChildren } from './eventHubsNodes';
import { eventhouseChildren } from './eventhouseNodes';
import { functionChildren, sourceChildren } from './functionNodes';
import { secretChildren } from './secretNodes';
import { alertChildren } from './alertNodes';
import { AlertsModel } from '../model/alerts';
import { ErrorNode, item, SignInNode, TreeNode, type LiveUpdate } from './treeNode';

/** A row that comes from eventline.json alone (a source, an alert, a secret reference, a manifest problem). */
class ManifestRowNode extends TreeNode {
  constructor(readonly outline: OutlineNode, parent: TreeNode | undefined, private readonly manifestUri: vscode.Uri | undefined) {
    super(outline.id, parent);
  }
  treeItem(): vscode.TreeItem {
    const n = this.outline;
    let command: vscode.Command | undefined;
    if (n.problem && this.manifestUri) {
      const pos = new vscode.Position(n.problem.line - 1, n.problem.column - 1);
      command = { command: 'vscode.open', title: 'Go to problem', arguments: [this.manifestUri, { selection: new vscode.Range(pos, pos) }] };
    }
    return item(n.label, {
      id: n.id, icon: n.icon, description: n.description, tooltip: n.tooltip, contextValue: n.contextValue, command,
      color: n.icon === 'error' ? 'errorForeground' : undefined,
      collapsible: !!n.children?.length, expanded: n.contextValue === 'manifestError',
    });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    return (this.outline.children ?? []).map((c) => new ManifestRowNode(c, this, this.manifestUri));
  }
}

const GROUP_ICONS: Record<RootGroup, string> = {
  'Sources': 'cloud-download', 'Ingest function': 'symbol-method', 'Event Hubs': 'radio-tower',
  'Eventhouse': 'database', 'Alerts': 'bell', 'Secrets': 'key',
};

/** A root group: its rows come from the manifest, or (Event Hubs, Eventhouse) are discovered live for the profile. */
class GroupNode extends TreeNode {
  constructor(readonly group: RootGroup, private readonly description: string | undefined, private readonly load: (self: GroupNode, signal: AbortSignal) => Promise<TreeNode[]>, private readonly whatText: string) {
    super(`group/${group}`, undefined);
  }
  override get what(): string { return this.whatText; }
  /** Set by the provider from the latest health poll (local profile): the row's icon and description show it. */
  health: PipelineHealth | undefined;
  treeItem(): vscode.TreeItem {
    const contextValue = `group.${this.group.replace(/\s+/g, '').toLowerCase()}` as ContextValue;
    const hop = this.health?.hops[this.group as Hop];
    const description = hop ? [this.description, hop.description].filter(Boolean).join(' · ') : this.description;
    const t = item(this.group, { id: this.id, icon: hop ? HEALTH_ICONS[hop.level] : GROUP_ICONS[this.group], color: hop ? HEALTH_COLORS[hop.level] : undefined, contextValue, description, collapsible: true, expanded: true });
    if (hop) t.tooltip = `${this.group} — ${hop.level}: ${hop.description}`;
    return t;
  }
  override loadChildren(signal: AbortSignal): Promise<TreeNode[]> { return this.load(this, signal); }
}

/**
 * The `eventline.pipeline` tree: renders the pipeline model. Every level loads lazily (with the view's progress
 * bar), is cached until refreshed, and a failure becomes an error row with Retry instead of an exception.
 */
export class PipelineTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly cache = new Map<string, Promise<TreeNode[]>>();
  private readonly inflight = new Set<AbortController>();
  /** The root groups as last shown, so a change in one part of the model redraws only its group. */
  private readonly groups = new Map<RootGroup, GroupNode>();
  /** Loaded folders with live rows (partitions, tables, connections), refreshed by refreshLive(). */
  private readonly liveFolders = new Map<string, TreeNode>();
  /** Rows the user collapsed in the view: their live rows are not refreshed until expanded again. */
  private readonly collapsed = new Set<string>();

  constructor(private readonly model: PipelineModel, private readonly manifests: ManifestStore, private readonly log: vscode.LogOutputChannel) {
    super();
    this.register({ dispose: () => { for (const c of this.inflight) c.abort(); } });
    this.register(model.functions.onDidChange(() => this.refreshGroups('Ingest function', 'Sources')));
    this.register(model.secrets.onDidChange(() => this.refreshGroups('Secrets')));
  }

  private health: PipelineHealth | undefined;

  /** Shows new per-hop health on the group rows; their children stay cached (only the rows whose hop changed redraw). */
  setHealth(health: PipelineHealth | undefined): void {
    this.health = this.model.snapshot()?.profile.kind === 'local' ? health : undefined;
    for (const [group, node] of this.groups) {
      const before = JSON.stringify(node.health?.hops[group as Hop]);
      node.health = this.health;
      if (JSON.stringify(node.health?.hops[group as Hop]) !== before) this.changed.fire(node);
    }
  }

  /** Follows what the user collapses and expands in `view`, so hidden live rows are left alone. */
  watch(view: vscode.TreeView<TreeNode>): vscode.Disposable {
    return vscode.Disposable.from(
      view.onDidCollapseElement((e) => this.collapsed.add(e.element.id)),
      view.onDidExpandElement((e) => this.collapsed.delete(e.element.id)),
    );
  }

  /**
   * Reads the live rows of every loaded, expanded folder again and redraws only the rows whose text changed (a
   * folder whose rows came or went reloads). Called by the health poll while the view is visible and the local
   * pipeline runs; a folder that fails to read keeps its rows as they were (the next poll tries again).
   */
  async refreshLive(signal: AbortSignal): Promise<void> {
    const shown = (node: TreeNode | undefined): boolean => !node || (!this.collapsed.has(node.id) && shown(node.parent));
    await Promise.all([...this.liveFolders].map(async ([id, folder]) => {
      const cached = this.cache.get(id);
      if (!cached) { this.liveFolders.delete(id); return; }
      if (!shown(folder)) return;
      const children = await cached;
      if (children.some((c) => c instanceof ErrorNode || c instanceof SignInNode)) return; // Retry is the user's
      let update: LiveUpdate;
      try {
        update = await folder.refreshLive!(children, signal);
      } catch {
        return;
      }
      // A refresh meanwhile replaced these rows: they are not on screen any more.
      if (signal.aborted || this.cache.get(id) !== cached) return;
      if (update === 'reload') this.refresh(folder);
      else for (const row of update) this.changed.fire(row);
    }));
  }

  /** Redraws root groups (after a run, a secret change): their rows reload from the model. */
  refreshGroups(...groups: RootGroup[]): void {
    for (const g of groups) {
      const node = this.groups.get(g);
      if (node) this.refresh(node);
    }
  }

  /** Forget cached children (of one node, or all) and redraw. */
  refresh(node?: TreeNode): void {
    if (!node) {
      // In-flight loads finish (VS Code may still be waiting on them); their results are just not cached.
      this.cache.clear();
      this.liveFolders.clear();
    } else {
      for (const key of [...this.cache.keys()]) if (key === node.id || key.startsWith(`${node.id}/`)) this.cache.delete(key);
      for (const key of [...this.liveFolders.keys()]) if (key === node.id || key.startsWith(`${node.id}/`)) this.liveFolders.delete(key);
    }
    this.changed.fire(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.treeItem();
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.roots();
    if (!node.loadChildren) return [];
    let children = this.cache.get(node.id);
    if (!children) {
      children = this.load(node);
      this.cache.set(node.id, children);
      if (node.refreshLive) this.liveFolders.set(node.id, node);
    }
    return children;
  }

  private async load(node: TreeNode): Promise<TreeNode[]> {
    const controller = new AbortController();
    this.inflight.add(controller);
    try {
      return await vscode.window.withProgress({ location: { viewId: 'eventline.pipeline' } },
        () => withTimeout(node.what, this.model.host.timeoutMs(), controller.signal, (signal) => node.loadChildren!(signal)));
    } catch (e) {
      if (isNotSignedIn(e)) return [new SignInNode(`${node.id}/signin`, node)];
      const message = describeError(e, node.what);
      this.log.warn(`${message} (${e instanceof Error ? e.message : String(e)})`);
      return [new ErrorNode(`${node.id}/error`, node, message, /\b401\b/.test(message))];
    } finally {
      this.inflight.delete(controller);
    }
  }

  private async roots(): Promise<TreeNode[]> {
    const state = await this.manifests.load();
    if (state.kind !== 'loaded') return []; // the welcome view explains what to do
    const uri = state.uri;
    if (!state.ok) return outlineFromProblems(state.problems).map((n) => new ManifestRowNode(n, undefined, uri));
    const snapshot = this.model.snapshot();
    if (!snapshot) return [];
    const where = snapshot.profile.kind === 'local' ? 'local pipeline' : snapshot.profile.name;
    this.groups.clear();
    return ROOT_GROUPS.map((group) => {
      const node = this.group(group, where, snapshot, uri);
      // Health is the local pipeline's: a cloud profile's rows never show a stale local poll.
      node.health = snapshot.profile.kind === 'local' ? this.health : undefined;
      this.groups.set(group, node);
      return node;
    });
  }

  private group(group: RootGroup, where: string, snapshot: PipelineSnapshot, uri: vscode.Uri): GroupNode {
    switch (group) {
      case 'Event Hubs':
        return new GroupNode(group, where, (self, signal) => eventHubsChildren(self, this.model.eventHubs, signal, this.model), 'the Event Hubs');
      case 'Eventhouse':
        return new GroupNode(group, where, (self, signal) => eventhouseChildren(self, this.model.eventhouse, signal, this.model), 'the Eventhouse databases');
      // #19: live rows from the model (the local runner's state, the profile's Key Vault).
      case 'Sources':
        return new GroupNode(group, undefined, (self, signal) => sourceChildren(self, this.model.functions, signal), 'the sources');
      case 'Ingest function':
        return new GroupNode(group, undefined, (self, signal) => functionChildren(self, this.model.functions, this.model.functionApps, signal), 'the ingest functions');
      case 'Secrets':
        return new GroupNode(group, snapshot.profile.kind === 'local' ? 'local Key Vault' : snapshot.profile.name, (self, signal) => secretChildren(self, this.model.secrets, signal), 'the secrets');
      // #22: each rule with its state from the local alert runner.
      case 'Alerts':
        return new GroupNode(group, snapshot.profile.kind === 'local' ? where : undefined, (self, signal) => alertChildren(self, new AlertsModel(this.model.host), signal), 'the alerts');
      default:
        return new GroupNode(group, undefined, async (self) => {
          const rows = manifestRows(snapshot.manifest, group);
          return (rows.length ? rows : [emptyRow(group)]).map((r) => new ManifestRowNode(r, self, uri));
        }, `the ${String(group).toLowerCase()}`);
    }
  }
}
