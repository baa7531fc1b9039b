import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { CONDITION_KINDS, probeQuery, ruleQueryErrorMessage, schemaIssues, validateDraft } from '../core/alerts/alertDraft';
import { upsertAlert } from '../core/alerts/alertEdits';
import { KqlQueryError } from '../core/kql/queryError';
import { Disposable } from '../common/disposable';
import { editManifest } from '../manifest/manifestWriter';
import { runKql } from '../notebook';
import type { AlertDraft, DraftIssue, EditorToHost, HostToEditor, SchemaCheck } from '../protocol/alertsUi';
import type { AlertsUiDeps } from './deps';
import { webviewHtml } from './webviewHtml';

/**
 * The alert editor: one panel per rule (or per new rule). The webview holds the form; each change comes here and is
 * validated with the rule model (core/alerts/alertDraft.ts), the query is checked against the live schema of the
 * profile's database, and Save writes eventline.json. A failed save leaves the form as it is.
 */
export class AlertEditorPanel extends Disposable {
  private draft: AlertDraft;
  /** The rule's name in eventline.json (undefined until a new rule is first saved). */
  private savedName: string | undefined;
  private columns: { query: string; target: string; columns: { name: string; type: string }[] } | undefined;
  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  private checking: AbortController | undefined;
  private readyResolve!: () => void;
  /** Resolves when the page has loaded its bundle and asked for its draft (the CSP let it run). */
  readonly ready = new Promise<void>((r) => { this.readyResolve = r; });
  /** Tests: the last validation and schema check posted to the page, and the last save's outcome. */
  lastIssues: DraftIssue[] = [];
  lastSchema: SchemaCheck | undefined;
  lastSave: { ok: true; name: string } | { ok: false; message: string } | undefined;
  private schemaWaiters: ((c: SchemaCheck) => void)[] = [];

  constructor(readonly panel: vscode.WebviewPanel, private readonly deps: AlertsUiDeps, draft: AlertDraft, savedName: string | undefined) {
    super();
    this.draft = draft;
    this.savedName = savedName;
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webviews')] };
    const nonce = randomBytes(16).toString('base64');
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webviews', 'alertEditor.js'));
    panel.webview.html = webviewHtml({ nonce, cspSource: panel.webview.cspSource, scriptUri: script.toString(), title: panel.title });
    this.register(panel.webview.onDidReceiveMessage((m: EditorToHost) => { void this.receive(m); }));
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register({ dispose: () => { clearTimeout(this.checkTimer); this.checking?.abort(); } });
  }

  get name(): string | undefined { return this.savedName; }
  get currentDraft(): AlertDraft { return this.draft; }

  private post(m: HostToEditor): void { void this.panel.webview.postMessage(m); }

  /** Handles one message from the page (tests call it with the messages the page would send). */
  async receive(m: EditorToHost): Promise<void> {
    try {
      switch (m.type) {
        case 'ready':
          this.post({ type: 'init', draft: this.draft, isNew: this.savedName === undefined, conditionKinds: [...CONDITION_KINDS] });
          this.validate();
          this.scheduleCheck(0);
          this.readyResolve();
          break;
        case 'change': {
          const queryChanged = m.draft['source.query'] !== this.draft['source.query'];
          this.draft = m.draft;
          this.validate();
          if (queryChanged || !this.columns) this.scheduleCheck(600);
          else this.publishSchema(this.columnsCheck());
          break;
        }
        case 'checkQuery': this.draft = m.draft; await this.check(); break;
        case 'startLocal':
          await this.deps.local.start();
          await this.check();
          break;
        case 'save': this.draft = m.draft; await this.save(); break;
        case 'cancel': this.panel.dispose(); break;
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.log.error(`Alert editor: ${m.type}: ${message}`);
      if (m.type === 'save') { this.lastSave = { ok: false, message }; this.post({ type: 'saveFailed', message }); } else void vscode.window.showErrorMessage(message);
    }
  }

  private otherNames(): string[] {
    const s = this.deps.manifests.state;
    const names = s.kind === 'loaded' && s.ok ? (s.manifest.alerts ?? []).map((a) => a.name) : [];
    return names.filter((n) => n !== this.savedName);
  }

  private validate(): DraftIssue[] {
    this.lastIssues = validateDraft(this.draft, this.otherNames()).issues;
    this.post({ type: 'validation', issues: this.lastIssues });
    return this.lastIssues;
  }

  /** Tests: the next schema check that is not "checking". */
  nextSchema(): Promise<SchemaCheck> { return new Promise((r) => this.schemaWaiters.push(r)); }

  private publishSchema(check: SchemaCheck): void {
    this.lastSchema = check;
    this.post({ type: 'schema', check });
    if (check.state !== 'checking') for (const w of this.schemaWaiters.splice(0)) w(check);
  }

  private scheduleCheck(delayMs: number): void {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => { this.check().catch((e: unknown) => this.deps.log.warn(`Alert editor: schema check: ${String(e)}`)); }, delayMs);
  }

