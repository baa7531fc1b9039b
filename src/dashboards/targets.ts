// What a dashboard command acts on: a tile (from the dashboard view), a notebook cell (its title menu, or the
// selected cell of the active notebook), or the Eventhouse database when neither is at hand.
import * as vscode from 'vscode';
import { LOCAL_DATA_SOURCE, type Dashboard, type Tile, type TileVisual, TILE_VISUALS } from '../core/dashboards/format';
import { splitCell, LOCAL_CLUSTER } from '../core/kql/connect';
import { KQL_RESULT_MIME, type KqlResultOutput } from '../protocol/kqlResult';
import { NOTEBOOK_TYPE, type KqlConnections } from '../notebook';
import { readDashboard } from './documents';

export interface TileArg { dashboard: vscode.Uri; tile: string }

export type Target =
  | { kind: 'tile'; dashboard: Dashboard; tile: Tile; uri: vscode.Uri }
  | { kind: 'cell'; cell: vscode.NotebookCell; query: string; visual: TileVisual; database?: string; dataSource: string }
  | { kind: 'database' };

export function isTileArg(arg: unknown): arg is TileArg {
  const a = arg as Partial<TileArg> | undefined;
  return !!a && a.dashboard instanceof vscode.Uri && typeof a.tile === 'string';
}

function isCell(arg: unknown): arg is vscode.NotebookCell {
  const c = arg as Partial<vscode.NotebookCell> | undefined;
  return !!c && typeof c.index === 'number' && !!c.document && !!c.notebook;
}

/** The cell a notebook command means: the one it was invoked on, else the active notebook's selected code cell. */
export function cellOf(arg: unknown): vscode.NotebookCell | undefined {
  if (isCell(arg)) return arg;
  const editor = vscode.window.activeNotebookEditor;
  if (!editor || editor.notebook.notebookType !== NOTEBOOK_TYPE) return undefined;
  const index = editor.selection?.start ?? 0;
  const cell = editor.notebook.cellAt(Math.min(index, editor.notebook.cellCount - 1));
  return cell?.kind === vscode.NotebookCellKind.Code ? cell : undefined;
}

/** The chart a cell's output was drawn as (its `render`), as a tile visual; a table when it had none. */
export function visualOfCell(cell: vscode.NotebookCell): TileVisual {
  for (const output of cell.outputs) {
    for (const item of output.items) {
      if (item.mime !== KQL_RESULT_MIME) continue;
      try {
        const out = JSON.parse(new TextDecoder().decode(item.data)) as Partial<KqlResultOutput>;
        const kind = out.visualization?.Visualization?.toLowerCase();
        if (kind && (TILE_VISUALS as readonly string[]).includes(kind)) return kind as TileVisual;
      } catch { /* a damaged output: the tile is a table */ }
    }
  }
  return 'table';
}

export async function resolveTarget(arg: unknown, connections: KqlConnections, manifestDatabase: string | undefined): Promise<Target> {
  if (isTileArg(arg)) {
    const doc = await vscode.workspace.openTextDocument(arg.dashboard);
    const d = readDashboard(doc);
    const tile = d.pages.flatMap((p) => p.tiles).find((t) => t.id === arg.tile);
    if (!tile) throw new Error(`The dashboard has no tile "${arg.tile}" any more.`);
    return { kind: 'tile', dashboard: d, tile, uri: arg.dashboard };
  }
  const cell = cellOf(arg);
  if (cell) return cellTarget(cell, connections, manifestDatabase);
  return { kind: 'database' };
}

export function cellTarget(cell: vscode.NotebookCell, connections: KqlConnections, manifestDatabase: string | undefined): Extract<Target, { kind: 'cell' }> {
  const query = splitCell(cell.document.getText()).query.trim();
  if (!query) throw new Error('The cell has no query: write one (and run it to pin its chart).');
  if (query.startsWith('.')) throw new Error('The cell is a management command; a dashboard tile needs a query.');
  const ref = connections.connectionFor(cell.document.uri.toString());
  let dataSource = LOCAL_DATA_SOURCE;
  if (ref && ref.cluster !== LOCAL_CLUSTER) {
    if (!manifestDatabase || ref.database !== manifestDatabase) {
      throw new Error(`The cell runs against ${connections.describe(ref)}; dashboard tiles run on "local" or the manifest's database${manifestDatabase ? ` ("${manifestDatabase}")` : ''}. Point the cell there (#connect or "Select KQL Connection") and pin again.`);
    }
    dataSource = manifestDatabase;
  }
  return { kind: 'cell', cell, query, visual: visualOfCell(cell), ...(ref ? { database: ref.database } : {}), dataSource };
}
