#!/usr/bin/env node
// `npm test`: build; the typechecks then the unit suite, beside the lint; then the local-pipeline, function-template
// (its own node:test suite, against the local hub), integration (inside a real VS Code), package and end-to-end
// (Playwright) suites, in that order. Installs what it lacks, keeps going after a
// failure so one run shows everything, and ends with the line `N passed, N failed`.
// A suite that runs no test, or skips one, counts as a failure.
// Usage: node test/run.js [--only static,unit,local,template,integration,package,e2e]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ALL = ['static', 'unit', 'local', 'template', 'integration', 'package', 'e2e'];
const onlyArg = process.argv.indexOf('--only');
const selected = onlyArg >= 0 ? process.argv[onlyArg + 1].split(',') : ALL;
for (const s of selected) if (!ALL.includes(s)) { console.error(`unknown suite "${s}"; choose from ${ALL.join(', ')}`); process.exit(2); }

const results = [];
const started = Date.now();

function banner(text) {
  console.log(`\n━━━ ${text} ━━━`);
}

function sh(cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  return r.status === null ? 1 : r.status;
}

function npx(bin) {
  return path.join(ROOT, 'node_modules', '.bin', bin);
}

/** `failures`: the failing tests' titles and first error lines, listed again above the summary. */
function record(suite, passed, failed, ms, note = '', failures = []) {
  results.push({ suite, passed, failed, ms, note, failures });
}

/**
 * Runs a command. `live`: its output goes straight through (a suite that runs alone, so a long one shows progress and
 * a killed run keeps what it printed); otherwise it is kept and printed whole when the command ends, so two commands
 * running side by side never interleave.
 */
