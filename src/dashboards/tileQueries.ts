// A tile's query as a KQL document of its own (scheme `eventline-tile`), so it is edited with the KQL language
// server like any .kql file. Reading gives the tile's query from the dashboard; saving writes it back into the
// dashboard file and saves that. The dashboard is the only copy: nothing is left unsaved when the editor closes.
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { readDashboard, writeDashboard } from './documents';

export const TILE_SCHEME = 'eventline-tile';

/** `eventline-tile:/<tile id>.kql?<dashboard uri>`: the tab shows the tile id. */
export function tileQueryUri(dashboard: vscode.Uri, tileId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: TILE_SCHEME, path: `/${tileId}.kql`, query: dashboard.toString() });
}

function parseTileUri(uri: vscode.Uri): { dashboard: vscode.Uri; tileId: string } {
  const tileId = decodeURIComponent(uri.path.replace(/^\//, '').replace(/\.kql$/, ''));
  return { dashboard: vscode.Uri.parse(uri.query, true), tileId };
}

export class TileQueryFileSystem extends Disposable implements vscode.FileSystemProvider {
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.emitter.event;
  private readonly mtimes = new Map<string, number>();

  constructor() {
    super();
    this.register(vscode.workspace.registerFileSystemProvider(TILE_SCHEME, this, { isCaseSensitive: true }));
    // The dashboard changed (a move, a pin, an edit as text): open tile editors reload their query.
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      const changed = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === TILE_SCHEME && d.uri.query === e.document.uri.toString() && !d.isDirty);
      if (changed.length) this.emitter.fire(changed.map((d) => ({ type: vscode.FileChangeType.Changed, uri: d.uri })));
    }));
  }

  private async tile(uri: vscode.Uri): Promise<{ doc: vscode.TextDocument; query: string }> {
    const { dashboard, tileId } = parseTileUri(uri);
    const doc = await vscode.workspace.openTextDocument(dashboard);
    const tile = readDashboard(doc).pages.flatMap((p) => p.tiles).find((t) => t.id === tileId);
    if (!tile) throw vscode.FileSystemError.FileNotFound(uri);
    return { doc, query: tile.query };
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const { query } = await this.tile(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: this.mtimes.get(uri.toString()) ?? Date.now(), size: Buffer.byteLength(query) };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return Buffer.from((await this.tile(uri)).query, 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const { dashboard, tileId } = parseTileUri(uri);
    const doc = await vscode.workspace.openTextDocument(dashboard);
    const d = readDashboard(doc);
    const tile = d.pages.flatMap((p) => p.tiles).find((t) => t.id === tileId);
    if (!tile) throw vscode.FileSystemError.FileNotFound(uri);
    const query = Buffer.from(content).toString('utf8').replace(/\s+$/, '');
    if (!query) throw vscode.FileSystemError.NoPermissions(`A tile needs a query; to remove tile "${tileId}", use its Remove button.`);
    tile.query = query;
    await writeDashboard(doc, d);
    await doc.save();
    this.mtimes.set(uri.toString(), Date.now());
  }

  watch(): vscode.Disposable { return new vscode.Disposable(() => undefined); }
  readDirectory(): [string, vscode.FileType][] { return []; }
  createDirectory(): void { throw vscode.FileSystemError.NoPermissions('Tile queries have no folders.'); }
  delete(): void { throw vscode.FileSystemError.NoPermissions('Remove a tile from the dashboard instead.'); }
  rename(): void { throw vscode.FileSystemError.NoPermissions('Tile queries cannot be renamed.'); }
}
