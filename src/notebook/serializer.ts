import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { isJsonMime, NotebookFormatError, parseNotebook, serializeNotebook, type NotebookFile, type NotebookFileCell } from '../core/kql/notebookFormat';
import { NOTEBOOK_TYPE, notebookMetadataConnection } from './connections';

const SAVE_OUTPUTS = 'eventline.notebook.saveOutputs';

function saveOutputs(): boolean {
  return vscode.workspace.getConfiguration('eventline.notebook').get<boolean>('saveOutputs') === true;
}

/** Reads and writes `.kqlnb` files through the vscode-free format in src/core/kql/notebookFormat.ts. */
export class KqlNotebookSerializer implements vscode.NotebookSerializer {
  constructor(private readonly log: vscode.LogOutputChannel) {}

  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    let file: NotebookFile;
    try {
      file = parseNotebook(new TextDecoder().decode(content));
    } catch (e) {
      // VS Code shows the thrown message in place of the editor; the log keeps it after the tab closes.
      this.log.warn(e instanceof Error ? e.message : String(e));
      if (e instanceof NotebookFormatError) throw new Error(e.message);
      throw e;
    }
    const cells = file.cells.map((c) => {
      const cell = c.kind === 'markdown'
        ? new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, c.source, 'markdown')
        : new vscode.NotebookCellData(vscode.NotebookCellKind.Code, c.source, 'kql');
      if (c.outputs?.length) {
        cell.outputs = c.outputs.map((o) => new vscode.NotebookCellOutput(o.items.map((i) => isJsonMime(i.mime)
          ? vscode.NotebookCellOutputItem.json(i.value, i.mime)
          : vscode.NotebookCellOutputItem.text(typeof i.value === 'string' ? i.value : JSON.stringify(i.value), i.mime))));
      }
      return cell;
    });
    const data = new vscode.NotebookData(cells);
    data.metadata = file.connection ? { connection: file.connection } : {};
    return data;
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const keep = saveOutputs();
    const cells = data.cells.map((c): NotebookFileCell => {
      const cell: NotebookFileCell = { kind: c.kind === vscode.NotebookCellKind.Markup ? 'markdown' : 'kql', source: c.value };
      if (keep && c.outputs?.length) {
        cell.outputs = c.outputs.map((o) => ({
          items: o.items.map((i) => {
            const text = new TextDecoder().decode(i.data);
            if (!isJsonMime(i.mime)) return { mime: i.mime, value: text };
            try { return { mime: i.mime, value: JSON.parse(text) as unknown }; } catch { return { mime: 'text/plain', value: text }; }
          }),
        }));
      }
      return cell;
    });
    return new TextEncoder().encode(serializeNotebook({ connection: notebookMetadataConnection(data.metadata), cells }, { saveOutputs: keep }));
  }
}

/**
 * Registers the serializer. Outputs are transient (editing them does not dirty the notebook) unless the user
 * saves them, so the registration follows the setting.
 */
export class SerializerRegistration extends Disposable {
  private current: vscode.Disposable | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.registerNow();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration(SAVE_OUTPUTS)) this.registerNow(); }));
    this.register({ dispose: () => this.current?.dispose() });
  }

  private registerNow(): void {
    this.current?.dispose();
    this.current = vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new KqlNotebookSerializer(this.log), {
      transientOutputs: !saveOutputs(),
      transientCellMetadata: { executionOrder: true, runStartTime: true, runEndTime: true, inputCollapsed: true, outputCollapsed: true },
      transientDocumentMetadata: {},
    });
  }
}
