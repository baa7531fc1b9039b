import * as vscode from 'vscode';
import { MANIFEST_FILE, parseManifest, type ManifestResult } from '../core/manifest';
import { Disposable } from '../common/disposable';

// `text` is what was parsed: positions taken from it hold even while an open editor's model still shows older text.
export type ManifestState = { kind: 'none' } | { kind: 'noFolder' } | ({ kind: 'loaded'; uri: vscode.Uri; text: string } & ManifestResult);

/**
 * Keeps the workspace's eventline.json parsed: re-reads it when it changes on disk, sets the
 * `eventline.manifestFound` context key (which drives the welcome view), and reports reference problems
 * the JSON Schema cannot see as diagnostics.
 */
export class ManifestStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<ManifestState>());
  readonly onDidChange = this.changed.event;
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('eventline'));
  private current: ManifestState = { kind: 'none' };
  private loading: Promise<ManifestState> | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(`**/${MANIFEST_FILE}`));
    const reload = () => { void this.reload(); };
    this.register(watcher.onDidChange(reload));
    this.register(watcher.onDidCreate(reload));
    this.register(watcher.onDidDelete(reload));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(reload));
  }

  get state(): ManifestState { return this.current; }

  /** The manifest's location in the first workspace folder, or undefined with no folder open. */
  manifestUri(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? vscode.Uri.joinPath(folder.uri, MANIFEST_FILE) : undefined;
  }

  /** The first load; later calls return the same promise until reload() runs. */
  load(): Promise<ManifestState> {
    this.loading ??= this.read();
    return this.loading;
  }

  reload(): Promise<ManifestState> {
    this.loading = this.read();
    return this.loading;
  }

  private async read(): Promise<ManifestState> {
    const uri = this.manifestUri();
    let state: ManifestState;
    if (!uri) {
      state = { kind: 'noFolder' };
    } else {
      let text: string | undefined;
      try {
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      } catch (e) {
        if (!(e instanceof vscode.FileSystemError) || e.code !== 'FileNotFound') this.log.warn(`Could not read ${uri.fsPath}: ${String(e)}`);
      }
      state = text === undefined ? { kind: 'none' } : { kind: 'loaded', uri, text, ...parseManifest(text) };
    }
    this.current = state;
    this.publishDiagnostics(state);
    await vscode.commands.executeCommand('setContext', 'eventline.manifestFound', state.kind === 'loaded');
    if (state.kind === 'loaded' && !state.ok) this.log.warn(`${MANIFEST_FILE}: ${state.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`);
    this.changed.fire(state);
    return state;
  }

  private publishDiagnostics(state: ManifestState): void {
    this.diagnostics.clear();
    if (state.kind !== 'loaded' || state.ok) return;
    // Syntax and schema errors are already reported by VS Code's JSON language service through the
    // contributed schema; only add what it cannot know (names that point nowhere, NCRONTAB that does not parse,
    // alert rules whose parts do not fit together).
    const own = state.problems.filter((p) => p.kind === 'reference' || p.kind === 'schedule' || p.kind === 'alert');
    this.diagnostics.set(state.uri, own.map((p) => {
      const pos = new vscode.Position(p.line - 1, p.column - 1);
      const d = new vscode.Diagnostic(new vscode.Range(pos, pos.translate(0, 1)), p.message, vscode.DiagnosticSeverity.Error);
      d.source = 'Eventline';
      return d;
    }));
  }
}
