import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AlertEditorPanel, MailboxPanel } from '../../src/alerts';
import { emptyDraft } from '../../src/core/alerts/alertDraft';
import type { EventlineApi } from '../../src/extension';
import type { AlertDraft } from '../../src/protocol/alertsUi';
import type { AlertEvaluation } from '../../src/protocol/controlApi';
import type { TreeNode } from '../../src/tree/treeNode';
import { startLocalProfile } from './support/localHelpers';
import { answered, api, child, description, manifestUri, path, removeManifest, until } from './support/treeHelpers';

const readManifest = async () => JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(manifestUri()))) as { alerts: Record<string, unknown>[] };

describe('Alerts in VS Code (tree, Evaluate Now, Mute, editor, mailbox; local pipeline)', function () {
  this.timeout(180000);
  let a: EventlineApi;

  before(async () => {
    a = await api();
    await startLocalProfile(a, {
      name: 'alerts-test',
      alerts: [
        {
          name: 'hot', source: { query: "print Site = 'A', Value = 42.5", every: '1h' }, object: 'Site', property: 'Value',
          condition: { kind: 'is', op: 'greaterThan', value: 30 },
          action: { email: { to: ['ops@contoso.com'], subject: 'Hot: {object} at {value}', message: '<script>alert(1)</script> {Site}' } },
        },
        { name: 'broken', source: { query: 'print X = 1\n| where Nope > 1', every: '1h' }, condition: { kind: 'everyValue' } },
        { name: 'calm', source: { query: "print Site = 'B', Value = 1.0", every: '1h' }, object: 'Site', property: 'Value', condition: { kind: 'is', op: 'greaterThan', value: 30 } },
      ],
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await a?.local.stop();
    await removeManifest();
  });

  const row = async (name: string): Promise<TreeNode> => {
    a.pipelineTree.refresh();
    return path(a, 'Alerts', name);
  };
  const evaluate = (name: string, node?: unknown) => vscode.commands.executeCommand<AlertEvaluation | undefined>('eventline.evaluateAlert', node ?? name);

  it('Evaluate Now runs a rule in the local runner and the tree shows its state: firing, OK, error with the query\'s message', async () => {
    const hot = await row('hot');
    const result = await evaluate('hot', hot);
    assert.ok(result, 'the command returns the evaluation');
    assert.equal(result.alert.state, 'firing');
    assert.equal(result.firings, 1);
    assert.match(description(a, await row('hot')), /^firing for 1 object · last evaluated \d+ s ago · last fired \d+ s ago · \d+ in 24 h$/);
    assert.equal(a.pipelineTree.getTreeItem(await row('hot')).contextValue, 'alert');

    assert.equal((await evaluate('calm'))?.alert.state, 'ok');
    assert.match(description(a, await row('calm')), /^OK · last evaluated/);

    assert.equal((await evaluate('broken'))?.alert.state, 'error');
    const broken = description(a, await row('broken'));
    assert.match(broken, /^error: The source query failed: .*Nope.*line:position=2:/);
    assert.match(a.pipelineTree.getTreeItem(await row('broken')).tooltip as string, /Error since/);
  });

  it('Show Alert Emails lists the email the runner sent to the local SMTP server, newest first, and shows its bodies', async () => {
    const mailbox = await vscode.commands.executeCommand<MailboxPanel>('eventline.showAlertEmails');
    assert.ok(mailbox, 'the command returns the mailbox');
    await mailbox.ready;
    const list = await until(async () => {
      await mailbox.receive({ type: 'refresh' });
      return mailbox.lastList?.messages.some((m) => m.subject === 'Hot: A at 42.5') ? mailbox.lastList : undefined;
    }, 'the email of "hot" in the mailbox');
    assert.equal(list.error, undefined);
    const dates = list.messages.map((m) => Date.parse(m.date));
    assert.deepEqual(dates, [...dates].sort((x, y) => y - x), 'newest first');
    const m = list.messages.find((x) => x.subject === 'Hot: A at 42.5')!;
    assert.deepEqual(m.to, ['ops@contoso.com']);
    assert.equal(m.rule, 'hot');
    await mailbox.receive({ type: 'select', id: m.id });
    assert.match(mailbox.lastMessage!.text, /<script>alert\(1\)<\/script> A/, 'the text body is carried as text (the page sets it with textContent)');
    assert.match(mailbox.lastMessage!.html ?? '', /&lt;script&gt;/);
  });

  it('Mute and Unmute write eventline.json, and the row follows', async () => {
    await vscode.commands.executeCommand('eventline.muteAlert', await row('calm'));
    assert.equal((await readManifest()).alerts.find((x) => x.name === 'calm')!.muted, true);
    const muted = await row('calm');
    assert.equal(a.pipelineTree.getTreeItem(muted).contextValue, 'alert.muted');
    assert.match(description(a, muted), /^muted · /);
    await vscode.commands.executeCommand('eventline.unmuteAlert', muted);
    assert.equal((await readManifest()).alerts.find((x) => x.name === 'calm')!.muted, undefined);
    assert.equal(a.pipelineTree.getTreeItem(await row('calm')).contextValue, 'alert');
  });

  describe('the alert editor', () => {
    let editor: AlertEditorPanel;
    const good: AlertDraft = {
      ...emptyDraft(), name: 'editor-made', 'source.query': "print Site = 'C', Value = 99.0", 'source.every': '1h', object: 'Site', 'property.column': 'Value',
      'condition.kind': 'is', 'condition.op': 'greaterThan', 'condition.value': '50', 'action.email.to': 'team@contoso.com', 'action.email.subject': 'Editor {object}',
    };
    const change = async (over: Partial<AlertDraft>) => { await editor.receive({ type: 'change', draft: { ...good, ...over } }); return editor.lastIssues; };
    const check = async (over: Partial<AlertDraft>) => { await editor.receive({ type: 'checkQuery', draft: { ...good, ...over } }); return editor.lastSchema!; };

    before(async () => {
      editor = (await vscode.commands.executeCommand<AlertEditorPanel>('eventline.newAlert'))!;
      assert.ok(editor, 'New Alert returns the editor');
      await editor.ready; // the page ran its bundle under the CSP and asked for its draft
    });

    it('validates every change with the rule model, at the field', async () => {
      assert.deepEqual(await change({}), []);
      const every = await change({ 'source.every': '5x' });
      assert.equal(every[0].field, 'source.every');
      assert.match(every[0].message, /"5x", which is not a duration/);
      const to = await change({ 'action.email.to': 'team@contoso.com, not an address' });
      assert.equal(to[0].field, 'action.email.to');
      assert.match(to[0].message, /"not an address", which is not an email address/);
      assert.equal((await change({ name: 'hot' }))[0].message, 'eventline.json already has an alert "hot"; alert names must be unique.');
    });

    it('checks the query against the live schema: a query that does not parse, a missing column, a text column for a numeric condition', async () => {
      const ok = await check({});
      assert.equal(ok.state, 'ok', JSON.stringify(ok));
      assert.deepEqual(ok.columns?.map((c) => c.name), ['Site', 'Value']);
      const parse = await check({ 'source.query': "print Site = 'C'\n| where (" });
      assert.equal(parse.state, 'problems');
      assert.equal(parse.issues[0].field, 'source.query');
      assert.match(parse.issues[0].message, /line 2, column \d+/);
      const missing = await check({ object: 'Device' });
      assert.deepEqual(missing.issues.map((i) => i.field), ['object']);
      assert.match(missing.issues[0].message, /no column "Device".*Its columns: Site, Value/);
      const text = await check({ 'property.column': 'Site' });
      assert.deepEqual(text.issues.map((i) => i.field), ['property.column']);
      assert.match(text.issues[0].message, /"Site" is of type string, not a number/);
    });

    it('does not save a draft with problems, keeps edits when eventline.json cannot be written, and saves to the manifest', async () => {
      const before = await readManifest();
      await editor.receive({ type: 'save', draft: { ...good, 'source.every': '5x' } });
      assert.deepEqual(editor.lastSave, { ok: false, message: 'Not saved: one field needs fixing first (source.every).' });
      assert.deepEqual(await readManifest(), before);

      // Unsaved changes in the open manifest: the save is refused and the editor keeps the user's draft.
      const doc = await vscode.workspace.openTextDocument(manifestUri());
      await vscode.window.showTextDocument(doc);
      const dirty = new vscode.WorkspaceEdit();
      dirty.insert(doc.uri, new vscode.Position(0, 0), ' ');
      assert.ok(await vscode.workspace.applyEdit(dirty));
      await editor.receive({ type: 'save', draft: good });
      assert.equal(editor.lastSave?.ok, false);
      assert.match((editor.lastSave as { message: string }).message, /unsaved changes/);
      assert.deepEqual(editor.currentDraft, good, 'the draft is still there');
      await vscode.commands.executeCommand('workbench.action.files.revert', doc.uri);

      await editor.receive({ type: 'save', draft: good });
      assert.deepEqual(editor.lastSave, { ok: true, name: 'editor-made' });
      const saved = (await readManifest()).alerts.find((x) => x.name === 'editor-made');
      assert.deepEqual(saved, {
        name: 'editor-made', source: { query: "print Site = 'C', Value = 99.0", every: '1h' }, object: 'Site', property: 'Value',
        condition: { kind: 'is', op: 'greaterThan', value: 50 }, action: { email: { to: ['team@contoso.com'], subject: 'Editor {object}' } },
      });
      await until(async () => ((await a.pipelineTree.getChildren(await path(a, 'Alerts'))).length === 4 ? true : undefined), 'the new row');
      const edited = await vscode.commands.executeCommand<AlertEditorPanel>('eventline.editAlert', await child(a, await path(a, 'Alerts'), 'editor-made'));
      assert.equal(edited, editor, 'Edit on a rule that is open reveals its editor');
    });
  });

  // In a describe of its own so it runs after the editor's (mocha runs a suite's own tests before its sub-suites).
  describe('with the local pipeline stopped', () => {
    it('rows say so, the editor and mailbox offer to start it, Evaluate Now offers and starts it', async () => {
      // As "Eventline: Stop Local Pipeline" stops it. After a plain stop, whatever needs the pipeline next (a hub's
      // tree row, a tail reconnecting) starts it again (eventline.local.autoStart): once in CI it was running again
      // by the editor's check below.
      await a.local.stop({ byUser: true });
      assert.match(description(a, await row('hot')), /local pipeline not running/);
      const editor = (await vscode.commands.executeCommand<AlertEditorPanel>('eventline.editAlert', 'hot'));
      await editor.ready;
      const check = await editor.check();
      assert.equal(check.state, 'unavailable');
      assert.equal(check.canStartLocal, true);
      assert.match(check.message!, /local pipeline is not running/);
      const mailbox = (await vscode.commands.executeCommand<MailboxPanel>('eventline.showAlertEmails'));
      await mailbox.receive({ type: 'refresh' });
      assert.equal(mailbox.lastList?.canStartLocal, true);
      assert.match(mailbox.lastList?.error ?? '', /The local pipeline is not running/);

      // Restarted with the current eventline.json, the runner has the rule the editor saved.
      const result = await answered(a, ['Start Local Pipeline'], () => evaluate('editor-made'));
      assert.ok(a.local.current, 'the pipeline runs again');
      assert.equal(result?.alert.state, 'firing');
    });
  });
});