function runProc(title, cmd, args, extraEnv, live) {
  return new Promise((resolve) => {
    const t = Date.now();
    if (live) banner(title);
    const child = spawn(cmd, args, { cwd: ROOT, stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } });
    const out = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr?.on('data', (d) => out.push(d));
    child.once('error', (e) => { out.push(Buffer.from(`${e.message}\n`)); });
    child.once('close', (code) => {
      if (!live) banner(`${title}: ${code === 0 ? 'ok' : `exit ${code}`} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      if (out.length) process.stdout.write(Buffer.concat(out));
      resolve(code === null ? 1 : code);
    });
  });
}

/** A check that is one pass or one fail (a typecheck, the lint). */
async function check(suite, cmd, args) {
  const t = Date.now();
  const code = await runProc(suite, cmd, args, {}, false);
  const ms = Date.now() - t;
  return () => record(suite, code === 0 ? 1 : 0, code === 0 ? 0 : 1, ms);
}

async function mochaSuite(suite, config, live = false) {
  const t = Date.now();
  const stats = path.join(os.tmpdir(), `eventline-${suite}-${process.pid}.json`);
  fs.rmSync(stats, { force: true });
  const code = await runProc(suite, npx('mocha'), ['--config', config, '--reporter', path.join(__dirname, 'harness', 'mocha-reporter.js')], { EVENTLINE_MOCHA_STATS: stats }, live);
  const ms = Date.now() - t;
  let s = { passed: 0, failed: 1, pending: 0, failures: [] };
  try { s = JSON.parse(fs.readFileSync(stats, 'utf8')); } catch { /* mocha died before its end event: counted as one failure */ }
  fs.rmSync(stats, { force: true });
  const failed = s.failed + s.pending + (code !== 0 && s.failed === 0 ? 1 : 0);
  return () => record(suite, s.passed, failed, ms, s.pending ? `${s.pending} skipped` : '', s.failures ?? []);
}

/**
 * Steps in lanes that run side by side, each step resolving to its record() call; the records are made lane by lane
 * once all have ended. The typechecks, the lint and the unit suite are each one single-threaded process: on two cores
 * the lint (the longest) in one lane and the rest one after another in the other take about as long as the lint alone.
 */
async function inLanes(lanes) {
  const recorders = await Promise.all(lanes.map(async (lane) => {
    const out = [];
    for (const step of lane) out.push(await step());
    return out;
  }));
  for (const recordIt of recorders.flat()) recordIt();
}

const TEMPLATE = path.join(ROOT, 'functions-template');

/** Installs the function template's own dependencies when they are missing (its tests and its lint need them). */
function ensureTemplateDeps() {
  if (fs.existsSync(path.join(TEMPLATE, 'node_modules', '.bin', 'tsc'))) return true;
  banner('npm ci in functions-template (its node_modules is missing)');
  return spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: TEMPLATE, stdio: 'inherit' }).status === 0;
}

/**
 * The template's own `npm test` (node:test), with a local pipeline running so its hub test sends to a real hub
 * (INGEST_TEST_EVENTHUB_CONNECTION). Counts come from node's TAP summary; a skipped test counts as a failure.
 */
async function templateSuite() {
  banner('template (functions-template: npm test, against the local hub)');
  const t = Date.now();
  if (!ensureTemplateDeps()) return record('template', 0, 1, Date.now() - t, 'npm ci failed');
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-template-'));
  const ports = ['--amqp-port', '--amqps-port', '--control-port', '--kusto-port', '--vault-port', '--api-port'].flatMap((f) => [f, '0']);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'local.js'), 'start', '--json', '--data', data, ...ports], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const line = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`the local pipeline was not ready in 60 s: ${stderr}`)), 60000);
      child.stdout.on('data', (d) => { buf += d; const nl = buf.indexOf('\n'); if (nl >= 0) { clearTimeout(timer); resolve(buf.slice(0, nl)); } });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`the local pipeline exited (${code}): ${stderr}`)); });
    });
    const ready = JSON.parse(line);
    const r = spawnSync('npm', ['test'], { cwd: TEMPLATE, encoding: 'utf8', env: { ...process.env, INGEST_TEST_EVENTHUB_CONNECTION: ready.eventHubs.connectionString } });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    const count = (name) => Number((new RegExp(`^# ${name} (\\d+)`, 'm').exec(r.stdout) ?? [])[1] ?? 0);
    const failed = count('fail') + count('skipped') + count('cancelled') + count('todo');
    const failures = [...r.stdout.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => ({ title: m[1] }));
    record('template', count('pass'), failed + (r.status !== 0 && failed === 0 ? 1 : 0), Date.now() - t, count('skipped') ? `${count('skipped')} skipped` : '', failures);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    record('template', 0, 1, Date.now() - t, 'no local pipeline');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(data, { recursive: true, force: true });
  }
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'))) {
    banner('npm ci (node_modules is missing)');
    if (sh('npm', ['ci', '--no-audit', '--no-fund']) !== 0) throw new Error('npm ci failed');
  }
  let toolchain;
  if (selected.includes('integration') || selected.includes('e2e')) {
    banner('toolchain (Chromium, Node 24, code-server; cached after the first run)');
    toolchain = require('./harness/toolchain').ensureToolchain();
  }

  banner('build');
  if (sh('node', ['esbuild.js']) !== 0) {
    record('build', 0, 1, 0);
    return;
  }

  if (selected.includes('static')) {
    // The lint type-checks the template's files with its own tsconfig, which needs its dependencies.
    ensureTemplateDeps();
  }
  const typechecks = ['tsconfig.json', 'tsconfig.webviews.json', 'tsconfig.e2e.json'].map((project) => () => check(`typecheck ${project}`, npx('tsc'), ['-p', project]));
  const unit = () => mochaSuite('unit', '.mocharc.json');
  const lint = () => check('lint', npx('eslint'), ['.']);
  const runStatic = selected.includes('static');
  const runUnit = selected.includes('unit');
  if (runStatic || runUnit) {
    banner(`${[runStatic && 'typecheck and lint', runUnit && 'unit'].filter(Boolean).join(', ')} (in two lanes, each printed when it ends)`);
    await inLanes([[...(runStatic ? typechecks : []), ...(runUnit ? [unit] : [])], runStatic ? [lint] : []]);
  }
  if (selected.includes('local')) (await mochaSuite('local', '.mocharc.local.json', true))();
  if (selected.includes('template')) await templateSuite();
  if (selected.includes('integration')) {
    banner('integration (mocha inside the extension host of code-server)');
    const t = Date.now();
    try {
      const r = await require('./harness/integration').runIntegration(toolchain);
      // The workbench's unexpected errors (a disposed webview used, an error without a message) fail the suite too.
      const failures = [...r.results.filter((x) => x.state === 'failed'), ...r.workbenchErrors.map((e) => ({ title: 'the workbench reported an unexpected error', error: e }))];
      for (const f of failures) console.log(`✘ ${f.title}\n${f.error}`);
      const notes = r.workbenchErrors.length ? `${r.workbenchErrors.length} workbench error(s)` : '';
      record('integration', r.passed, r.failed + r.workbenchErrors.length + (r.exitCode !== 0 && r.failed === 0 ? 1 : 0), Date.now() - t, notes, failures);
    } catch (e) {
      console.error(e);
      record('integration', 0, 1, Date.now() - t, 'driver error');
    }
  }
  if (selected.includes('package') || selected.includes('e2e')) {
    banner('package (.vsix)');
    const t = Date.now();
    if (sh('npm', ['run', '--silent', 'package']) !== 0) {
      record('package', 0, 1, Date.now() - t, 'vsce failed');
    } else if (selected.includes('package')) {
      (await mochaSuite('package', '.mocharc.package.json', true))();
    }
  }
  if (selected.includes('e2e')) {
    banner('end-to-end (Playwright against code-server with the .vsix installed)');
    const t = Date.now();
    const report = path.join(ROOT, 'test-results', 'e2e-results.json');
    fs.rmSync(report, { force: true });
    const code = sh(npx('playwright'), ['test']);
    let passed = 0;
    let failed = code === 0 ? 0 : 1;
    let failures = [];
    try {
      const json = JSON.parse(fs.readFileSync(report, 'utf8'));
      const stats = json.stats;
      passed = stats.expected;
      failed = stats.unexpected + stats.flaky + stats.skipped + (code !== 0 && stats.unexpected === 0 ? 1 : 0);
      failures = playwrightFailures(json);
    } catch { /* no report: the run failed before any test */ }
    record('e2e', passed, failed, Date.now() - t, '', failures);
  }
}

/** Every test in Playwright's JSON report whose outcome was not the expected pass, with its first error. */
function playwrightFailures(report) {
  const out = [];
  const walk = (suite, trail) => {
    const here = suite.title && !suite.title.endsWith('.ts') ? [...trail, suite.title] : trail;
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === 'expected') continue;
        const result = (test.results ?? []).find((r) => r.error) ?? {};
        out.push({ title: `${spec.file}: ${[...here, spec.title].join(' › ')} (${test.status})`, error: result.error?.message ?? '' });
      }
    }
    for (const child of suite.suites ?? []) walk(child, here);
  };
  for (const suite of report.suites ?? []) walk(suite, []);
  return out;
}

main()
  .catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    record('harness', 0, 1, 0, 'error');
  })
  .finally(() => {
    // Listed again here because a log viewer that keeps only the end (CI's does) would lose them.
    const failing = results.flatMap((r) => r.failures.map((f) => ({ suite: r.suite, ...f })));
    if (failing.length) {
      banner('failing tests');
      for (const f of failing) {
        // eslint-disable-next-line no-control-regex
        const first = String(f.error ?? '').replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' | ');
        console.log(`✘ [${f.suite}] ${f.title}${first ? `\n    ${first.slice(0, 400)}` : ''}`);
      }
    }
    banner('summary');
    for (const r of results) {
      const empty = r.passed + r.failed === 0;
      if (empty) r.failed = 1; // an empty suite is a failure
      console.log(`${r.failed ? '✘' : '✔'} ${r.suite.padEnd(32)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${(r.ms / 1000).toFixed(1).padStart(6)} s${empty ? '  (ran no test)' : ''}${r.note ? `  (${r.note})` : ''}`);
    }
    const passed = results.reduce((a, r) => a + r.passed, 0);
    const failed = results.reduce((a, r) => a + r.failed, 0);
    console.log(`total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 && passed > 0 ? 0 : 1);
  });
