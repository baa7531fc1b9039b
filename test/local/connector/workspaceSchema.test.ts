// The kql/ schema beside --config is applied when the pipeline starts, so the sample manifest's connection finds
// its table, mapping and update policy on a fresh start; a broken schema file is reported and the pipeline runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reading } from '../../../src/local/sampleApi/readings';
import { startLocalPipeline, tempDataDir } from '../pipeline';
import { count, envFor, sendAll, waitFor, writeConfig, type Env } from './helpers';

const REPO_SCHEMA = path.resolve(__dirname, '../../../kql/schema');
const CONFIG = {
  eventHubs: [{ name: 'telemetry', partitions: 2 }],
  connections: [{ name: 'telemetry-to-raw', hub: 'telemetry', table: 'RawReadings', format: 'json', mapping: 'RawReadingsMapping' }],
};

async function startWith(kql: (dir: string) => void, args: string[] = []): Promise<Env> {
  const dir = tempDataDir('eventline-schema-start-');
  kql(path.join(dir, 'kql'));
  const file = writeConfig(dir, CONFIG);
  return envFor(await startLocalPipeline({ dataDir: path.join(dir, 'data'), args: ['--config', file, ...args] }));
}

describe('local pipeline: the workspace\'s kql/ schema at start', function () {
  this.timeout(120_000);
  const envs: Env[] = [];
  afterEach(async () => { for (const e of envs.splice(0)) await e.close(); });

  it('creates the sample schema before the connector starts: events reach RawReadings and, typed by the update policy, Readings', async () => {
    const env = await startWith((d) => fs.cpSync(REPO_SCHEMA, d, { recursive: true }));
    envs.push(env);
    assert.match(env.pipeline.logs(), /eventhouse: applied \d+ changes from kql\/ to NetDefaultDB/);
    const tables = (await env.rows('.show tables')).map((r) => r.TableName).sort();
    assert.deepEqual(tables, ['RawReadings', 'Readings']);
    // A record of the sample API as the ingest function sends it: the body is the record as is.
    const record = reading({ epochMs: Date.UTC(2026, 11, 5, 10), intervalMs: 1000, recordBytes: 0 }, 0, 0);
    await sendAll(env.producer(), [{ body: record }], '0');
    await waitFor('the typed row in Readings', async () => ((await count(env, 'Readings | count')) === 1 ? true : undefined), 30_000, async () => JSON.stringify(await env.connections()));
    const [row] = await env.rows('Readings | project Site, ReadingId, Temperature, Status, EventTime');
    assert.deepEqual(row, { Site: record.siteId, ReadingId: record.id, Temperature: record.temperature, Status: record.status, EventTime: '2026-12-05T10:00:00.0000000Z' });
    assert.equal((await env.connection('telemetry-to-raw')).state, 'running');
  });

  it('reports a schema file with an error by file and line, applies nothing, and the pipeline still runs', async () => {
    const env = await startWith((d) => {
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'Bad.kql'), '// a typo\n.create-merge table Bad (a: string, b: lnog)\n');
    });
    envs.push(env);
    assert.match(env.pipeline.logs(), /the kql\/ schema was not applied: kql\/Bad\.kql:2:\d+: Unknown column type "lnog"/);
    assert.deepEqual(await env.rows('.show tables'), []);
    // The connection then waits for its table, holding the event, and says so.
    await sendAll(env.producer(), [{ body: { siteId: 'north' } }], '0');
    const c = await waitFor('the connection in error', async () => { const s = await env.connection('telemetry-to-raw'); return s.state === 'error' ? s : undefined; });
    assert.match(c.error?.message ?? '', /RawReadings/);
    assert.equal(c.lag, 1);
  });

  it('leaves the database as it is with --no-schema (VS Code deploys kql/ through a reviewed plan instead)', async () => {
    const env = await startWith((d) => fs.cpSync(REPO_SCHEMA, d, { recursive: true }), ['--no-schema']);
    envs.push(env);
    assert.deepEqual(await env.rows('.show tables'), []);
  });
});
