// The `.kqldash` custom editor: a webview of tiles over the text document (the file stays the truth: moves, resizes
// and query edits are edits of the document, so undo, dirty state and source control work as for any text file).
// A malformed file shows its problems (with where and an "Open as Text" button) and diagnostics, never a blank page.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { Disposable } from '../common/disposable';
import type { TilePosition } from '../core/dashboards/format';
import type { DashboardHostToView, DashboardViewToHost } from '../protocol/dashboard';
import type { DashboardDiagnostics } from './diagnostics';
import { readDashboard, writeDashboard } from './documents';
import { dashboardHtml } from './html';
import type { DashboardQueries } from './queries';
import { DashboardSession } from './session';
import { tileQueryUri } from './tileQueries';

export const DASHBOARD_VIEW_TYPE = 'eventline.dashboard';

export class DashboardEditorProvider extends Disposable implements vscode.CustomTextEditorProvider {
  /** Open dashboards by document URI (the integration tests read their tiles' state). */
  readonly sessions = new Map<string, DashboardSession>();
  private readonly opened = this.register(new vscode.EventEmitter<DashboardSession>());
  readonly onDidOpen = this.opened.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly queries: DashboardQueries,
    private readonly diagnostics: DashboardDiagnostics,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(vscode.window.registerCustomEditorProvider(DASHBOARD_VIEW_TYPE, this, { webviewOptions: { retainContextWhenHidden: true } }));
  }

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews');
    panel.webview.options = { enableScripts: true, localResourceRoots: [root] };
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = dashboardHtml({
      nonce, cspSource: panel.webview.cspSource, title: document.uri.path.split('/').pop() ?? 'Dashboard',
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.js')).toString(),
    });
    const key = document.uri.toString();
    const post = (m: DashboardHostToView): void => { void panel.webview.postMessage(m); };
    const session = new DashboardSession(document, post, this.queries, this.log);
    this.sessions.get(key)?.dispose();
    this.sessions.set(key, session);
    const update = (): void => { session.load(); this.diagnostics.check(document); };
    let pending: ReturnType<typeof setTimeout> | undefined;
    const subs = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() !== key || e.contentChanges.length === 0) return;
        // Typing in the text editor beside: reparse once it settles, not per keystroke.
        if (pending) clearTimeout(pending);
        pending = setTimeout(update, 300);
      }),
      panel.onDidChangeViewState((e) => session.setVisible(e.webviewPanel.visible)),
      panel.webview.onDidReceiveMessage((m: DashboardViewToHost) => { void this.onMessage(session, m).catch((e: unknown) => this.fail(e)); }),
    ];
    panel.onDidDispose(() => {
      if (pending) clearTimeout(pending);
      for (const s of subs) s.dispose();
      session.dispose();
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    });
    update();
    this.opened.fire(session);
  }

  private async onMessage(session: DashboardSession, m: DashboardViewToHost): Promise<void> {
    switch (m.type) {
      case 'ready': session.resend(); return;
      case 'refresh': session.refreshAll(); return;
      case 'refreshTile': session.refreshTile(m.id); return;
      case 'autoRefresh': session.setAutoRefresh(m.value); return;
      case 'timeRange': session.setParameters({ timeRange: m.value }); return;
      case 'select': session.setParameters({ selected: { [m.variable]: m.value } }); return;
      case 'page': session.setPage(m.index); return;
      case 'move': await moveTile(session.document, m.id, m.position); return;
      case 'editQuery': await vscode.window.showTextDocument(tileQueryUri(session.document.uri, m.id), { viewColumn: vscode.ViewColumn.Beside, preview: false }); return;
      case 'jumpToQuery': await revealQuery(session.document, m.id); return;
      case 'openAsText': await vscode.commands.executeCommand('vscode.openWith', session.document.uri, 'default'); return;
      case 'tileAction':
        if (m.action === 'remove') { await removeTile(session.document, m.id); return; }
        await vscode.commands.executeCommand(m.action === 'powerBi' ? 'eventline.exportPowerBi' : 'eventline.copyQueryUri', { dashboard: session.document.uri, tile: m.id });
        return;
    }
  }

  private fail(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log.error(`Dashboard: ${message}`);
    void vscode.window.showErrorMessage(message);
  }
}

async function moveTile(document: vscode.TextDocument, id: string, position: TilePosition): Promise<void> {
  const d = readDashboard(document);
  const tile = d.pages.flatMap((p) => p.tiles).find((t) => t.id === id);
  if (!tile) return;
  tile.position = position;
  await writeDashboard(document, d);
}

async function removeTile(document: vscode.TextDocument, id: string): Promise<void> {
  const d = readDashboard(document);
  for (const p of d.pages) p.tiles = p.tiles.filter((t) => t.id !== id);
  await writeDashboard(document, d);
}

/** Opens the file as text beside the dashboard with the tile's query selected. */
export async function revealQuery(document: vscode.TextDocument, id: string): Promise<void> {
  const root = parseTree(document.getText());
  let range: vscode.Range | undefined;
  const pages = root ? findNodeAtLocation(root, ['pages']) : undefined;
  (pages?.children ?? []).forEach((_, p) => {
    const tiles = root && findNodeAtLocation(root, ['pages', p, 'tiles']);
    (tiles?.children ?? []).forEach((__, t) => {
      const idNode = root && findNodeAtLocation(root, ['pages', p, 'tiles', t, 'id']);
      const q = root && findNodeAtLocation(root, ['pages', p, 'tiles', t, 'query']);
      if (idNode?.value === id && q) range = new vscode.Range(document.positionAt(q.offset), document.positionAt(q.offset + q.length));
    });
  });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false, ...(range ? { selection: range } : {}) });
}
