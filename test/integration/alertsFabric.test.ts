import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { DeployOutcome, DryRunOutcome, ImportOutcome } from '../../src/alertsFabric';
import { normalizeAlert } from '../../src/core/alerts/rule';
import type { FabricDefinition } from '../../src/core/fabric/definition';
import type { Alert } from '../../src/core/manifest';
import type { LocalReady } from '../../src/protocol/localReady';
import { checkReflexDefinition, decodeReflexEntities } from './support/reflexStandin';
import { StandIn, type StandInReply } from './support/standins';
import { TEST_PROVIDER_ID } from './support/testAuthProvider';
import { answered, api, manifestUri, removeManifest, until, writeManifest } from './support/treeHelpers';

const WS = 'ws-a';
const KQL_DB = 'kqldb-a';
const DB = 'AlertsDB';
const FIVE_MIN = 5 * 60_000;
const ITEM_NAME = 'alerts-pipeline-alerts';

// S1's 5-minute averages: "becomes greater than 30" fires at 20→35, 20→40 and 20→31. S2 never crosses.
const S1 = [20, 35, 36, 20, 40, 20, 20, 31];

const hot: Alert = {
  name: 'hot', source: { query: 'Readings', eventTimeColumn: 'Timestamp' }, object: 'Site',
  property: { column: 'Temperature', aggregation: 'average', window: '5m' }, condition: { kind: 'becomes', op: 'greaterThan', value: 30 },
  action: { email: { to: ['ops@contoso.com'], subject: 'Hot: {object} at {value}', headline: '{rule} fired', message: '<b>check</b> {object}' } },
};
const silent: Alert = {
  name: 'silent', source: { query: 'Readings', eventTimeColumn: 'Timestamp' }, object: 'Site',
  condition: { kind: 'noDataFor', duration: '10m' }, action: {
    email: { to: ['ops@contoso.com'], subject: 'No data from {Site}', headline: 'Silent' },
    teams: { to: ['oncall@contoso.com'], headline: 'No data from {Site}', fields: ['Site'] },
  },
};

