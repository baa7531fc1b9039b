import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { LocalReady } from '../../src/protocol/localReady';
import { sendEvents, startLocalProfile } from './support/localHelpers';
import type { HasRef } from '../../src/model/refs';
import type { TreeNode } from '../../src/tree/treeNode';
import { answered, api, description, label, labels, manifestUri, path, removeManifest, until, writeManifest } from './support/treeHelpers';

describe('Eventline tree, local profile (a local pipeline started through the extension)', function () {
  this.timeout(120000);
  let a: EventlineApi;
  let ready: LocalReady;

  before(async () => {
    a = await api();
    ready = await startLocalProfile(a, {
      name: 'local-test',
      eventHubs: [{ name: 'telemetry', partitions: 4, consumerGroups: ['$Default', 'eventline-tail'] }, { name: 'orders', partitions: 2 }],
      eventhouse: { database: 'NetDefaultDB' },
    });
  });

  after(async () => {
    await a?.local.stop();
    await removeManifest();
  });

  it('lists the local pipeline\'s hubs from its control API', async () => {
    a.pipelineTree.refresh();
    assert.equal(a.profiles.current()?.kind, 'local');
    assert.deepEqual((await labels(a, await path(a, 'Event Hubs'))).sort(), ['orders', 'telemetry']);
    const telemetry = await path(a, 'Event Hubs', 'telemetry');
    assert.equal(description(a, telemetry), '4 partitions');
  });

  it('shows live partition sequence numbers after events are sent with the SDK', async () => {
    const before = await labels(a, await path(a, 'Event Hubs', 'telemetry', 'Partitions'));
    assert.deepEqual(before, ['Partition 0', 'Partition 1', 'Partition 2', 'Partition 3']);
    assert.equal(description(a, await path(a, 'Event Hubs', 'telemetry', 'Partitions', 'Partition 1')), 'empty');
    await sendEvents(ready, 'telemetry', '1', [0, 1, 2].map((i) => ({ sensor: 's1', value: i })));
    a.pipelineTree.refresh(await path(a, 'Event Hubs', 'telemetry'));
    const p1 = await path(a, 'Event Hubs', 'telemetry', 'Partitions', 'Partition 1');
    assert.match(description(a, p1), /^last #2 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.equal(description(a, await path(a, 'Event Hubs', 'telemetry', 'Partitions', 'Partition 0')), 'empty');
  });

  it('updates partition rows by themselves while the view is visible (no Refresh), and stops while it is hidden', async () => {
    await vscode.commands.executeCommand('eventline.pipeline.focus');
    const p2 = await path(a, 'Event Hubs', 'telemetry', 'Partitions', 'Partition 2');
    const p0 = await path(a, 'Event Hubs', 'telemetry', 'Partitions', 'Partition 0');
    assert.equal(description(a, p2), 'empty');
    const fired: (TreeNode | undefined)[] = [];
    const sub = a.pipelineTree.onDidChangeTreeData((n) => { fired.push(n ?? undefined); });
    try {
      await sendEvents(ready, 'telemetry', '2', [{ live: 1 }, { live: 2 }]);
      // The health poll runs every 5 s while the view is visible; the same row object shows the new numbers.
      await until(() => (/^last #1 · /.test(description(a, p2)) ? true : undefined), 'partition 2\'s row to show its events', 30000);
      assert.ok(fired.includes(p2), 'the partition row itself was redrawn');
      assert.ok(!fired.includes(undefined), 'the tree was not refreshed as a whole');
      assert.ok(!fired.includes(p0), 'a partition whose numbers did not change is not redrawn');

      // Hidden: the rows are left alone (the poll only keeps the status bar's health, every 30 s).
      await vscode.commands.executeCommand('workbench.view.explorer');
      await sendEvents(ready, 'telemetry', '2', [{ live: 3 }]);
      await new Promise((r) => setTimeout(r, 7000));
      assert.match(description(a, p2), /^last #1 · /, 'no update while the view is hidden');
      await vscode.commands.executeCommand('eventline.pipeline.focus');
      await until(() => (/^last #2 · /.test(description(a, p2)) ? true : undefined), 'the update once the view shows again', 30000);
    } finally {
      sub.dispose();
      // The later tests stop the pipeline: a visible tree would reload and auto-start it again (see the report).
      await vscode.commands.executeCommand('workbench.view.explorer');
    }
  });

  it('lists consumer groups and creates one through the control API', async () => {
    assert.deepEqual(await labels(a, await path(a, 'Event Hubs', 'telemetry', 'Consumer groups')), ['$Default', 'eventline-tail']);
    const hub = await path(a, 'Event Hubs', 'telemetry');
    await answered(a, ['dashboards'], () => vscode.commands.executeCommand('eventline.createConsumerGroup', hub));
    assert.deepEqual(await labels(a, await path(a, 'Event Hubs', 'telemetry', 'Consumer groups')), ['$Default', 'eventline-tail', 'dashboards']);
  });

  it('builds connection info without the key unless asked', async () => {
    const hub = await path(a, 'Event Hubs', 'orders');
    const ref = (hub as unknown as HasRef).ref;
    assert.equal(ref.kind, 'hub', 'the row carries a reference to the hub, not a client');
    const info = await a.model.eventHubs.connectionInfo(ref, false);
    assert.doesNotMatch(info, /SharedAccessKey/);
    assert.match(info, /EntityPath=orders/);
    assert.match(await a.model.eventHubs.connectionInfo(ref, true), /SharedAccessKey=.*;EntityPath=orders/);
  });

  it('shows tables with row counts and their columns after the test creates a table', async () => {
    const kusto = new KustoClient(ready.eventhouse.uri);
    await kusto.execute('NetDefaultDB', '.create table Readings (Timestamp: datetime, Sensor: string, Value: real, Payload: dynamic)');
    await kusto.execute('NetDefaultDB', '.ingest inline into table Readings <|\n2026-01-01T00:00:00Z,s1,1.5,{}\n2026-01-01T00:01:00Z,s2,2.5,{}');
    a.pipelineTree.refresh(await path(a, 'Eventhouse'));
    const table = await path(a, 'Eventhouse', 'NetDefaultDB', 'Tables', 'Readings');
    assert.match(description(a, table), /^2 rows/);
    assert.deepEqual(await labels(a, table), ['Timestamp', 'Sensor', 'Value', 'Payload', 'Ingestion mappings']);
    const value = await path(a, 'Eventhouse', 'NetDefaultDB', 'Tables', 'Readings', 'Value');
    assert.equal(description(a, value), 'real');
    await vscode.commands.executeCommand('eventline.showTableSchema', table);
    const text = await until(() => vscode.window.activeTextEditor?.document.getText().includes('.create table') ? vscode.window.activeTextEditor.document.getText() : undefined, 'the schema script');
    assert.match(text, /\.create table Readings \(Timestamp: datetime, Sensor: string, Value: real, Payload: dynamic\)/);
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'kql');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('shows a connection added to eventline.json under its hub with the local connector\'s state, and its events reach the table', async () => {
    // The pipeline started without connections: the tree brings the connector in line with the manifest (no restart).
    await writeManifest(a, {
      version: 1, name: 'local-test', profiles: { local: { kind: 'local' } }, activeProfile: 'local',
      eventHubs: [{ name: 'telemetry', partitions: 4, consumerGroups: ['$Default', 'eventline-tail'] }, { name: 'orders', partitions: 2 }],
      eventhouse: { database: 'NetDefaultDB' },
      connections: [{ name: 'orders-to-readings', hub: 'orders', table: 'Readings' }],
    });
    a.pipelineTree.refresh();
    const row = await path(a, 'Event Hubs', 'orders', 'Connections', '→ Readings');
    assert.match(description(a, row), /^orders-to-readings · (starting|running) · lag 0 · 0 ingested$/);
    await sendEvents(ready, 'orders', '0', [{ Timestamp: '2026-01-01T00:02:00Z', Sensor: 's3', Value: 3.5, Payload: { via: 'connector' } }]);
    const kusto = new KustoClient(ready.eventhouse.uri);
    await until(async () => {
      const r = await kusto.execute('NetDefaultDB', "Readings | where Sensor == 's3' | count");
      return Number(r.primaryResults[0].toJSON<{ Count: number }>().data[0].Count) === 1 || undefined;
    }, 'the event as a row of Readings', 30000);
    a.pipelineTree.refresh(await path(a, 'Event Hubs', 'orders'));
    const after = await path(a, 'Event Hubs', 'orders', 'Connections', '→ Readings');
    assert.match(description(a, after), /^orders-to-readings · running · lag 0 · (p95 [\d.]+ m?s · )?1 ingested$/);
    const underTable = await path(a, 'Eventhouse', 'NetDefaultDB', 'Tables', 'Readings', 'Connections', '← orders');
    assert.match(description(a, underTable), /^orders-to-readings · running/);
  });

  it('shows an error row with Retry when the local pipeline stops, and recovers on Retry', async () => {
    // Auto-start off first: stopped with it on, whatever needs the pipeline next (a tree row) may start it again.
    await vscode.workspace.getConfiguration('eventline.local').update('autoStart', false, vscode.ConfigurationTarget.Global);
    await a.local.stop();
    try {
      const group = await path(a, 'Event Hubs');
      const [row] = await a.pipelineTree.getChildren(group);
      assert.match(label(a, row), /local pipeline is not running/);
      assert.equal(a.pipelineTree.getTreeItem(row).command?.command, 'eventline.retry');
    } finally {
      await vscode.workspace.getConfiguration('eventline.local').update('autoStart', undefined, vscode.ConfigurationTarget.Global);
    }
    ready = await a.local.start(manifestUri().fsPath);
    await vscode.commands.executeCommand('eventline.retry', await path(a, 'Event Hubs'));
    assert.ok((await labels(a, await path(a, 'Event Hubs'))).includes('telemetry'), 'the data survived the restart');
  });

  it('Stop Local Pipeline keeps it stopped (a tree refresh does not start it again, even with autoStart); Start starts it', async () => {
    await vscode.commands.executeCommand('eventline.stopLocalPipeline');
    assert.equal(a.local.current, undefined);
    await vscode.commands.executeCommand('eventline.refresh');
    const [row] = await a.pipelineTree.getChildren(await path(a, 'Event Hubs'));
    assert.match(label(a, row), /local pipeline is not running/);
    assert.equal(a.local.current, undefined, 'the tree did not start it again');
    await assert.rejects(a.local.ensureRunning(), /stopped with "Eventline: Stop Local Pipeline"/);
    ready = await a.local.start(manifestUri().fsPath);
    assert.ok((await labels(a, await path(a, 'Event Hubs'))).includes('telemetry'));
  });
});
