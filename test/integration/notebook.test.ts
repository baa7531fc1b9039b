import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { LocalReady } from '../../src/protocol/localReady';
import { KQL_RESULT_MIME, type KqlResultOutput } from '../../src/protocol/kqlResult';
import { startLocalProfile } from './support/localHelpers';
import { answered, api, path, removeManifest, until } from './support/treeHelpers';

const ERROR_MIME = 'application/vnd.code.notebook.error';

function result(cell: vscode.NotebookCell): KqlResultOutput | undefined {
  const item = cell.outputs.flatMap((o) => o.items).find((i) => i.mime === KQL_RESULT_MIME);
  return item ? JSON.parse(new TextDecoder().decode(item.data)) as KqlResultOutput : undefined;
}

function errorText(cell: vscode.NotebookCell): string | undefined {
  const item = cell.outputs.flatMap((o) => o.items).find((i) => i.mime === ERROR_MIME);
  return item ? (JSON.parse(new TextDecoder().decode(item.data)) as { message: string }).message : undefined;
}

function text(cell: vscode.NotebookCell): string {
  return cell.outputs.flatMap((o) => o.items).filter((i) => i.mime.startsWith('text/') || i.mime.includes('stdout') || i.mime.includes('stderr')).map((i) => new TextDecoder().decode(i.data)).join('\n');
}

function runCells(nb: vscode.NotebookDocument, start = 0, end = nb.cellCount): Thenable<unknown> {
  return vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start, end }], document: nb.uri });
}

