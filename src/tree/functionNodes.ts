import type * as vscode from 'vscode';
import { ago, interpretDeployment } from '../core/deploy/deployment';
import type { FunctionEntry } from '../core/deploy/settings';
import { PLAN_LABEL } from '../core/deploy/site';
import type { FunctionAppsModel } from '../model/functionApps';
import type { FunctionRef } from '../model/refs';
import { item, RefNode, TreeNode } from './treeNode';

/** A row that only tells something (the app's last deployment, the function's state in Azure). */
class InfoNode extends TreeNode {
  constructor(parent: TreeNode, key: string, private readonly label: string, private readonly description: string, private readonly icon: string, private readonly tooltip?: string) {
    super(`${parent.id}/${key}`, parent);
  }
  treeItem(): vscode.TreeItem {
    return item(this.label, { id: this.id, icon: this.icon, description: this.description, tooltip: this.tooltip, contextValue: 'functionInfo' });
  }
}

/** The Function App the function is deployed to (Show Function Logs, Open in Portal). */
class FunctionAppNode extends RefNode<FunctionRef> {
  constructor(parent: TreeNode, ref: FunctionRef, private readonly appName: string, private readonly description: string, private readonly tooltip: string) {
    super(`${parent.id}/app`, parent, ref);
  }
  treeItem(): vscode.TreeItem {
    return item(`Azure: ${this.appName}`, { id: this.id, icon: 'azure', description: this.description, tooltip: this.tooltip, contextValue: 'functionApp' });
  }
}

/** An ingest function of the manifest; in a cloud profile its children say where and how it runs in Azure. */
export class IngestFunctionNode extends RefNode<FunctionRef> {
  constructor(parent: TreeNode, private readonly apps: FunctionAppsModel, private readonly entry: FunctionEntry, private readonly cloud: boolean) {
    super(`${parent.id}/fn:${entry.name}`, parent, { kind: 'function', name: entry.name });
  }
  override get what(): string { return `the Function App of "${this.entry.name}"`; }
  treeItem(): vscode.TreeItem {
    const e = this.entry;
    const description = [e.schedule, e.hub ? `→ ${e.hub}` : ''].filter(Boolean).join(' ');
    return item(e.name, {
      id: this.id, icon: 'symbol-method', description, contextValue: 'ingestFunction', collapsible: this.cloud, expanded: this.cloud,
      tooltip: `${e.name}: ${e.path}${e.source ? `, polls ${e.source}` : ''}${e.hub ? `, sends to ${e.hub}` : ''}`,
    });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const state = await this.apps.deployed(this.ref, signal);
    if (!state) return [new InfoNode(this, 'none', 'Not deployed to Azure yet', 'Deploy Ingest Function', 'cloud-upload')];
    const { app, lastDeployment: d, fn } = state;
    const rows: TreeNode[] = [new FunctionAppNode(this, this.ref, app.name, `${PLAN_LABEL[app.plan]} · ${app.state ?? 'unknown state'}`, `${app.name} (${app.resourceGroup}, ${app.location})\n${app.defaultHost}`)];
    if (d) {
      const when = ago(d.end_time ?? d.start_time ?? d.received_time);
      const verdict = interpretDeployment(d);
      rows.push(new InfoNode(this, 'deployment', 'Last deployment', [when, verdict.state, d.author ? `by ${d.author}` : ''].filter(Boolean).join(' · '), verdict.state === 'failed' ? 'error' : 'history', `${d.id ?? ''}\n${verdict.text}`));
    } else {
      rows.push(new InfoNode(this, 'deployment', 'Last deployment', 'none yet', 'history'));
    }
    rows.push(new InfoNode(this, 'state', 'In Azure', fn ? (fn.disabled ? 'disabled' : 'enabled') : 'not listed by the host', fn && !fn.disabled ? 'pass' : 'warning'));
    return rows;
  }
}

/** Children of the "Ingest function" group: the manifest's functions. */
export function ingestFunctionChildren(group: TreeNode, apps: FunctionAppsModel, entries: FunctionEntry[], cloud: boolean): TreeNode[] {
  return entries.map((e) => new IngestFunctionNode(group, apps, e, cloud));
}
