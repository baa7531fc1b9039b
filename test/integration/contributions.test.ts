import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openOnStart } from '../../src/common/openOnStart';
import { api, EXTENSION_ID, until } from './support/treeHelpers';

describe('Contributed commands (real VS Code)', () => {
  it('every contributed command is registered, and every registered eventline.* command is contributed', async () => {
    await api();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
    // VS Code itself registers `<view id>.focus` and the like for the Pipeline view; those are not ours to contribute.
    const registered = new Set((await vscode.commands.getCommands(true)).filter((c) => c.startsWith('eventline.') && !c.startsWith('eventline.pipeline.')));
    assert.deepEqual([...contributed].filter((c) => !registered.has(c)).sort(), [], 'contributed but not registered');
    assert.deepEqual([...registered].filter((c) => !contributed.has(c)).sort(), [], 'registered but not contributed');
  });
});

describe('The workbench as npm start opens it (real VS Code)', () => {
  const walkthroughTab = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => /Welcome|Walkthrough|Get started with Eventline/i.test(t.label));

  it('shows the Eventline view instead of the Explorer, and the walkthrough on the first start only', async () => {
    const a = await api();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { viewsContainers: { activitybar: { id: string; title: string }[] }; views: Record<string, { id: string; name: string }[]> } };
    assert.deepEqual(pkg.contributes.viewsContainers.activitybar.map((c) => [c.id, c.title]), [['eventline', 'Eventline']], 'the activity bar entry is named Eventline');
    assert.deepEqual(pkg.contributes.views.eventline.map((v) => [v.id, v.name]), [['eventline.pipeline', 'Pipeline']]);
    const state = new Map<string, unknown>();
    const memento = { keys: () => [...state.keys()], get: (k: string) => state.get(k), update: (k: string, v: unknown) => { state.set(k, v); return Promise.resolve(); } } as vscode.Memento;
    const explorer = async () => {
      await vscode.commands.executeCommand('workbench.view.explorer');
      await until(() => (!a.view.visible ? true : undefined), 'the Explorer in place of the Eventline view');
    };

    await explorer();
    await openOnStart(undefined, memento);
    assert.equal(a.view.visible, false, 'a workspace not opened by npm start keeps its layout');

    await openOnStart('walkthrough', memento);
    await until(() => (a.view.visible ? true : undefined), 'the Eventline view');
    const tab = await until(() => walkthroughTab(), `the walkthrough's tab (tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')})`);
    await vscode.window.tabGroups.close(tab);

    // A later start (or a reload) shows the view again but not the walkthrough the user already saw.
    await explorer();
    await openOnStart('walkthrough', memento);
    await until(() => (a.view.visible ? true : undefined), 'the Eventline view again');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(walkthroughTab(), undefined, 'the walkthrough opens once');
    // Later suites expect the workbench as it was: a visible tree loads (and may start the local pipeline) by itself.
    await explorer();
  });
});
