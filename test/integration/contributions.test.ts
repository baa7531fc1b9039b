import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID } from './support/treeHelpers';

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
