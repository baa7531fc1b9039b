import * as assert from 'node:assert/strict';
import { ago, classifyPipeline, healthLines, worst, type HealthInput } from '../../src/core/pipelineHealth';
import type { AlertInfo, ConnectionStatus, FunctionInfo, HubInfo } from '../../src/protocol/controlApi';

const NOW = Date.parse('2026-12-06T00:10:00Z');
const iso = (msBefore: number) => new Date(NOW - msBefore).toISOString();

function fn(over: Partial<FunctionInfo> = {}): FunctionInfo {
  return {
    name: 'ingest', project: '/w/ingest-function', source: 'sample-api', hub: 'telemetry', schedule: '*/10 * * * * *', schedulePreview: 'every 10 seconds',
    enabled: true, state: 'idle', skippedTicks: 0, runs: 3, nextRun: iso(-5000),
    lastRun: { runId: 'r', trigger: 'schedule', start: iso(6000), end: iso(5000), durationMs: 30, status: 'succeeded', recordsFetched: 6, eventsSent: 3, pages: 1, retries: 0, recordsSkipped: 0 },
    ...over,
  };
}

function hub(seq: number, lastMsBefore: number | null): HubInfo {
  return {
    name: 'telemetry', partitionCount: 1, consumerGroups: ['$Default'], retentionHours: 24, createdAt: iso(3600_000),
    partitions: [{ id: '0', beginSequenceNumber: seq < 0 ? -1 : 0, lastEnqueuedSequenceNumber: seq, lastEnqueuedOffset: '0', lastEnqueuedTimeUtc: lastMsBefore === null ? null : iso(lastMsBefore), isEmpty: seq < 0, sizeBytes: 0 }],
  };
}

function conn(over: Partial<ConnectionStatus> = {}): ConnectionStatus {
  return {
    name: 'telemetry-to-raw', hub: 'telemetry', consumerGroup: '$Default', database: 'NetDefaultDB', table: 'RawReadings', format: 'json', state: 'running',
    eventsIngested: 10, rowsIngested: 10, batches: 2, failures: 0, updatePolicyFailures: 0, eventsExpired: 0, lag: 0, partitions: [],
    latencyMs: { p50: 200, p95: 900, samples: 10 }, commitMs: { p50: 5, p95: 9, samples: 2 }, lastIngestedAt: iso(3000), ...over,
  };
}

function alert(over: Partial<AlertInfo> = {}): AlertInfo {
  return { name: 'hot-sensor', state: 'ok', enabled: true, muted: false, every: '30s', firingObjects: 0, pendingObjects: 0, firings24h: 0, suppressed: 0, ...over };
}

const healthy: HealthInput = {
  now: NOW,
  sources: [{ name: 'sample-api', url: 'http://127.0.0.1:5400/readings', lastFetch: { time: iso(5000), records: 6, status: 'ok', functionName: 'ingest' } }],
  functions: [fn()],
  hubs: [hub(99, 4000)],
  connections: [conn()],
  tables: [{ name: 'Readings', rowCount: 1234 }],
  alerts: [alert()],
};

