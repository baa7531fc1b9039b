import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { UserCancelledError } from '../core/errors';
import { applyConnect, formatConnect, splitCell } from '../core/kql/connect';
import { blockAt, connectOfQuery, isConnectOnly, queryBlocks } from '../core/kql/queryBlocks';
import type { KqlConnectionRef } from '../core/kql/schemaSource';
import { NOTEBOOK_TYPE, type KqlConnections } from './connections';
import type { KqlController } from './controller';

const RESULTS_FILE = 'Eventline Results.kqlnb';
/** The results notebook keeps the latest runs only; older cells are dropped as new ones arrive. */
const MAX_RESULT_CELLS = 50;
const FILE_SELECTOR: vscode.DocumentSelector = [{ language: 'kql', scheme: 'file' }, { language: 'kql', scheme: 'untitled' }];

/** "▶ Run" above every query block of a .kql file (blocks are separated by blank lines, as in Kusto Explorer). */
export class RunQueryCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    return queryBlocks(doc.getText()).filter((b) => !isConnectOnly(b)).map((b) => new vscode.CodeLens(new vscode.Range(b.startLine, 0, b.startLine, 0), {
      title: '$(play) Run', tooltip: 'Run this query (Shift+Enter)', command: 'eventline.runQuery', arguments: [doc.uri, b.startLine],
    }));
  }
}

/**
 * Runs blocks of .kql files. Results go to the "Eventline Results" notebook beside the editor: each run is appended
 * as a cell (with a `#connect` line saying where it ran) and executed there, so .kql results use the same renderer,
 * export and cancel as notebooks, and the last runs stay visible as a history. The notebook is a real file in the
 * workspace's extension storage and is saved after each append, so it never asks to be saved.
 */
export class KqlFileRunner extends Disposable {
  constructor(private readonly context: vscode.ExtensionContext, private readonly connections: KqlConnections, private readonly kernel: KqlController) {
    super();
    this.register(vscode.languages.registerCodeLensProvider(FILE_SELECTOR, new RunQueryCodeLens()));
  }

  /** Runs the block at `line` (or the selection) of a .kql document; returns the results cell once it finished. */
  async run(uriArg?: vscode.Uri, lineArg?: number): Promise<vscode.NotebookCell> {
    const editor = vscode.window.activeTextEditor;
    const doc = uriArg ? await vscode.workspace.openTextDocument(uriArg) : editor?.document;
    if (!doc || doc.languageId !== 'kql' || doc.uri.scheme === 'vscode-notebook-cell') throw new Error('Put the cursor in a query of a .kql file, then run "Eventline: Run Query" (Shift+Enter).');
    const sameEditor = editor && editor.document.uri.toString() === doc.uri.toString() ? editor : undefined;
    let text: string | undefined;
    let line = lineArg ?? sameEditor?.selection.active.line ?? 0;
    if (lineArg === undefined && sameEditor && !sameEditor.selection.isEmpty) {
      text = doc.getText(sameEditor.selection);
      line = sameEditor.selection.start.line;
    } else {
      const block = blockAt(doc.getText(), line);
      if (block && isConnectOnly(block)) throw new Error(`Line ${block.startLine + 1} only sets the connection for the queries below it; put the cursor in one of those queries to run it.`);
      text = block?.text;
      if (block) line = block.startLine;
    }
    if (!text?.trim()) throw new Error(`${doc.uri.path.split('/').pop()} has no query to run here: queries are blocks of lines separated by blank lines.`);
    // A #connect higher up in the file holds for the queries below it, as in Kusto Explorer; one on the query's
    // own first line folds onto it (a database-only line keeps the cluster chosen above).
    const own = splitCell(text).connect;
    const connect = connectOfQuery(doc.getText(), line, text);
    let ref: KqlConnectionRef | undefined;
    if (connect) {
      ref = applyConnect(this.connections.activeConnection(), { cluster: connect.cluster ?? '', database: connect.database });
      if (!ref) throw new Error(`The #connect on line ${connect.line + 1} names ${connect.cluster ? 'a cluster but no database' : 'a database but no cluster'}, and no connection is selected to take the rest from: write #connect cluster('…').database('…').`);
    } else {
      // Nothing to run against yet (no manifest, nothing picked): ask once, as running is what the user wants.
      ref = this.connections.activeConnection() ?? await vscode.commands.executeCommand<KqlConnectionRef | undefined>('eventline.selectKqlConnection');
      if (!ref) throw new UserCancelledError();
    }
    // The cell says in full where it ran: that line replaces a #connect of the query's own.
    const body = own ? text.split(/\r?\n/).filter((_, i) => i !== own.span.line).join('\n') : text;
    return this.appendAndRun(`${formatConnect(this.connections.canonical(ref))}\n${body}`, ref);
  }

