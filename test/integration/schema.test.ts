import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { LocalReady } from '../../src/protocol/localReady';
import type { DeployOutcome, PullOutcome } from '../../src/schema';
import { startLocalProfile } from './support/localHelpers';
import { answered, api, removeManifest, until } from './support/treeHelpers';

const DB = 'SchemaTest';

function root(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the integration tests need a workspace folder');
  return folder.uri;
}

function kqlPath(...parts: string[]): string {
  return path.join(root().fsPath, 'kql', ...parts);
}

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(kqlPath(rel)), { recursive: true });
  fs.writeFileSync(kqlPath(rel), text);
}

async function rows(kusto: KustoClient, csl: string): Promise<Record<string, unknown>[]> {
  const res = await kusto.execute(DB, csl);
  const out: Record<string, unknown>[] = [];
  for (const r of res.primaryResults[0].rows()) out.push(r.toJSON<Record<string, unknown>>());
  return out;
}

async function tables(kusto: KustoClient): Promise<string[]> {
  return (await rows(kusto, '.show tables')).map((r) => String(r.TableName)).sort();
}

/** The preview's text once it shows `expected` (the document updates after the command's last change event). */
function previewShowing(uri: vscode.Uri, expected: RegExp): Promise<string> {
  return until(async () => {
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    return expected.test(text) ? text : undefined;
  }, `the preview to show ${String(expected)}`);
}

function deploy(a: EventlineApi, answers: Parameters<typeof answered>[1]): Promise<DeployOutcome> {
  return answered(a, answers, () => vscode.commands.executeCommand<DeployOutcome>('eventline.deploySchema'));
}

