import * as vscode from 'vscode';
import { outlineFromManifest, outlineFromProblems, type OutlineNode } from '../core/pipelineOutline';
import { Disposable } from '../common/disposable';
import type { ManifestStore } from '../manifest/manifestStore';

/** The `eventline.pipeline` tree: the manifest's outline now; live discovery plugs in under each group. */
export class PipelineTreeProvider extends Disposable implements vscode.TreeDataProvider<OutlineNode> {
  private readonly changed = this.register(new vscode.EventEmitter<OutlineNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly manifests: ManifestStore) {
    super();
    this.register(manifests.onDidChange(() => this.changed.fire(undefined)));
  }

  refresh(): void {
    void this.manifests.reload();
  }

  async getChildren(element?: OutlineNode): Promise<OutlineNode[]> {
    if (element) return element.children ?? [];
    const state = await this.manifests.load();
    if (state.kind !== 'loaded') return []; // the welcome view explains what to do
    return state.ok ? outlineFromManifest(state.manifest) : outlineFromProblems(state.problems);
  }

  getTreeItem(node: OutlineNode): vscode.TreeItem {
    const collapsible = node.children?.length
      ? (node.contextValue === 'manifestError' || node.id.startsWith('group/') ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed)
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip ?? (node.description ? `${node.label} — ${node.description}` : node.label);
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon, node.icon === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
    item.accessibilityInformation = { label: node.description ? `${node.label}, ${node.description}` : node.label };
    const uri = this.manifests.manifestUri();
    if (node.problem && uri) {
      const pos = new vscode.Position(node.problem.line - 1, node.problem.column - 1);
      item.command = { command: 'vscode.open', title: 'Go to problem', arguments: [uri, { selection: new vscode.Range(pos, pos) }] };
    }
    return item;
  }
}
