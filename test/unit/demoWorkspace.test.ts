import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeAlert } from '../../src/core/alerts/rule';
import { parseDashboard } from '../../src/core/dashboards/format';
import { parseScaffoldRecord, planScaffold, SCAFFOLD_RECORD_FILE } from '../../src/core/scaffoldPlan';
import { scaffoldFiles } from '../../src/core/scaffoldTemplate';
import { demoFunction, demoManifest, prepareDemoWorkspace } from '../../src/demo/workspace';
import { BURST_SITE, inPeriodicBurst, reading, SITES } from '../../src/local/sampleApi/readings';

const ROOT = path.resolve(__dirname, '../..');

describe('demo workspace (npm start)', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-demo-ws-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the manifest, the scaffolded function, kql/ and a notebook, and the scaffold sees the function as its own', () => {
    const ws = prepareDemoWorkspace({ workspace: dir, repoRoot: ROOT, apiPort: 5400, vaultPort: 5443 });
    assert.equal(ws.created, true);
    for (const f of ['eventline.json', 'ingest-function/host.json', 'ingest-function/local.settings.json', 'kql/tables/RawReadings.kql', 'kql/functions/ReadingsFromRaw.kql', 'notebooks/readings.kqlnb', 'dashboards/readings.kqldash']) {
      assert.ok(fs.existsSync(path.join(dir, f)), f);
    }
    // Running Scaffold Ingest Function again over it finds nothing to change: it is exactly the scaffold's output.
    const manifest = JSON.parse(fs.readFileSync(ws.manifestPath, 'utf8')) as ReturnType<typeof demoManifest>;
    const projectDir = path.join(dir, 'ingest-function');
    const files = scaffoldFiles(path.join(ROOT, 'functions-template'), manifest, demoFunction(), 'https://127.0.0.1:5443/');
    const plan = planScaffold(files, (p) => (fs.existsSync(path.join(projectDir, p)) ? fs.readFileSync(path.join(projectDir, p), 'utf8') : undefined), parseScaffoldRecord(fs.readFileSync(path.join(projectDir, SCAFFOLD_RECORD_FILE), 'utf8')));
    assert.deepEqual([...new Set(plan.map((f) => f.action))], ['unchanged']);
    assert.match(fs.readFileSync(path.join(dir, 'kql/tables/RawReadings.kql'), 'utf8'), /"Path":"\$\.siteId"/);
    // The dashboard opens in the dashboard editor: the format's own parser finds nothing wrong with it.
    const dash = parseDashboard(fs.readFileSync(path.join(dir, 'dashboards/readings.kqldash'), 'utf8'), { dataSources: [] });
    assert.deepEqual(dash.problems, []);
    assert.ok(dash.ok && dash.dashboard.pages.some((p) => p.tiles.length > 0));
  });

  it('reuses an existing workspace and only points the source at the port in use', () => {
    prepareDemoWorkspace({ workspace: dir, repoRoot: ROOT, apiPort: 5400, vaultPort: 5443 });
    const file = path.join(dir, 'eventline.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"eventline-demo"', '"my-demo"'));
    const again = prepareDemoWorkspace({ workspace: dir, repoRoot: ROOT, apiPort: 41234, vaultPort: 5443 });
    assert.equal(again.created, false);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /"my-demo"/, 'the user\'s edit stays');
    assert.match(text, /"url": "http:\/\/127\.0\.0\.1:41234\/readings"/);
  });

  it('says how to recover from a manifest that is not JSON', () => {
    fs.writeFileSync(path.join(dir, 'eventline.json'), '{ nope');
    assert.throws(() => prepareDemoWorkspace({ workspace: dir, repoRoot: ROOT, apiPort: 5400, vaultPort: 5443 }), /is not valid JSON .*--fresh/);
  });

  it('ships a kql/ schema whose mapping reads every field of the sample API\'s readings, by the same name', () => {
    // What the ingest function sends is the source's record as is: a field the mapping misses, or a path named
    // otherwise, is an empty column, and a missing timestamp drops the row from Readings.
    const text = fs.readFileSync(path.join(ROOT, 'kql/schema/tables/RawReadings.kql'), 'utf8');
    const mapping = JSON.parse(/ingestion json mapping "RawReadingsMapping" '(\[.*\])'/.exec(text)![1]) as { column: string; Properties: { Path: string } }[];
    const fields = Object.keys(reading({ epochMs: Date.UTC(2026, 11, 5), intervalMs: 1000, recordBytes: 0 }, 0, 1)).filter((f) => f !== 'note');
    assert.deepEqual(mapping.map((m) => m.column).sort(), [...fields].sort());
    for (const m of mapping) assert.equal(m.Properties.Path, `$.${m.column}`);
  });

  it('declares an alert the rule model accepts', () => {
    const m = demoManifest(5400);
    const rule = normalizeAlert(m.alerts![0], 0);
    assert.equal(rule.condition.kind, 'becomes');
    assert.deepEqual(rule.email?.to, ['oncall@example.com']);
  });
});

describe('sample source: the periodic heat burst', () => {
  const ds = { epochMs: 0, intervalMs: 10_000, recordBytes: 0, burstEveryMs: 120_000 };

  it('heats one site above 30 °C for the first 30 s of every period, and no other site', () => {
    for (let slot = 0; slot < 60; slot++) {
      const t = slot * ds.intervalMs;
      const hot = reading(ds, BURST_SITE, slot);
      if (inPeriodicBurst(ds, t)) {
        assert.ok(hot.temperature > 30, `slot ${slot}: ${hot.temperature}`);
        assert.equal(hot.status, 'anomaly');
      }
      assert.equal(inPeriodicBurst(ds, t), t % 120_000 < 30_000);
    }
    const other = SITES.findIndex((_s, i) => i !== BURST_SITE);
    assert.deepEqual(reading(ds, other, 0), reading({ ...ds, burstEveryMs: undefined }, other, 0));
  });

  it('is off without a period, and never longer than half the period', () => {
    assert.equal(inPeriodicBurst({ ...ds, burstEveryMs: undefined }, 0), false);
    const short = { ...ds, burstEveryMs: 20_000 };
    assert.equal(inPeriodicBurst(short, 9_999), true);
    assert.equal(inPeriodicBurst(short, 10_000), false);
  });
});
