import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { Disposable } from '../common/disposable';
import { AlertsModel, isLocalNotRunning } from '../model/alerts';
import type { HostToMailbox, MailboxToHost, MailSummary } from '../protocol/alertsUi';
import type { MailMessage } from '../protocol/controlApi';
import type { AlertsUiDeps } from './deps';
import { webviewHtml } from './webviewHtml';

/**
 * The mailbox of the local SMTP server (what the alert runner sent): the list newest first, and the selected
 * message's text, and its HTML body in a frame that is sandboxed without scripts and has a CSP of its own.
 */
export class MailboxPanel extends Disposable {
  private messages: MailMessage[] = [];
  private readyResolve!: () => void;
  readonly ready = new Promise<void>((r) => { this.readyResolve = r; });
  /** Tests: what the page was last sent. */
  lastList: Extract<HostToMailbox, { type: 'list' }> | undefined;
  lastMessage: MailMessage | undefined;

  constructor(readonly panel: vscode.WebviewPanel, private readonly deps: AlertsUiDeps) {
    super();
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webviews')] };
    const nonce = randomBytes(16).toString('base64');
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webviews', 'mailbox.js'));
    // The HTML body goes into a srcdoc frame: `frame-src` has nothing to allow (srcdoc is not fetched).
    panel.webview.html = webviewHtml({ nonce, cspSource: panel.webview.cspSource, scriptUri: script.toString(), title: 'Alert Emails' });
    this.register(panel.webview.onDidReceiveMessage((m: MailboxToHost) => { void this.receive(m); }));
    this.register(panel.onDidDispose(() => this.dispose()));
  }

  private post(m: HostToMailbox): void { void this.panel.webview.postMessage(m); }

  async receive(m: MailboxToHost): Promise<void> {
    switch (m.type) {
      case 'ready': await this.refresh(); this.readyResolve(); break;
      case 'refresh': await this.refresh(); break;
      case 'select': this.select(m.id); break;
      case 'startLocal':
        try { await this.deps.local.start(); } catch (e) { void vscode.window.showErrorMessage(`The local pipeline did not start: ${e instanceof Error ? e.message : String(e)}`); }
        await this.refresh();
        break;
    }
  }

  /** Reads GET /api/mail again and sends the list (newest first) to the page. */
  async refresh(): Promise<void> {
    let list: Extract<HostToMailbox, { type: 'list' }>;
    try {
      this.messages = (await new AlertsModel(this.deps.model.host).mail()).messages
        .slice().sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt));
      list = { type: 'list', messages: this.messages.map(summary) };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      list = { type: 'list', messages: [], error: message, canStartLocal: isLocalNotRunning(e) };
    }
    this.lastList = list;
    this.post(list);
  }

  select(id: string): void {
    const m = this.messages.find((x) => x.id === id);
    if (!m) return;
    this.lastMessage = m;
    this.post({ type: 'message', message: { id: m.id, from: m.from, to: m.to, cc: m.cc, subject: m.subject, date: m.date, receivedAt: m.receivedAt, text: m.text, html: m.html } });
  }
}

function summary(m: MailMessage): MailSummary {
  return { id: m.id, from: m.from, to: m.to, subject: m.subject, date: m.date ?? m.receivedAt, rule: m.headers['x-eventline-rule'] };
}
