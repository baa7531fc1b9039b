import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client as KustoClient } from 'azure-kusto-data';
import type { EventlineApi } from '../../src/extension';
import type { LocalReady } from '../../src/protocol/localReady';
import type { DriftOutcome } from '../../src/schema';
import { sendEvents, startLocalProfile } from './support/localHelpers';
import { api, removeManifest } from './support/treeHelpers';

const DB = 'DriftTest';
// The integration run's local pipeline keeps its data between suites, and other suites send to "telemetry": hubs of
// this run's own, so the sample holds only what these tests send.
const RUN = Date.now().toString(36);
const HUB = `drift-${RUN}`;
const QUIET = `drift-quiet-${RUN}`;
const NAMED = `drift-named-${RUN}`;
const MAPPING = JSON.stringify([
  { column: 'Timestamp', Properties: { Path: '$.ts' } },
  { column: 'Sensor', Properties: { Path: '$.sensor.id' } },
  { column: 'Value', Properties: { Path: '$.value' } },
]);

function connection(name: string, hub: string): unknown {
  return { kind: 'connection', name, hub, table: 'Raw' };
}

const drift = (arg: unknown) => vscode.commands.executeCommand<DriftOutcome | undefined>('eventline.checkSchemaDrift', arg);
const lines = (o: DriftOutcome | undefined) => (o?.kind === 'report' ? o.report.findings.map((f) => `${f.severity} ${f.kind} ${f.path ?? f.column ?? ''} ${f.count}/${f.of}`) : []);

