// Query Table and New KQL Notebook reuse one notebook per table (and one per database) instead of opening another
// Untitled-N.kqlnb each time: a .kqlnb file in the extension's storage for the workspace, saved after every change
// Eventline makes to it, so it never piles up unsaved editors and closing it never asks to save.
import * as vscode from 'vscode';
import { serializeNotebook } from '../core/kql/notebookFormat';
import type { KqlConnectionRef } from '../core/kql/schemaSource';
import { NOTEBOOK_TYPE, notebookMetadataConnection } from './connections';

export interface ScratchRequest {
  /** The database the notebook queries (undefined: no connection yet; the user picks one). */
  connection: KqlConnectionRef | undefined;
  /** The table a Query Table notebook is for; undefined for a database's scratch notebook. */
  table?: string;
  /** The query to show (an existing cell with the same text is reused, otherwise a cell is added at the end). */
  query?: string;
  run?: boolean;
}

/** A file name for any cluster, database or table name: percent-escaped, so two names never share a file. */
function fileSafe(name: string): string {
  return encodeURIComponent(name).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export class ScratchNotebooks {
  constructor(private readonly context: vscode.ExtensionContext) {}

  /** Where the notebook for `r` lives: <storage>/notebooks/<cluster>/<database>/<table or database>.kqlnb. */
  uriFor(r: Pick<ScratchRequest, 'connection' | 'table'>): vscode.Uri {
    const root = vscode.Uri.joinPath(this.context.storageUri ?? this.context.globalStorageUri, 'notebooks');
    if (!r.connection) return vscode.Uri.joinPath(root, 'Scratch.kqlnb');
    const { cluster, database } = r.connection;
    return vscode.Uri.joinPath(root, fileSafe(cluster), fileSafe(database), `${fileSafe(r.table ?? database)}.kqlnb`);
  }

  async open(r: ScratchRequest): Promise<vscode.NotebookDocument> {
    const uri = this.uriFor(r);
    let nb = vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!nb) {
      try {
        await vscode.workspace.fs.stat(uri);
      } catch {
        await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
        const text = serializeNotebook({ connection: r.connection, cells: [{ kind: 'kql', source: r.query ?? '' }] }, { saveOutputs: false });
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      }
      nb = await vscode.workspace.openNotebookDocument(uri);
      if (nb.notebookType !== NOTEBOOK_TYPE) throw new Error(`${uri.fsPath} did not open as a KQL notebook.`);
    }
    const index = await this.cellFor(nb, r);
    await vscode.window.showNotebookDocument(nb, { selections: [new vscode.NotebookRange(index, index + 1)] });
    if (r.run && r.query?.trim()) {
      await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: nb.uri });
    }
    return nb;
  }

  /**
   * The cell to show: the last one holding the query (or, without a query, an empty last cell), else a new cell at
   * the end. The notebook is bound to the requested database again if the user rebound it, then saved.
   */
  private async cellFor(nb: vscode.NotebookDocument, r: ScratchRequest): Promise<number> {
    const wanted = r.query ?? '';
    const cells = nb.getCells();
    const found = cells.map((c) => c.kind === vscode.NotebookCellKind.Code && c.document.getText() === wanted).lastIndexOf(true);
    // A query's cell is reused wherever it is; an empty cell only when it is the last (where a new one would go).
    const index = found >= 0 && (r.query || found === cells.length - 1) ? found : cells.length;
    const edits: vscode.NotebookEdit[] = [];
    if (index === cells.length) edits.push(vscode.NotebookEdit.insertCells(index, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, wanted, 'kql')]));
    const bound = notebookMetadataConnection(nb.metadata);
    if (r.connection && (bound?.cluster !== r.connection.cluster || bound?.database !== r.connection.database)) {
      edits.push(vscode.NotebookEdit.updateNotebookMetadata({ ...nb.metadata, connection: r.connection }));
    }
    if (edits.length) {
      const edit = new vscode.WorkspaceEdit();
      edit.set(nb.uri, edits);
      await vscode.workspace.applyEdit(edit);
    }
    if (nb.isDirty) await nb.save();
    return index;
  }
}