  private columnsCheck(): SchemaCheck {
    const c = this.columns!;
    const issues = schemaIssues(this.draft, c.columns);
    return { state: issues.length ? 'problems' : 'ok', target: c.target, columns: c.columns, issues };
  }

  /** Runs the query with `take 0` against the profile's database and checks the columns the rule names. */
  async check(): Promise<SchemaCheck> {
    clearTimeout(this.checkTimer);
    this.checking?.abort();
    const query = this.draft['source.query'];
    if (!query.trim()) {
      this.columns = undefined;
      const c: SchemaCheck = { state: 'unavailable', issues: [], message: 'Write the source query to check it against the database.' };
      this.publishSchema(c);
      return c;
    }
    const snapshot = this.deps.model.snapshot();
    const ref = this.deps.connections.defaultConnection();
    if (!snapshot || !ref) {
      const c: SchemaCheck = { state: 'unavailable', issues: [], message: 'The active profile has no Eventhouse database to check the query against (eventhouse.database in eventline.json).' };
      this.publishSchema(c);
      return c;
    }
    const local = snapshot.profile.kind === 'local';
    if (local && !this.deps.local.current) {
      const c: SchemaCheck = { state: 'unavailable', issues: [], canStartLocal: true, message: 'The local pipeline is not running, so the query cannot be checked against the live schema. Start it to check.' };
      this.publishSchema(c);
      return c;
    }
    const target = `${ref.database}${local ? ' (local pipeline)' : ` on ${ref.cluster}`}`;
    this.publishSchema({ state: 'checking', target, issues: [] });
    const controller = new AbortController();
    this.checking = controller;
    const cts = new vscode.CancellationTokenSource();
    controller.signal.addEventListener('abort', () => cts.cancel());
    let check: SchemaCheck;
    try {
      const outcome = await runKql(this.deps.connections, ref, probeQuery(query), { token: cts.token, timeoutSeconds: 30, log: this.deps.log });
      if (outcome.kind === 'cancelled') return this.lastSchema!;
      const columns = (outcome.result.output.tables[0]?.columns ?? []).map((c) => ({ name: c.name, type: c.type }));
      this.columns = { query, target, columns };
      check = this.columnsCheck();
    } catch (e) {
      if (controller.signal.aborted) return this.lastSchema!;
      this.columns = undefined;
      if (e instanceof KqlQueryError) {
        const message = ruleQueryErrorMessage(e.info, `The query does not run against ${target}`);
        check = { state: 'problems', target, issues: [{ field: 'source.query', message, severity: 'error' }] };
      } else {
        check = { state: 'unavailable', target, issues: [], message: `Could not check the query against ${target}: ${e instanceof Error ? e.message : String(e)}` };
      }
    } finally {
      cts.dispose();
      if (this.checking === controller) this.checking = undefined;
    }
    this.publishSchema(check);
    return check;
  }

  /** Writes the rule to eventline.json when it validates; otherwise says why and keeps the form as it is. */
  async save(): Promise<void> {
    const { issues, alert } = validateDraft(this.draft, this.otherNames());
    this.lastIssues = issues;
    this.post({ type: 'validation', issues });
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length) {
      const message = `Not saved: ${errors.length === 1 ? 'one field needs' : `${errors.length} fields need`} fixing first (${errors.map((i) => i.field || 'rule').join(', ')}).`;
      this.lastSave = { ok: false, message };
      this.post({ type: 'saveFailed', message });
      return;
    }
    const previous = this.savedName;
    await editManifest(this.deps.manifests, (text) => upsertAlert(text, alert, previous).text);
    this.savedName = alert.name;
    this.panel.title = `Alert: ${alert.name}`;
    this.lastSave = { ok: true, name: alert.name };
    this.post({ type: 'saved', name: alert.name });
    this.deps.refresh();
  }
}
