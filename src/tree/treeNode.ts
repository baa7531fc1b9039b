import * as vscode from 'vscode';
import type { HasRef, PipelineRef } from '../model/refs';
import type { ContextValue } from './contextValues';

/**
 * A row of the Eventline tree. Rows hold references into the pipeline model, never clients: what a row does is
 * done by the model. Children load lazily and are cached by the provider until refreshed.
 */
export abstract class TreeNode {
  constructor(readonly id: string, readonly parent: TreeNode | undefined) {}
  abstract treeItem(): vscode.TreeItem;
  /** Undefined for leaves. Throwing is fine: the provider turns it into an error row with Retry. */
  loadChildren?(signal: AbortSignal): Promise<TreeNode[]>;
  /** What a failure to load this node's children is about, for the error row ("the Event Hubs namespaces"). */
  get what(): string { return 'this item'; }
  /**
   * Only on folders whose rows show live numbers (partitions, row counts, connector state): reads them again and
   * updates the loaded rows in place. The provider calls it from the health poll while the view is visible.
   */
  refreshLive?(children: readonly TreeNode[], signal: AbortSignal): Promise<LiveUpdate>;
}

/** A live refresh's outcome: the rows whose text changed (redrawn alone), or 'reload' when rows came or went. */
export type LiveUpdate = readonly TreeNode[] | 'reload';

/** A row whose text follows a live value: update() takes the new value and says whether the row's text changed. */
export interface LiveRow<T> { update(value: T): boolean }

function isLiveRow<T>(n: TreeNode): n is TreeNode & LiveRow<T> {
  return typeof (n as Partial<LiveRow<T>>).update === 'function';
}

/** Matches freshly read values to the loaded rows by id and updates them; a different set of rows means 'reload'. */
export function updateRows<T>(children: readonly TreeNode[], values: readonly T[], idOf: (v: T, i: number) => string): LiveUpdate {
  const rows = new Map(children.filter((c) => isLiveRow<T>(c)).map((c) => [c.id, c]));
  const ids = values.map(idOf);
  if (rows.size !== values.length || ids.some((id) => !rows.has(id))) return 'reload';
  return ids.map((id) => rows.get(id)!).filter((row, i) => row.update(values[i]));
}

/** A row that stands for a resource of the pipeline: commands run on its reference. */
export abstract class RefNode<R extends PipelineRef = PipelineRef> extends TreeNode implements HasRef {
  constructor(id: string, parent: TreeNode | undefined, readonly ref: R) { super(id, parent); }
}

export interface ItemOptions {
  id: string;
  icon: string;
  contextValue: ContextValue;
  description?: string;
  tooltip?: string;
  collapsible?: boolean;
  expanded?: boolean;
  command?: vscode.Command;
  color?: string;
}

export function item(label: string, opts: ItemOptions): vscode.TreeItem {
  const state = opts.collapsible ? (opts.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None;
  const t = new vscode.TreeItem(label, state);
  t.id = opts.id;
  t.description = opts.description;
  t.tooltip = opts.tooltip ?? (opts.description ? `${label} — ${opts.description}` : label);
  t.contextValue = opts.contextValue;
  t.iconPath = new vscode.ThemeIcon(opts.icon, opts.color ? new vscode.ThemeColor(opts.color) : undefined);
  t.command = opts.command;
  t.accessibilityInformation = { label: opts.description ? `${label}, ${opts.description}` : label };
  return t;
}

/** "No tables yet", "No Event Hubs in this namespace": a level that loaded and has nothing. */
export class EmptyNode extends TreeNode {
  constructor(parent: TreeNode, private readonly message: string) { super(`${parent.id}/empty`, parent); }
  treeItem(): vscode.TreeItem { return item(this.message, { id: this.id, icon: 'info', contextValue: 'empty' }); }
}

/** Shown instead of a failed level: the message, with Retry (inline and on click) and, when useful, Sign In. */
export class ErrorNode extends TreeNode {
  constructor(id: string, readonly retryTarget: TreeNode, readonly message: string, readonly needsSignIn: boolean) {
    super(id, retryTarget);
  }
  treeItem(): vscode.TreeItem {
    return item(this.message, {
      id: this.id, icon: 'error', color: 'errorForeground', tooltip: `${this.message}\nClick to retry.`,
      contextValue: this.needsSignIn ? 'error.signIn' : 'error',
      command: { command: 'eventline.retry', title: 'Retry', arguments: [this.retryTarget] },
    });
  }
}

export class SignInNode extends TreeNode {
  treeItem(): vscode.TreeItem {
    return item('Sign in to Microsoft to see Azure and Fabric resources', { id: this.id, icon: 'sign-in', contextValue: 'signIn', command: { command: 'eventline.signIn', title: 'Sign In' } });
  }
}

/** A fixed folder row (e.g. "Partitions") whose children come from a loader, and whose live rows `live` updates. */
export class FolderNode extends TreeNode {
  constructor(id: string, parent: TreeNode | undefined, private readonly label: string, private readonly icon: string, private readonly load: (self: FolderNode, signal: AbortSignal) => Promise<TreeNode[]>, private readonly whatText: string, private readonly contextValue: ContextValue = 'folder', private readonly description?: string, live?: (self: FolderNode, children: readonly TreeNode[], signal: AbortSignal) => Promise<LiveUpdate>) {
    super(id, parent);
    if (live) this.refreshLive = (children, signal) => live(this, children, signal);
  }
  override get what(): string { return this.whatText; }
  treeItem(): vscode.TreeItem {
    return item(this.label, { id: this.id, icon: this.icon, collapsible: true, contextValue: this.contextValue, description: this.description });
  }
  override loadChildren(signal: AbortSignal): Promise<TreeNode[]> { return this.load(this, signal); }
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