async function openNotebook(name: string, content: unknown): Promise<vscode.NotebookDocument> {
  const folder = vscode.workspace.workspaceFolders![0].uri;
  const uri = vscode.Uri.joinPath(folder, name);
  // Open only after the file watcher reported the write: a late event would otherwise mark the notebook as changed
  // on disk after an edit, and VS Code would refuse to save it over the "newer" file.
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, name));
  try {
    const seen = new Promise<void>((resolve) => { watcher.onDidCreate(() => resolve()); watcher.onDidChange(() => resolve()); setTimeout(resolve, 5000); });
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`));
    await seen;
  } finally {
    watcher.dispose();
  }
  const nb = await vscode.workspace.openNotebookDocument(uri);
  await vscode.window.showNotebookDocument(nb);
  return nb;
}

async function replaceCell(nb: vscode.NotebookDocument, index: number, source: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.set(nb.uri, [vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(index, index + 1), [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, 'kql')])]);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

/**
 * Saves an edited notebook. save() answers false when there was nothing to save — code-server (VS Code for the
 * web) auto-saves after a 1 s delay by default, and on a loaded machine that save can come first — and when the
 * save was aborted ("Aborted onWillSaveTextDocument-event": save participants get a time budget a loaded machine
 * can exceed). Either way the test wants the file on disk written by the serializer: save until it is clean.
 */
async function saveEdited(nb: vscode.NotebookDocument): Promise<void> {
  await until(async () => ((await nb.save()) || !nb.isDirty ? true : undefined), `${nb.uri.path} saved`, 30000);
}

describe('KQL notebooks against a local Eventhouse', function () {
  this.timeout(180000);
  let a: EventlineApi;
  let ready: LocalReady;
  let kusto: KustoClient;
  const created: vscode.Uri[] = [];

  before(async () => {
    a = await api();
    ready = await startLocalProfile(a, { name: 'kql-notebook-test', eventhouse: { database: 'NetDefaultDB' } });
    kusto = new KustoClient(ready.eventhouse.uri);
    await kusto.execute('NetDefaultDB', '.drop table NbEvents ifexists');
    await kusto.execute('NetDefaultDB', '.create table NbEvents (Timestamp: datetime, Source: string, Value: real, Payload: dynamic)');
    await kusto.execute('NetDefaultDB', [
      '.ingest inline into table NbEvents <|',
      '2026-01-01T00:00:10Z,api,1.5,"{""k"":""a""}"',
      '2026-01-01T00:00:40Z,api,2.5,"{""k"":""b""}"',
      '2026-01-01T00:01:10Z,sensor,3,"{""k"":""a""}"',
      '2026-01-01T00:01:20Z,api,4,"{""k"":""a""}"',
      '2026-01-01T00:02:30Z,sensor,5,"{""k"":""c""}"',
      '2026-01-01T00:02:50Z,sensor,6,"{""k"":""a, \\""quoted\\""""}"',
    ].join('\n'));
  });

  after(async () => {
    if (nb?.isDirty) await nb.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of created) { try { await vscode.workspace.fs.delete(uri); } catch { /* already gone */ } }
    kusto?.close();
    await a?.local.stop();
    await removeManifest();
  });

  let nb: vscode.NotebookDocument;

  it('runs every cell of a notebook bound to the local Eventhouse and shows results with the KQL mime', async () => {
    nb = await openNotebook('pipeline.kqlnb', {
      version: 1,
      connection: { cluster: 'local', database: 'NetDefaultDB' },
      cells: [
        { kind: 'markdown', source: '# Events' },
        { kind: 'kql', source: 'NbEvents\n| summarize n = count(), total = sum(Value) by Source\n| order by Source asc' },
        { kind: 'kql', source: '.show tables' },
        { kind: 'kql', source: `#connect cluster('${ready.eventhouse.uri}').database('NetDefaultDB')\nNbEvents | where Source == 'sensor' | project Timestamp, Payload | order by Timestamp asc` },
        { kind: 'kql', source: "NbEvents\n| summarize count() by bin(Timestamp, 1m)\n| render timechart with (title='Per minute', ytitle='events')" },
      ],
    });
    created.push(nb.uri);
    assert.equal(nb.notebookType, 'eventline-kql');
    await runCells(nb);
    await until(() => nb.getCells().slice(1).every((c) => c.executionSummary?.success !== undefined) || undefined, 'every cell to finish', 60000);

    const summary = nb.cellAt(1);
    assert.equal(summary.executionSummary?.success, true, errorText(summary));
    const r1 = result(summary)!;
    assert.ok(r1, 'a KQL result output');
    assert.deepEqual(r1.tables[0].columns.map((c) => `${c.name}:${c.type}`), ['Source:string', 'n:long', 'total:real']);
    assert.deepEqual(r1.tables[0].rows, [['api', 3, 8], ['sensor', 3, 14]]);
    assert.equal(r1.info.database, 'NetDefaultDB');
    assert.equal(r1.info.cluster, ready.eventhouse.uri);
    assert.equal(r1.info.rowCount, 2);
    assert.match(r1.info.clientRequestId, /^Eventline\.Query;[0-9a-f-]{36}$/);
    assert.equal(typeof r1.info.elapsedMs, 'number');
    assert.equal(r1.info.executionOrder, summary.executionSummary?.executionOrder);
    assert.equal(r1.visualization, undefined);
    assert.match(text(summary), /^2 rows in [\d.]+ s from NetDefaultDB\nSource\tn\ttotal\napi\t3\t8/, 'a text/plain fallback');

    const tables = result(nb.cellAt(2))!;
    assert.ok(tables.tables[0].rows.some((r) => r[0] === 'NbEvents'), '.show tables ran as a management command');

    const connected = result(nb.cellAt(3))!;
    assert.deepEqual(connected.tables[0].rows.map((r) => r[1]), [{ k: 'a' }, { k: 'c' }, { k: 'a, "quoted"' }], 'dynamic values arrive as JSON');
    assert.equal(connected.tables[0].rows[0][0], '2026-01-01T00:01:10.0000000Z');

    const chart = result(nb.cellAt(4))!;
    assert.equal(chart.visualization?.Visualization, 'timechart');
    assert.equal(chart.visualization?.Title, 'Per minute');
    assert.equal(chart.visualization?.YTitle, 'events');
    assert.deepEqual(chart.tables[0].rows.map((r) => r[1]), [2, 2, 2]);

    const orders = nb.getCells().slice(1).map((c) => c.executionSummary?.executionOrder ?? 0);
    assert.ok(orders.every((o, i) => i === 0 || o > orders[i - 1]), `execution order increases: ${orders.join(',')}`);
  });

  it('saves stable JSON with the connection and no outputs by default', async () => {
    // Outputs are transient, so running left the notebook clean: edit it so the save really goes through the serializer.
    await replaceCell(nb, 2, '.show tables ');
    await saveEdited(nb);
    const saved = new TextDecoder().decode(await vscode.workspace.fs.readFile(nb.uri));
    assert.ok(saved.endsWith('}\n'));
    assert.doesNotMatch(saved, /"outputs"/);
    const parsed = JSON.parse(saved) as { version: number; connection: unknown; cells: { kind: string; source: string }[] };
    assert.deepEqual(Object.keys(parsed), ['version', 'connection', 'cells']);
    assert.deepEqual(parsed.connection, { cluster: 'local', database: 'NetDefaultDB' });
    assert.equal(parsed.cells[1].source, 'NbEvents\n| summarize n = count(), total = sum(Value) by Source\n| order by Source asc');
    assert.equal(parsed.cells[2].source, '.show tables ', 'the edit made before saving');
  });

  it('saves outputs too when eventline.notebook.saveOutputs is on', async () => {
    const config = vscode.workspace.getConfiguration('eventline.notebook');
    await config.update('saveOutputs', true, vscode.ConfigurationTarget.Global);
    try {
      const withOutputs = await openNotebook('with-outputs.kqlnb', { version: 1, connection: { cluster: 'local', database: 'NetDefaultDB' }, cells: [{ kind: 'kql', source: 'print n = 42' }] });
      created.push(withOutputs.uri);
      await runCells(withOutputs);
      await until(() => withOutputs.cellAt(0).executionSummary?.success === true || undefined, 'the print cell');
      // An edit makes sure the notebook is dirty even if it opened before the serializer's new registration arrived.
      const edit = new vscode.WorkspaceEdit();
      edit.set(withOutputs.uri, [vscode.NotebookEdit.insertCells(1, [new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, 'saved with outputs', 'markdown')])]);
      assert.ok(await vscode.workspace.applyEdit(edit));
      await saveEdited(withOutputs);
      const saved = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(withOutputs.uri))) as { cells: { outputs?: { items: { mime: string; value: KqlResultOutput }[] }[] }[] };
      const item = saved.cells[0].outputs?.[0]?.items.find((i) => i.mime === KQL_RESULT_MIME);
      assert.deepEqual(item?.value.tables[0].rows, [[42]]);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      await config.update('saveOutputs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('gives the language server the cell\'s connection and the database schema, refreshed after a schema change', async () => {
    const source = a.notebooks.schemaSource;
    assert.deepEqual(source.connectionFor(nb.cellAt(1).document.uri.toString()), { cluster: 'local', database: 'NetDefaultDB' });
    assert.deepEqual(source.connectionFor(nb.cellAt(3).document.uri.toString()), { cluster: ready.eventhouse.uri, database: 'NetDefaultDB' });
    const schema = await source.schemaJson({ cluster: 'local', database: 'NetDefaultDB' }) as { Databases: Record<string, { Tables: Record<string, unknown> }> };
    assert.ok(schema.Databases.NetDefaultDB.Tables.NbEvents, 'NbEvents in the schema');
    let fired = 0;
    const sub = source.onDidChange(() => { fired++; });
    try {
      await replaceCell(nb, 2, '.create table NbOther (Id: long)');
      await runCells(nb, 2, 3);
      await until(() => nb.cellAt(2).executionSummary?.success !== undefined || undefined, 'the .create table cell');
      assert.equal(nb.cellAt(2).executionSummary?.success, true, errorText(nb.cellAt(2)));
      assert.ok(fired > 0, 'onDidChange fired after a schema-changing command');
      const after = await source.schemaJson({ cluster: 'local', database: 'NetDefaultDB' }) as typeof schema;
      assert.ok(after.Databases.NetDefaultDB.Tables.NbOther, 'the new table is in the refreshed schema');
    } finally {
      sub.dispose();
    }
  });

  it('shows the service\'s error on the cell and marks its line and column, cleared on the next run', async () => {
    await replaceCell(nb, 2, 'NbEvents\n| where Nope > 1');
    await runCells(nb, 2, 3);
    const cell = nb.cellAt(2);
    await until(() => cell.executionSummary?.success !== undefined || undefined, 'the failing cell');
    assert.equal(cell.executionSummary?.success, false);
    assert.match(errorText(cell) ?? '', /Nope/);
    const diags = await until(() => { const d = vscode.languages.getDiagnostics(cell.document.uri).filter((x) => x.source === 'Eventline KQL'); return d.length ? d : undefined; }, 'a diagnostic on the cell');
    assert.equal(diags[0].range.start.line, 1);
    assert.equal(cell.document.getText(diags[0].range), 'Nope');

    await replaceCell(nb, 2, "#connect cluster('local').databse('x')\nprint 1");
    await runCells(nb, 2, 3);
    const bad = nb.cellAt(2);
    await until(() => bad.executionSummary?.success !== undefined || undefined, 'the bad #connect cell');
    assert.match(errorText(bad) ?? '', /#connect line is not understood/);
    assert.equal(vscode.languages.getDiagnostics(bad.document.uri).find((x) => x.source === 'Eventline KQL')?.range.start.line, 0);

    await replaceCell(nb, 2, 'print x = 1');
    await runCells(nb, 2, 3);
    await until(() => nb.cellAt(2).executionSummary?.success === true || undefined, 'the fixed cell');
    assert.equal(vscode.languages.getDiagnostics(nb.cellAt(2).document.uri).filter((x) => x.source === 'Eventline KQL').length, 0);
  });

  it('cancels a long query: the cell ends at once and the local Eventhouse stops the query', async () => {
    await replaceCell(nb, 2, 'range x from 1 to 100000000000 step 1\n| where x % 7 == 12345\n| count');
    const running = runCells(nb, 2, 3);
    await new Promise((r) => setTimeout(r, 2500));
    const asked = Date.now();
    await vscode.commands.executeCommand('notebook.cell.cancelExecution', { ranges: [{ start: 2, end: 3 }], document: nb.uri });
    await running;
    const cell = nb.cellAt(2);
    await until(() => cell.executionSummary?.timing || undefined, 'the cancelled cell to end', 10000);
    const tookMs = Date.now() - asked;
    console.log(`      the cancelled cell ended ${tookMs} ms after Cancel`);
    assert.ok(tookMs < 5000, `the cell ended ${tookMs} ms after Cancel`);
    assert.equal(cell.executionSummary?.success, undefined, 'neither success nor failure');
    const message = text(cell);
    const id = /client request id (Eventline\.Query;[0-9a-f-]{36})/.exec(message)?.[1];
    assert.ok(id, `the output names the request: ${message}`);
    // The query is gone from the server: cancelling it again finds nothing running, and a new query answers at once.
    await new Promise((r) => setTimeout(r, 1000));
    const again = await kusto.execute('NetDefaultDB', `.cancel query "${id}"`);
    assert.equal(again.primaryResults[0]._rows[0][0], false, 'the query was still running on the local Eventhouse');
    const t0 = Date.now();
    await kusto.execute('NetDefaultDB', 'print 1');
    assert.ok(Date.now() - t0 < 5000);
  });

  it('runs the block under the cursor of a .kql file into the Eventline Results notebook, with Run CodeLenses', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'kql', content: '// two queries\nprint a = 1\n\nNbEvents\n| summarize count() by Source\n| order by Source asc\n' });
    const editor = await vscode.window.showTextDocument(doc);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const runLenses = lenses.filter((l) => l.command?.command === 'eventline.runQuery');
    assert.deepEqual(runLenses.map((l) => l.range.start.line), [0, 3]);
    editor.selection = new vscode.Selection(4, 3, 4, 3);
    await vscode.commands.executeCommand('eventline.runQuery');

    const results = await until(() => vscode.workspace.notebookDocuments.find((d) => d.uri.path.endsWith('/Eventline Results.kqlnb')), 'the results notebook');
    const cell = results.cellAt(results.cellCount - 1);
    await until(() => cell.executionSummary?.success !== undefined || undefined, 'the .kql block to run');
    assert.equal(cell.executionSummary?.success, true, errorText(cell));
    assert.match(cell.document.getText(), /^#connect cluster\('local'\)\.database\('NetDefaultDB'\)\nNbEvents\n\| summarize count\(\) by Source/);
    assert.deepEqual(result(cell)!.tables[0].rows, [['api', 3], ['sensor', 3]]);
    assert.equal(results.isDirty, false, 'the results notebook never asks to be saved');
    assert.ok(vscode.window.visibleNotebookEditors.some((e) => e.notebook === results), 'results show beside the editor');
    const resultTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => ({ group: g.viewColumn, input: t.input })))
      .filter((t) => t.input instanceof vscode.TabInputNotebook && t.input.uri.path.endsWith('/Eventline Results.kqlnb'));
    assert.deepEqual(resultTabs().map((t) => t.group), [vscode.ViewColumn.Two], 'one results tab, beside the .kql editor');
    assert.equal(vscode.window.activeTextEditor?.document, doc, 'the .kql editor keeps the focus');

    // The CodeLens runs its own block.
    await vscode.commands.executeCommand(runLenses[0].command!.command, ...runLenses[0].command!.arguments!);
    const first = results.cellAt(results.cellCount - 1);
    await until(() => first.executionSummary?.success !== undefined || undefined, 'the lens block');
    assert.deepEqual(result(first)!.tables[0].rows, [[1]]);
    assert.equal(resultTabs().length, 1, 'still one results tab');
    // Close the untitled .kql document (reverted), or the final close-all would ask about saving it.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('carries a #connect line of a .kql file down to the queries below it, as Kusto Explorer does', async () => {
    await kusto.execute('NetDefaultDB', '.create database KqlFileDb persist');
    await kusto.execute('KqlFileDb', '.create-merge table Other (Name: string)');
    await kusto.execute('KqlFileDb', '.ingest inline into table Other <|\nfrom-the-other-db');
    // A file of its own: twice, an untitled document opened here got the previous test's lenses ([0, 3]) for over
    // 5 s, presumably because it took the URI of that one, closed a moment before.
    const file = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'connect-carry.kql');
    created.push(file);
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode("print where = 'active'\n\n#connect cluster('local').database('KqlFileDb')\n\nOther\n| project Name\n\nOther | where Nme == 'x'\n"));
    const doc = await vscode.workspace.openTextDocument(file);
    assert.equal(doc.languageId, 'kql');
    const editor = await vscode.window.showTextDocument(doc);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    assert.deepEqual(lenses.filter((l) => l.command?.command === 'eventline.runQuery').map((l) => l.range.start.line), [0, 4, 7], 'no Run lens on the #connect-only block');
    // The language server checks the queries below the #connect against KqlFileDb's schema: Other and Name are
    // known there, the typo is not.
    const typo = await until(() => vscode.languages.getDiagnostics(doc.uri).find((d) => d.message.includes('Nme')), 'a diagnostic for the unknown column Nme in KqlFileDb', 120000);
    assert.equal(typo.range.start.line, 7);
    assert.deepEqual(vscode.languages.getDiagnostics(doc.uri).map((d) => d.range.start.line), [7], 'Other and Name are known in KqlFileDb');
    const names = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(7, 'Other | where '.length));
    assert.ok(names.items.some((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'Name'), 'completes the column of the other database');
    editor.selection = new vscode.Selection(5, 0, 5, 0);
    await vscode.commands.executeCommand('eventline.runQuery');
    const results = await until(() => vscode.workspace.notebookDocuments.find((d) => d.uri.path.endsWith('/Eventline Results.kqlnb')), 'the results notebook');
    const cell = results.cellAt(results.cellCount - 1);
    await until(() => (cell.document.getText().includes('Other') && cell.executionSummary?.success !== undefined) || undefined, 'the block under the #connect to run');
    assert.equal(cell.executionSummary?.success, true, errorText(cell));
    assert.match(cell.document.getText(), /^#connect cluster\('local'\)\.database\('KqlFileDb'\)\nOther\n/);
    assert.deepEqual(result(cell)!.tables[0].rows, [['from-the-other-db']]);
    // Running the directive itself sends nothing (the user is told what the line is for).
    const before = results.cellCount;
    assert.equal(await vscode.commands.executeCommand('eventline.runQuery', doc.uri, 2), undefined);
    assert.equal(results.cellCount, before);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('exports the last result as CSV and JSON', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const csv = vscode.Uri.joinPath(folder, 'export-test.csv');
    const json = vscode.Uri.joinPath(folder, 'export-test.json');
    created.push(csv, json);
    await vscode.window.showNotebookDocument(nb);
    const cell = nb.cellAt(3);
    await vscode.window.showNotebookDocument(nb, { selections: [new vscode.NotebookRange(3, 4)] });
    assert.ok(result(cell));
    await answered(a, ['CSV', csv.fsPath], () => vscode.commands.executeCommand('eventline.exportResults'));
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(csv)), [
      'Timestamp,Payload',
      '2026-01-01T00:01:10.0000000Z,"{""k"":""a""}"',
      '2026-01-01T00:02:30.0000000Z,"{""k"":""c""}"',
      '2026-01-01T00:02:50.0000000Z,"{""k"":""a, \\""quoted\\""""}"',
      '',
    ].join('\r\n'));
    await answered(a, ['JSON', json.fsPath], () => vscode.commands.executeCommand('eventline.exportResults'));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(json))), [
      { Timestamp: '2026-01-01T00:01:10.0000000Z', Payload: { k: 'a' } },
      { Timestamp: '2026-01-01T00:02:30.0000000Z', Payload: { k: 'c' } },
      { Timestamp: '2026-01-01T00:02:50.0000000Z', Payload: { k: 'a, "quoted"' } },
    ]);
  });

  it('Query Table opens the table\'s own notebook (a saved file, never Untitled) and runs T | take 100; twice opens it once', async () => {
    a.pipelineTree.refresh();
    const untitledBefore = vscode.workspace.notebookDocuments.filter((d) => d.isUntitled).length;
    const table = await path(a, 'Eventhouse', 'NetDefaultDB', 'Tables', 'NbEvents');
    await vscode.commands.executeCommand('eventline.queryTable', table);
    const opened = await until(() => {
      const d = vscode.window.activeNotebookEditor?.notebook;
      return d && d.uri.path.endsWith('/NbEvents.kqlnb') ? d : undefined;
    }, 'the Query Table notebook');
    assert.equal(opened.isUntitled, false, 'a file in the extension\'s storage, not an Untitled-N.kqlnb');
    assert.deepEqual(opened.metadata.connection, { cluster: 'local', database: 'NetDefaultDB' });
    assert.equal(opened.cellCount, 1);
    assert.equal(opened.cellAt(0).document.getText(), 'NbEvents\n| take 100');
    const cell = opened.cellAt(0);
    await until(() => cell.executionSummary?.success !== undefined || undefined, 'the take 100 cell');
    assert.equal(result(cell)!.tables[0].rows.length, 6);
    assert.equal(opened.isDirty, false, 'running it leaves nothing unsaved (closing never asks)');

    // The second Query Table on the same table shows the same notebook and reruns its cell: no second editor.
    const firstRun = cell.executionSummary?.timing?.endTime ?? 0;
    await vscode.commands.executeCommand('eventline.queryTable', await path(a, 'Eventhouse', 'NetDefaultDB', 'Tables', 'NbEvents'));
    await until(() => (cell.executionSummary?.timing?.endTime ?? 0) > firstRun || undefined, 'the rerun of its cell');
    assert.equal(vscode.window.activeNotebookEditor?.notebook, opened, 'the same notebook document');
    assert.equal(opened.cellCount, 1, 'the query\'s cell is reused, not appended again');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((tab) => tab.input instanceof vscode.TabInputNotebook && tab.input.uri.toString() === opened.uri.toString());
    assert.equal(tabs.length, 1, 'one notebook editor for the table');
    assert.equal(vscode.workspace.notebookDocuments.filter((d) => d.isUntitled).length, untitledBefore, 'no Untitled notebook was opened');
    assert.equal(opened.isDirty, false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('New KQL Notebook from a tree database binds to it; Select KQL Connection rebinds the notebook or .kql files', async () => {
    const db = await path(a, 'Eventhouse', 'NetDefaultDB');
    const created = await vscode.commands.executeCommand<vscode.NotebookDocument>('eventline.newKqlNotebook', db);
    assert.equal(created?.notebookType, 'eventline-kql');
    assert.ok(!created.isUntitled && !created.isDirty, 'the database\'s scratch notebook, saved');
    assert.equal(await vscode.commands.executeCommand<vscode.NotebookDocument>('eventline.newKqlNotebook', db), created, 'the same scratch notebook the next time');
    assert.deepEqual(created.metadata.connection, { cluster: 'local', database: 'NetDefaultDB' }, 'the local Eventhouse is stored as the "local" alias');
    assert.equal(vscode.window.activeNotebookEditor?.notebook, created);
    await vscode.commands.executeCommand('eventline.selectKqlConnection', { cluster: 'https://help.kusto.windows.net', database: 'Samples' });
    assert.deepEqual(created.metadata.connection, { cluster: 'https://help.kusto.windows.net', database: 'Samples' });
    assert.deepEqual(a.notebooks.schemaSource.connectionFor(created.cellAt(0).document.uri.toString()), { cluster: 'https://help.kusto.windows.net', database: 'Samples' });
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');

    // With a .kql editor active the pick becomes the connection of .kql files (kept per workspace).
    const doc = await vscode.workspace.openTextDocument({ language: 'kql', content: 'print 1' });
    await vscode.window.showTextDocument(doc);
    try {
      assert.deepEqual(a.notebooks.schemaSource.connectionFor(doc.uri.toString()), { cluster: 'local', database: 'NetDefaultDB' }, 'defaults to the active profile\'s Eventhouse');
      await vscode.commands.executeCommand('eventline.selectKqlConnection', { cluster: ready.eventhouse.uri, database: 'Other' });
      assert.deepEqual(a.notebooks.schemaSource.connectionFor(doc.uri.toString()), { cluster: 'local', database: 'Other' });
    } finally {
      await a.notebooks.connections.setActiveConnection(undefined);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it('opens a malformed .kqlnb with a clear error instead of crashing', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'broken.kqlnb');
    created.push(uri);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('{"version": 1, "cells": [{"kind": "sql", "source": "x"}]}\n'));
    await assert.rejects(Promise.resolve(vscode.workspace.openNotebookDocument(uri)), /cells\[0\]\.kind must be "kql" or "markdown" \(line 1, column \d+\)/);
  });
});
