import type * as vscode from 'vscode';
import type { EventhouseModel, EventhouseRow, TableRow } from '../model/eventhouse';
import type { PipelineModel } from '../model/pipelineModel';
import type { DatabaseRef, FabricWorkspaceRef, TableRef } from '../model/refs';
import type { KustoColumn } from '../core/kustoNames';
import { connectionsFolder } from './connectionNodes';
import { EmptyNode, FolderNode, formatBytes, item, RefNode, TreeNode, updateRows, type LiveRow } from './treeNode';

export class DatabaseNode extends RefNode<DatabaseRef> {
  constructor(parent: TreeNode, private readonly eventhouse: EventhouseModel, ref: DatabaseRef, private readonly description?: string, private readonly model?: PipelineModel) {
    super(`${parent.id}/db:${ref.cluster}/${ref.database}`, parent, ref);
  }
  override get what(): string { return `database "${this.ref.database}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.ref.database, { id: this.id, icon: 'database', collapsible: true, contextValue: 'kqlDatabase', description: this.description ?? this.ref.cluster, tooltip: `${this.ref.database} on ${this.ref.cluster}` });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    const db = this.ref;
    return [
      new FolderNode(`${this.id}/tables`, this, 'Tables', 'table', async (self) => {
        const tables = await this.eventhouse.tables(db);
        return tables.length ? tables.map((t) => new TableNode(self, this.eventhouse, t, this.model)) : [new EmptyNode(self, 'No tables yet')];
      }, `the tables of "${db.database}"`, undefined, undefined,
      async (self, children, _signal) => updateRows(children, await this.eventhouse.tables(db), (t) => TableNode.idOf(self, t))),
      new FolderNode(`${this.id}/functions`, this, 'Functions', 'symbol-function', async (self) => {
        const fns = await this.eventhouse.functions(db);
        return fns.length ? fns.map((f) => new StoredFunctionNode(self, f.name, f.parameters)) : [new EmptyNode(self, 'No stored functions')];
      }, `the functions of "${db.database}"`),
    ];
  }
}

export class TableNode extends RefNode<TableRef> implements LiveRow<TableRow> {
  static idOf(parent: TreeNode, row: TableRow): string { return `${parent.id}/t:${row.ref.name}`; }
  private description: string;
  constructor(parent: TreeNode, private readonly eventhouse: EventhouseModel, row: TableRow, private readonly model?: PipelineModel) {
    super(TableNode.idOf(parent, row), parent, row.ref);
    this.description = TableNode.describe(row);
  }
  private static describe(row: TableRow): string {
    return [row.rowCount !== undefined ? `${row.rowCount.toLocaleString('en-US')} rows` : '', formatBytes(row.sizeBytes)].filter(Boolean).join(' · ');
  }
  update(row: TableRow): boolean {
    const before = this.description;
    this.description = TableNode.describe(row);
    return this.description !== before;
  }
  override get what(): string { return `the columns of "${this.ref.name}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.ref.name, { id: this.id, icon: 'table', collapsible: true, contextValue: 'kqlTable', description: this.description, tooltip: `${this.ref.name} (${this.ref.database.database})${this.description ? `\n${this.description}` : ''}` });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    const columns = (await this.eventhouse.columns(this.ref)).map((c) => new ColumnNode(this, c));
    const mappings = new FolderNode(`${this.id}/mappings`, this, 'Ingestion mappings', 'symbol-namespace', async (self) => {
      const ms = await this.eventhouse.mappings(this.ref);
      return ms.length ? ms.map((m) => new MappingNode(self, m.name, m.kind)) : [new EmptyNode(self, 'No ingestion mappings')];
    }, `the ingestion mappings of "${this.ref.name}"`);
    return [...columns, mappings, ...(this.model ? connectionsFolder(this, this.model, this.model.connectionsOfTable(this.ref), 'table') : [])];
  }
}

class ColumnNode extends TreeNode {
  constructor(parent: TreeNode, private readonly column: KustoColumn) { super(`${parent.id}/c:${column.name}`, parent); }
  treeItem(): vscode.TreeItem {
    return item(this.column.name, { id: this.id, icon: columnIcon(this.column.type), description: this.column.type, contextValue: 'kqlColumn' });
  }
}

class StoredFunctionNode extends TreeNode {
  constructor(parent: TreeNode, private readonly name: string, private readonly parameters: string) { super(`${parent.id}/fn:${name}`, parent); }
  treeItem(): vscode.TreeItem {
    return item(this.name, { id: this.id, icon: 'symbol-function', description: this.parameters, contextValue: 'kqlFunction' });
  }
}

class MappingNode extends TreeNode {
  constructor(parent: TreeNode, private readonly name: string, private readonly mappingKind: string) { super(`${parent.id}/m:${mappingKind}:${name}`, parent); }
  treeItem(): vscode.TreeItem {
    return item(this.name, { id: this.id, icon: 'symbol-namespace', description: this.mappingKind, contextValue: 'ingestionMapping' });
  }
}

function columnIcon(type: string): string {
  switch (type) {
    case 'datetime': case 'timespan': return 'calendar';
    case 'string': case 'guid': return 'symbol-string';
    case 'bool': return 'symbol-boolean';
    case 'dynamic': return 'json';
    default: return 'symbol-numeric';
  }
}

class EventhouseItemNode extends TreeNode {
  constructor(parent: TreeNode, private readonly eventhouse: EventhouseModel, private readonly row: EventhouseRow, private readonly model?: PipelineModel) {
    super(`${parent.id}/eh:${row.ref.itemId}`, parent);
  }
  override get what(): string { return `the KQL databases of Eventhouse "${this.row.ref.displayName}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.row.ref.displayName, { id: this.id, icon: 'server-process', collapsible: true, contextValue: 'eventhouse', description: 'Eventhouse' });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    const dbs = this.row.databases;
    return dbs.length ? dbs.map((d) => new DatabaseNode(this, this.eventhouse, d.ref, d.description, this.model)) : [new EmptyNode(this, 'No KQL databases')];
  }
}

class FabricWorkspaceNode extends RefNode<FabricWorkspaceRef> {
  constructor(parent: TreeNode, private readonly eventhouse: EventhouseModel, ref: FabricWorkspaceRef, private readonly model?: PipelineModel) {
    super(`${parent.id}/ws:${ref.workspaceId}`, parent, ref);
  }
  override get what(): string { return `the KQL databases of workspace "${this.ref.displayName}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.ref.displayName, { id: this.id, icon: 'folder-library', collapsible: true, contextValue: 'fabricWorkspace', description: 'Fabric workspace' });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const houses = await this.eventhouse.eventhouses(this.ref, signal);
    return houses.length ? houses.map((h) => new EventhouseItemNode(this, this.eventhouse, h, this.model)) : [new EmptyNode(this, 'No Eventhouses in this workspace')];
  }
}

/** Children of the "Eventhouse" group for the active profile. */
export async function eventhouseChildren(group: TreeNode, eventhouse: EventhouseModel, signal: AbortSignal, model?: PipelineModel): Promise<TreeNode[]> {
  const { databases, workspaces } = await eventhouse.roots(signal);
  return [
    ...databases.map((d) => new DatabaseNode(group, eventhouse, d.ref, d.description, model)),
    ...workspaces.map((w) => new FabricWorkspaceNode(group, eventhouse, w, model)),
  ];
}
