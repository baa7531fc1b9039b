// Starts and stops code-server (VS Code 1.139 in the browser) for one test run: fresh user-data and extension
// folders, a random free loopback port, its own process group so that stopping kills the extension host too.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const live = new Set();

/** Kills every process group we started, also on Ctrl-C and on an uncaught error. */
function killAll() {
  for (const pid of live) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
}
/** SIGTERM first, so the local pipeline can flush and checkpoint; SIGKILL whatever is left after 5 s. */
async function shutdownAll() {
  const alive = (pid) => { try { process.kill(-pid, 0); return true; } catch { return false; } };
  for (const pid of live) { try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ } }
  const deadline = Date.now() + 5000;
  while ([...live].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  killAll();
}
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { void shutdownAll().then(() => process.exit(130)); });
  }
}

/** Adds a detached child's process group to the groups killed on exit, Ctrl-C or an error. */
function trackProcessGroup(pid) {
  hookExit();
  live.add(pid);
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function freePort(from = 9400, to = 9499) {
  const start = from + Math.floor(Math.random() * (to - from + 1));
  for (let i = 0; i <= to - from; i++) {
    const port = from + ((start - from + i) % (to - from + 1));
    if (await portFree(port)) return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

const SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.enabled': false,
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * @param {object} o
 * @param {{nodeDir:string, codeServerBin:string}} o.toolchain
 * @param {string} o.workspace folder to open
 * @param {boolean} [o.smokeDriver] enable the smoke-test driver (extension-test mode)
 * @param {string} [o.vsix] install this package into the fresh extensions folder first
 * @param {Record<string,string>} [o.env] extra environment for the server (reaches the extension host)
 * @param {(line:string)=>void} [o.onLog]
 */
async function startCodeServer(o) {
  hookExit();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-cs-'));
  const userData = path.join(runDir, 'user-data');
  const extensions = path.join(runDir, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(extensions, { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...SETTINGS, ...(o.settings || {}) }, null, 2));
  const env = { ...process.env, ...(o.env || {}), PATH: `${path.join(o.toolchain.nodeDir, 'bin')}:${process.env.PATH}` };
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.ELECTRON_RUN_AS_NODE;
  // EVENTLINE_CODE_SERVER_EXTRA_EXTENSIONS (folders, path.delimiter-separated): an e2e spec that runs `npm start`
  // itself (test/e2e/demo.spec.ts) adds its test-only sign-in this way, as scripts/start.js passes no extensions.
  const extra = [...(o.extraExtensions || []), ...(process.env.EVENTLINE_CODE_SERVER_EXTRA_EXTENSIONS || '').split(path.delimiter).filter(Boolean)];
  for (const dir of extra) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    fs.cpSync(dir, path.join(extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`), { recursive: true });
  }
  if (o.vsix) {
    const r = spawnSync(o.toolchain.codeServerBin, ['--install-extension', o.vsix, '--user-data-dir', userData, '--extensions-dir', extensions, '--force'], { env, encoding: 'utf8', timeout: 120000 });
    if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
      throw new Error(`installing ${o.vsix} into code-server failed:\n${r.stdout}\n${r.stderr}`);
    }
  }
  const port = await freePort();
  const configFile = path.join(runDir, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--config', configFile,
    '--user-data-dir', userData, '--extensions-dir', extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    // A safety net if this driver dies without killing the group.
    '--idle-timeout-seconds', '900', '--reconnection-grace-time', '120',
  ];
  if (o.smokeDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(o.workspace);
  const child = spawn(o.toolchain.codeServerBin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child.pid);
  let output = '';
  const onData = (d) => {
    const s = d.toString();
    output += s;
    if (output.length > 200000) output = output.slice(-100000);
    if (o.onLog) for (const line of s.split('\n')) if (line.trim()) o.onLog(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}) before it was healthy:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    port,
    authority: `127.0.0.1:${port}`,
    runDir,
    userData,
    extensions,
    output: () => output,
    async stop() {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await exited;
      clearTimeout(timer);
      // The extension host may outlive the server for a moment; make sure the whole group is gone.
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      live.delete(child.pid);
      if (!process.env.EVENTLINE_KEEP_RUN) fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** Chromium flags that keep a headless run quiet on a machine with no network. */
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--password-store=basic', '--use-mock-keychain',
];

async function launchChromium(chromiumPath) {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
}

module.exports = { startCodeServer, launchChromium, CHROMIUM_ARGS, killAll, trackProcessGroup, freePort };
