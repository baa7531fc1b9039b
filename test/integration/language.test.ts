import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { LocalReady } from '../../src/protocol/localReady';
import { startLocalProfile } from './support/localHelpers';
import { api, removeManifest, until } from './support/treeHelpers';

describe('KQL language server (diagnostics and completion from the local Eventhouse schema)', function () {
  // The server's cold start (a 5 MB bridge, then its grammars) takes seconds, many more on a loaded machine.
  this.timeout(240000);
  let a: EventlineApi;
  let file: vscode.Uri;
  let ready: LocalReady;

  before(async () => {
    a = await api();
    ready = await startLocalProfile(a, {
      name: 'language-test',
      eventHubs: [{ name: 'telemetry', partitions: 1 }],
      eventhouse: { database: 'NetDefaultDB' },
    });
    const kusto = new KustoClient(ready.eventhouse.uri);
    try {
      await kusto.executeMgmt('NetDefaultDB', '.create-merge table LangProbe (Timestamp:datetime, SensorName:string, Reading:real)');
    } finally {
      kusto.close();
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    file = vscode.Uri.joinPath(folder.uri, 'language-test.kql');
    // Two blocks, as in Kusto Explorer: a typo in the first, an unfinished `where` in the second.
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('LangProbe\n| where Readng > 1\n\nLangProbe\n| where '));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    try { await vscode.workspace.fs.delete(file); } catch { /* not there */ }
    await a?.local.stop();
    await removeManifest();
  });

  it('marks an unknown column with its range, and completes the real column names', async () => {
    const doc = await vscode.workspace.openTextDocument(file);
    assert.equal(doc.languageId, 'kql');
    await vscode.window.showTextDocument(doc);

    const typo = await until(() => vscode.languages.getDiagnostics(file).find((d) => d.message.includes('Readng')),
      'a diagnostic for the unknown column Readng', 180000);
    assert.equal(typo.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual([typo.range.start.line, typo.range.start.character, typo.range.end.line, typo.range.end.character], [1, 8, 1, 14]);
    // The table itself is known: the schema came from the local Eventhouse, not a guess.
    assert.ok(!vscode.languages.getDiagnostics(file).some((d) => d.message.includes('LangProbe')), 'no diagnostic for the table name');

    const end = doc.lineAt(doc.lineCount - 1).range.end;
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', file, end);
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const c of ['Timestamp', 'SensorName', 'Reading']) assert.ok(labels.includes(c), `${c} in ${labels.slice(0, 15).join(', ')}`);
    assert.equal(list.items.find((i) => i.label === 'SensorName')?.kind, vscode.CompletionItemKind.Field);

    const hover = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', file, new vscode.Position(0, 3));
    assert.match(hover.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n')).join('\n'), /LangProbe/);
  });

  it('follows a schema change: a new column completes after the tree is refreshed', async () => {
    const kusto = new KustoClient(ready.eventhouse.uri);
    try {
      await kusto.executeMgmt('NetDefaultDB', '.create-merge table LangProbe (Timestamp:datetime, SensorName:string, Reading:real, Firmware:string)');
    } finally {
      kusto.close();
    }
    // Refresh (the tree's title button) is one of the moments the connection service drops its cached schemas and says so.
    await vscode.commands.executeCommand('eventline.refresh');
    const doc = await vscode.workspace.openTextDocument(file);
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    await until(async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', file, end);
      return list.items.some((i) => i.label === 'Firmware') ? true : undefined;
    }, 'the new column Firmware among the completions', 60000);
  });

  it('checks notebook cells too, skipping a first-line #connect and keeping positions', async () => {
    const nb = await vscode.workspace.openNotebookDocument('eventline-kql', new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, "#connect cluster('local').database('NetDefaultDB')\nLangProbe\n| where SensorNme == 'a'", 'kql'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'LangProbe\n| summarize avg(Reading) by ', 'kql'),
    ]));
    await vscode.window.showNotebookDocument(nb);
    const [first, second] = nb.getCells().map((c) => c.document);
    assert.equal(first.uri.scheme, 'vscode-notebook-cell');
    const typo = await until(() => vscode.languages.getDiagnostics(first.uri).find((d) => d.message.includes('SensorNme')),
      'a diagnostic for the unknown column in the cell', 120000);
    assert.deepEqual([typo.range.start.line, typo.range.start.character, typo.range.end.character], [2, 8, 17]);
    assert.ok(!vscode.languages.getDiagnostics(first.uri).some((d) => d.range.start.line === 0), 'nothing on the #connect line');

    const end = second.lineAt(second.lineCount - 1).range.end;
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', second.uri, end);
    assert.ok(list.items.some((i) => i.label === 'SensorName'), 'the cell completes the table\'s columns');
    // An untitled notebook is dirty: close it without the "save?" dialog.
    await vscode.window.showNotebookDocument(nb);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
