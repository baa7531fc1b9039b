import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { prompts } from '../common/prompt';
import { UserCancelledError } from '../core/errors';
import { normalizeCluster } from '../core/kql/connect';
import type { KqlConnectionRef } from '../core/kql/schemaSource';
import type { PipelineModel } from '../model/pipelineModel';
import { databaseOf, refOf } from '../model/refs';
import { connectionKey, NOTEBOOK_TYPE, type KqlConnections } from './connections';

export function isConnectionRef(v: unknown): v is KqlConnectionRef {
  const c = v as Partial<KqlConnectionRef> | undefined;
  return typeof c === 'object' && c !== null && typeof c.cluster === 'string' && typeof c.database === 'string';
}

/** A connection from a command argument: a database (or table) reference or row, or a plain {cluster, database}. */
export function connectionFromArg(arg: unknown): KqlConnectionRef | undefined {
  const db = databaseOf(refOf(arg));
  if (db) return { cluster: db.cluster, database: db.database };
  return isConnectionRef(arg) ? { cluster: arg.cluster, database: arg.database } : undefined;
}

/** The notebook the connection commands act on: the active Eventline KQL notebook, unless a .kql editor has focus. */
export function activeKqlNotebook(): vscode.NotebookDocument | undefined {
  const nb = vscode.window.activeNotebookEditor?.notebook;
  if (nb?.notebookType !== NOTEBOOK_TYPE) return undefined;
  const text = vscode.window.activeTextEditor?.document;
  return !text || text.uri.scheme === 'vscode-notebook-cell' ? nb : undefined;
}

/** Shows the connection of the active KQL notebook or .kql editor; clicking it picks another. */
export class ConnectionStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('eventline.kqlConnection', vscode.StatusBarAlignment.Right, 100));

  constructor(private readonly connections: KqlConnections) {
    super();
    this.item.name = 'Eventline KQL Connection';
    this.item.command = 'eventline.selectKqlConnection';
    const update = () => this.update();
    this.register(connections.onDidChange(update));
    this.register(vscode.window.onDidChangeActiveTextEditor(update));
    this.register(vscode.window.onDidChangeActiveNotebookEditor(update));
    this.update();
  }

  update(): void {
    const nb = activeKqlNotebook();
    const doc = vscode.window.activeTextEditor?.document;
    let ref: KqlConnectionRef | undefined;
    if (nb) ref = this.connections.notebookConnection(nb);
    else if (doc?.languageId === 'kql' && doc.uri.scheme !== 'vscode-notebook-cell') ref = this.connections.activeConnection();
    else { this.item.hide(); return; }
    this.item.text = ref ? `$(database) ${this.connections.describe(ref)}` : '$(database) No KQL connection';
    this.item.tooltip = ref
      ? `${nb ? 'This notebook' : 'KQL files'} run against database "${ref.database}" on ${ref.cluster}. Click to change.`
      : 'No cluster and database chosen yet. Click to pick one.';
    this.item.accessibilityInformation = { label: ref ? `KQL connection ${ref.database} on ${ref.cluster}` : 'No KQL connection' };
    this.item.show();
  }
}

interface ConnectionPick extends vscode.QuickPickItem { ref?: KqlConnectionRef; enter?: boolean }

/** "Eventline: Select KQL Connection": databases from the manifest and the tree, or a cluster URI typed in. */
export async function selectKqlConnection(connections: KqlConnections, model: PipelineModel, arg?: unknown): Promise<KqlConnectionRef> {
  const ref = connectionFromArg(arg) ?? await pickConnection(connections, model);
  const nb = activeKqlNotebook();
  if (nb) await connections.setNotebookConnection(nb, ref);
  else await connections.setActiveConnection(ref);
  return ref;
}

async function pickConnection(connections: KqlConnections, model: PipelineModel): Promise<KqlConnectionRef> {
  const qp = vscode.window.createQuickPick<ConnectionPick>();
  qp.title = 'Eventline: Select KQL Connection';
  qp.placeholder = 'Which database should KQL run against?';
  qp.matchOnDescription = true;
  const enter: ConnectionPick = { label: '$(edit) Enter cluster URI…', detail: 'Any Azure Data Explorer cluster or Fabric query URI, then a database', enter: true, alwaysShow: true };
  const seen = new Map<string, ConnectionPick>();
  const add = (ref: KqlConnectionRef, detail?: string) => {
    const canonical = connections.canonical(ref);
    const key = connectionKey(canonical);
    if (seen.has(key)) return;
    seen.set(key, { label: `$(database) ${canonical.database}`, description: connections.describe(canonical).split(' · ')[1], detail, ref: canonical });
    qp.items = [...seen.values(), enter];
  };
  const active = connections.activeConnection();
  if (active) add(active, 'active');
  const fallback = connections.defaultConnection();
  if (fallback) add(fallback, 'from eventline.json (active profile)');
  qp.items = [...seen.values(), enter];
  qp.busy = true;
  const loading = new AbortController();
  // The tree shows its own error rows; the picker still offers the manifest's database and manual entry.
  void model.eventhouse.allDatabases((row) => add(row.ref, 'from the Eventline tree'), loading.signal).catch(() => undefined).finally(() => { qp.busy = false; });
  try {
    const picked = await new Promise<ConnectionPick | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0]));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
    if (!picked) throw new UserCancelledError();
    if (picked.ref) return picked.ref;
  } finally {
    loading.abort();
    qp.dispose();
  }
  return enterConnection();
}

async function enterConnection(): Promise<KqlConnectionRef> {
  const clusterText = await prompts.input({
    title: 'Cluster', prompt: 'A cluster name (help), host (x.westeurope.kusto.windows.net), Fabric query URI, or http://127.0.0.1:<port> for a local Eventhouse',
    validate: (v) => { try { normalizeCluster(v); return undefined; } catch (e) { return (e as Error).message; } },
  });
  const database = await prompts.input({ title: 'Database', prompt: `The database on ${normalizeCluster(clusterText)}`, validate: (v) => (v.trim() ? undefined : 'Enter a database name.') });
  return { cluster: normalizeCluster(clusterText), database: database.trim() };
}
