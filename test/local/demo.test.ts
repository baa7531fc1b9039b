// `npm start` as a newcomer runs it, without code-server (--no-code-server) and without a rebuild (dist/ is built
// by the suite's runner): the demo workspace is created, rows reach the Eventhouse within 60 s of the printed
// line, the sample alert's email reaches the local mailbox, Ctrl-C leaves no process behind, and the next start
// keeps the rows.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'azure-kusto-data';
import type { MailList } from '../../src/protocol/controlApi';
import { CLI } from './pipeline';

const ROOT = path.resolve(__dirname, '../..');
const START = path.join(ROOT, 'scripts', 'start.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDemo(args: string[]): Run {
  // Its own process group, as a terminal gives it: SIGINT goes to start.js alone, which must end the rest.
  const child = spawn(process.execPath, [START, '--no-code-server', '--no-build', '--verbose', ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}\n${context()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What the demo printed once it is running: the Eventhouse and control URLs. */
function printed(run: Run): { eventhouse: string; control: string } | undefined {
  const out = run.output();
  if (!/Eventline demo pipeline is running/.test(out)) return undefined;
  const eventhouse = /Local Eventhouse:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  const control = /Control API:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  return eventhouse && control ? { eventhouse, control } : undefined;
}

/** Process groups whose processes mention the data folder (the pipeline, its function hosts). */
function groupsUsing(dir: string): Set<number> {
  const groups = new Set<number>();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(dir)) continue;
      // /proc/<pid>/stat: pid (comm) state ppid pgrp …; comm may hold spaces, so read after the last ')'.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      groups.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]));
    } catch { /* gone meanwhile */ }
  }
  return groups;
}

function liveInGroups(groups: Set<number>): number[] {
  const live: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && groups.has(Number(fields[2]))) live.push(Number(pid));
    } catch { /* gone meanwhile */ }
  }
  return live;
}

async function readingsCount(kusto: Client): Promise<number> {
  const r = await kusto.execute('NetDefaultDB', 'Readings | count');
  return Number((r.primaryResults[0].toJSON().data[0] as { Count: number }).Count);
}

describe('npm start: the whole pipeline in one command', function () {
  this.timeout(480_000);
  let data: string;
  const runs: Run[] = [];

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "node esbuild.js" first.`);
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-demo-'));
  });

  after(async function () {
    for (const r of runs) {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        try { process.kill(-r.child.pid!, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    for (const g of groupsUsing(data)) { try { process.kill(-g, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(data, { recursive: true, force: true });
  });

  async function stop(run: Run): Promise<void> {
    const groups = groupsUsing(data);
    assert.ok(groups.size > 0, 'the local pipeline runs in a process group of its own');
    run.child.kill('SIGINT');
    const code = await Promise.race([run.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    assert.notEqual(code, 'timeout', `start.js did not exit within 30 s of SIGINT:\n${run.output()}`);
    const left = await until('every process of the demo ending', 10_000, () => (liveInGroups(groups).length === 0 ? true : undefined), () => `still running: ${liveInGroups(groups).join(', ')}`)
      .then(() => [] as number[], () => liveInGroups(groups));
    assert.deepEqual(left, [], `processes left behind after Ctrl-C: ${left.join(', ')}`);
  }

  it('creates the demo, fills the table within 60 s, mails the alert, and leaves nothing behind on Ctrl-C; a second start keeps the rows', async function () {
    const first = startDemo(['--data', data, '--fresh', '--burst-every', '20']);
    runs.push(first);
    const at = await until('the "running" lines', 180_000, () => printed(first), first.output);
    const shownAt = Date.now();
    assert.match(first.output(), /created the demo workspace/);
    const workspace = path.join(data, 'workspace');
    for (const f of ['eventline.json', 'ingest-function/host.json', 'ingest-function/src/functions/ingest.ts', 'ingest-function/local.settings.json', 'ingest-function/.eventline-scaffold.json', 'kql/tables/RawReadings.kql', 'notebooks/readings.kqlnb', 'dashboards/readings.kqldash']) {
      assert.ok(fs.existsSync(path.join(workspace, f)), `the demo workspace has ${f}`);
    }
    // No secret in the workspace: the function's settings name the key in the local Key Vault.
    const settings = fs.readFileSync(path.join(workspace, 'ingest-function', 'local.settings.json'), 'utf8');
    assert.match(settings, /@Microsoft\.KeyVault\(SecretUri=https:\/\/127\.0\.0\.1:\d+\/secrets\/sample-api-key/);
    const key = fs.readFileSync(path.join(data, 'data', 'sample-api', 'api-key'), 'utf8').trim();
    for (const f of ['eventline.json', 'ingest-function/local.settings.json']) assert.ok(!fs.readFileSync(path.join(workspace, f), 'utf8').includes(key), `${f} holds no key`);

    const kusto = new Client(at.eventhouse);
    try {
      const rows = await until('rows in Readings', 60_000 - (Date.now() - shownAt), async () => { const n = await readingsCount(kusto); return n > 0 ? n : undefined; }, first.output);
      assert.ok(rows > 0);
    } finally {
      kusto.close();
    }

    const mail = await until('the hot-sensor email in the local mailbox', 240_000, async () => {
      const res = await fetch(`${at.control}/api/mail`);
      const list = (await res.json()) as MailList;
      return list.messages.find((m) => /^Hot sensor: city-lab/.test(m.subject));
    }, first.output);
    assert.deepEqual(mail.to, ['oncall@example.com']);
    assert.match(mail.text ?? '', /Temperature becomes greater than 30/);

    const kept = new Client(at.eventhouse);
    const before = await readingsCount(kept);
    kept.close();
    await stop(first);

    const second = startDemo(['--data', data, '--burst-every', '20']);
    runs.push(second);
    const again = await until('the "running" lines of the second start', 180_000, () => printed(second), second.output);
    assert.match(second.output(), /reusing the demo workspace/);
    const kusto2 = new Client(again.eventhouse);
    try {
      assert.ok(await readingsCount(kusto2) >= before, 'the second start keeps the rows of the first');
    } finally {
      kusto2.close();
    }
    await stop(second);
  });

  it('says what is wrong with a bad option, and starts nothing', async function () {
    const run = startDemo(['--burst-every', 'often']);
    runs.push(run);
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /--burst-every must be a whole number of seconds, at least 2, not "often"/);
    assert.match(run.output(), /Usage: npm start/);
  });

  it('says how to recover from a broken demo manifest instead of crashing', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-demo-bad-'));
    try {
      fs.mkdirSync(path.join(dir, 'workspace'));
      fs.writeFileSync(path.join(dir, 'workspace', 'eventline.json'), '{ "version": 1, ');
      const run = startDemo(['--data', dir]);
      runs.push(run);
      assert.equal(await run.exited, 1);
      assert.match(run.output(), /eventline\.json is not valid JSON .*start with --fresh to recreate the demo/);
      assert.deepEqual([...groupsUsing(dir)], [], 'nothing started');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
