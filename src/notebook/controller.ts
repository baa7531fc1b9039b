import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { isNotSignedIn } from '../core/errors';
import { applyConnect, splitCell, type CellSpan } from '../core/kql/connect';
import { KqlQueryError, toCellPosition } from '../core/kql/queryError';
import { summarize } from '../core/kql/resultShape';
import { KQL_RESULT_MIME, type KqlResultOutput } from '../protocol/kqlResult';
import { NOTEBOOK_TYPE, type KqlConnections } from './connections';
import { runKql } from './runner';

export const CONTROLLER_ID = 'eventline.kql';

/** "Eventline KQL": runs notebook cells against the notebook's (or the cell's `#connect`) database. */
export class KqlController extends Disposable {
  readonly controller: vscode.NotebookController;
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('eventline-kql'));
  private order = 0;
  /** The cell that ran last, per notebook: what "Export Results" exports when no cell with a result is selected. */
  private readonly lastRun = new Map<string, vscode.NotebookCell>();
  private readonly bound = new Set<string>();

  constructor(private readonly connections: KqlConnections, private readonly log: vscode.LogOutputChannel) {
    super();
    this.controller = this.register(vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'Eventline KQL', (cells, nb) => this.execute(cells, nb)));
    this.controller.supportedLanguages = ['kql'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = 'Runs KQL against the notebook\'s Eventhouse or cluster';
    this.register(this.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
      if (selected) this.bound.add(notebook.uri.toString()); else this.bound.delete(notebook.uri.toString());
    }));
    this.register(vscode.workspace.onDidCloseNotebookDocument((nb) => {
      this.bound.delete(nb.uri.toString());
      this.lastRun.delete(nb.uri.toString());
      for (const c of nb.getCells()) this.diagnostics.delete(c.document.uri);
    }));
  }

  /** True once VS Code selected this controller for the notebook (only then may it create executions there). */
  isBoundTo(nb: vscode.NotebookDocument): boolean {
    return this.bound.has(nb.uri.toString());
  }

  /** Runs cells of a notebook this controller is bound to, as if the user pressed Run. */
  run(nb: vscode.NotebookDocument, cells: vscode.NotebookCell[]): Promise<void> {
    return this.execute(cells, nb);
  }

  lastRunCell(nb: vscode.NotebookDocument): vscode.NotebookCell | undefined {
    const cell = this.lastRun.get(nb.uri.toString());
    return cell && cell.index >= 0 ? cell : undefined;
  }

  private async execute(cells: vscode.NotebookCell[], nb: vscode.NotebookDocument): Promise<void> {
    // One at a time, in order: later cells often depend on what earlier ones created.
    for (const cell of cells) {
      if (cell.kind !== vscode.NotebookCellKind.Code) continue;
      try {
        await this.runCell(cell, nb);
      } catch (e) {
        this.log.error(`Running cell ${cell.index + 1} of ${nb.uri.path.split('/').pop()}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private async runCell(cell: vscode.NotebookCell, nb: vscode.NotebookDocument): Promise<void> {
    const exec = this.controller.createNotebookCellExecution(cell);
    exec.executionOrder = ++this.order;
    exec.start(Date.now());
    this.diagnostics.delete(cell.document.uri);
    this.lastRun.set(nb.uri.toString(), cell);
    await exec.clearOutput();
    const split = splitCell(cell.document.getText());
    if (split.error) {
      this.mark(cell, split.error.span, split.error.message);
      await exec.replaceOutput(errorOutput('Bad #connect line', split.error.message));
      exec.end(false, Date.now());
      return;
    }
    if (!split.query) { exec.end(true, Date.now()); return; }
    const ref = applyConnect(this.connections.notebookConnection(nb), split.connect);
    if (!ref) {
      const message = split.connect && !split.connect.database
        ? 'This #connect names no database and the notebook has none: add .database(\'<name>\').'
        : 'This notebook has no connection yet. Pick a database with the status-bar item or "Eventline: Select KQL Connection", or start the cell with #connect cluster(\'…\').database(\'…\').';
      await exec.replaceOutput(errorOutput('No connection', message));
      exec.end(false, Date.now());
      return;
    }
    try {
      const outcome = await runKql(this.connections, ref, split.query, { token: exec.token, timeoutSeconds: timeoutSeconds(), executionOrder: exec.executionOrder, log: this.log });
      if (outcome.kind === 'cancelled') {
        await exec.replaceOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(`Cancelled after ${(outcome.elapsedMs / 1000).toFixed(1)} s; the service was asked to stop the query (client request id ${outcome.clientRequestId}).`)]));
        exec.end(undefined, Date.now());
        return;
      }
      const outputs = [resultOutput(outcome.result.output)];
      for (const w of outcome.result.warnings) outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(`${w}\n`)]));
      await exec.replaceOutput(outputs);
      exec.end(true, Date.now());
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof KqlQueryError && e.info.line !== undefined && e.info.column !== undefined) {
        const pos = toCellPosition({ line: e.info.line, column: e.info.column }, split.queryLine, split.queryColumn);
        this.mark(cell, { line: pos.line, column: pos.character, endColumn: pos.character }, message);
      }
      const title = e instanceof KqlQueryError ? 'Kusto error' : isNotSignedIn(e) ? 'Not signed in' : 'Query failed';
      await exec.replaceOutput(errorOutput(title, message));
      exec.end(false, Date.now());
    }
  }

  /** A diagnostic at the line/column the service named, widened to the word there so it is visible. */
  private mark(cell: vscode.NotebookCell, span: CellSpan, message: string): void {
    const doc = cell.document;
    const line = Math.min(span.line, Math.max(0, doc.lineCount - 1));
    const start = new vscode.Position(line, Math.min(span.column, doc.lineAt(line).text.length));
    let range = span.endColumn > span.column ? new vscode.Range(start, new vscode.Position(line, span.endColumn)) : doc.getWordRangeAtPosition(start);
    range ??= new vscode.Range(start, start.translate(0, start.character < doc.lineAt(line).text.length ? 1 : 0));
    const d = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
    d.source = 'Eventline KQL';
    this.diagnostics.set(doc.uri, [d]);
  }
}

export function resultOutput(result: KqlResultOutput): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([
    vscode.NotebookCellOutputItem.json(result, KQL_RESULT_MIME),
    vscode.NotebookCellOutputItem.text(summarize(result)),
  ], { clientRequestId: result.info.clientRequestId });
}

function errorOutput(name: string, message: string): vscode.NotebookCellOutput {
  // No stack: the message is the service's text (or ours), and a stack of extension frames would only distract.
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name, message, stack: undefined })]);
}

function timeoutSeconds(): number {
  return Math.max(5, vscode.workspace.getConfiguration('eventline.query').get<number>('timeoutSeconds') ?? 240);
}
