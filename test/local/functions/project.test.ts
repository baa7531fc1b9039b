// What the user's project can do wrong, and the runner's own behaviour: a project that does not compile (file and
// line), a crash, a hang past functionTimeout, a throw; the schedule firing by itself, skipped ticks, rebuilds.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionInfo } from '../../../src/protocol/controlApi';
import type { LocalPipeline } from '../pipeline';
import { Control, manifestFor, startOn, workspace, type Workspace } from './helpers';

/** A handler whose behaviour the functions entry's TEST_MODE setting picks. */
const PROBE = `import { app, type InvocationContext, type Timer } from '@azure/functions';

export async function ingest(_timer: Timer, context: InvocationContext): Promise<unknown> {
  const mode = process.env.TEST_MODE ?? 'ok';
  context.log(\`probe mode \${mode}\`);
  console.log('a console line');
  if (mode === 'exit') process.exit(3);
  if (mode === 'hang') { for (;;) { /* a hang no await can interrupt */ } }
  if (mode === 'throw') throw new Error('the handler threw on purpose');
  if (mode === 'late-throw') { setTimeout(() => { throw new Error('thrown outside the handler'); }, 10); await new Promise((r) => setTimeout(r, 1000)); }
  if (mode === 'slow') await new Promise((r) => setTimeout(r, 2500));
  if (mode === 'secret') context.log(\`the key is \${process.env.INGEST_SOURCE_API_KEY}\`);
  return { recordsFetched: 7, eventsSent: 7, pages: 1, retries: 0, recordsSkipped: 0 };
}

app.timer('ingest', { schedule: '%INGEST_SCHEDULE%', handler: ingest });
`;

