// KQL notebooks: the connection service (also the language server's schema source), the `.kqlnb` serializer,
// the "Eventline KQL" controller, the renderer's host side and the commands. Registration is cheap: the Kusto
// SDK loads on the first query or schema read, never during activate().
import * as vscode from 'vscode';
import { registerCommand } from '../common/registerCommand';
import type { KqlSchemaSource } from '../core/kql/schemaSource';
import { connectionFromArg, ConnectionStatusBar, selectKqlConnection } from './connectionUi';
import { KqlConnections, type KqlConnectionDeps } from './connections';
import { KqlController } from './controller';
import { exportResults, RendererHost } from './rendererHost';
import { KqlFileRunner } from './kqlFiles';
import { ScratchNotebooks } from './scratch';
import { SerializerRegistration } from './serializer';

export type KqlNotebookDeps = KqlConnectionDeps;
/** One query through the notebooks' connections and Kusto client (the alert editor checks its query with it). */
export { runKql } from './runner';

export interface KqlNotebooks extends vscode.Disposable {
  /** What the language client asks for a document's connection and schema. */
  readonly schemaSource: KqlSchemaSource;
  readonly connections: KqlConnections;
  readonly controller: KqlController;
}

export interface NewNotebookOptions {
  run?: boolean;
  /** Query Table: the notebook is that table's (one per table), not the database's scratch notebook. */
  table?: string;
}

export function registerKqlNotebooks(deps: KqlNotebookDeps): KqlNotebooks {
  const { log } = deps;
  const connections = new KqlConnections(deps);
  const controller = new KqlController(connections, log);
  const files = new KqlFileRunner(deps.context, connections, controller);
  const scratch = new ScratchNotebooks(deps.context);
  const disposables = vscode.Disposable.from(
    connections,
    controller,
    files,
    new SerializerRegistration(log),
    new RendererHost(log),
    new ConnectionStatusBar(connections),
    registerCommand('eventline.selectKqlConnection', log, (arg?: unknown) => selectKqlConnection(connections, deps.model, arg)),
    registerCommand('eventline.newKqlNotebook', log, (arg?: unknown, query?: string, options?: NewNotebookOptions) => newKqlNotebook(connections, scratch, arg, query, options)),
    registerCommand('eventline.runQuery', log, (uri?: unknown, line?: unknown) => files.run(uri instanceof vscode.Uri ? uri : undefined, typeof line === 'number' ? line : undefined)),
    registerCommand('eventline.exportResults', log, () => exportResults(controller)),
  );
  return { schemaSource: connections, connections, controller, dispose: () => disposables.dispose() };
}

/**
 * "Eventline: New KQL Notebook": the scratch notebook of a tree database (when run from one), else of the active
 * connection, with an empty cell to type in. The tree's "Query Table" passes a first query, `run` and its table:
 * each table has its own notebook, reused (and the query's cell rerun) on the next Query Table.
 */
async function newKqlNotebook(connections: KqlConnections, scratch: ScratchNotebooks, arg: unknown, query: string | undefined, options: NewNotebookOptions | undefined): Promise<vscode.NotebookDocument> {
  const picked = connectionFromArg(arg);
  const ref = picked ? connections.canonical(picked) : connections.activeConnection();
  return scratch.open({ connection: ref, table: options?.table, query, run: options?.run });
}

// What other features use: the connection service (dashboards resolve their data sources through it) and the
// runner, re-exported above (dashboard tiles and the alert editor's schema check run queries exactly as cells do).
export { KqlConnections, NOTEBOOK_TYPE } from './connections';
