// Alerts in VS Code (#22): the tree rows' actions (Evaluate Now, Mute, Unmute, Edit), New Alert with its editor,
// and Show Alert Emails. The rule model and its checks live in core/alerts; the local runner's state comes through
// model/alerts.ts.
import * as vscode from 'vscode';
import { alertToDraft, emptyDraft } from '../core/alerts/alertDraft';
import { setAlertMuted } from '../core/alerts/alertEdits';
import { prompts } from '../common/prompt';
import { registerCommand } from '../common/registerCommand';
import { editManifest } from '../manifest/manifestWriter';
import { AlertsModel, isLocalNotRunning } from '../model/alerts';
import { refOf } from '../model/refs';
import type { AlertEvaluation } from '../protocol/controlApi';
import { AlertEditorPanel } from './alertEditorPanel';
import type { AlertsUiDeps } from './deps';
import { MailboxPanel } from './mailboxPanel';

export type { AlertsUiDeps } from './deps';
export type { AlertEditorPanel } from './alertEditorPanel';
export type { MailboxPanel } from './mailboxPanel';

/** What the alert UI gives the rest of the extension (and the integration tests). */
export interface AlertsUi extends vscode.Disposable {
  readonly editors: ReadonlySet<AlertEditorPanel>;
  readonly mailbox: MailboxPanel | undefined;
}

export function registerAlerts(deps: AlertsUiDeps): AlertsUi {
  const editors = new Set<AlertEditorPanel>();
  let mailbox: MailboxPanel | undefined;
  const alerts = () => new AlertsModel(deps.model.host);

  const alertNames = () => {
    const s = deps.manifests.state;
    return s.kind === 'loaded' && s.ok ? (s.manifest.alerts ?? []).map((a) => a.name) : [];
  };
  /** The rule a command runs on: a tree row, a name (tests, other commands), or one picked from eventline.json. */
  const nameOf = async (arg: unknown, title: string): Promise<string> => {
    if (typeof arg === 'string') return arg;
    const ref = refOf(arg);
    if (ref?.kind === 'alert') return ref.name;
    const names = alertNames();
    if (!names.length) throw new Error('eventline.json has no alerts yet. Run "Eventline: New Alert" to write one.');
    return prompts.pick(names.map((n) => ({ label: n, value: n })), { title });
  };

  /** Runs a local-only action; when the pipeline is not running, offers to start it and runs it then. */
  const withLocal = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      if (!isLocalNotRunning(e)) throw e;
      await prompts.confirm(e.message, { buttons: ['Start Local Pipeline'] as const });
      await deps.local.start();
      return run();
    }
  };

  const evaluate = async (arg: unknown): Promise<AlertEvaluation> => {
    const name = await nameOf(arg, 'Evaluate which alert now?');
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Evaluating alert "${name}"…`, cancellable: true },
      (_p, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return withLocal(() => alerts().evaluate(name, controller.signal));
      });
    deps.refresh();
    const a = result.alert;
    const outbox = result.outbox.pending ? ` ${result.outbox.pending} email${result.outbox.pending === 1 ? '' : 's'} still waiting in the outbox${result.outbox.lastError ? ` (${result.outbox.lastError})` : ''}.` : '';
    if (a.state === 'error') {
      void vscode.window.showErrorMessage(`Alert "${name}" could not be evaluated: ${a.error?.message ?? 'unknown error'}`);
    } else if (result.firings) {
      void vscode.window.showInformationMessage(`Alert "${name}" fired for ${a.firingObjects} object${a.firingObjects === 1 ? '' : 's'} (${result.firings} firing${result.firings === 1 ? '' : 's'}).${outbox}`, 'Show Alert Emails')
        .then((c) => { if (c) void vscode.commands.executeCommand('eventline.showAlertEmails'); });
    } else {
      void vscode.window.showInformationMessage(`Alert "${name}" evaluated: nothing fired${a.muted ? ' (it is muted)' : ''}.${outbox}`);
    }
    return result;
  };

  const mute = async (arg: unknown, muted: boolean): Promise<void> => {
    const name = await nameOf(arg, muted ? 'Mute which alert?' : 'Unmute which alert?');
    await editManifest(deps.manifests, (text) => setAlertMuted(text, name, muted));
    deps.refresh();
  };

  const openEditor = (name: string | undefined): AlertEditorPanel => {
    for (const e of editors) {
      if (name !== undefined && e.name === name) { e.panel.reveal(); return e; }
    }
    const s = deps.manifests.state;
    const alert = name === undefined ? undefined : s.kind === 'loaded' && s.ok ? s.manifest.alerts?.find((a) => a.name === name) : undefined;
    if (name !== undefined && !alert) throw new Error(`eventline.json has no alert "${name}" (or it has problems to fix first).`);
    const panel = vscode.window.createWebviewPanel('eventline.alertEditor', name ? `Alert: ${name}` : 'New Alert', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    const editor = new AlertEditorPanel(panel, deps, alert ? alertToDraft(alert) : emptyDraft(), name);
    editors.add(editor);
    panel.onDidDispose(() => editors.delete(editor));
    return editor;
  };

  const showMailbox = (): MailboxPanel => {
    if (mailbox) {
      mailbox.panel.reveal();
      void mailbox.refresh();
      return mailbox;
    }
    const panel = vscode.window.createWebviewPanel('eventline.mailbox', 'Alert Emails', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    const m = new MailboxPanel(panel, deps);
    mailbox = m;
    panel.onDidDispose(() => { if (mailbox === m) mailbox = undefined; });
    return m;
  };

  const disposables = [
    registerCommand('eventline.evaluateAlert', deps.log, evaluate),
    registerCommand('eventline.muteAlert', deps.log, (arg?: unknown) => mute(arg, true)),
    registerCommand('eventline.unmuteAlert', deps.log, (arg?: unknown) => mute(arg, false)),
    registerCommand('eventline.editAlert', deps.log, async (arg?: unknown) => openEditor(await nameOf(arg, 'Edit which alert?'))),
    registerCommand('eventline.newAlert', deps.log, () => openEditor(undefined)),
    registerCommand('eventline.showAlertEmails', deps.log, () => showMailbox()),
  ];
  return {
    editors,
    get mailbox() { return mailbox; },
    dispose: () => {
      for (const e of [...editors]) e.panel.dispose();
      mailbox?.panel.dispose();
      for (const d of disposables) d.dispose();
    },
  };
}
