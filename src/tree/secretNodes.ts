// Rows of the "Secrets" group (#19): the active profile's Key Vault secret names (never values) and the references
// eventline.json makes, with what each needs next (set it, recover or purge it).
import type * as vscode from 'vscode';
import type { SecretRef } from '../model/refs';
import type { SecretRow, SecretsModel } from '../model/secrets';
import type { ContextValue } from './contextValues';
import { item, RefNode, TreeNode } from './treeNode';

const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : undefined);

export class SecretNode extends RefNode<SecretRef> {
  constructor(parent: TreeNode, readonly row: SecretRow, private readonly vault: string) {
    super(`${parent.id}/secret:${row.ref.name}`, parent, row.ref);
  }
  treeItem(): vscode.TreeItem {
    const r = this.row;
    const used = r.referencedBy.length ? `used by ${r.referencedBy.join(', ')}` : 'not referenced by eventline.json';
    let state: string;
    let icon = 'key';
    let contextValue: ContextValue = 'secret';
    let command: vscode.Command | undefined;
    switch (r.state) {
      case 'set':
        state = `set${r.updatedOn ? ` ${day(r.updatedOn)}` : ''}`;
        break;
      case 'disabled':
        state = 'disabled: set a new version';
        icon = 'warning';
        contextValue = 'secret.disabled';
        break;
      case 'missing':
        state = 'missing: Set Secret';
        icon = 'warning';
        contextValue = 'secret.missing';
        command = { command: 'eventline.setSecret', title: 'Set Secret', arguments: [r.ref] };
        break;
      case 'unknown':
        state = 'state unknown: the local pipeline is not running';
        icon = 'key';
        break;
      case 'deleted':
        state = `deleted, recoverable${r.scheduledPurgeDate ? ` until ${day(r.scheduledPurgeDate)}` : ''}: Recover or Purge`;
        icon = 'trash';
        contextValue = 'secret.deleted';
        break;
    }
    const legacy = r.legacy ? ' · eventline.json still names it in VS Code SecretStorage (quick fix there)' : '';
    return item(r.ref.name, {
      id: this.id, icon, contextValue, command, description: `${state} · ${used}${legacy}`,
      tooltip: `Secret "${r.ref.name}" in ${this.vault}\n${state}\n${used}${legacy ? `\n${legacy.slice(3)}` : ''}`,
      color: r.state === 'missing' || r.state === 'deleted' ? 'list.warningForeground' : undefined,
    });
  }
}

class NoteNode extends TreeNode {
  constructor(parent: TreeNode, private readonly label: string) { super(`${parent.id}/empty`, parent); }
  treeItem(): vscode.TreeItem { return item(this.label, { id: this.id, icon: 'info', contextValue: 'placeholder', command: { command: 'eventline.setSecret', title: 'Set Secret' } }); }
}

/** Children of the "Secrets" group. */
export async function secretChildren(group: TreeNode, secrets: SecretsModel, signal: AbortSignal): Promise<TreeNode[]> {
  const { rows, vault } = await secrets.list(signal);
  return rows.length ? rows.map((r) => new SecretNode(group, r, vault)) : [new NoteNode(group, 'No secrets yet: Set Secret')];
}