  private async appendAndRun(source: string, ref: KqlConnectionRef | undefined): Promise<vscode.NotebookCell> {
    const nb = await this.resultsNotebook(ref);
    // Show it beside first: saving a notebook that has no editor would open it in the active group.
    let editor = vscode.window.visibleNotebookEditors.find((e) => e.notebook === nb);
    editor ??= await vscode.window.showNotebookDocument(nb, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    const edit = new vscode.WorkspaceEdit();
    const drop = Math.max(0, nb.cellCount + 1 - MAX_RESULT_CELLS);
    const edits = [vscode.NotebookEdit.insertCells(nb.cellCount, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, 'kql')])];
    if (drop > 0) edits.unshift(vscode.NotebookEdit.deleteCells(new vscode.NotebookRange(0, drop)));
    edit.set(nb.uri, edits);
    if (!await vscode.workspace.applyEdit(edit)) throw new Error('Could not add the query to the Eventline Results notebook (VS Code refused the edit).');
    await nb.save();
    const index = nb.cellCount - 1;
    const range = new vscode.NotebookRange(index, index + 1);
    editor.selections = [range];
    editor.revealRange(range, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
    await this.execute(editor, nb.cellAt(index));
    return nb.cellAt(index);
  }

  /**
   * Runs the cell with this controller directly when VS Code has already bound it to the notebook, so the focus
   * stays in the .kql editor. The first time, VS Code binds the controller (the only one for the type) when the
   * notebook runs from its own editor: focus it, start the run, and give the focus back once bound.
   */
  private async execute(editor: vscode.NotebookEditor, cell: vscode.NotebookCell): Promise<void> {
    const nb = editor.notebook;
    if (this.kernel.isBoundTo(nb)) { await this.kernel.run(nb, [cell]); return; }
    const text = vscode.window.activeTextEditor;
    await vscode.window.showNotebookDocument(nb, { viewColumn: editor.viewColumn, selections: [new vscode.NotebookRange(cell.index, cell.index + 1)] });
    const running = vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }] });
    for (let i = 0; i < 40 && !this.kernel.isBoundTo(nb); i++) await new Promise((r) => setTimeout(r, 50));
    if (text) await vscode.window.showTextDocument(text.document, text.viewColumn);
    await running;
  }

  private async resultsNotebook(ref: KqlConnectionRef | undefined): Promise<vscode.NotebookDocument> {
    const folder = this.context.storageUri ?? this.context.globalStorageUri;
    const uri = vscode.Uri.joinPath(folder, RESULTS_FILE);
    const open = vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open;
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      await vscode.workspace.fs.createDirectory(folder);
      const initial = { version: 1, ...(ref ? { connection: this.connections.canonical(ref) } : {}), cells: [] };
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`${JSON.stringify(initial, null, 2)}\n`));
    }
    const nb = await vscode.workspace.openNotebookDocument(uri);
    if (nb.notebookType !== NOTEBOOK_TYPE) throw new Error(`${uri.fsPath} did not open as a KQL notebook.`);
    return nb;
  }
}