describe('Eventhouse schema as code against the local Eventhouse (started by the extension)', function () {
  this.timeout(180000);
  let a: EventlineApi;
  let ready: LocalReady;
  let kusto: KustoClient;

  before(async () => {
    a = await api();
    const repo = process.env.EVENTLINE_REPO;
    assert.ok(repo, 'EVENTLINE_REPO names the repository (set by test/harness/integration.js)');
    fs.rmSync(kqlPath(), { recursive: true, force: true });
    fs.cpSync(path.join(repo, 'kql', 'schema'), kqlPath(), { recursive: true });
    ready = await startLocalProfile(a, { name: 'schema-test', eventHubs: [{ name: 'telemetry', partitions: 2 }], eventhouse: { database: DB } });
    kusto = new KustoClient(ready.eventhouse.uri);
    await kusto.execute('NetDefaultDB', `.create database ${DB} persist`);
  });

  after(async () => {
    kusto?.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(kqlPath(), { recursive: true, force: true });
    await a?.local.stop();
    await removeManifest();
  });

  it('deploys the sample schema: preview, confirm, each command run in order; the update policy then types ingested rows', async () => {
    const out = await deploy(a, [DB, 'Deploy']);
    assert.equal(out.kind, 'ran');
    if (out.kind !== 'ran') return;
    assert.equal(out.failed, undefined);
    assert.deepEqual(out.steps.map((s) => [s.object, s.result.state]), [
      ['table RawReadings', 'done'], ['table Readings', 'done'], ['table RawReadings', 'done'], ['json mapping RawReadingsMapping of RawReadings', 'done'],
      ['function ReadingsFromRaw', 'done'], ['update policy of Readings', 'done'],
    ]);
    const preview = await previewShowing(out.preview, /(\/\/ ✓ done in \d+ ms[\s\S]*){6}/);
    assert.match(preview, /^\/\/ Deploy Eventhouse Schema → SchemaTest on the local Eventhouse \(http:\/\/127\.0\.0\.1:\d+\)/);
    assert.deepEqual(await tables(kusto), ['RawReadings', 'Readings']);
    const [mapping] = await rows(kusto, '.show table RawReadings ingestion mappings');
    assert.equal(mapping.Name, 'RawReadingsMapping');
    const [policy] = await rows(kusto, '.show table Readings policy update');
    assert.equal((JSON.parse(String(policy.Policy)) as { Source: string }[])[0].Source, 'RawReadings');
    await kusto.execute(DB, '.ingest inline into table RawReadings with (format="json", ingestionMappingReference="RawReadingsMapping") <|\n{"id":"north-1","siteId":"north","temperature":21.5,"humidity":0.41,"pressure":1013.2,"battery":0.93,"status":"ok","timestamp":"2026-01-01T00:00:00Z"}\n{"id":"south-1","siteId":"south","temperature":"n/a","humidity":0.5,"pressure":1000,"battery":0.5,"status":"ok","timestamp":"not a time"}');
    const typed = await rows(kusto, 'Readings');
    assert.equal(typed.length, 1, 'the row without a readable timestamp stays in RawReadings only');
    assert.equal(typed[0].Site, 'north');
    assert.equal(typed[0].Temperature, 21.5);
    assert.equal((await rows(kusto, 'RawReadings | count'))[0].Count, 2);
  });

  it('finds nothing to do on a second deploy', async () => {
    const out = await deploy(a, [DB]);
    assert.equal(out.kind, 'upToDate');
    if (out.kind === 'upToDate') assert.equal(out.unchanged.length, 6);
  });

  it('deploys only what changed, and leaves what the database has beyond kql/ in place', async () => {
    await kusto.execute(DB, '.create table Scratch (x: string)');
    write('tables/Sites.kql', '.create-merge table Sites (Site: string, Region: string)\n');
    const fn = fs.readFileSync(kqlPath('functions', 'ReadingsFromRaw.kql'), 'utf8');
    write('functions/ReadingsFromRaw.kql', fn.replace('| where isnotnull(EventTime)', '| where isnotnull(EventTime) and isnotempty(Site)'));
    const out = await deploy(a, [DB, 'Deploy']);
    assert.equal(out.kind, 'ran');
    if (out.kind !== 'ran') return;
    assert.deepEqual(out.steps.map((s) => [s.object, s.result.state]), [['table Sites', 'done'], ['function ReadingsFromRaw', 'done']]);
    await previewShowing(out.preview, /NOT removed[\s\S]*table Scratch: drops the table/);
    assert.ok((await tables(kusto)).includes('Scratch'), 'nothing is dropped unless ticked');
    const [f] = await rows(kusto, '.show function ReadingsFromRaw');
    assert.match(String(f.Body), /isnotempty\(Site\)/);
  });

  it('removes only what the user ticks', async () => {
    await kusto.execute(DB, '.create table Scratch2 (x: string)');
    const out = await deploy(a, [DB, 'Choose Removals…', ['table Scratch'], 'Deploy']);
    assert.equal(out.kind, 'ran');
    if (out.kind !== 'ran') return;
    assert.deepEqual(out.steps.map((s) => [s.command, s.result.state]), [['.drop table Scratch', 'done']]);
    const left = await tables(kusto);
    assert.ok(!left.includes('Scratch'));
    assert.ok(left.includes('Scratch2'));
    await kusto.execute(DB, '.drop table Scratch2');
  });

  it('stops at a command the Eventhouse refuses, with the command and its message, and runs nothing after it', async () => {
    write('tables/Later.kql', '.create-merge table Later (a: string)\n\n.alter table Later policy update @\'[{"Source": "RawReadings", "Query": "RawReadings | project a = site"}]\'\n');
    write('functions/Broken.kql', '.create-or-alter function Broken() {\n    NoSuchTable | take 1\n}\n');
    try {
      const out = await deploy(a, [DB, 'Deploy']);
      assert.equal(out.kind, 'ran');
      if (out.kind !== 'ran') return;
      assert.deepEqual(out.steps.map((s) => [s.object, s.result.state]), [['table Later', 'done'], ['function Broken', 'failed'], ['update policy of Later', 'not-run']]);
      assert.match(out.failed?.command ?? '', /^\.create-or-alter function Broken\(\)/);
      assert.match(out.failed?.message ?? '', /NoSuchTable/);
      const preview = await previewShowing(out.preview, /\/\/ ✗ FAILED after \d+ ms: .*NoSuchTable/);
      assert.match(preview, /\/\/ – not run: an earlier command failed/);
      const [policy] = await rows(kusto, '.show table Later policy update');
      assert.deepEqual(JSON.parse(String(policy.Policy)), [], 'the command after the failure did not run');
    } finally {
      fs.rmSync(kqlPath('functions', 'Broken.kql'));
      fs.rmSync(kqlPath('tables', 'Later.kql'));
      await kusto.execute(DB, '.drop table Later');
    }
  });

  it('refuses a script with an error at line N: names the file and line, marks it in the Problems view, runs nothing', async () => {
    write('tables/Bad.kql', '// a table with a typo\n.create-merge table Bad (\n    a: string,\n    b: lnog)\n');
    try {
      const before = await tables(kusto);
      const out = await deploy(a, []);
      assert.equal(out.kind, 'problems');
      if (out.kind !== 'problems') return;
      assert.deepEqual(out.problems, ['kql/tables/Bad.kql:4:8: Unknown column type "lnog" for b. Use one of bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic.']);
      const diags = vscode.languages.getDiagnostics(vscode.Uri.file(kqlPath('tables', 'Bad.kql'))).filter((d) => d.source === 'Eventline schema');
      assert.equal(diags.length, 1);
      assert.equal(diags[0].range.start.line, 3);
      assert.deepEqual(await tables(kusto), before);
    } finally {
      fs.rmSync(kqlPath('tables', 'Bad.kql'));
    }
  });

  it('pulls the live schema into kql/ files that deploy back as nothing to do', async () => {
    fs.rmSync(kqlPath(), { recursive: true, force: true });
    const pulled = await answered(a, [DB], () => vscode.commands.executeCommand<PullOutcome>('eventline.pullSchema'));
    assert.deepEqual([...pulled.written].sort(), ['kql/functions/ReadingsFromRaw.kql', 'kql/tables/RawReadings.kql', 'kql/tables/Readings.kql', 'kql/tables/Sites.kql']);
    const raw = fs.readFileSync(kqlPath('tables', 'RawReadings.kql'), 'utf8');
    assert.match(raw, /^\.create-merge table RawReadings \(id: string, siteId: string, temperature: dynamic/);
    assert.match(raw, /\n\n\.create-or-alter table RawReadings ingestion json mapping "RawReadingsMapping" '\[\{"column":"id","Properties":\{"Path":"\$\.id"\}\},\{"column":"siteId","Properties":\{"Path":"\$\.siteId"\}\}/);
    const out = await deploy(a, [DB]);
    assert.equal(out.kind, 'upToDate');
  });
});
