// Problems of every open `.kqldash` document as diagnostics, however it is open: in the dashboard editor, as text
// (after "Open as Text", "Reopen Editor With…", a diff, or a workspace that maps the files to the text editor), or
// only as a document. They follow each edit, so fixing the file as text clears them and the dashboard reloads.
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { DASHBOARD_EXTENSION, parseDashboard, type DashboardProblem } from '../core/dashboards/format';

export function isDashboardDocument(document: vscode.TextDocument): boolean {
  return document.uri.path.toLowerCase().endsWith(DASHBOARD_EXTENSION) && document.uri.scheme !== 'git' && document.uri.scheme !== 'output';
}

export class DashboardDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('eventline-dashboard'));
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  /** `dataSources`: the names tiles may use besides `local` (undefined while no manifest is loaded: not checked). */
  constructor(private readonly dataSources: () => string[] | undefined) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((d) => { if (isDashboardDocument(d)) this.check(d); }));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isDashboardDocument(e.document) || e.contentChanges.length === 0) return;
      // Typing: check once it settles, not per keystroke.
      const key = e.document.uri.toString();
      clearTimeout(this.pending.get(key));
      this.pending.set(key, setTimeout(() => { this.pending.delete(key); this.check(e.document); }, 250));
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => {
      clearTimeout(this.pending.get(d.uri.toString()));
      this.pending.delete(d.uri.toString());
      this.collection.delete(d.uri);
    }));
    this.register({ dispose: () => { for (const t of this.pending.values()) clearTimeout(t); } });
    this.recheckAll();
  }

  /** The manifest (and so the known data sources) changed. */
  recheckAll(): void {
    for (const d of vscode.workspace.textDocuments) if (isDashboardDocument(d) && !d.isClosed) this.check(d);
  }

  /** Parses the document now and replaces its diagnostics; returns its problems. */
  check(document: vscode.TextDocument): DashboardProblem[] {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    const dataSources = this.dataSources();
    const parsed = parseDashboard(document.getText(), dataSources ? { dataSources } : {});
    this.collection.set(document.uri, parsed.problems.map((p) => toDiagnostic(document, p)));
    return parsed.problems;
  }
}

function toDiagnostic(document: vscode.TextDocument, p: DashboardProblem): vscode.Diagnostic {
  const pos = document.positionAt(p.offset);
  // The token at the problem (a key, a string, a number) so the squiggle is visible; a bare position otherwise.
  const range = document.getWordRangeAtPosition(pos, /"(?:[^"\\]|\\.)*"|[^\s,:{}[\]]+/) ?? new vscode.Range(pos, pos.translate(0, pos.character < document.lineAt(pos.line).text.length ? 1 : 0));
  const d = new vscode.Diagnostic(range, p.path ? `${p.path}: ${p.message}` : p.message, vscode.DiagnosticSeverity.Error);
  d.source = 'Eventline dashboard';
  return d;
}
