// The demo workspace `npm start` opens: a manifest over the sample source (hub, connection into the Eventhouse, an
// alert that the sample source's periodic heat burst makes fire), the ingest function scaffolded from
// functions-template/ exactly as "Scaffold Ingest Function" writes it, the kql/ schema, a notebook and a dashboard.
// Created once; later starts reuse it (the user's edits stay) and only point the source at the port in use.
// No vscode here: scripts/start.js runs it before anything else is up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sampleApiSource, type FunctionDef, type Manifest } from '../core/manifest';
import { formatScaffoldRecord, nextScaffoldRecord, parseScaffoldRecord, planScaffold, SCAFFOLD_RECORD_FILE } from '../core/scaffoldPlan';
import { scaffoldFiles } from '../core/scaffoldTemplate';

export const DEMO_SOURCE = 'sample-api';
export const DEMO_HUB = 'telemetry';
export const DEMO_TABLE = 'Readings';
export const DEMO_ALERT = 'hot-sensor';
export const DEMO_RECIPIENT = 'oncall@example.com';
/** Often enough that rows arrive within seconds of the start, rarely enough to read the function's log. */
export const DEMO_SCHEDULE = '*/10 * * * * *';
const FUNCTION_FOLDER = 'ingest-function';

export interface DemoWorkspaceOptions {
  /** The workspace folder (created when missing). */
  workspace: string;
  /** The repository (functions-template/ and kql/ come from it). */
  repoRoot: string;
  /** The port the sample API listens on: the source's URL names it. */
  apiPort: number;
  /** The local Key Vault's port: the function's local.settings.json refers to the key there. */
  vaultPort: number;
}

export interface DemoWorkspace {
  workspace: string;
  manifestPath: string;
  /** True when this call wrote it (a first or --fresh start). */
  created: boolean;
  /** Files written, relative to the workspace. */
  written: string[];
}

export function sourceUrl(apiPort: number): string {
  return `http://127.0.0.1:${apiPort}/readings`;
}

export function demoFunction(): FunctionDef {
  return { name: 'ingest', path: FUNCTION_FOLDER, source: DEMO_SOURCE, hub: DEMO_HUB, schedule: DEMO_SCHEDULE, partitionKey: 'siteId' };
}

export function demoManifest(apiPort: number): Manifest {
  return {
    version: 1,
    name: 'eventline-demo',
    description: 'The sample sensor API → ingest function → Event Hubs → Eventhouse → alert, on the local pipeline (npm start).',
    sources: [{ ...sampleApiSource(apiPort), name: DEMO_SOURCE, url: sourceUrl(apiPort) }],
    functions: [demoFunction()],
    eventHubs: [{ name: DEMO_HUB, partitions: 4, consumerGroups: ['$Default', 'eventline-tail'] }],
    eventhouse: {
      database: 'NetDefaultDB',
      tables: [
        { name: 'RawReadings', schemaFile: 'kql/tables/RawReadings.kql' },
        { name: 'Readings', schemaFile: 'kql/tables/Readings.kql' },
      ],
    },
    connections: [{ name: 'telemetry-to-raw', hub: DEMO_HUB, consumerGroup: '$Default', table: 'RawReadings', format: 'json', mapping: 'RawReadingsMapping' }],
    alerts: [{
      name: DEMO_ALERT,
      // The window is [startTime, endTime); delay leaves room for readings still on their way through the hub.
      source: { query: 'Readings\n| where EventTime >= startTime and EventTime < endTime\n| project Site, Temperature, EventTime', every: '30s', eventTimeColumn: 'EventTime', delay: '30s' },
      object: 'Site',
      property: 'Temperature',
      condition: { kind: 'becomes', op: 'greaterThan', value: 30 },
      action: { email: { to: [DEMO_RECIPIENT], subject: 'Hot sensor: {object} at {value} °C', headline: '{object} is above 30 °C', message: 'The sample source heats one site for a few seconds every few minutes; this is that burst.', fields: ['EventTime'] } },
    }],
    profiles: { local: { kind: 'local' } },
    activeProfile: 'local',
  };
}

