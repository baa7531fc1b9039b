#!/usr/bin/env node
// `npm start`: the whole pipeline in one command. Builds and packages Eventline, creates (or reuses) the demo
// workspace under .eventline-demo/ (manifest, scaffolded ingest function, kql/ schema, notebook, alert), starts the
// local pipeline with it, installs the .vsix into code-server and prints the URL and what to click first. Ctrl-C
// stops everything (each child runs in its own process group, and the whole group is ended); the next start
// resumes with the data kept.
//
// Usage: npm start [-- --fresh] [--data DIR] [--no-code-server] [--no-build] [--burst-every SECONDS] [--verbose]
//   --fresh            recreate the demo workspace and wipe its data
//   --data DIR         where the workspace and the pipeline's data live (default .eventline-demo/)
//   --no-code-server   only the local pipeline (and no .vsix): for tests and headless machines
//   --no-build         use dist/ as it is
//   --burst-every S    the sample source heats one site every S seconds (default 180), which fires the alert
//   --verbose          show the build's and the packager's own output
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const USAGE = 'Usage: npm start [-- --fresh] [--data DIR] [--no-code-server] [--no-build] [--burst-every SECONDS] [--verbose]';

function parseArgs(argv) {
  const o = { fresh: false, data: path.join(ROOT, '.eventline-demo'), codeServer: true, build: true, burstEvery: 180, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--fresh') o.fresh = true;
    else if (a === '--no-code-server') o.codeServer = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--data' || a === '--burst-every') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value.\n${USAGE}`);
      if (a === '--data') o.data = path.resolve(v);
      else {
        o.burstEvery = Number(v);
        if (!Number.isInteger(o.burstEvery) || o.burstEvery < 2) throw new Error(`--burst-every must be a whole number of seconds, at least 2, not "${v}".\n${USAGE}`);
      }
    } else throw new Error(`Unknown option ${a}.\n${USAGE}`);
  }
  return o;
}

let verbose = false;
const t0 = Date.now();
function step(msg) { console.log(`[start] ${msg}`); }

