import type * as vscode from 'vscode';
import { alertRowView } from '../core/alerts/alertStatus';
import type { AlertRow, AlertsModel } from '../model/alerts';
import type { AlertRef } from '../model/refs';
import { EmptyNode, item, RefNode, type TreeNode } from './treeNode';

/** One alert rule: its live state from the local runner (or the manifest's flags), with Evaluate, Edit, Mute. */
export class AlertNode extends RefNode<AlertRef> {
  constructor(parent: TreeNode, readonly row: AlertRow) { super(`alert/${row.ref.name}`, parent, row.ref); }
  treeItem(): vscode.TreeItem {
    const v = alertRowView(this.row.alert, this.row.live, Date.now(), this.row.problem);
    return item(this.row.ref.name, {
      id: this.id, icon: v.icon, color: v.color, description: v.description, tooltip: v.tooltip, contextValue: v.contextValue,
      command: { command: 'eventline.editAlert', title: 'Edit Alert', arguments: [this] },
    });
  }
}

export async function alertChildren(parent: TreeNode, alerts: AlertsModel, signal: AbortSignal): Promise<TreeNode[]> {
  const rows = await alerts.rows(signal);
  return rows.length ? rows.map((r) => new AlertNode(parent, r)) : [new EmptyNode(parent, 'No alerts yet: run "Eventline: New Alert"')];
}
