import * as vscode from 'vscode';
import type { TokenCredential } from '@azure/core-auth';
import { fabricClient, kustoClient } from '../azure/clients';
import { listDatabases, listFunctions, listMappings, listTables, tableColumns } from '../azure/kustoSchema';
import { createTableScript, type KustoColumn } from '../core/kustoNames';
import { FolderNode, formatBytes, InfoNode, item, TreeNode, type TreeContext } from './treeNode';

/** A Kusto endpoint: the local Eventhouse (no auth) or a cluster / Fabric query URI (Entra token). */
export interface KustoTarget { uri: string; credential: TokenCredential | undefined }

export class DatabaseNode extends TreeNode {
  constructor(parent: TreeNode, readonly target: KustoTarget, readonly database: string, private readonly description?: string) {
    super(`${parent.id}/db:${target.uri}/${database}`, parent);
  }
  override get what(): string { return `database "${this.database}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.database, { id: this.id, icon: 'database', collapsible: true, contextValue: 'kqlDatabase', description: this.description ?? this.target.uri, tooltip: `${this.database} on ${this.target.uri}` });
  }
  override async loadChildren(): Promise<TreeNode[]> {
    return [
      new FolderNode(`${this.id}/tables`, this, 'Tables', 'table', async (self) => {
        const client = await kustoClient(this.target.uri, this.target.credential);
        const tables = await listTables(client, this.database);
        return tables.length
          ? tables.map((t) => new TableNode(self, this, t.name, [t.rowCount !== undefined ? `${t.rowCount.toLocaleString('en-US')} rows` : '', formatBytes(t.sizeBytes)].filter(Boolean).join(' · ')))
          : [new InfoNode(`${self.id}/empty`, self, 'No tables yet')];
      }, `the tables of "${this.database}"`),
      new FolderNode(`${this.id}/functions`, this, 'Functions', 'symbol-function', async (self) => {
        const client = await kustoClient(this.target.uri, this.target.credential);
        const fns = await listFunctions(client, this.database);
        return fns.length
          ? fns.map((f) => new InfoNode(`${self.id}/fn:${f.name}`, self, f.name, 'symbol-function', f.parameters, undefined, 'kqlFunction'))
          : [new InfoNode(`${self.id}/empty`, self, 'No stored functions')];
      }, `the functions of "${this.database}"`),
    ];
  }
}

export class TableNode extends TreeNode {
  constructor(parent: TreeNode, readonly db: DatabaseNode, readonly table: string, private readonly description: string) {
    super(`${parent.id}/t:${table}`, parent);
  }
  override get what(): string { return `the columns of "${this.table}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.table, { id: this.id, icon: 'table', collapsible: true, contextValue: 'kqlTable', description: this.description, tooltip: `${this.table} (${this.db.database})${this.description ? `\n${this.description}` : ''}` });
  }
  async columns(): Promise<KustoColumn[]> {
    const client = await kustoClient(this.db.target.uri, this.db.target.credential);
    return tableColumns(client, this.db.database, this.table);
  }
  async createScript(): Promise<string> {
    return createTableScript(this.table, await this.columns());
  }
  override async loadChildren(): Promise<TreeNode[]> {
    const columns = (await this.columns()).map((c) => new InfoNode(`${this.id}/c:${c.name}`, this, c.name, columnIcon(c.type), c.type, undefined, 'kqlColumn'));
    const mappings = new FolderNode(`${this.id}/mappings`, this, 'Ingestion mappings', 'symbol-namespace', async (self) => {
      const client = await kustoClient(this.db.target.uri, this.db.target.credential);
      const ms = await listMappings(client, this.db.database, this.table);
      return ms.length ? ms.map((m) => new InfoNode(`${self.id}/m:${m.kind}:${m.name}`, self, m.name, 'symbol-namespace', m.kind, undefined, 'ingestionMapping')) : [new InfoNode(`${self.id}/empty`, self, 'No ingestion mappings')];
    }, `the ingestion mappings of "${this.table}"`);
    return [...columns, mappings];
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

class FabricWorkspaceNode extends TreeNode {
  constructor(parent: TreeNode, private readonly ctx: TreeContext, private readonly workspaceId: string, private readonly name: string) {
    super(`${parent.id}/ws:${workspaceId}`, parent);
  }
  override get what(): string { return `the KQL databases of workspace "${this.name}"`; }
  treeItem(): vscode.TreeItem {
    return item(this.name, { id: this.id, icon: 'folder-library', collapsible: true, contextValue: 'fabricWorkspace', description: 'Fabric workspace' });
  }
  override async loadChildren(signal: AbortSignal): Promise<TreeNode[]> {
    const fabric = fabricClient((a, s) => this.ctx.token(a, s), this.ctx.cloud, this.ctx.timeoutMs);
    const [houses, dbs] = await Promise.all([fabric.listEventhouses(this.workspaceId, signal), fabric.listKqlDatabases(this.workspaceId, signal)]);
    const credential = this.ctx.credential();
    const out: TreeNode[] = houses.map((h) => new FolderNode(`${this.id}/eh:${h.id}`, this, h.displayName, 'server-process', async (self) => {
      const mine = dbs.filter((d) => d.properties?.parentEventhouseItemId === h.id && d.properties.queryServiceUri);
      return mine.length ? mine.map((d) => new DatabaseNode(self, { uri: d.properties!.queryServiceUri!, credential }, d.displayName, 'KQL database')) : [new InfoNode(`${self.id}/empty`, self, 'No KQL databases')];
    }, `the KQL databases of Eventhouse "${h.displayName}"`, 'eventhouse', 'Eventhouse'));
    return out.length ? out : [new InfoNode(`${this.id}/empty`, this, 'No Eventhouses in this workspace')];
  }
}

/** Children of the "Eventhouse" group for the active profile. */
export async function eventhouseChildren(group: TreeNode, ctx: TreeContext, signal: AbortSignal): Promise<TreeNode[]> {
  if (ctx.profile.kind === 'local') {
    const ready = await ctx.local();
    const target: KustoTarget = { uri: ready.eventhouse.uri, credential: undefined };
    const dbs = await listDatabases(await kustoClient(target.uri, undefined));
    return dbs.map((db) => new DatabaseNode(group, target, db, 'local Eventhouse'));
  }
  const out: TreeNode[] = [];
  const uri = ctx.profile.profile.eventhouseQueryUri ?? ctx.manifest.eventhouse?.queryUri;
  const database = ctx.manifest.eventhouse?.database;
  if (uri && database) out.push(new DatabaseNode(group, { uri, credential: ctx.credential() }, database));
  const fabric = fabricClient((a, s) => ctx.token(a, s), ctx.cloud, ctx.timeoutMs);
  const wanted = ctx.profile.profile.fabricWorkspaceId ?? ctx.manifest.eventhouse?.workspaceId;
  for (const ws of await fabric.listWorkspaces(signal)) {
    if (wanted && ws.id !== wanted) continue;
    out.push(new FabricWorkspaceNode(group, ctx, ws.id, ws.displayName));
  }
  return out;
}