describe('pipeline health (per hop)', () => {
  it('a flowing pipeline is healthy on every hop, with what each hop last did', () => {
    const h = classifyPipeline(healthy);
    assert.equal(h.overall, 'healthy');
    assert.deepEqual(Object.fromEntries(Object.entries(h.hops).map(([k, v]) => [k, v.level])), { 'Sources': 'healthy', 'Ingest function': 'healthy', 'Event Hubs': 'healthy', 'Eventhouse': 'healthy', 'Alerts': 'healthy' });
    assert.equal(h.hops['Sources']!.description, 'fetched 6 5 s ago');
    assert.equal(h.hops['Ingest function']!.description, 'ran 5 s ago: 3 events');
    assert.equal(h.hops['Eventhouse']!.description, 'lag 0 · Readings 1,234 rows');
    assert.equal(h.hops['Alerts']!.description, '1 watching');
  });

  it('hub rate comes from the previous sample', () => {
    const first = classifyPipeline(healthy);
    const second = classifyPipeline({ ...healthy, now: NOW + 10_000, hubs: [hub(149, 1000)] }, first.sample);
    assert.equal(second.hops['Event Hubs']!.description, '5.0 events/s');
  });

  it('failing: a source error, a broken function or a failed run, a connection in error, an alert that cannot run', () => {
    const h = classifyPipeline({
      ...healthy,
      sources: [{ name: 'sample-api', url: 'u', lastFetch: { time: iso(5000), records: 0, status: 'error', error: '401 Unauthorized', functionName: 'ingest' } }],
      functions: [fn({ lastRun: { ...fn().lastRun!, status: 'failed', error: { message: 'source returned 401' } } })],
      connections: [conn({ state: 'error', error: { message: 'table RawReadings does not exist', since: iso(1000) } })],
      alerts: [alert({ state: 'error', error: { message: 'column Site missing', since: iso(1000) } })],
    });
    assert.equal(h.overall, 'failing');
    assert.equal(h.hops['Sources']!.description, 'sample-api: 401 Unauthorized');
    assert.equal(h.hops['Ingest function']!.description, 'ingest: last run failed (source returned 401)');
    assert.equal(h.hops['Eventhouse']!.description, 'telemetry-to-raw: table RawReadings does not exist · Readings 1,234 rows');
    assert.equal(h.hops['Alerts']!.level, 'failing');
    assert.equal(classifyPipeline({ now: NOW, functions: [fn({ state: 'error', problem: { message: 'src/functions/ingest.ts:3:1: syntax error' } })] }).hops['Ingest function']!.description, 'ingest: src/functions/ingest.ts:3:1: syntax error');
  });

  it('lagging: a stale source, skipped ticks, an overdue run, connection lag or slow commits, ingestion failures', () => {
    assert.equal(classifyPipeline({ ...healthy, sources: [{ name: 's', url: 'u', lastFetch: { time: iso(10 * 60_000), records: 1, status: 'ok', functionName: 'ingest' } }] }).hops['Sources']!.description, 's last fetched 10 min ago');
    assert.match(classifyPipeline({ now: NOW, functions: [fn({ skippedTicks: 2 })] }).hops['Ingest function']!.description, /2 ticks skipped/);
    assert.equal(classifyPipeline({ now: NOW, functions: [fn({ nextRun: iso(120_000) })] }).hops['Ingest function']!.level, 'lagging');
    assert.equal(classifyPipeline({ now: NOW, connections: [conn({ lag: 5000 })] }).hops['Eventhouse']!.description, 'lag 5,000 events');
    assert.equal(classifyPipeline({ now: NOW, connections: [conn({ latencyMs: { p50: 1, p95: 45_000, samples: 3 } })] }).hops['Eventhouse']!.description, 'telemetry-to-raw: p95 45 s to commit');
    assert.equal(classifyPipeline({ now: NOW, connections: [conn({ failures: 3 })] }).hops['Eventhouse']!.description, '3 ingestion failures');
    assert.equal(classifyPipeline({ ...healthy, connections: [conn({ lag: 5000 })] }).overall, 'lagging');
  });

  it('idle: nothing fetched, run or sent yet, a quiet hub, disabled alerts', () => {
    const h = classifyPipeline({
      now: NOW,
      sources: [{ name: 's', url: 'u' }],
      functions: [fn({ lastRun: undefined, state: 'building' })],
      hubs: [hub(-1, null)],
      connections: [conn({ lastIngestedAt: null, eventsIngested: 0, rowsIngested: 0 })],
      alerts: [alert({ enabled: false, state: 'disabled' })],
    });
    assert.equal(h.overall, 'idle');
    assert.deepEqual(healthLines(h), [
      'Sources: idle — not fetched yet', 'Ingest function: idle — building', 'Event Hubs: idle — no events yet',
      'Eventhouse: idle — lag 0, nothing ingested yet', 'Alerts: idle — all disabled',
    ]);
    assert.equal(classifyPipeline({ now: NOW, hubs: [hub(10, 20 * 60_000)] }).hops['Event Hubs']!.description, 'quiet, last event 20 min ago');
  });

  it('a firing alert is the pipeline working: healthy, and the description names it', () => {
    const h = classifyPipeline({ now: NOW, alerts: [alert({ state: 'firing', firingObjects: 1 })] });
    assert.deepEqual(h.hops['Alerts'], { level: 'healthy', description: 'firing: hot-sensor' });
  });

  it('leaves out what it was not told, and ranks levels', () => {
    assert.deepEqual(classifyPipeline({ now: NOW }).hops, {});
    assert.equal(classifyPipeline({ now: NOW }).overall, 'idle');
    assert.equal(worst(['idle', 'healthy', 'lagging']), 'lagging');
    assert.equal(ago(3 * 3600_000), '3 h ago');
  });
});