/** Runs a build step; its own output shows only with --verbose or when it fails. */
function run(label, cmd, args) {
  const started = Date.now();
  step(`${label}…`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let out = '';
    if (!verbose) for (const s of [child.stdout, child.stderr]) s.on('data', (d) => { out = (out + d.toString()).slice(-20000); });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) { step(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`); resolve(); return; }
      if (out) process.stderr.write(out);
      reject(new Error(`${label} failed (exit ${code}); its output is above.`));
    });
  });
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The preferred port when it is free (so the workspace's files keep their URLs), otherwise one the OS picks. */
async function portFor(preferred) {
  if (await portFree(preferred)) return preferred;
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** The pipeline's stderr: shown with --verbose, otherwise kept (the last 20 KB) for when it fails. */
function pipelineLog(child) {
  let log = '';
  child.stderr.on('data', (d) => {
    if (verbose) process.stderr.write(d);
    else log = (log + d.toString()).slice(-20000);
  });
  return () => log;
}

/** Reads the pipeline's one JSON ready line. */
function readyLine(child, log) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onExit = (code) => {
      if (!verbose) process.stderr.write(log());
      reject(new Error(`the local pipeline exited with ${code}; its log is above`));
    };
    const onData = (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      try { resolve(JSON.parse(buf.slice(0, nl))); } catch (e) { reject(e); }
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

async function control(ready, method, route, body) {
  const res = await fetch(`${ready.control}${route}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  verbose = o.verbose;
  const { trackProcessGroup, startCodeServer } = require('../test/harness/codeserver');

  let toolchain;
  if (o.codeServer) {
    const { ensureToolchain, toolchainCached, cacheRoot } = require('../test/harness/toolchain');
    step(toolchainCached()
      ? `code-server and Node 24: reusing the cache in ${cacheRoot()}`
      : `code-server and Node 24: the first start downloads them into ${cacheRoot()} (about 4 minutes, once; each step below)…`);
    toolchain = ensureToolchain();
  }
  if (o.build) {
    if (o.codeServer) await run('building and packaging the extension (dist/eventline.vsix)', 'npm', ['run', '--silent', 'package']);
    else await run('building dist/', process.execPath, ['esbuild.js']);
  }

  const workspace = path.join(o.data, 'workspace');
  const dataDir = path.join(o.data, 'data');
  if (o.fresh && fs.existsSync(o.data)) {
    step(`--fresh: removing ${o.data} (workspace and data)`);
    fs.rmSync(o.data, { recursive: true, force: true });
  }
  const apiPort = await portFor(5400);
  const vaultPort = await portFor(5443);
  // The demo workspace's writer is TypeScript shared with the extension's scaffold (src/core/scaffoldTemplate.ts).
  require('tsx/cjs');
  const { prepareDemoWorkspace } = require('../src/demo/workspace.ts');
  const ws = prepareDemoWorkspace({ workspace, repoRoot: ROOT, apiPort, vaultPort });
  step(ws.created ? `created the demo workspace ${workspace}` : `reusing the demo workspace ${workspace} and its data (npm start -- --fresh starts over)`);

  step('starting the local pipeline');
  // Other ports are picked free: the extension learns them from the ready line (EVENTLINE_LOCAL_READY).
  const ports = ['--amqp-port', '--amqps-port', '--control-port', '--kusto-port'].flatMap((f) => [f, '0']);
  const local = spawn(process.execPath, [path.join(ROOT, 'dist', 'local.js'), 'start', '--json', '--data', dataDir, '--config', ws.manifestPath, ...ports, '--api-port', String(apiPort), '--vault-port', String(vaultPort)], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // Ctrl-C ends each whole group (the pipeline and its function hosts; code-server and its extension host).
  trackProcessGroup(local.pid);
  const log = pipelineLog(local);
  const ready = await readyLine(local, log);
  // When another program takes 5400 between the check above and the pipeline's start (other pipelines on this
  // machine), the sample API listens on a free port instead: point the source there. The pipeline re-reads
  // eventline.json, so the next run of the ingest function fetches from it.
  const listening = ready.sampleApi ? Number(new URL(ready.sampleApi.url).port) : apiPort;
  if (listening !== apiPort) {
    prepareDemoWorkspace({ workspace, repoRoot: ROOT, apiPort: listening, vaultPort });
    step(`port ${apiPort} was taken meanwhile: the sample source listens on ${ready.sampleApi.url}, and eventline.json now names it`);
  }
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { stopping = true; });
  local.once('exit', (code, signal) => {
    if (stopping) return;
    if (!verbose) process.stderr.write(log());
    console.error(`[start] the local pipeline stopped (${signal ?? `exit ${code}`}); stopping the rest`);
    process.kill(process.pid, 'SIGTERM');
  });

  const info = await control(ready, 'GET', '/api/sample-api');
  if (info.burstEverySeconds !== o.burstEvery) {
    await control(ready, 'PUT', '/api/sample-api/dataset', { historySeconds: 900, burstEverySeconds: o.burstEvery });
    step(`the sample source heats city-lab above 30 °C every ${o.burstEvery} s: the "hot-sensor" alert mails each burst to the local mailbox`);
  }

  let url;
  if (o.codeServer) {
    step('starting code-server with Eventline installed');
    const server = await startCodeServer({ toolchain, workspace, vsix: path.join(ROOT, 'dist', 'eventline.vsix'), env: {
      EVENTLINE_LOCAL_READY: JSON.stringify(ready),
      // The workbench opens on the Eventline view, and on a first start on the walkthrough too (src/common/openOnStart.ts).
      EVENTLINE_OPEN_ON_START: ws.created ? 'walkthrough' : 'view',
    } });
    // Its run folder (user data, extensions: about 80 MB) goes with it, also on Ctrl-C.
    process.on('exit', () => { try { fs.rmSync(server.runDir, { recursive: true, force: true }); } catch { /* best effort */ } });
    url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  }
  console.log('');
  if (url) console.log(`  Eventline is running. Open:  ${url}`);
  else console.log('  Eventline demo pipeline is running (no code-server: --no-code-server).');
  console.log(`  Local Eventhouse:  ${ready.eventhouse.uri} (database ${ready.eventhouse.database})`);
  console.log(`  Control API:       ${ready.control}   (mailbox: ${ready.control}/api/mail)`);
  console.log(`  Sample source:     ${ready.sampleApi ? ready.sampleApi.url : `http://127.0.0.1:${apiPort}/readings`} (its key is in the local Key Vault)`);
  if (url) {
    console.log('');
    console.log('  What to click first:');
    console.log('    1. The Eventline view (open on the left): the Pipeline tree shows each hop and its health.');
    console.log('    2. Eventhouse → NetDefaultDB → Readings → Query Table: rows arrive every 10 s.');
    console.log('    3. notebooks/readings.kqlnb → Run All: the chart per site; city-lab\'s bursts fire the alert.');
    console.log(`    4. The walkthrough "Get started with Eventline"${ws.created ? ' (open beside it on this first start)' : ''}: Help → Welcome.`);
  }
  console.log(`  Ready in ${((Date.now() - t0) / 1000).toFixed(0)} s. Press Ctrl-C to stop; the next start keeps the data.`);
}

main().catch((e) => { console.error(`[start] ${e instanceof Error ? e.message : String(e)}`); process.exit(1); });
