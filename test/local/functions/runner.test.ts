// The real runner in the real CLI, with the real function template (no node_modules: Eventline's shipped packages),
// against the sample API, the local Key Vault and the local hub.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalPipeline } from '../pipeline';
import { Control, idOf, readAll, startOn, workspace, type Workspace } from './helpers';

describe('function runner: the template against the sample API, Key Vault and hub', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let pipeline: LocalPipeline | undefined;
  after(async () => { await pipeline?.stop(); });

  it('sends every record exactly once across three runs and a pipeline restart', async () => {
    ws = await workspace();
    pipeline = await startOn(ws);
    let control = new Control(pipeline.ready.control);
    // A reading every second per site, an hour of history: 14,400 slots' worth less the quiet site's gaps.
    const info = await control.dataset({ intervalMs: 1000, historySeconds: 600 });
    const first = await control.run();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    assert.ok(first.recordsFetched > 1000, `fetched ${first.recordsFetched}`);
    assert.equal(first.eventsSent, first.recordsFetched);
    assert.ok(first.pages >= 5);
    await new Promise((r) => setTimeout(r, 2500));
    const second = await control.run();
    assert.equal(second.status, 'succeeded', JSON.stringify(second.error));
    assert.ok(second.eventsSent > 0 && second.eventsSent < 100, `second run sent ${second.eventsSent}`);
    await pipeline.stop();
    pipeline = await startOn(ws, pipeline.dataDir);
    control = new Control(pipeline.ready.control);
    const fn = await control.fn();
    assert.equal(fn.lastRun?.runId, second.runId, 'the last run survives a restart');
    await new Promise((r) => setTimeout(r, 1500));
    const third = await control.run();
    assert.equal(third.status, 'succeeded', JSON.stringify(third.error));
    assert.ok(third.eventsSent > 0);
    const total = first.eventsSent + second.eventsSent + third.eventsSent;
    const events = await readAll(pipeline.ready.eventHubs.connectionString, 'telemetry', { count: total, idleMs: 5000 });
    const ids = events.map(idOf);
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total, 'no duplicate');
    // Every reading the API has up to the newest one sent is there.
    const newest = Math.max(...events.map((e) => Date.parse((e.body as { timestamp: string }).timestamp)));
    const res = await fetch(`${info.url}?pageSize=5000&until=${newest}`, { headers: { 'x-api-key': await apiKey(pipeline) } });
    let page = (await res.json()) as { items: { id: string }[]; next: string | null };
    const expected: string[] = page.items.map((r) => r.id);
    while (page.next) {
      page = (await (await fetch(page.next, { headers: { 'x-api-key': await apiKey(pipeline) } })).json()) as typeof page;
      expected.push(...page.items.map((r) => r.id));
    }
    assert.deepEqual([...ids].sort(), expected.sort());
    const e = events[0];
    assert.equal(e.properties?.source, 'sample-api');
    assert.equal(e.properties?.eventTime, (e.body as { timestamp: string }).timestamp);
    assert.equal(e.partitionKey, (e.body as { siteId: string }).siteId);
    const sources = await control.sources();
    assert.equal(sources.sources[0].lastFetch?.status, 'ok');
    assert.equal(sources.sources[0].lastFetch?.records, third.recordsFetched);
    assert.ok(fs.readdirSync(path.join(pipeline.dataDir, 'functions', 'watermarks')).includes('ingest_sample-api.json'));
  });
});

async function apiKey(p: LocalPipeline): Promise<string> {
  return fs.readFileSync(path.join(p.dataDir, 'sample-api', 'api-key'), 'utf8').trim();
}