describe('Alerts: dry run, deploy to Fabric, import (alertsFabric)', function () {
  this.timeout(180000);
  let a: EventlineApi;
  let ready: LocalReady;
  let fabric: StandIn;
  let arm: StandIn;
  const items: { id: string; displayName: string; type: string; workspaceId: string }[] = [];
  const definitions = new Map<string, FabricDefinition>();
  const ops = new Map<string, { statuses: string[]; result?: unknown }>();
  let nextOp = 1;

  const accepted = (result?: unknown): StandInReply => {
    const id = `op-${nextOp++}`;
    ops.set(id, { statuses: ['Running', 'Succeeded'], result });
    return { status: 202, headers: { location: `${fabric.url}/v1/operations/${id}`, 'x-ms-operation-id': id, 'retry-after': '0' } };
  };
  const rejectIfInvalid = (def: FabricDefinition): StandInReply | undefined => {
    const problem = checkReflexDefinition(def, [KQL_DB]);
    return problem ? { status: 400, body: { ...problem, requestId: 'req-reflex' } } : undefined;
  };

  function manifest(alerts: Alert[], profile: 'local' | 'prod', extra: Record<string, unknown> = {}) {
    return {
      version: 1, name: 'alerts-pipeline', eventhouse: { database: DB }, alerts,
      profiles: { local: { kind: 'local' }, prod: { kind: 'azure', tenantId: 'tenant-a', fabricWorkspaceId: WS, eventhouseQueryUri: ready.eventhouse.uri, ...extra } },
      activeProfile: profile,
    };
  }

  before(async () => {
    a = await api();
    arm = await new StandIn().route(/^\/subscriptions$/, () => ({ status: 200, body: { value: [] } })).start();
    fabric = await new StandIn()
      .route(/^\/v1\/workspaces$/, () => ({ status: 200, body: { value: [{ id: WS, displayName: 'Alerts WS', type: 'Workspace' }] } }))
      .route(/^\/v1\/workspaces\/ws-a\/eventhouses$/, () => ({ status: 200, body: { value: [] } }))
      .route(/^\/v1\/workspaces\/ws-a\/kqlDatabases$/, () => ({ status: 200, body: { value: [{ id: KQL_DB, displayName: DB, type: 'KQLDatabase', workspaceId: WS }] } }))
      .route(/^\/v1\/workspaces\/ws-a\/items$/, (url) => ({ status: 200, body: { value: items.filter((i) => i.type === url.searchParams.get('type')) } }), 'GET')
      .route(/^\/v1\/workspaces\/ws-a\/items$/, (_url, req) => {
        const body = req.body as { displayName: string; type: string; definition: FabricDefinition };
        const bad = rejectIfInvalid(body.definition);
        if (bad) return bad;
        const item = { id: `reflex-${items.length + 1}`, displayName: body.displayName, type: body.type, workspaceId: WS };
        items.push(item);
        definitions.set(item.id, body.definition);
        return accepted(item);
      }, 'POST')
      .route(/^\/v1\/workspaces\/ws-a\/items\/[^/]+\/getDefinition$/, (url) => {
        const def = definitions.get(url.pathname.split('/')[5]);
        return def ? accepted({ definition: def }) : { status: 404, body: { errorCode: 'ItemNotFound', message: 'no such item' } };
      }, 'POST')
      .route(/^\/v1\/workspaces\/ws-a\/items\/[^/]+\/updateDefinition$/, (url, req) => {
        const def = (req.body as { definition: FabricDefinition }).definition;
        const bad = rejectIfInvalid(def);
        if (bad) return bad;
        definitions.set(url.pathname.split('/')[5], def);
        return accepted();
      }, 'POST')
      .route(/^\/v1\/operations\/[^/]+\/result$/, (url) => ({ status: 200, body: ops.get(url.pathname.split('/')[3])?.result }))
      .route(/^\/v1\/operations\/[^/]+$/, (url): StandInReply => {
        const id = url.pathname.split('/')[3];
        const op = ops.get(id)!;
        const status = op.statuses.length > 1 ? op.statuses.shift()! : op.statuses[0];
        return status === 'Succeeded'
          ? { status: 200, body: { status, percentComplete: 100 }, headers: { location: `${fabric.url}/v1/operations/${id}/result` } }
          : { status: 200, body: { status, percentComplete: 50 }, headers: { 'retry-after': '0' } };
      })
      .start();
    await vscode.workspace.getConfiguration('eventline').update('cloud', { authProviderId: TEST_PROVIDER_ID, resourceManagerEndpoint: arm.url, fabricEndpoint: fabric.url }, vscode.ConfigurationTarget.Global);

    await writeManifest(a, { version: 1, name: 'alerts-pipeline', profiles: { local: { kind: 'local' } }, activeProfile: 'local' });
    ready = await a.local.start(manifestUri().fsPath);
    const kusto = new KustoClient(ready.eventhouse.uri);
    try {
      await kusto.execute('NetDefaultDB', `.create database ${DB} persist`);
      await kusto.execute(DB, '.create-merge table Readings (Timestamp: datetime, Site: string, Temperature: real)');
      // Whole 5-minute windows that all closed at least 10 minutes ago: one reading a minute per site.
      const start = Math.floor(Date.now() / FIVE_MIN) * FIVE_MIN - 10 * FIVE_MIN;
      const lines: string[] = [];
      S1.forEach((v, w) => {
        for (let m = 0; m < 5; m++) {
          const t = new Date(start + w * FIVE_MIN + m * 60_000).toISOString();
          lines.push(`${t},S1,${v}`, `${t},S2,10`);
        }
      });
      await kusto.execute(DB, `.ingest inline into table Readings <|\n${lines.join('\n')}`);
    } finally {
      kusto.close();
    }
    await writeManifest(a, manifest([hot, silent], 'local'));
  });

  after(async () => {
    await vscode.workspace.getConfiguration('eventline').update('cloud', undefined, vscode.ConfigurationTarget.Global);
    await a?.local.stop();
    await removeManifest();
    await fabric?.stop();
    await arm?.stop();
  });

  it('dry run: one query against the local Eventhouse, the firings, the emails, and the chart the webview drew', async () => {
    const out = await answered(a, ['Last hour'], () => vscode.commands.executeCommand<DryRunOutcome>('eventline.dryRunAlert', { ref: { kind: 'alert', name: 'hot' } }));
    assert.ok(out, 'the command returned its outcome');
    assert.match(out.query, /\| summarize Temperature = avg\(Temperature\) by Site, Timestamp = bin\(Timestamp, 300s\)/);
    assert.equal(out.result.firings, 3);
    assert.deepEqual(out.result.series.map((s) => [s.object, s.points.length, s.fired.length]), [['S1', 8, 3], ['S2', 8, 0]]);
    assert.deepEqual(out.result.series[0].points.map((p) => p[1]), S1);
    assert.equal(out.result.emails.length, 3);
    assert.equal(out.result.emails[0].email.subject, 'Hot: S1 at 35');
    assert.match(out.result.emails[0].email.html, /&lt;b&gt;check&lt;\/b&gt; S1/, 'user text is escaped in the email HTML');
    const drawn = await out.rendered;
    assert.deepEqual(drawn, { type: 'rendered', objects: 2, points: 16, markers: 3, emails: 3, charts: 2 });
  });

  it('dry run from the palette: picks the rule, then the span', async () => {
    const out = await answered(a, ['silent', 'Last 24 hours'], () => vscode.commands.executeCommand<DryRunOutcome>('eventline.dryRunAlert'));
    assert.equal(out.result.rule, 'silent');
    assert.doesNotMatch(out.query, /summarize/);
    // Watching starts 24 h ago: each site fires for the silence before its first reading (as the runner does for
    // the silence since it started), and again for the last 10 minutes, in which neither site reported.
    assert.deepEqual(out.result.series.map((s) => [s.object, s.fired.length]), [['S1', 2], ['S2', 2]]);
    assert.equal(out.result.emails.at(-1)?.email.subject, 'No data from S2', 'the last reading\'s row fills the placeholders');
    assert.equal((await out.rendered).objects, 2);
  });

  it('dry run of a rule whose query does not parse says so', async () => {
    await writeManifest(a, manifest([{ ...hot, name: 'broken', source: { query: 'Readings | summarize by', eventTimeColumn: 'Timestamp' } }], 'local'));
    const out = await answered(a, ['Last hour'], () => vscode.commands.executeCommand<DryRunOutcome | undefined>('eventline.dryRunAlert', { ref: { kind: 'alert', name: 'broken' } }));
    assert.equal(out, undefined, 'the error is shown, not returned');
    await writeManifest(a, manifest([hot, silent], 'local'));
  });

  it('warns on eventline.json where a rule can send one recipient more than Activator\'s 30 emails per rule per hour', async () => {
    const noisy: Alert = { ...hot, name: 'noisy', property: 'Temperature', condition: { kind: 'is', op: 'greaterThan', value: 1 } };
    // The warning is placed by the text that was written, not by an open editor's model of the file, which can lag
    // behind a write (placed by the model, it once landed at 1:1 on the older, one-rule text). An unsaved edit keeps
    // the model apart from the disk for as long as the test needs, so placing by the model fails here every time.
    const doc = await vscode.workspace.openTextDocument(manifestUri());
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), '{}'));
    await writeManifest(a, manifest([hot, noisy], 'local'));
    const found = await until(() => {
      const d = vscode.languages.getDiagnostics(manifestUri()).filter((x) => x.source === 'Eventline (Activator limits)');
      return d.length ? d : undefined;
    }, 'the Activator limit warning');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, vscode.DiagnosticSeverity.Warning);
    assert.match(found[0].message, /^Alert "noisy" can email each recipient up to 60 times an hour for one object; Activator sends at most 30 emails per rule per recipient per hour/);
    const written = new TextDecoder().decode(await vscode.workspace.fs.readFile(manifestUri()));
    const before = written.slice(0, written.indexOf('"noisy"')).split('\n');
    const at = new vscode.Position(before.length - 1, before[before.length - 1].length);
    assert.deepEqual([found[0].range.start, found[0].range.end], [at, at.translate(0, '"noisy"'.length)], 'the warning sits on the rule in the written text');
    // Dropping the edit brings the model to the written text: the warning sits on the rule there too.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await until(() => (doc.getText().includes('"noisy"') ? true : undefined), 'the open document to show the written text');
    assert.equal(doc.getText(found[0].range), '"noisy"', 'the warning sits on the rule');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await writeManifest(a, manifest([hot, silent], 'local'));
    await until(() => (vscode.languages.getDiagnostics(manifestUri()).some((x) => x.source === 'Eventline (Activator limits)') ? undefined : true), 'the warning to go');
  });

  it('deploys the rules as a new Activator item: the stand-in decodes ReflexEntities.json and its references resolve', async () => {
    await writeManifest(a, manifest([hot, silent], 'prod'));
    await vscode.commands.executeCommand('eventline.signIn');
    const first = fabric.requests.length;
    const out = await answered(a, ['Deploy'], () => vscode.commands.executeCommand<DeployOutcome>('eventline.deployAlerts'));
    assert.equal(out.status, 'created');
    assert.equal(out.item?.id, 'reflex-1');
    assert.equal(out.url, `https://app.fabric.microsoft.com/groups/${WS}/reflexes/reflex-1?experience=fabric-developer`);
    const create = fabric.requests.slice(first).find((r) => r.method === 'POST' && r.path === '/v1/workspaces/ws-a/items')!;
    const body = create.body as { displayName: string; type: string; definition: FabricDefinition };
    assert.equal(body.displayName, ITEM_NAME);
    assert.equal(body.type, 'Reflex');
    const entities = decodeReflexEntities(body.definition);
    assert.equal(checkReflexDefinition(body.definition, [KQL_DB]), undefined);
    const rules = entities.filter((e) => (e.payload?.definition as { type?: string } | undefined)?.type === 'Rule').map((e) => e.payload!.name);
    assert.deepEqual(rules, ['hot', 'silent', 'silent-teams'], 'an alert with an email and a Teams message is two Activator rules');
  });

  let firstIds: string[] = [];
  it('redeploys in place: reads the definition, keeps a rule made in the portal, writes the same ids', async () => {
    const stored = definitions.get('reflex-1')!;
    const entities = decodeReflexEntities(stored);
    firstIds = entities.map((e) => String(e.uniqueIdentifier));
    // A rule the user made in the portal, in a container of their own, running a Fabric item.
    const portal = [
      { uniqueIdentifier: 'portal-c', type: 'container-v1', payload: { name: 'Mine', type: 'kqlQueries' } },
      { uniqueIdentifier: 'portal-r', type: 'timeSeriesView-v1', payload: { name: 'pipeline rule', parentContainer: { targetUniqueIdentifier: 'portal-c' }, definition: { type: 'Rule', instance: JSON.stringify({ templateId: 'EventTrigger', templateVersion: '1.1', steps: [{ name: 'ActStep', id: 'p1', rows: [{ name: 'FabricItemBinding', kind: 'FabricItemInvocation', arguments: [] }] }] }) } } },
    ];
    definitions.set('reflex-1', { parts: [{ path: 'ReflexEntities.json', payload: Buffer.from(JSON.stringify([...entities, ...portal])).toString('base64'), payloadType: 'InlineBase64' }] });
    const first = fabric.requests.length;
    const out = await answered(a, ['Deploy'], () => vscode.commands.executeCommand<DeployOutcome>('eventline.deployAlerts'));
    assert.equal(out.status, 'updated');
    const sent = fabric.requests.slice(first).map((r) => `${r.method} ${r.path}`).filter((l) => !/\/operations\//.test(l));
    assert.deepEqual(sent, ['GET /v1/workspaces/ws-a/kqlDatabases', 'GET /v1/workspaces/ws-a/items', 'POST /v1/workspaces/ws-a/items/reflex-1/getDefinition', 'POST /v1/workspaces/ws-a/items/reflex-1/updateDefinition']);
    const after = decodeReflexEntities(definitions.get('reflex-1')!).map((e) => String(e.uniqueIdentifier));
    assert.deepEqual(after, ['portal-c', 'portal-r', ...firstIds], 'the portal rule stays; Eventline\'s entities keep their ids');
    assert.equal(items.length, 1, 'no second item');
  });

  it('imports the rules back into eventline.json (round trip); the portal rule is listed read-only', async () => {
    await writeManifest(a, manifest([], 'prod'));
    const out = await answered(a, [['hot', 'silent', 'silent-teams']], () => vscode.commands.executeCommand<ImportOutcome>('eventline.importAlerts'));
    assert.deepEqual(out.added, ['hot', 'silent', 'silent-teams']);
    assert.deepEqual(out.others.map((o) => [o.name, o.reason]), [['pipeline rule', 'its action is FabricItemInvocation; Eventline\'s alerts send email or a Teams message.']]);
    assert.equal(out.url, `https://app.fabric.microsoft.com/groups/${WS}/reflexes/reflex-1?experience=fabric-developer`);
    const written = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(manifestUri()))) as { alerts: Alert[] };
    const norm = (x: Alert, i: number) => {
      const r = normalizeAlert(x, i);
      return { ...r, email: r.email && { ...r.email, headline: r.email.headline.replace('{rule}', r.name) } };
    };
    // Each Activator rule comes back as one alert with its one action.
    const silentTeams = { ...silent, name: 'silent-teams', action: { teams: silent.action!.teams } };
    assert.deepEqual(written.alerts.map(norm), [hot, { ...silent, action: { email: silent.action!.email } }, silentTeams].map(norm));
    assert.equal(a.model.snapshot()?.manifest.alerts?.length, 3, 'the manifest store reloaded it');
  });

  it('opens the item in Fabric', async () => {
    const url = await vscode.commands.executeCommand<string>('eventline.openAlertInFabric', { ref: { kind: 'alert', name: 'hot' } });
    assert.equal(url, `https://app.fabric.microsoft.com/groups/${WS}/reflexes/reflex-1?experience=fabric-developer`);
  });

  it('a definition Fabric rejects (FailedToResolveEntity) is shown with the entity it names', async () => {
    await writeManifest(a, manifest([hot], 'prod', { kqlDatabaseItemId: 'kqldb-gone' }));
    const out = await answered(a, ['Deploy'], () => vscode.commands.executeCommand<DeployOutcome>('eventline.deployAlerts'));
    assert.equal(out.status, 'rejected');
    const source = out.entities.find((e) => e.type === 'kqlSource-v1')!;
    assert.match(out.message!, /FailedToResolveEntity/);
    assert.ok(out.message!.includes(`${source.uniqueIdentifier} [kqlSource-v1 "hot source" (${source.uniqueIdentifier})]`), out.message);
  });
});
