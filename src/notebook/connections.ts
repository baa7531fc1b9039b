import * as vscode from 'vscode';
import type { Client as KustoClient } from 'azure-kusto-data';
import { kustoClient } from '../azure/clients';
import { Disposable } from '../common/disposable';
import { applyConnect, connectionKey, LOCAL_CLUSTER, splitCell } from '../core/kql/connect';
import type { KqlConnectionRef, KqlSchemaSource } from '../core/kql/schemaSource';
import { bracket } from '../core/kustoNames';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import type { ProfileState } from '../manifest/profileState';
import type { ResolvedKusto } from '../model/eventhouse';
import type { PipelineModel } from '../model/pipelineModel';

export const NOTEBOOK_TYPE = 'eventline-kql';
const ACTIVE_KEY = 'eventline.kqlConnection';
const CELL_SCHEME = 'vscode-notebook-cell';

export type ResolvedConnection = ResolvedKusto;

export interface KqlConnectionDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  model: PipelineModel;
  local: LocalPipelineSupervisor;
  profiles: ProfileState;
}

/** Mgmt commands after which the database schema may differ (tables, columns, functions). */
const SCHEMA_CHANGING = /^\s*\.(create|create-merge|create-or-alter|alter|alter-merge|drop|rename|set|append|set-or-append|set-or-replace)\b/i;

export function changesSchema(command: string): boolean {
  return SCHEMA_CHANGING.test(command);
}

export { connectionKey };

/** Reads a notebook's connection from its metadata (written by the serializer), if it has a valid one. */
export function notebookMetadataConnection(metadata: { [key: string]: unknown } | undefined): KqlConnectionRef | undefined {
  const c = metadata?.connection as Partial<KqlConnectionRef> | undefined;
  return c && typeof c.cluster === 'string' && typeof c.database === 'string' && c.cluster && c.database ? { cluster: c.cluster, database: c.database } : undefined;
}

/**
 * Knows which cluster and database each KQL document runs against, turns that into a Kusto client with the
 * right credential (the local Eventhouse: none; anything else: the VS Code Microsoft session), and caches each
 * database's schema for the language server.
 *
 * - a notebook cell: the cell's first-line `#connect`, else the notebook's connection (its metadata), else the
 *   active one;
 * - a `.kql` file or untitled KQL document: the active connection (picked with "Select KQL Connection"), else the
 *   active profile's Eventhouse from eventline.json.
 */
export class KqlConnections extends Disposable implements KqlSchemaSource {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  private readonly schemas = new Map<string, Promise<unknown>>();
  /** Last seen `#connect` of each cell, so typing fires onDidChange only when the target really changes. */
  private readonly cellTargets = new Map<string, string>();

