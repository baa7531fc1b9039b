import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { EventlineApi } from '../../src/extension';
import type { LocalReady } from '../../src/protocol/localReady';
import type { TailPanel } from '../../src/tail/tailPanel';
import { sendEvents, startLocalProfile } from './support/localHelpers';
import type { TestAnswer } from '../../src/common/prompt';
import { answered, api, manifestUri, path, removeManifest, until } from './support/treeHelpers';

describe('Live tail panel (local pipeline, real VS Code)', function () {
  this.timeout(120000);
  let a: EventlineApi;
  let ready: LocalReady;

  before(async () => {
    a = await api();
    ready = await startLocalProfile(a, { name: 'tail-test', eventHubs: [{ name: 'telemetry', partitions: 4, consumerGroups: ['$Default', 'eventline-tail'] }] });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await a?.local.stop();
    await removeManifest();
  });

  const send = (bodies: unknown[], partitionId: string) => sendEvents(ready, 'telemetry', partitionId, bodies, { kind: 'test' });
  /** Runs Tail Event Hub on a tree row with the prompts answered in order (consumer group, start, partitions). */
  const tail = (node: unknown, ...answers: TestAnswer[]) => answered(a, answers, () => vscode.commands.executeCommand<TailPanel>('eventline.tailEventHub', node));

  it('opens from a hub node and shows events sent with the SDK, with every field', async () => {
    const hub = await path(a, 'Event Hubs', 'telemetry');
    const panel = await tail(hub, 'eventline-tail', 'Latest', ['Partition 0', 'Partition 1', 'Partition 2', 'Partition 3']);
    assert.ok(panel, 'the command returns the panel');
    await until(() => (panel.panel.visible ? true : undefined), 'the panel to show');
    await new Promise((r) => setTimeout(r, 1500));
    await send([{ temperature: 31, site: 'A' }, { temperature: 12, site: 'B' }, '<script>alert(1)</script><img src=x onerror=alert(2)>'], '2');
    await until(() => (panel.received >= 3 ? true : undefined), 'three events in the panel model');
    const rows = panel.buffer.toArray();
    assert.deepEqual(rows.map((r) => r.row.partitionId), ['2', '2', '2']);
    assert.deepEqual(rows.map((r) => r.row.bodyKind), ['json', 'json', 'text']);
    assert.equal((rows[0].json as { temperature: number }).temperature, 31);
    assert.deepEqual(rows[0].properties, { kind: 'test' });
    assert.equal(rows[1].row.sequenceNumber, rows[0].row.sequenceNumber + 1);
    assert.match(rows[0].row.enqueuedTime, /^\d{4}-\d\d-\d\dT/);
    assert.equal(rows[2].row.preview, '<script>alert(1)</script><img src=x onerror=alert(2)>', 'content is carried as text; the webview sets it with textContent');
  });

  it('"Send Test Event" and "Replay Events from File" reach an open tail', async () => {
    const hub = await path(a, 'Event Hubs', 'telemetry');
    const panel = await tail(hub, '$Default', 'Use $Default anyway', 'Latest', ['Partition 0', 'Partition 1', 'Partition 2', 'Partition 3']);
    await new Promise((r) => setTimeout(r, 1500));
    const before = panel.received;
    assert.equal(await answered(a, ['{"probe": "single"}', 'By partition key…', 'sensor-7', '{"origin": "eventline"}'], () => vscode.commands.executeCommand('eventline.sendTestEvent', hub)), 1);
    await until(() => (panel.received >= before + 1 ? true : undefined), 'the test event');
    const single = panel.buffer.toArray().find((r) => (r.json as { probe?: string } | undefined)?.probe === 'single');
    assert.ok(single, 'the test event is in the panel');
    assert.equal(single.row.partitionKey, 'sensor-7');
    assert.deepEqual(single.properties, { origin: 'eventline' });

    const file = vscode.Uri.joinPath(manifestUri(), '..', 'replay.ndjson');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify(i % 2 ? { body: { replay: i }, partitionKey: 'k' } : { replay: i }));
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(`${lines.join('\n')}\n`));
    const started = Date.now();
    assert.equal(await answered(a, [file.fsPath, '100'], () => vscode.commands.executeCommand('eventline.replayFile', hub)), 50);
    assert.ok(Date.now() - started >= 400, 'the rate is honoured (50 events at 100/s take about half a second)');
    await until(() => (panel.received >= before + 51 ? true : undefined), 'the replayed events');
    const replayed = panel.buffer.toArray().filter((r) => typeof (r.json as { replay?: number } | undefined)?.replay === 'number');
    assert.equal(replayed.length, 50);

    const bad = vscode.Uri.joinPath(manifestUri(), '..', 'bad.ndjson');
    await vscode.workspace.fs.writeFile(bad, new TextEncoder().encode('{"ok":1}\nnot json\n'));
    const count = panel.received;
    assert.equal(await answered(a, [bad.fsPath], () => vscode.commands.executeCommand('eventline.replayFile', hub)), undefined, 'a file with a bad line is refused whole');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(panel.received, count, 'nothing was sent');
    await vscode.workspace.fs.delete(file);
    await vscode.workspace.fs.delete(bad);
  });

  it('saves buffered events as NDJSON that replays back', async () => {
    const [panel] = [...a.tails.panels.values()];
    const file = vscode.Uri.joinPath(manifestUri(), '..', 'saved.ndjson');
    const n = await panel.save(false, file);
    assert.equal(n, panel.buffer.size);
    const lines = new TextDecoder().decode(await vscode.workspace.fs.readFile(file)).trim().split('\n');
    assert.equal(lines.length, n);
    const first = JSON.parse(lines[0]) as { body: unknown; sequenceNumber: number; partition: string };
    assert.equal(typeof first.sequenceNumber, 'number');
    assert.equal(await answered(a, [file.fsPath, '0'], async () => vscode.commands.executeCommand('eventline.replayFile', await path(a, 'Event Hubs', 'telemetry'))), n);
    await vscode.workspace.fs.delete(file);
  });

  it('restores a tail panel after a reload from its saved state', async () => {
    const webview = vscode.window.createWebviewPanel('eventline.tail', 'Tail: telemetry', vscode.ViewColumn.Active, { enableScripts: true });
    await a.tails.restore(webview, { hub: 'telemetry', consumerGroup: 'eventline-tail', partitions: ['3'] });
    const restored = [...a.tails.panels.values()].find((p) => p.panel === webview);
    assert.ok(restored, 'the restored panel is tracked');
    await new Promise((r) => setTimeout(r, 1500));
    await send([{ restored: true }], '3');
    await until(() => (restored.received >= 1 ? true : undefined), 'an event in the restored panel');
    const gone = vscode.window.createWebviewPanel('eventline.tail', 'Tail: nowhere', vscode.ViewColumn.Active, {});
    await a.tails.restore(gone, { hub: 'no-such-hub', consumerGroup: '$Default' });
    assert.ok(![...a.tails.panels.values()].some((p) => p.panel === gone), 'an unknown hub is not restored');
    // It stays open and says why (disposing it while the workbench opened it threw "OverlayWebview has been disposed").
    assert.match(gone.webview.html, /The tail of "no-such-hub" could not be restored: the hub is not in the active profile/);
    assert.equal(gone.title, 'Tail: no-such-hub (not restored)');
  });

  it('starts at earliest from a partition node and reads only that partition', async () => {
    const p2 = await path(a, 'Event Hubs', 'telemetry', 'Partitions', 'Partition 2');
    const panel = await tail(p2, 'eventline-tail', 'Earliest');
    await until(() => (panel.received >= 3 ? true : undefined), 'the retained events of partition 2');
    assert.ok(panel.buffer.toArray().every((r) => r.row.partitionId === '2'));
  });

  it('tails chosen partitions of a hub, from an enqueued time', async () => {
    const since = new Date();
    await send([{ chosen: 1 }], '1');
    await send([{ chosen: 0 }], '0');
    await send([{ chosen: 3 }], '3');
    const hub = await path(a, 'Event Hubs', 'telemetry');
    const panel = await tail(hub, 'eventline-tail', 'An enqueued time…', new Date(since.getTime() - 1000).toISOString(), ['Partition 1', 'Partition 3']);
    await until(() => (panel.received >= 2 ? true : undefined), 'the events of partitions 1 and 3');
    await new Promise((r) => setTimeout(r, 1000));
    const got = panel.buffer.toArray().filter((r) => (r.json as { chosen?: number } | undefined)?.chosen !== undefined);
    assert.deepEqual(got.map((r) => r.row.partitionId).sort(), ['1', '3']);
  });

  it('starts at a sequence number and at an offset, as answered in the prompts', async () => {
    await send([{ pos: 0 }, { pos: 1 }, { pos: 2 }], '0');
    const hub = await path(a, 'Event Hubs', 'telemetry');
    const earliest = await tail(hub, 'eventline-tail', 'Earliest', ['Partition 0']);
    await until(() => (earliest.buffer.toArray().filter((r) => (r.json as { pos?: number } | undefined)?.pos !== undefined).length >= 3 ? true : undefined), 'the retained events of partition 0');
    const withPos = earliest.buffer.toArray().filter((r) => (r.json as { pos?: number } | undefined)?.pos !== undefined);
    const second = withPos[withPos.length - 2].row;
    const bySeq = await tail(hub, '$Default', 'Use $Default anyway', 'A sequence number…', String(second.sequenceNumber), ['Partition 0']);
    await until(() => (bySeq.received >= 2 ? true : undefined), 'events from a sequence number');
    assert.equal(bySeq.buffer.at(0)?.row.sequenceNumber, second.sequenceNumber);
    earliest.panel.dispose(); // one panel per hub, group and partitions: make room for the same group again
    const byOffset = await tail(hub, 'eventline-tail', 'An offset…', second.offset, ['Partition 0']);
    await until(() => (byOffset.received >= 2 ? true : undefined), 'events from an offset');
    assert.equal(byOffset.buffer.at(0)?.row.offset, second.offset);
  });

  it('pauses, misses nothing sent meanwhile, and reconnects after the local pipeline restarts: no gap, no duplicate', async () => {
    const hub = await path(a, 'Event Hubs', 'telemetry');
    const panel = await tail(hub, '$Default', 'Use $Default anyway', 'Latest', ['Partition 1']);
    await until(() => (panel.sessionState === 'live' ? true : undefined), 'the tail to go live');
    await new Promise((r) => setTimeout(r, 1000));
    const mine = () => panel.buffer.toArray().filter((r) => (r.json as { run?: string } | undefined)?.run === 'restart').map((r) => r.row.sequenceNumber);
    await send(Array.from({ length: 5 }, (_, i) => ({ run: 'restart', i })), '1');
    await until(() => (mine().length >= 5 ? true : undefined), 'events before the pause');
    await panel.pause();
    await send(Array.from({ length: 5 }, (_, i) => ({ run: 'restart', i: 5 + i })), '1');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(mine().length, 5, 'nothing arrives while paused');
    await panel.resume();
    await until(() => (mine().length >= 10 ? true : undefined), 'events sent while paused');

    // Restart the pipeline Eventline runs; it comes back on the same ports, and the tail finds it again.
    const before = a.local.current?.eventHubs.connectionString;
    await a.local.stop();
    await startLocalProfile(a, { name: 'tail-test', eventHubs: [{ name: 'telemetry', partitions: 4, consumerGroups: ['$Default', 'eventline-tail'] }] });
    assert.equal(a.local.current?.eventHubs.connectionString, before, 'the restarted pipeline listens where the old one did');
    await send(Array.from({ length: 5 }, (_, i) => ({ run: 'restart', i: 10 + i })), '1');
    // Reconnected because the pipeline came back, not when the SDK or the stall watchdog (15 s) noticed.
    assert.equal(panel.reconnectedFor, 'the local pipeline restarted; reconnecting');
    await until(() => (mine().length >= 15 ? true : undefined), 'events after the restart', 90_000);
    await new Promise((r) => setTimeout(r, 1000));
    const seqs = mine();
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `no gap at ${i}`);
  });

  it('follows the local pipeline to other ports when a restart cannot have its old ones', async () => {
    const hub = await path(a, 'Event Hubs', 'telemetry');
    const panel = await tail(hub, 'eventline-tail', 'Latest', ['Partition 3']);
    await until(() => (panel.sessionState === 'live' ? true : undefined), 'the tail to go live');
    await new Promise((r) => setTimeout(r, 1000));
    const mine = () => panel.buffer.toArray().filter((r) => (r.json as { run?: string } | undefined)?.run === 'moved').length;
    const old = a.local.current!;
    await sendEvents(old, 'telemetry', '3', [{ run: 'moved', i: 0 }]);
    await until(() => (mine() >= 1 ? true : undefined), 'an event before the restart');
    await a.local.stop();
    // Another program takes the hub's old port: the pipeline starts on free ones instead.
    const port = Number(/Endpoint=sb:\/\/127\.0\.0\.1:(\d+)/.exec(old.eventHubs.connectionString)?.[1]);
    // A plain TCP listener that drops whatever connects (a client still trying the old address), so close() has no
    // open connection to wait for.
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => { squatter.once('error', reject); squatter.listen(port, '127.0.0.1', resolve); });
    try {
      const moved = await startLocalProfile(a, { name: 'tail-test', eventHubs: [{ name: 'telemetry', partitions: 4, consumerGroups: ['$Default', 'eventline-tail'] }] });
      assert.notEqual(moved.eventHubs.connectionString, old.eventHubs.connectionString, 'the pipeline moved');
      await sendEvents(moved, 'telemetry', '3', [{ run: 'moved', i: 1 }]);
      await until(() => (mine() >= 2 ? true : undefined), 'the event sent to the moved pipeline', 60_000);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