describe('function runner: the user project', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let pipeline: LocalPipeline;
  let control: Control;
  const entry = () => path.join(ws.dir, 'ingest-function', 'src', 'functions', 'ingest.ts');
  const mode = async (m: string, extra: Parameters<typeof manifestFor>[1] = {}) => {
    ws.write(manifestFor(ws.apiPort, { ...extra, settings: { TEST_MODE: m, ...extra.settings } }));
    await control.reload();
  };
  const state = async (want: FunctionInfo['state']) => {
    await waitFor(async () => (await control.fn()).state === want, `state ${want}`);
    return control.fn();
  };

  before(async () => {
    ws = await workspace();
    fs.writeFileSync(entry(), PROBE);
    pipeline = await startOn(ws);
    control = new Control(pipeline.ready.control);
    await state('idle');
  });
  after(async () => { await pipeline?.stop(); });

  it('runs on demand, returns the counts the handler reported, keeps the log lines (console too)', async () => {
    await mode('ok');
    const r = await control.run();
    assert.equal(r.status, 'succeeded');
    assert.deepEqual([r.recordsFetched, r.eventsSent, r.pages], [7, 7, 1]);
    const lines = (await control.logs()).lines;
    assert.ok(lines.some((l) => l.message === 'probe mode ok' && l.runId === r.runId));
    assert.ok(lines.some((l) => l.message === 'a console line'));
    const fn = await control.fn();
    assert.equal(fn.lastRun?.runId, r.runId);
    assert.equal(fn.schedulePreview, 'at 00:00 UTC on January 1');
    assert.ok(fn.nextRun);
  });

  it('a handler that throws ends the run with its message', async () => {
    await mode('throw');
    const r = await control.run();
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.message, 'the handler threw on purpose');
  });

  it('process.exit in the handler ends the run as crashed; the next run gets a fresh host', async () => {
    await mode('exit');
    const r = await control.run();
    assert.equal(r.status, 'crashed');
    assert.match(r.error!.message, /the function host exited \(code 3\).*The next run starts a fresh host/);
    await mode('ok');
    assert.equal((await control.run()).status, 'succeeded');
  });

  it('an exception thrown outside the handler crashes that run only', async () => {
    await mode('late-throw');
    const r = await control.run();
    assert.equal(r.status, 'crashed');
    assert.match(r.error!.message, /the function crashed: Error: thrown outside the handler/);
    assert.match(r.error!.message, /src\/functions\/ingest\.ts:\d+/, 'the stack names the TypeScript source');
  });

  it('a hang past host.json functionTimeout is stopped and reported; the pipeline goes on', async () => {
    const hostJson = path.join(ws.dir, 'ingest-function', 'host.json');
    const original = fs.readFileSync(hostJson, 'utf8');
    fs.writeFileSync(hostJson, original.replace('"00:05:00"', '"00:00:02"'));
    try {
      await mode('hang');
      const r = await control.run();
      assert.equal(r.status, 'timedOut');
      assert.match(r.error!.message, /did not finish within 2 s \(functionTimeout in host\.json\)/);
      assert.equal((await control.call('GET', '/api/functions')).status, 200);
      await mode('ok');
      assert.equal((await control.run()).status, 'succeeded');
    } finally {
      fs.writeFileSync(hostJson, original);
    }
  });

  it('never shows a resolved secret in its log', async () => {
    await mode('secret');
    const r = await control.run();
    assert.equal(r.status, 'succeeded');
    const key = fs.readFileSync(path.join(pipeline.dataDir, 'sample-api', 'api-key'), 'utf8').trim();
    const lines = (await control.logs()).lines.map((l) => l.message);
    assert.ok(lines.includes('the key is ***'), lines.slice(-5).join('\n'));
    assert.ok(!lines.join('\n').includes(key) && !pipeline.logs().includes(key));
  });

  it('a project that does not compile: the error with file and line, in the function state and the log; fixing it rebuilds', async () => {
    await mode('ok');
    fs.writeFileSync(entry(), `${PROBE}\nexport const broken = ;\n`);
    const fn = await state('error');
    assert.equal(fn.problem?.file, path.join('src', 'functions', 'ingest.ts'));
    assert.equal(fn.problem?.line, PROBE.split('\n').length + 1);
    assert.match(fn.problem.message, /^src\/functions\/ingest\.ts:\d+:\d+: Unexpected ";"/);
    const r = await control.run();
    assert.equal(r.status, 'failed');
    assert.match(r.error!.message, /src\/functions\/ingest\.ts:\d+:\d+: Unexpected ";"/);
    assert.ok((await control.logs()).lines.some((l) => /build failed: src\/functions\/ingest\.ts/.test(l.message)));
    fs.writeFileSync(entry(), PROBE.replace("console.log('a console line')", "console.log('rebuilt')"));
    await state('idle');
    assert.equal((await control.run()).status, 'succeeded');
    assert.ok((await control.logs()).lines.some((l) => l.message === 'rebuilt'), 'the new build ran');
  });

  it('a missing package says to run npm install', async () => {
    fs.writeFileSync(entry(), `import 'left-pad-that-is-not-installed';\n${PROBE}`);
    const fn = await state('error');
    assert.match(fn.problem!.message, /Could not resolve "left-pad-that-is-not-installed".*Run "npm install" in/);
    fs.writeFileSync(entry(), PROBE);
    await state('idle');
  });

  it('a function name the project does not register says which it does', async () => {
    const m = manifestFor(ws.apiPort, { settings: { TEST_MODE: 'ok' } });
    m.functions![0].name = 'ingestor';
    ws.write(m);
    await control.reload();
    const r = await control.run('ingestor');
    assert.match(r.error!.message, /registers no function named "ingestor" \(it registers "ingest"\)/);
    await mode('ok');
  });

  it('fires on its schedule by itself, never overlaps, and counts the ticks it skipped', async () => {
    await mode('slow', { schedule: '* * * * * *' });
    const before = await control.fn();
    await waitFor(async () => { const f = await control.fn(); return f.skippedTicks >= before.skippedTicks + 2 && f.runs >= before.runs + 2; }, 'two scheduled runs and two skipped ticks', 30_000)
      .catch(async (e: unknown) => { throw new Error(`${String(e)}: ${JSON.stringify(await control.fn())}\n${(await control.logs()).lines.slice(-8).map((l) => l.message).join('\n')}`); });
    await waitFor(async () => (await control.fn()).state === 'running', 'a run in progress');
    const busy = await control.call<{ error: { message: string } }>('POST', '/api/functions/ingest/run');
    assert.equal(busy.status, 409);
    assert.match(busy.body.error.message, /already running; runs never overlap/);
    const fn = await control.fn();
    assert.equal(fn.lastRun?.trigger, 'schedule');
    assert.ok((await control.logs()).lines.some((l) => /skipped the run due at .*: the run started at .* is still going/.test(l.message)));
    await mode('ok', { enabled: false });
    await waitFor(async () => (await control.fn()).state === 'disabled', 'disabled');
    assert.equal((await control.fn()).nextRun, undefined);
    assert.equal((await control.run()).status, 'succeeded', 'Run Now still works when disabled');
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waited ${timeoutMs} ms for ${what}`);
}