  constructor(private readonly deps: KqlConnectionDeps) {
    super();
    const reset = () => this.invalidate();
    this.register(deps.profiles.onDidChange(reset));
    this.register(deps.local.onDidChange(reset));
    this.register(deps.model.onDidRefresh(reset));
    this.register(vscode.workspace.onDidChangeNotebookDocument((e) => {
      if (e.notebook.notebookType === NOTEBOOK_TYPE && e.metadata) this.changed.fire();
    }));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme !== CELL_SCHEME || e.contentChanges.length === 0) return;
      const key = e.document.uri.toString();
      const target = JSON.stringify(splitCell(firstLines(e.document)).connect ?? null);
      const before = this.cellTargets.get(key);
      this.cellTargets.set(key, target);
      if (before !== undefined && before !== target) this.changed.fire();
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => { this.cellTargets.delete(d.uri.toString()); }));
  }

  /** Fires when a document's connection or a connected database's schema may have changed. */
  readonly onDidChange = (listener: () => void): vscode.Disposable => this.changed.event(listener);

  /** Forget cached schemas (all, or one connection's) and tell listeners. */
  invalidate(ref?: KqlConnectionRef): void {
    if (ref) this.schemas.delete(connectionKey(ref));
    else this.schemas.clear();
    this.changed.fire();
  }

  // ─── which connection ───────────────────────────────────────────────────────────────────────────────────

  connectionFor(documentUri: string): KqlConnectionRef | undefined {
    let uri: vscode.Uri;
    try { uri = vscode.Uri.parse(documentUri, true); } catch { return undefined; }
    if (uri.scheme === CELL_SCHEME) {
      // A cell URI carries its notebook's path: look in that notebook first, then (renamed, untitled) in all.
      const notebooks = vscode.workspace.notebookDocuments.filter((nb) => nb.notebookType === NOTEBOOK_TYPE);
      notebooks.sort((x, y) => Number(y.uri.path === uri.path) - Number(x.uri.path === uri.path));
      for (const nb of notebooks) {
        const cell = nb.getCells().find((c) => c.document.uri.toString() === documentUri);
        if (!cell) continue;
        const split = splitCell(firstLines(cell.document));
        this.cellTargets.set(documentUri, JSON.stringify(split.connect ?? null));
        return applyConnect(this.notebookConnection(nb), split.connect);
      }
      return undefined;
    }
    return this.activeConnection();
  }

  /** The notebook's own connection, else the active one (a new notebook runs where .kql files run). */
  notebookConnection(nb: vscode.NotebookDocument): KqlConnectionRef | undefined {
    return notebookMetadataConnection(nb.metadata) ?? this.activeConnection();
  }

  /** The connection picked for .kql files, else the active profile's Eventhouse. */
  activeConnection(): KqlConnectionRef | undefined {
    return this.deps.context.workspaceState.get<KqlConnectionRef>(ACTIVE_KEY) ?? this.defaultConnection();
  }

  /** The active profile's Eventhouse from eventline.json (local profile: the local pipeline's). */
  defaultConnection(): KqlConnectionRef | undefined {
    const snapshot = this.deps.model.snapshot();
    if (!snapshot) return undefined;
    const { profile, manifest } = snapshot;
    if (profile.kind === 'local') {
      return { cluster: LOCAL_CLUSTER, database: manifest?.eventhouse?.database ?? this.deps.local.current?.eventhouse.database ?? 'NetDefaultDB' };
    }
    const cluster = profile.profile.eventhouseQueryUri ?? manifest?.eventhouse?.queryUri;
    const database = manifest?.eventhouse?.database;
    return cluster && database ? { cluster, database } : undefined;
  }

  async setActiveConnection(ref: KqlConnectionRef | undefined): Promise<void> {
    await this.deps.context.workspaceState.update(ACTIVE_KEY, ref ? this.canonical(ref) : undefined);
    this.changed.fire();
  }

  /** Binds a notebook to a connection (saved in the file; marks the notebook dirty). */
  async setNotebookConnection(nb: vscode.NotebookDocument, ref: KqlConnectionRef): Promise<void> {
    const edit = new vscode.WorkspaceEdit();
    edit.set(nb.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...nb.metadata, connection: this.canonical(ref) })]);
    if (!await vscode.workspace.applyEdit(edit)) throw new Error(`Could not change the connection of ${nb.uri.path.split('/').pop()}: VS Code refused the edit (is the notebook read-only?).`);
    this.changed.fire();
  }

  /** The local Eventhouse's URI becomes the `local` alias, so a saved notebook survives a pipeline restart. */
  canonical(ref: KqlConnectionRef): KqlConnectionRef {
    const { cluster, database } = this.deps.model.eventhouse.canonical(ref);
    return { cluster, database };
  }

  /** "NetDefaultDB · local Eventhouse", "Samples · help.kusto.windows.net". */
  describe(ref: KqlConnectionRef): string {
    if (ref.cluster === LOCAL_CLUSTER) return `${ref.database} · local Eventhouse`;
    let host = ref.cluster;
    try { host = new URL(ref.cluster).host; } catch { /* shown as written */ }
    return `${ref.database} · ${host}`;
  }

  // ─── credentials and clients ──────────────────────────────────────────────────────────────────────────────

  /** Where to send requests and with which credential; starts the local pipeline when the alias needs it. */
  resolve(ref: KqlConnectionRef): Promise<ResolvedConnection> {
    return this.deps.model.eventhouse.resolve(ref);
  }

  /** The shared (cached) client for short requests such as schema reads and `.cancel query`. */
  async sharedClient(ref: KqlConnectionRef): Promise<{ client: KustoClient; resolved: ResolvedConnection }> {
    const resolved = await this.resolve(ref);
    return { client: await kustoClient(resolved.uri, resolved.credential), resolved };
  }

  // ─── schema ─────────────────────────────────────────────────────────────────────────────────────────────

  schemaJson(connection: KqlConnectionRef, signal?: AbortSignal): Promise<unknown> {
    const key = connectionKey(connection);
    let schema = this.schemas.get(key);
    if (!schema) {
      schema = this.fetchSchema(connection);
      this.schemas.set(key, schema);
      // A failed read is not cached: the next ask (e.g. after the pipeline starts) tries again.
      schema.catch(() => { if (this.schemas.get(key) === schema) this.schemas.delete(key); });
    }
    if (!signal) return schema;
    return new Promise((resolve, reject) => {
      if (signal.aborted) { reject(abortError()); return; }
      const onAbort = () => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      schema.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async fetchSchema(ref: KqlConnectionRef): Promise<unknown> {
    const { client } = await this.sharedClient(ref);
    const res = await client.executeMgmt(ref.database, `.show database ${bracket(ref.database)} schema as json`);
    const table = res.primaryResults[0];
    const raw: unknown = table?._rows?.[0]?.[0];
    if (raw === undefined || raw === null) throw new Error(`The cluster returned no schema for database "${ref.database}" (${this.describe(ref)}).`);
    return typeof raw === 'string' ? JSON.parse(raw) : raw;
  }
}

/** The first few lines of a document are enough to find a `#connect`, without copying a big cell. */
function firstLines(doc: vscode.TextDocument): string {
  const n = Math.min(doc.lineCount, 20);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(doc.lineAt(i).text);
  return lines.join('\n');
}

function abortError(): Error {
  const e = new Error('The schema request was cancelled.');
  e.name = 'AbortError';
  return e;
}
