import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { DashboardDeployment } from '../../src/dashboards/deploy';
import type { PinResult, PowerBiResult } from '../../src/dashboards/commands';
import type { DashboardSession } from '../../src/dashboards/session';
import { parseDashboard, type Dashboard } from '../../src/core/dashboards/format';
import { serializeDashboard } from '../../src/core/dashboards/write';
import type { RealTimeDashboardJson } from '../../src/core/fabric/dashboard';
import type { FabricDefinition } from '../../src/core/fabric/definition';
import type { LocalReady } from '../../src/protocol/localReady';
import { startLocalProfile } from './support/localHelpers';
import { StandIn, type StandInReply } from './support/standins';
import { TEST_PROVIDER_ID } from './support/testAuthProvider';
import { answered, api, manifestUri, removeManifest, until, writeManifest } from './support/treeHelpers';

const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;
const dashUri = (name: string): vscode.Uri => vscode.Uri.joinPath(folder(), 'dashboards', name);

async function writeFile(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

async function readDashboardFile(uri: vscode.Uri): Promise<Dashboard> {
  const r = parseDashboard(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
  assert.ok(r.ok, JSON.stringify(r.problems));
  return r.dashboard;
}

async function openDashboard(a: EventlineApi, uri: vscode.Uri): Promise<DashboardSession> {
  await vscode.commands.executeCommand('vscode.openWith', uri, 'eventline.dashboard');
  return until(() => a.dashboards.editors.sessions.get(uri.toString()), `the dashboard editor of ${uri.path}`, 30000);
}

function state(s: DashboardSession, id: string): string | undefined {
  return s.status.get(id)?.state;
}

const dashboard = (tiles: Dashboard['pages'][number]['tiles'], extra: Partial<Dashboard> = {}): Dashboard => ({
  version: 1, title: 'Integration', autoRefresh: 'off',
  parameters: [
    { kind: 'timeRange', name: 'Time range', default: '24h' },
    { kind: 'select', name: 'Source', variable: '_source', type: 'string', multi: false, dataSource: 'local', query: 'DashEvents | distinct Source | order by Source asc' },
  ],
  pages: [{ name: 'Overview', tiles }],
  ...extra,
});

const at = (x: number, y: number, width = 12, height = 6) => ({ x, y, width, height });

describe('Dashboards against a local Eventhouse', function () {
  this.timeout(180000);
  let a: EventlineApi;
  let ready: LocalReady;
  const created: vscode.Uri[] = [];

  before(async () => {
    a = await api();
    ready = await startLocalProfile(a, { name: 'dash-test', eventhouse: { database: 'NetDefaultDB' } });
    const kusto = new KustoClient(ready.eventhouse.uri);
    try {
      await kusto.execute('NetDefaultDB', '.set-or-replace DashEvents <| range i from 0 to 359 step 1 | extend Timestamp = ago(1h) + i * 10s | extend Source = iff(i % 3 == 0, "api", "sensor") | extend Value = toreal(i % 17) | project Timestamp, Source, Value');
    } finally {
      kusto.close();
    }
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder(), 'dashboards'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of created) { try { await vscode.workspace.fs.delete(uri); } catch { /* already gone */ } }
    await a?.local.stop();
    await removeManifest();
  });

  let session: DashboardSession;
  const main = dashUri('main.kqldash');

  it('opens a .kqldash as the dashboard editor: tiles run with the parameters, a broken tile shows its error and the others still work', async () => {
    created.push(main);
    await writeFile(main, serializeDashboard(dashboard([
      { id: 'per-minute', title: 'Per minute', dataSource: 'local', visual: 'timechart', position: at(0, 0), query: 'DashEvents\n| where Timestamp between (_startTime .. _endTime)\n| summarize n = count() by bin(Timestamp, 10m)\n| order by Timestamp asc' },
      { id: 'total', title: 'Total', dataSource: 'NetDefaultDB', visual: 'stat', position: at(12, 0, 6, 3), query: 'DashEvents | where Source == _source | summarize n = count()' },
      { id: 'broken', title: 'Broken', dataSource: 'local', visual: 'table', position: at(18, 0, 6, 3), query: 'NoSuchTable | take 1' },
    ])));
    session = await openDashboard(a, main);
    await until(() => ['per-minute', 'total', 'broken'].every((id) => ['done', 'error'].includes(state(session, id) ?? '')) || undefined, 'every tile to finish', 60000);
    const perMinute = session.status.get('per-minute');
    assert.equal(perMinute?.state, 'done', JSON.stringify(perMinute));
    const rows = perMinute.result.tables[0].rows;
    assert.ok(rows.length >= 6, `${rows.length} ten-minute bins`);
    assert.equal(rows.reduce((n, r) => n + Number(r[1]), 0), 360, 'every event is inside the 24 h window');
    const total = session.status.get('total');
    assert.equal(total?.state, 'done', JSON.stringify(total));
    // The single select's default is the first choice of its query: "api", a third of the events.
    assert.deepEqual(total.result.tables[0].rows, [[120]]);
    const broken = session.status.get('broken');
    assert.equal(broken?.state, 'error');
    assert.match(broken.message, /NoSuchTable/);
    assert.ok(broken.refreshedAt > 0);
  });

  it('a parameter change reruns the tiles with the new value', async () => {
    session.setParameters({ selected: { _source: 'sensor' } });
    await until(() => { const s = session.status.get('total'); return s?.state === 'done' && JSON.stringify(s.result.tables[0].rows) === '[[240]]' ? true : undefined; }, 'the stat tile to show the sensor count', 30000);
  });

  it('a refresh while a slow tile is running aborts the earlier request (requests never stack)', async () => {
    const d = await readDashboardFile(main);
    d.pages[0].tiles.push({ id: 'slow', title: 'Slow', dataSource: 'local', visual: 'table', position: at(0, 6, 24, 4), query: 'range i from 1 to 60000000 step 1 | summarize n = count() by k = i % 7' });
    const doc = await vscode.workspace.openTextDocument(main);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(main, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), serializeDashboard(d));
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until(() => session.events.find((e) => e.tile === 'slow' && e.event === 'start'), 'the new tile to start', 10000);
    const from = session.events.length;
    session.refreshTile('slow');
    await new Promise((r) => setTimeout(r, 100));
    session.refreshTile('slow');
    const mine = () => session.events.slice(from).filter((e) => e.tile === 'slow');
    const last = await until(() => mine().find((e) => e.event === 'done' || e.event === 'error'), 'the last refresh to finish', 90000);
    const seen = mine().map((e) => `${e.event}:${e.request}`);
    const starts = mine().filter((e) => e.event === 'start').map((e) => e.request);
    assert.equal(starts.length, 2, seen.join(' '));
    assert.ok(seen.includes(`aborted:${starts[0]}`), `the first refresh was aborted: ${seen.join(' ')}`);
    assert.equal(last.request, starts[1], 'only the latest request delivers a result');
    assert.equal(last.event, 'done', last.message);
    assert.ok(!seen.includes(`done:${starts[0]}`), 'the aborted request never delivered');
    for (const r of starts) assert.equal(mine().filter((e) => e.request === r && e.event !== 'start').length, 1, `request ${r} ended exactly once: ${seen.join(' ')}`);
  });

  it('moving a tile writes its position back to the file, keys in their fixed order', async () => {
    const doc = await vscode.workspace.openTextDocument(main);
    const d = await readDashboardFile(main);
    const tile = d.pages[0].tiles.find((t) => t.id === 'total')!;
    tile.position = { x: 12, y: 3, width: 6, height: 3 };
    const edit = new vscode.WorkspaceEdit();
    edit.replace(main, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), serializeDashboard(d));
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until(() => (session.dashboard?.pages[0].tiles.find((t) => t.id === 'total')?.position.y === 3 ? true : undefined), 'the session to see the move');
    assert.match(doc.getText(), /"position": \{ "x": 12, "y": 3, "width": 6, "height": 3 \}/);
    await doc.save();
  });

  it('a malformed dashboard shows where the problems are (never a blank editor), with diagnostics', async () => {
    const bad = dashUri('bad.kqldash');
    created.push(bad);
    await writeFile(bad, '{\n  "pages": [{ "name": "P", "tiles": [\n    { "id": "a", "dataSource": "Elsewhere", "query": "T | where x > _undeclared", "position": { "x": 0, "y": 0, "width": 6, "height": 4 } }\n  ] }]\n}\n');
    const s = await openDashboard(a, bad);
    assert.ok(!s.dashboard);
    const messages = s.problems.map((p) => `${p.line}:${p.message}`);
    assert.ok(messages.some((m) => /^3:Unknown data source "Elsewhere"; use "local" or "NetDefaultDB"/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /^3:The query uses _undeclared but no parameter declares it/.test(m)), messages.join('\n'));
    const diags = await until(() => { const d = vscode.languages.getDiagnostics(bad); return d.length >= 2 ? d : undefined; }, 'diagnostics on the file');
    assert.ok(diags.every((d) => d.range.start.line === 2 && d.severity === vscode.DiagnosticSeverity.Error));

    const syntax = dashUri('syntax.kqldash');
    created.push(syntax);
    await writeFile(syntax, '{ "pages": [ }');
    const s2 = await openDashboard(a, syntax);
    assert.match(s2.problems[0].message, /JSON syntax/);
    assert.equal(s2.problems[0].line, 1);
  });

  it('edits a tile\'s query as a KQL document: saving writes it into the dashboard file, and the tile reruns', async () => {
    const uri = vscode.Uri.from({ scheme: 'eventline-tile', path: '/broken.kql', query: main.toString() });
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'kql');
    assert.equal(doc.getText(), 'NoSuchTable | take 1');
    const editor = await vscode.window.showTextDocument(doc);
    assert.ok(await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), 'DashEvents | take 3')));
    // save() answers false when code-server's auto-save came first: save until the document is clean.
    await until(async () => ((await doc.save()) || !doc.isDirty ? true : undefined), 'the tile document saved', 30000);
    const d = await readDashboardFile(main);
    assert.equal(d.pages[0].tiles.find((t) => t.id === 'broken')?.query, 'DashEvents | take 3');
    await until(() => { const st = session.status.get('broken'); return st?.state === 'done' && st.result.rowCount === 3 ? true : undefined; }, 'the edited tile to rerun', 30000);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('pins a notebook cell\'s query and chart as a new tile', async () => {
    const nbUri = vscode.Uri.joinPath(folder(), 'dash-pin.kqlnb');
    created.push(nbUri);
    await writeFile(nbUri, JSON.stringify({ version: 1, connection: { cluster: 'local', database: 'NetDefaultDB' }, cells: [{ kind: 'kql', source: 'DashEvents\n| summarize n = count() by bin(Timestamp, 5m)\n| render columnchart' }] }));
    const nb = await vscode.workspace.openNotebookDocument(nbUri);
    await vscode.window.showNotebookDocument(nb);
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: nb.uri });
    await until(() => nb.cellAt(0).executionSummary?.success, 'the cell to run', 60000);
    const pinned = await answered(a, ['main', 'Per five minutes'], () => vscode.commands.executeCommand<PinResult>('eventline.pinToDashboard', nb.cellAt(0)));
    assert.equal(pinned.dashboard.toString(), main.toString());
    const d = await readDashboardFile(main);
    const tile = d.pages[0].tiles.find((t) => t.title === 'Per five minutes');
    assert.ok(tile, 'the tile is in the file');
    assert.deepEqual({ id: tile.id, visual: tile.visual, dataSource: tile.dataSource, query: tile.query }, { id: 'per-five-minutes', visual: 'columnchart', dataSource: 'local', query: 'DashEvents\n| summarize n = count() by bin(Timestamp, 5m)\n| render columnchart' });
    const bottom = Math.max(...d.pages[0].tiles.filter((t) => t !== tile).map((t) => t.position.y + t.position.height));
    assert.equal(tile.position.y, bottom, 'placed below the other tiles');
    await until(() => (state(session, 'per-five-minutes') === 'done' ? true : undefined), 'the open dashboard to run the pinned tile', 60000);
  });

  it('Open in Power BI writes the tile\'s Power Query formula (.pq) and copies it; Copy Query URI gives a deep link', async () => {
    const out = await vscode.commands.executeCommand<PowerBiResult>('eventline.exportPowerBi', { dashboard: main, tile: 'total' });
    created.push(out.file);
    assert.equal(out.file.path, dashUri('main-total.pq').path);
    assert.match(out.text, /AzureDataExplorer\.Contents\("http:\/\/127\.0\.0\.1:\d+", "NetDefaultDB", "let _source = """";#\(lf\)DashEvents \| where Source == _source \| summarize n = count\(\)", \[MaxRows = null/);
    assert.match(out.text, /\/\/ Note: This points at the local Eventhouse/);
    assert.equal(await vscode.env.clipboard.readText(), out.text);
    const link = await vscode.commands.executeCommand<string>('eventline.copyQueryUri', { dashboard: main, tile: 'broken' });
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/NetDefaultDB\?query=[^&]+&web=1$/);
  });
});

describe('Export a dashboard to Fabric (stand-in)', function () {
  this.timeout(120000);
  let a: EventlineApi;
  let fabric: StandIn;
  let arm: StandIn;
  let ready: LocalReady;
  const items: { id: string; displayName: string; type: string; workspaceId: string }[] = [];
  const definitions = new Map<string, FabricDefinition>();
  const ops = new Map<string, { statuses: string[]; result?: unknown }>();
  let nextOp = 1;
  const file = dashUri('fabric.kqldash');

  before(async () => {
    a = await api();
    arm = await new StandIn().route(/^\/subscriptions$/, () => ({ status: 200, body: { value: [] } })).start();
    fabric = await new StandIn()
      .route(/^\/v1\/workspaces$/, () => ({ status: 200, body: { value: [{ id: 'ws-1', displayName: 'WS', type: 'Workspace' }] } }))
      .route(/^\/v1\/workspaces\/ws-1\/eventhouses$/, () => ({ status: 200, body: { value: [] } }))
      .route(/^\/v1\/workspaces\/ws-1\/kqlDatabases$/, () => ({ status: 200, body: { value: [{ id: 'kqldb-1', displayName: 'TelemetryDB', type: 'KQLDatabase', workspaceId: 'ws-1', properties: { queryServiceUri: 'https://trd-x.z1.kusto.fabric.microsoft.com' } }] } }))
      .route(/^\/v1\/workspaces\/ws-1\/items$/, (url) => ({ status: 200, body: { value: items.filter((i) => i.type === url.searchParams.get('type')) } }), 'GET')
      .route(/^\/v1\/workspaces\/ws-1\/items$/, (_url, req): StandInReply => {
        const body = req.body as { displayName: string; type: string; definition: FabricDefinition };
        const item = { id: `dash-${items.length + 1}`, displayName: body.displayName, type: body.type, workspaceId: 'ws-1' };
        items.push(item);
        definitions.set(item.id, body.definition);
        const id = `op-${nextOp++}`;
        ops.set(id, { statuses: ['Running', 'Succeeded'], result: item });
        return { status: 202, headers: { location: `${fabric.url}/v1/operations/${id}`, 'x-ms-operation-id': id, 'retry-after': '0' } };
      }, 'POST')
      .route(/^\/v1\/workspaces\/ws-1\/items\/[^/]+\/updateDefinition$/, (url, req): StandInReply => {
        definitions.set(url.pathname.split('/')[5], (req.body as { definition: FabricDefinition }).definition);
        const id = `op-${nextOp++}`;
        ops.set(id, { statuses: ['Running', 'Succeeded'] });
        return { status: 202, headers: { location: `${fabric.url}/v1/operations/${id}`, 'x-ms-operation-id': id, 'retry-after': '0' } };
      }, 'POST')
      .route(/^\/v1\/operations\/[^/]+\/result$/, (url) => ({ status: 200, body: ops.get(url.pathname.split('/')[3])?.result }))
      .route(/^\/v1\/operations\/[^/]+$/, (url): StandInReply => {
        const op = ops.get(url.pathname.split('/')[3]);
        if (!op) return { status: 404, body: { errorCode: 'OperationNotFound', message: 'no such operation' } };
        const status = op.statuses.length > 1 ? op.statuses.shift()! : op.statuses[0];
        return status === 'Succeeded'
          ? { status: 200, body: { status, percentComplete: 100 }, headers: op.result ? { location: `${fabric.url}/v1/operations/${url.pathname.split('/')[3]}/result` } : {} }
          : { status: 200, body: { status, percentComplete: 50 }, headers: { 'retry-after': '0' } };
      })
      .start();
    await vscode.workspace.getConfiguration('eventline').update('cloud', { authProviderId: TEST_PROVIDER_ID, resourceManagerEndpoint: arm.url, fabricEndpoint: fabric.url }, vscode.ConfigurationTarget.Global);
    await writeManifest(a, { version: 1, name: 'dash', profiles: { local: { kind: 'local' } }, activeProfile: 'local' });
    ready = await a.local.start(manifestUri().fsPath);
    await writeManifest(a, {
      version: 1, name: 'dash', eventhouse: { database: 'TelemetryDB' },
      profiles: { local: { kind: 'local' }, prod: { kind: 'azure', tenantId: 'tenant-a', fabricWorkspaceId: 'ws-1', eventhouseQueryUri: ready.eventhouse.uri }, down: { kind: 'azure', tenantId: 'tenant-a', fabricWorkspaceId: 'ws-1', eventhouseQueryUri: 'http://127.0.0.1:9' } },
      activeProfile: 'prod',
    });
    await vscode.commands.executeCommand('eventline.signIn');
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder(), 'dashboards'));
    await writeFile(file, serializeDashboard({
      version: 1, title: 'Fabric export', autoRefresh: '30s',
      parameters: [{ kind: 'timeRange', name: 'Time range', default: '1h' }, { kind: 'select', name: 'Site', variable: '_site', type: 'string', multi: true, values: ['a', 'b'] }],
      pages: [
        { name: 'Overview', tiles: [{ id: 'rate', title: 'Rate', dataSource: 'TelemetryDB', visual: 'linechart', position: at(0, 0), query: 'RawReadings | where ingestion_time() between (_startTime .. _endTime) | summarize count() by bin(ingestion_time(), 1m)' }] },
        { name: 'Sites', tiles: [{ id: 'sites', title: 'Sites', dataSource: 'local', visual: 'table', position: at(0, 0, 24, 6), query: 'RawReadings | where array_length(_site) == 0 or site in (_site) | take 10' }] },
      ],
    }));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    try { await vscode.workspace.fs.delete(file); } catch { /* already gone */ }
    await vscode.workspace.getConfiguration('eventline').update('cloud', undefined, vscode.ConfigurationTarget.Global);
    await a?.local.stop();
    await removeManifest();
    await fabric?.stop();
    await arm?.stop();
  });

  const decode = (def: FabricDefinition): RealTimeDashboardJson => {
    assert.deepEqual(def.parts.map((p) => p.path), ['RealTimeDashboard.json']);
    return JSON.parse(Buffer.from(def.parts[0].payload, 'base64').toString('utf8')) as RealTimeDashboardJson;
  };

  it('creates the KQLDashboard item with the mapped definition (202 followed), then updates it in place', async () => {
    const first = fabric.requests.length;
    const out = await answered(a, ['Export'], () => vscode.commands.executeCommand<DashboardDeployment>('eventline.deployDashboard', file));
    assert.equal(out.created, true);
    assert.equal(out.item.id, 'dash-1');
    const sent = fabric.requests.slice(first).filter((r) => !/^\/v1\/workspaces(\/ws-1\/eventhouses)?$/.test(r.path));
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), [
      'GET /v1/workspaces/ws-1/kqlDatabases', 'GET /v1/workspaces/ws-1/items', 'POST /v1/workspaces/ws-1/items',
      'GET /v1/operations/op-1', 'GET /v1/operations/op-1', 'GET /v1/operations/op-1/result',
    ]);
    const create = sent[2].body as { displayName: string; type: string };
    assert.equal(create.displayName, 'Fabric export');
    assert.equal(create.type, 'KQLDashboard');
    const json = decode(definitions.get('dash-1')!);
    assert.equal(json.schema_version, '52');
    assert.deepEqual(json.autoRefresh, { enabled: true, defaultInterval: '30s', minInterval: '30s' });
    assert.deepEqual(json.dataSources.map((d) => [d.kind, d.clusterUri, d.database, d.workspace, d.name]), [['kusto-trident', 'https://trd-x.z1.kusto.fabric.microsoft.com', 'kqldb-1', 'ws-1', 'TelemetryDB']]);
    assert.deepEqual(json.pages.map((p) => p.name), ['Overview', 'Sites']);
    assert.deepEqual(json.tiles.map((t) => [t.title, t.visualType, json.pages.findIndex((p) => p.id === t.pageId), t.layout.width]), [['Rate', 'line', 0, 12], ['Sites', 'table', 1, 24]]);
    const rate = json.queries.find((q) => q.id === json.tiles[0].queryRef.queryId)!;
    assert.deepEqual(rate.usedVariables, ['_startTime', '_endTime']);
    assert.equal(json.parameters[0].kind, 'duration');
    assert.deepEqual(json.parameters[0].defaultValue, { kind: 'dynamic', count: 1, unit: 'hours' });
    assert.equal(json.parameters[1].variableName, '_site');

    const again = await answered(a, ['Export'], () => vscode.commands.executeCommand<DashboardDeployment>('eventline.deployDashboard', file));
    assert.equal(again.created, false);
    assert.equal(items.length, 1, 'no second item');
    assert.deepEqual(decode(definitions.get('dash-1')!), json, 'the same file gives the same definition (stable ids)');
  });

  it('a tile on an unreachable Eventhouse shows a clear error', async () => {
    await writeManifest(a, {
      version: 1, name: 'dash', eventhouse: { database: 'TelemetryDB' },
      profiles: { local: { kind: 'local' }, down: { kind: 'azure', tenantId: 'tenant-a', fabricWorkspaceId: 'ws-1', eventhouseQueryUri: 'http://127.0.0.1:9' } },
      activeProfile: 'down',
    });
    await until(() => (a.profiles.current()?.name === 'down' ? true : undefined), 'the down profile');
    const down = dashUri('down.kqldash');
    await writeFile(down, serializeDashboard({ version: 1, title: 'Down', autoRefresh: 'off', parameters: [], pages: [{ name: 'P', tiles: [{ id: 'x', title: 'X', dataSource: 'TelemetryDB', visual: 'table', position: at(0, 0), query: 'RawReadings | take 1' }] }] }));
    try {
      const s = await openDashboard(a, down);
      const st = await until(() => { const v = s.status.get('x'); return v?.state === 'error' ? v : undefined; }, 'the tile error', 60000);
      assert.match(st.message, /Nothing is listening at http:\/\/127\.0\.0\.1:9|did not answer|failed/);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(down);
    }
  });
});

describe('Malformed dashboards open as text with diagnostics', function () {
  this.timeout(120000);
  let a: EventlineApi;
  const made: vscode.Uri[] = [];
  const ours = (uri: vscode.Uri): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Eventline dashboard');
  // The file's diagnostics once they are the expected ones (the check runs after typing settles).
  const diagnosticsAt = (uri: vscode.Uri, line: number, what: string): Promise<vscode.Diagnostic[]> =>
    until(() => { const d = ours(uri); return d.length && d[0].range.start.line === line ? d : undefined; }, `${what}: a diagnostic on line ${line + 1} (now: ${JSON.stringify(ours(uri).map((d) => [d.range.start.line, d.message]))})`, 20000);

  async function openAsText(name: string, text: string): Promise<vscode.TextDocument> {
    const uri = dashUri(name);
    made.push(uri);
    await writeFile(uri, text);
    // What "Open as Text" in the dashboard editor runs, and what "Reopen Editor With… › Text Editor" does.
    await vscode.commands.executeCommand('vscode.openWith', uri, 'default');
    const editor = await until(() => (vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() ? vscode.window.activeTextEditor : undefined), `${name} in the text editor`);
    return editor.document;
  }

  before(async () => {
    a = await api();
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder(), 'dashboards'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of made) { try { await vscode.workspace.fs.delete(uri); } catch { /* already gone */ } }
  });

  it('invalid JSON, a schema error and an unknown version, opened as text: a diagnostic at the problem saying what to do', async () => {
    const syntax = await openAsText('m-syntax.kqldash', '{\n  "version": 1\n  "pages": []\n}\n');
    const [s] = await diagnosticsAt(syntax.uri, 2, 'the missing comma');
    assert.equal(s.range.start.character, 2);
    assert.equal(s.severity, vscode.DiagnosticSeverity.Error);
    assert.match(s.message, /^JSON syntax: a comma is missing between two values or properties\. Fix the file as text; the dashboard reloads once it parses\.$/);

    const schema = await openAsText('m-schema.kqldash', '{\n  "version": 1,\n  "pages": [{ "name": "P", "tiles": [\n    { "id": "a", "query": "T | take 1", "visual": "pie", "position": { "x": 0, "y": 0, "width": 6, "height": 4 } }\n  ] }]\n}\n');
    const [v] = await diagnosticsAt(schema.uri, 3, 'the unknown visual');
    assert.equal(schema.getText(v.range), '"pie"');
    assert.match(v.message, /^pages\[0\]\.tiles\[0\]\.visual: "visual" is "pie"; use one of table, stat, timechart/);

    const version = await openAsText('m-version.kqldash', '{\n  "version": 7,\n  "pages": [{ "name": "P", "tiles": [] }]\n}\n');
    const [ver] = await diagnosticsAt(version.uri, 1, 'the version');
    assert.equal(version.getText(ver.range), '7');
    assert.match(ver.message, /^version: "version" is 7; this Eventline reads version 1\. The file was written by a newer Eventline: update the extension to open it\.$/);
  });

  it('the dashboard editor shows the problems, "Open as Text" opens the text editor, and the diagnostics follow the edits there', async () => {
    const uri = dashUri('m-editor.kqldash');
    made.push(uri);
    await writeFile(uri, '{\n  "version": 1,\n  "pages": [{ "name": "P", "tiles": [] }],\n  "autoRefresh": "2s"\n}\n');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'eventline.dashboard');
    const session = await until(() => a.dashboards.editors.sessions.get(uri.toString()), 'the dashboard editor');
    assert.equal(session.dashboard, undefined, 'nothing to draw: the view lists the problems instead');
    assert.match(session.problems[0].message, /"autoRefresh" is "2s"; use one of off, 10s/);
    await diagnosticsAt(uri, 3, 'the editor\'s diagnostic');

    const doc = await openAsText('m-editor.kqldash', '{\n  "version": 1,\n  "pages": [{ "name": "P", "tiles": [] }],\n  "autoRefresh": "2s"\n}\n');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, doc.getText(new vscode.Range(3, 17, 3, 21)) === '"2s"' ? new vscode.Range(3, 17, 3, 21) : new vscode.Range(0, 0, 0, 0), '"30s"');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until(() => (ours(uri).length === 0 ? true : undefined), 'the fixed file to have no diagnostics');
    // Break it again elsewhere: the diagnostic moves to the new problem.
    const again = new vscode.WorkspaceEdit();
    again.insert(uri, new vscode.Position(2, 0), '  "title": ,\n');
    assert.ok(await vscode.workspace.applyEdit(again));
    const [d] = await diagnosticsAt(uri, 2, 'the new syntax error');
    assert.match(d.message, /^JSON syntax: a value is expected/);
  });
});
