import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { prompts } from '../common/prompt';
import { isUserCancelled } from '../core/errors';
import { exportFileName, exportTable, type ExportFormat } from '../core/kql/export';
import { KQL_RESULT_MIME, type HostToRenderer, type KqlResultOutput, type KqlTable, type RendererToHost } from '../protocol/kqlResult';
import { NOTEBOOK_TYPE } from './connections';
import type { KqlController } from './controller';

export const RENDERER_ID = 'eventline.kql-result';

/** Writes one table to a file the user picks, and returns where. */
export async function saveTable(table: KqlTable, format: ExportFormat, suggestedName: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await prompts.saveFile({
    title: `Export ${table.rows.length.toLocaleString('en-US')} rows as ${format.toUpperCase()}`,
    defaultUri: folder ? vscode.Uri.joinPath(folder, exportFileName(suggestedName, format)) : undefined,
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
  });
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(exportTable(table, format)));
  return uri;
}

/** The host side of the renderer: it has no file system, so it asks the extension to save and to say so. */
export class RendererHost extends Disposable {
  private readonly messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(this.messaging.onDidReceiveMessage(({ editor, message }) => { void this.handle(editor, message); }));
  }

  private async handle(editor: vscode.NotebookEditor, raw: unknown): Promise<void> {
    // 'copy' is spelled out too, so this compiles whether or not the shared protocol already lists it.
    const message = raw as RendererToHost | { type: 'copy'; text: string; rows: number };
    const reply = (m: HostToRenderer) => { void this.messaging.postMessage(m, editor); };
    switch (message?.type) {
      case 'export': {
        if ((message.format !== 'csv' && message.format !== 'json') || !Array.isArray(message.table?.columns) || !Array.isArray(message.table?.rows)) {
          reply({ type: 'exportFailed', message: 'The export request from the results view was incomplete (format, columns and rows are needed).' });
          return;
        }
        try {
          const uri = await saveTable(message.table, message.format, message.suggestedName);
          reply({ type: 'exported', path: uri.scheme === 'file' ? uri.fsPath : uri.toString() });
          void vscode.window.showInformationMessage(`Exported ${message.table.rows.length.toLocaleString('en-US')} rows to ${uri.path.split('/').pop()}.`, 'Open').then((c) => { if (c) void vscode.commands.executeCommand('vscode.open', uri); });
        } catch (e) {
          if (isUserCancelled(e)) { reply({ type: 'exportFailed', message: 'Export cancelled.' }); return; }
          const text = `Could not export the results: ${e instanceof Error ? e.message : String(e)}. Pick a folder you can write to.`;
          this.log.error(text);
          reply({ type: 'exportFailed', message: text });
        }
        return;
      }
      case 'copy':
        if (typeof message.text !== 'string') return;
        await vscode.env.clipboard.writeText(message.text);
        vscode.window.setStatusBarMessage(`Copied ${Number(message.rows).toLocaleString('en-US')} row${message.rows === 1 ? '' : 's'} as TSV`, 3000);
        return;
      case 'copied':
        vscode.window.setStatusBarMessage(`Copied ${Number(message.rows).toLocaleString('en-US')} row${message.rows === 1 ? '' : 's'} as TSV`, 3000);
        return;
      default:
        // A newer renderer may send kinds this host does not know yet; say so in the log rather than fail.
        this.log.warn(`The results view sent a message Eventline does not handle: ${JSON.stringify((raw as { type?: unknown })?.type)}`);
    }
  }
}

/** The KQL result in a cell's outputs, if it has one. */
export function cellResult(cell: vscode.NotebookCell): KqlResultOutput | undefined {
  for (const o of cell.outputs) {
    const item = o.items.find((i) => i.mime === KQL_RESULT_MIME);
    if (item) return JSON.parse(new TextDecoder().decode(item.data)) as KqlResultOutput;
  }
  return undefined;
}

/**
 * "Eventline: Export Results": the selected cell's result in the active KQL notebook, else the cell that ran
 * last; it asks which table (when there are several), the format and the file.
 */
export async function exportResults(controller: KqlController): Promise<vscode.Uri> {
  const editor = vscode.window.activeNotebookEditor ?? vscode.window.visibleNotebookEditors.find((e) => e.notebook.notebookType === NOTEBOOK_TYPE);
  if (!editor || editor.notebook.notebookType !== NOTEBOOK_TYPE) throw new Error('Open a KQL notebook (or run a query from a .kql file) first: there is no result to export.');
  const nb = editor.notebook;
  const selected = editor.selections.flatMap((r) => nb.getCells(r)).find((c) => cellResult(c));
  const cell = selected ?? controller.lastRunCell(nb) ?? [...nb.getCells()].reverse().find((c) => cellResult(c));
  const result = cell ? cellResult(cell) : undefined;
  if (!result || result.tables.length === 0) throw new Error('The selected cell has no result table to export: run it first, or select a cell that shows a result.');
  const table = result.tables.length === 1
    ? result.tables[0]
    : result.tables[await prompts.pick(result.tables.map((t, i) => ({ label: t.name, description: `${t.rows.length} rows`, value: i })), { title: 'Which result table?' })];
  const format = await prompts.pick([{ label: 'CSV', value: 'csv' as const, description: 'RFC 4180, dynamic values as JSON text' }, { label: 'JSON', value: 'json' as const, description: 'an array of objects' }], { title: `Export ${table.rows.length} rows as` });
  const uri = await saveTable(table, format, `${result.info.database}-${table.name}`);
  void vscode.window.showInformationMessage(`Exported ${table.rows.length.toLocaleString('en-US')} rows to ${uri.path.split('/').pop()}.`);
  return uri;
}