describe('Check Schema Drift: a local hub\'s last events against the local Eventhouse table they load', function () {
  this.timeout(180000);
  let a: EventlineApi;
  let ready: LocalReady;
  let kusto: KustoClient;

  before(async () => {
    a = await api();
    ready = await startLocalProfile(a, {
      name: 'drift-test',
      eventHubs: [{ name: HUB, partitions: 2 }, { name: QUIET, partitions: 1 }, { name: NAMED, partitions: 1 }],
      eventhouse: { database: DB },
      connections: [
        { name: 'hub-to-raw', hub: HUB, table: 'Raw', mapping: 'RawMapping' },
        { name: 'quiet-to-raw', hub: QUIET, table: 'Raw', mapping: 'RawMapping' },
        { name: 'named-to-raw', hub: NAMED, table: 'Raw' },
        { name: 'wrong-mapping', hub: HUB, table: 'Raw', mapping: 'NoSuchMapping' },
      ],
    });
    kusto = new KustoClient(ready.eventhouse.uri);
    await kusto.executeMgmt('NetDefaultDB', `.create database ${DB} persist`);
    await kusto.executeMgmt(DB, '.create table Raw (Timestamp:datetime, Sensor:string, Value:real)');
    await kusto.executeMgmt(DB, `.create table Raw ingestion json mapping "RawMapping" '${MAPPING}'`);
  });

  after(async () => {
    kusto?.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await a?.local.stop();
    await removeManifest();
  });

  it('reads both partitions\' events through the SDK and reports a field standing in for a mapped one, a new one and a value that does not fit, in a Markdown preview', async () => {
    await sendEvents(ready, HUB, '0', [1, 2, 3].map((i) => ({ ts: `2026-12-07T10:00:0${i}Z`, sensor: { id: `s${i}` }, value: i * 1.5 })));
    await sendEvents(ready, HUB, '1', [
      { ts: '2026-12-07T10:01:00Z', sensor: { id: 's4' }, Value: 4, humidity: 40 },
      { ts: '2026-12-07T10:01:01Z', sensor: { id: 's5' }, Value: 5, humidity: 41 },
      { ts: '2026-12-07T10:01:02Z', sensor: { id: 's6' }, value: 'n/a' },
    ]);
    const out = await drift(connection('hub-to-raw', HUB));
    assert.equal(out?.kind, 'report', 'the check ran');
    if (out?.kind !== 'report') return;
    assert.equal(out.byName, false, 'the local connector applies the connection\'s mapping');
    assert.equal(out.report.events, 6);
    assert.deepEqual(lines(out), [
      'warning typeMismatch $.value 1/6',
      'warning unmappedField $.Value 2/6',
      'warning unmappedField $.humidity 2/6',
      'info missingField $.value 2/6',
    ]);
    const mismatch = out.report.findings[0];
    assert.equal(mismatch.example, 'partition 1, sequence 2');
    assert.equal(mismatch.value, '"n/a"');
    const doc = await vscode.workspace.openTextDocument(out.preview);
    assert.equal(doc.languageId, 'markdown');
    const text = doc.getText();
    assert.match(text, new RegExp(`^# Schema drift: ${HUB} → Raw\n\n6 events \\(6 records\\) read from the end of ${HUB} at`));
    assert.match(text, / .*, against table Raw in DriftTest on the local Eventhouse .* and its mapping "RawMapping"\./);
    assert.match(text, /## Warnings \(3\)\n\n- \$\.value is a string in 1 record of 6 \(first: partition 1, sequence 2, "n\/a"\): column Value \(real\) gets null there\./);
    assert.match(text, /- \$\.humidity is in 2 records of 6 \(first: partition 1, sequence 0\), but mapping "RawMapping" does not map it: its values are dropped\./);
  });

  it('the suggested fix, run as it stands, takes the new field in: the next check no longer reports it as dropped', async () => {
    const before = await drift(connection('hub-to-raw', HUB));
    assert.equal(before?.kind, 'report');
    if (before?.kind !== 'report') return;
    const fix = before.report.fix;
    assert.ok(fix, 'a fix is suggested');
    assert.deepEqual(fix.columns, [{ name: 'humidity', type: 'long' }]);
    assert.deepEqual(fix.left.map((l) => l.path), ['$.Value'], '$.Value stands in for $.value: no column of its own');
    const text = (await vscode.workspace.openTextDocument(before.preview)).getText();
    assert.ok(text.includes(`## Suggested fix\n\nPut these commands in the table's file under kql/`), text);
    assert.ok(text.includes(`\`\`\`kql\n${fix.commands.join('\n\n')}\n\`\`\``), text);
    for (const c of fix.commands) await kusto.executeMgmt(DB, c);
    const after = await drift(connection('hub-to-raw', HUB));
    assert.equal(after?.kind, 'report');
    if (after?.kind !== 'report') return;
    // humidity is now a column, which the four records sent before it was added lack.
    assert.deepEqual(lines(after), ['warning typeMismatch $.value 1/6', 'warning unmappedField $.Value 2/6', 'info missingField $.value 2/6', 'info missingField $.humidity 4/6']);
    assert.deepEqual(after.report.fix?.commands, [], 'nothing left for a command to do');
  });

  it('reads only the end of a long hub (500 events, spread over the partitions)', async () => {
    const batch = (p: number) => Array.from({ length: 200 }, (_, i) => ({ ts: '2026-12-07T11:00:00Z', sensor: { id: `p${p}-${i}` }, value: i, humidity: 40 }));
    for (let k = 0; k < 2; k++) {
      await sendEvents(ready, HUB, '0', batch(0));
      await sendEvents(ready, HUB, '1', batch(1));
    }
    const out = await drift(connection('hub-to-raw', HUB));
    assert.equal(out?.kind, 'report');
    if (out?.kind !== 'report') return;
    assert.equal(out.report.events, 500, '250 from each partition, the last ones');
    assert.deepEqual(lines(out), [], 'the drifting events are older than the last 250 of each partition');
  });

  it('says when the hub holds nothing to check', async () => {
    const out = await drift(connection('quiet-to-raw', QUIET));
    assert.equal(out?.kind, 'report');
    if (out?.kind !== 'report') return;
    assert.equal(out.report.events, 0);
    assert.match((await vscode.workspace.openTextDocument(out.preview)).getText(), /The hub holds no events: nothing to compare\./);
  });

  it('without a mapping, matches fields to columns by name, as the service does', async () => {
    // Raw has the humidity column the fix above added.
    await sendEvents(ready, NAMED, '0', [{ Timestamp: '2026-12-07T10:00:00Z', sensor: 's1', Value: 1, humidity: 40 }]);
    const out = await drift(connection('named-to-raw', NAMED));
    assert.equal(out?.kind, 'report');
    if (out?.kind !== 'report') return;
    assert.equal(out.byName, true);
    assert.deepEqual(lines(out), ['warning missingField $.Sensor 1/1', 'warning unmappedField $.sensor 1/1']);
    assert.match(out.report.findings[0].message, /The events have \$\.sensor, which nothing maps: was the field renamed\?/);
  });

  it('a mapping the table does not have ends the command with an error, not a report (the message: unit test of connectionMapping)', async () => {
    assert.equal(await drift(connection('wrong-mapping', HUB)), undefined);
  });
});
