import * as vscode from 'vscode';
import { describeError, isNotSignedIn } from '../core/errors';
import { withTimeout } from '../azure/http';
import type { Manifest } from '../core/manifest';
import { outlineFromManifest, outlineFromProblems, type OutlineNode } from '../core/pipelineOutline';
import type { ResolvedProfile } from '../core/profiles';
import { Disposable } from '../common/disposable';
import type { AzureAuth } from '../auth/azureAuth';
import type { LocalPipeline, LocalReady } from '../localPipeline/localPipeline';
import type { ManifestStore } from '../manifest/manifestStore';
import type { ProfileState } from '../manifest/profileState';
import { eventHubsChildren } from './eventHubsNodes';
import { eventhouseChildren } from './eventhouseNodes';
import { ErrorNode, item, SignInNode, TreeNode, type TreeContext } from './treeNode';

/** A row that comes from eventline.json alone. */
class OutlineTreeNode extends TreeNode {
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
      collapsible: !!n.children?.length, expanded: n.contextValue === 'manifestError' || n.id.startsWith('group/'),
    });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    return (this.outline.children ?? []).map((c) => new OutlineTreeNode(c, this, this.manifestUri));
  }
}

/** "Event Hubs" and "Eventhouse": discovered live for the active profile, with the manifest's rows as fallback. */
class LiveGroupNode extends TreeNode {
  constructor(private readonly outline: OutlineNode, private readonly ctx: TreeContext, private readonly load: (self: TreeNode, ctx: TreeContext, signal: AbortSignal) => Promise<TreeNode[]>, private readonly whatText: string) {
    super(outline.id, undefined);
  }
  override get what(): string { return this.whatText; }
  treeItem(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.outline.label, vscode.TreeItemCollapsibleState.Expanded);
    t.id = this.id;
    t.iconPath = new vscode.ThemeIcon(this.outline.icon);
    t.contextValue = this.outline.contextValue;
    t.description = this.ctx.profile.kind === 'local' ? 'local pipeline' : this.ctx.profile.name;
    return t;
  }
  override loadChildren(signal: AbortSignal): Promise<TreeNode[]> { return this.load(this, this.ctx, signal); }
}

export interface PipelineTreeDeps {
  manifests: ManifestStore;
  profiles: ProfileState;
  auth: AzureAuth;
  local: LocalPipeline;
  log: vscode.LogOutputChannel;
}

/**
 * The `eventline.pipeline` tree over the whole pipeline. Every level loads lazily (with the view's progress
 * bar), is cached until refreshed, and a failure becomes an error row with Retry instead of an exception.
 */
export class PipelineTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly cache = new Map<string, Promise<TreeNode[]>>();
  private readonly inflight = new Set<AbortController>();

  constructor(private readonly deps: PipelineTreeDeps) {
    super();
    this.register({ dispose: () => { for (const c of this.inflight) c.abort(); } });
    const reset = () => this.refresh();
    this.register(deps.manifests.onDidChange(reset));
    this.register(deps.profiles.onDidChange(reset));
    this.register(deps.auth.onDidChange(reset));
    this.register(deps.local.onDidChange(reset));
  }

  /** Forget cached children (of one node, or all) and redraw. */
  refresh(node?: TreeNode): void {
    if (!node) {
      // In-flight loads finish (VS Code may still be waiting on them); their results are just not cached.
      this.cache.clear();
    } else {
      for (const key of [...this.cache.keys()]) if (key === node.id || key.startsWith(`${node.id}/`)) this.cache.delete(key);
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
    }
    return children;
  }

  private async load(node: TreeNode): Promise<TreeNode[]> {
    const controller = new AbortController();
    this.inflight.add(controller);
    try {
      return await vscode.window.withProgress({ location: { viewId: 'eventline.pipeline' } },
        () => withTimeout(node.what, this.timeoutMs(), controller.signal, (signal) => node.loadChildren!(signal)));
    } catch (e) {
      if (isNotSignedIn(e)) return [new SignInNode(`${node.id}/signin`, node)];
      const message = describeError(e, node.what);
      this.deps.log.warn(`${message} (${e instanceof Error ? e.message : String(e)})`);
      return [new ErrorNode(`${node.id}/error`, node, message, /\b401\b/.test(message))];
    } finally {
      this.inflight.delete(controller);
    }
  }

  private timeoutMs(): number {
    return Math.max(1, vscode.workspace.getConfiguration('eventline').get<number>('requestTimeoutSeconds') ?? 30) * 1000;
  }

  private async roots(): Promise<TreeNode[]> {
    const state = await this.deps.manifests.load();
    if (state.kind !== 'loaded') return []; // the welcome view explains what to do
    if (!state.ok) return outlineFromProblems(state.problems).map((n) => new OutlineTreeNode(n, undefined, state.uri));
    const profile = this.deps.profiles.current()!;
    const ctx = this.context(state.manifest, profile, state.uri);
    return outlineFromManifest(state.manifest).map((n) => {
      if (n.label === 'Event Hubs') return new LiveGroupNode(n, ctx, eventHubsChildren, 'the Event Hubs');
      if (n.label === 'Eventhouse') return new LiveGroupNode(n, ctx, eventhouseChildren, 'the Eventhouse databases');
      return new OutlineTreeNode(n, undefined, state.uri);
    });
  }

  private context(manifest: Manifest, profile: ResolvedProfile, manifestUri: vscode.Uri): TreeContext {
    const { auth, local } = this.deps;
    return {
      manifest,
      profile,
      cloud: auth.cloud,
      credential: (tenantId) => auth.credential(tenantId ?? profile.profile.tenantId),
      token: (audience, signal) => auth.token(audience, signal),
      local: (): Promise<LocalReady> => {
        if (local.current) return Promise.resolve(local.current);
        if (vscode.workspace.getConfiguration('eventline.local').get<boolean>('autoStart') === false) {
          return Promise.reject(new Error('the local pipeline is not running. Run "Eventline: Start Local Pipeline".'));
        }
        return local.start(manifestUri.fsPath);
      },
      timeoutMs: this.timeoutMs(),
    };
  }
}
