#!/usr/bin/env node
// `npm start`: builds and packages Eventline, installs it into code-server (VS Code in the browser), starts the
// local pipeline, opens a sample workspace and prints the URL to open. Ctrl-C stops everything.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureToolchain, cacheRoot } = require('../test/harness/toolchain');
const { startCodeServer, trackProcessGroup } = require('../test/harness/codeserver');

const ROOT = path.resolve(__dirname, '..');
const STATE = path.join(ROOT, '.eventline-local');

function step(msg) { console.log(`[start] ${msg}`); }

async function main() {
  const toolchain = ensureToolchain();
  step('building and packaging the extension');
  if (spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run package failed');
  // The CLI bundle is built by the package step as well (production build).
  const workspace = path.join(STATE, 'workspace');
  if (!fs.existsSync(path.join(workspace, 'eventline.json'))) {
    fs.mkdirSync(workspace, { recursive: true });
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'sample-pipeline'), workspace, { recursive: true });
    // The sample source's Eventhouse schema (tables, mapping, update policy, function) as the workspace's kql/.
    fs.cpSync(path.join(ROOT, 'kql', 'schema'), path.join(workspace, 'kql'), { recursive: true });
  }

  step('starting the local pipeline (dist/local.js)');
  const local = spawn(process.execPath, [path.join(ROOT, 'dist', 'local.js'), 'start', '--json', '--data', path.join(STATE, 'data'), '--config', path.join(workspace, 'eventline.json')], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  // Ctrl-C ends the whole group (code-server and the pipeline) through the harness's exit hook.
  trackProcessGroup(local.pid);
  const ready = await new Promise((resolve, reject) => {
    let buf = '';
    local.stdout.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) { try { resolve(JSON.parse(buf.slice(0, nl))); } catch (e) { reject(e); } }
    });
    local.once('exit', (code) => reject(new Error(`the local pipeline exited with ${code}; see the message above (a port may be in use: pass other ports in scripts/start.js or stop the other process)`)));
  });

  step('starting code-server with Eventline installed');
  const server = await startCodeServer({
    toolchain,
    workspace,
    vsix: path.join(ROOT, 'dist', 'eventline.vsix'),
    env: { EVENTLINE_LOCAL_READY: JSON.stringify(ready) },
  });
  void server;
  console.log('');
  console.log(`  Eventline is running. Open:  ${server.url}/?folder=${encodeURIComponent(workspace)}`);
  console.log(`  Local Event Hubs:  ${ready.eventHubs.connectionString.replace(/SharedAccessKey=[^;]*/, 'SharedAccessKey=…')}`);
  console.log(`  Local Eventhouse:  ${ready.eventhouse.uri} (database ${ready.eventhouse.database})`);
  console.log(`  Control API:       ${ready.control}`);
  console.log(`  (code-server cache: ${cacheRoot()}; press Ctrl-C to stop)`);
}

main().catch((e) => { console.error(`[start] ${e.message}`); process.exit(1); });