function copySchema(from: string, to: string, rel: string, written: string[]): void {
  for (const e of fs.readdirSync(path.join(from, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) { copySchema(from, to, p, written); continue; }
    fs.mkdirSync(path.dirname(path.join(to, p)), { recursive: true });
    fs.copyFileSync(path.join(from, p), path.join(to, p));
    written.push(`kql/${p}`);
  }
}

export const DEMO_NOTEBOOK = {
  version: 1,
  cells: [
    { kind: 'markdown', source: '# The demo\'s readings\n\nRows arrive every 10 s from the sample API through the ingest function, the `telemetry` hub and the connector. Run a cell (or all) to see them; the chart cell draws a time chart per site. City-lab heats up for a few seconds every few minutes: that burst is what the `hot-sensor` alert mails about (see the local mailbox).' },
    { kind: 'kql', source: 'Readings\n| summarize Rows = count(), Latest = max(EventTime) by Site\n| order by Site asc' },
    { kind: 'kql', source: 'Readings\n| where EventTime > ago(30m)\n| summarize Temperature = avg(Temperature) by Site, bin(EventTime, 1m)\n| render timechart' },
    { kind: 'kql', source: 'Readings\n| where Temperature > 30\n| order by EventTime desc\n| take 20' },
  ],
};

/**
 * The demo's dashboard, in the .kqldash format of #23 §1 (version 1: pages of tiles on a 24-column grid, a time
 * range whose variables are _startTime/_endTime, select parameters tiles name by their variable).
 */
export const DEMO_DASHBOARD = {
  version: 1,
  title: 'Sensor readings',
  autoRefresh: '10s',
  parameters: [
    { kind: 'timeRange', name: 'Time range', default: '30m' },
    { kind: 'select', name: 'Site', variable: '_site', type: 'string', multi: true, dataSource: 'local', query: 'Readings | distinct Site | order by Site asc' },
  ],
  pages: [{
    name: 'Overview',
    tiles: [
      {
        id: 'temperature', title: 'Temperature per site', dataSource: 'local', visual: 'timechart', position: { x: 0, y: 0, width: 16, height: 8 },
        query: 'Readings\n| where EventTime between (_startTime .. _endTime)\n| where array_length(_site) == 0 or Site in (_site)\n| summarize Temperature = avg(Temperature) by bin(EventTime, 1m), Site\n| render timechart',
      },
      {
        id: 'rows', title: 'Readings', dataSource: 'local', visual: 'stat', position: { x: 16, y: 0, width: 8, height: 4 },
        query: 'Readings\n| where EventTime between (_startTime .. _endTime)\n| summarize Readings = count()',
      },
      {
        id: 'per-site', title: 'Readings per site', dataSource: 'local', visual: 'piechart', position: { x: 16, y: 4, width: 8, height: 4 },
        query: 'Readings\n| where EventTime between (_startTime .. _endTime)\n| summarize Readings = count() by Site',
      },
      {
        id: 'hot', title: 'Above 30 °C (the alert\'s readings)', dataSource: 'local', visual: 'table', position: { x: 0, y: 8, width: 24, height: 6 },
        query: 'Readings\n| where EventTime between (_startTime .. _endTime)\n| where Temperature > 30\n| order by EventTime desc\n| take 50',
      },
    ],
  }],
};

/** Writes the project with the scaffold's own plan and record, so a later Scaffold sees it as Eventline's work. */
function scaffoldFunction(workspace: string, repoRoot: string, manifest: Manifest, vaultPort: number, written: string[]): void {
  const entry = demoFunction();
  const projectDir = path.join(workspace, entry.path);
  const files = scaffoldFiles(path.join(repoRoot, 'functions-template'), manifest, entry, `https://127.0.0.1:${vaultPort}/`);
  const read = (p: string) => { try { return fs.readFileSync(path.join(projectDir, p), 'utf8'); } catch { return undefined; } };
  const record = parseScaffoldRecord(read(SCAFFOLD_RECORD_FILE));
  const plan = planScaffold(files, read, record);
  // Nobody is asked here: files the user edited stay as they are.
  const kept = new Set(plan.filter((f) => f.action === 'edited').map((f) => f.path));
  for (const f of plan) {
    if (f.action === 'unchanged' || kept.has(f.path)) continue;
    fs.mkdirSync(path.dirname(path.join(projectDir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(projectDir, f.path), f.content);
    written.push(`${entry.path}/${f.path}`);
  }
  fs.writeFileSync(path.join(projectDir, SCAFFOLD_RECORD_FILE), formatScaffoldRecord(nextScaffoldRecord(record, plan, kept)));
}

/** Creates the demo workspace, or points an existing one's sample source at `apiPort`. */
export function prepareDemoWorkspace(o: DemoWorkspaceOptions): DemoWorkspace {
  const manifestPath = path.join(o.workspace, 'eventline.json');
  const written: string[] = [];
  if (fs.existsSync(manifestPath)) {
    const text = fs.readFileSync(manifestPath, 'utf8');
    let manifest: Manifest;
    try {
      manifest = JSON.parse(text) as Manifest;
    } catch (e) {
      throw new Error(`${manifestPath} is not valid JSON (${e instanceof Error ? e.message : String(e)}): fix it, or start with --fresh to recreate the demo (its data is wiped).`);
    }
    const source = manifest.sources?.find((s) => s.name === DEMO_SOURCE);
    const want = sourceUrl(o.apiPort);
    if (source && source.url !== want && /^http:\/\/127\.0\.0\.1:\d+\/readings$/.test(source.url)) {
      // A text edit of the one value: the rest of the file stays as the user left it.
      fs.writeFileSync(manifestPath, text.replace(JSON.stringify(source.url), JSON.stringify(want)));
      written.push('eventline.json');
    }
    return { workspace: o.workspace, manifestPath, created: false, written };
  }
  fs.mkdirSync(o.workspace, { recursive: true });
  const manifest = demoManifest(o.apiPort);
  scaffoldFunction(o.workspace, o.repoRoot, manifest, o.vaultPort, written);
  if (!fs.existsSync(path.join(o.workspace, 'kql'))) copySchema(path.join(o.repoRoot, 'kql', 'schema'), path.join(o.workspace, 'kql'), '', written);
  fs.mkdirSync(path.join(o.workspace, 'notebooks'), { recursive: true });
  fs.writeFileSync(path.join(o.workspace, 'notebooks', 'readings.kqlnb'), `${JSON.stringify(DEMO_NOTEBOOK, null, 2)}\n`);
  written.push('notebooks/readings.kqlnb');
  fs.mkdirSync(path.join(o.workspace, 'dashboards'), { recursive: true });
  fs.writeFileSync(path.join(o.workspace, 'dashboards', 'readings.kqldash'), `${JSON.stringify(DEMO_DASHBOARD, null, 2)}\n`);
  written.push('dashboards/readings.kqldash');
  // The manifest last: its presence is what marks the workspace as complete.
  fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  written.push('eventline.json');
  return { workspace: o.workspace, manifestPath, created: true, written };
}
