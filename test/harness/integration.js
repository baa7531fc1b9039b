// Runs the integration suite (dist/test/index.js) inside the extension host of a real VS Code (code-server),
// driven from headless Chromium through the smoke-test driver: the workbench loads the extension under
// development from the payload, calls run(), and reports the exit code through window.codeAutomationExit.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');
const { startCodeServer, launchChromium } = require('./codeserver');

const ROOT = path.resolve(__dirname, '../..');
// Harmless noise of an offline workbench; shown with EVENTLINE_VERBOSE=1.
const NOISE = /open-vsx|ENOTFOUND|vsda|Timed out waiting for authentication provider|marketplace|ERR_NAME_NOT_RESOLVED|Failed to load resource|\[perf\]|vscode-userdata|gallery|chat\./i;
/**
 * The workbench's own unexpected errors (a webview used after it was disposed; "An unknown error occurred", which is
 * how the workbench logs an extension's uncaught error, e.g. @azure/core-amqp's throw that src/azure/amqpLinkFix.ts
 * guards against). The suite can pass while they happen, so each one fails the run: they are bugs to fix, never noise
 * to filter.
 */
const WORKBENCH_ERRORS = /has been disposed|An unknown error occurred/;

/**
 * @param {{nodeDir:string, codeServerBin:string, chromium:string}} toolchain
 * @param {{timeoutMs?:number, env?:Record<string,string>, grep?:string}} [opts]
 * @returns {Promise<{passed:number, failed:number, results:Array<{title:string,state:string,error?:string}>, exitCode:number, workbenchErrors:string[]}>}
 */
async function runIntegration(toolchain, opts = {}) {
  const verbose = !!process.env.EVENTLINE_VERBOSE;
  const runnerPath = path.join(ROOT, 'dist', 'test', 'index.js');
  if (!fs.existsSync(runnerPath)) throw new Error(`${runnerPath} is missing: build first (node esbuild.js)`);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-ws-'));
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  const resultsFile = path.join(workspace, '..', `${path.basename(workspace)}-results.json`);
  // Local HTTPS stand-ins for Resource Manager and Fabric need a CA the extension host trusts from its start.
  const tlsDir = `${workspace}-tls`;
  const { ensureTls } = require('tsx/cjs/api').require('../../src/local/tls.ts', __filename);
  const tls = await ensureTls(tlsDir);
  const bundle = path.join(tlsDir, 'trusted.pem');
  const system = ['/etc/ssl/certs/ca-certificates.crt', process.env.NODE_EXTRA_CA_CERTS].find((f) => f && fs.existsSync(f));
  fs.writeFileSync(bundle, `${system ? fs.readFileSync(system, 'utf8') : ''}\n${fs.readFileSync(tls.caCertificate, 'utf8')}`);
  const server = await startCodeServer({
    toolchain,
    workspace,
    smokeDriver: true,
    // A test-only authentication provider standing in for VS Code's Microsoft account.
    extraExtensions: [path.join(ROOT, 'test', 'fixtures', 'test-auth-extension')],
    env: { EVENTLINE_TEST_RESULTS: resultsFile, VSCODE_RUNNING_TESTS: '1', NODE_EXTRA_CA_CERTS: bundle, EVENTLINE_TEST_TLS_DIR: tlsDir, EVENTLINE_REPO: ROOT, ...(opts.grep ? { EVENTLINE_TEST_GREP: opts.grep } : {}), ...(opts.env || {}) },
    onLog: verbose ? (l) => console.log(`[code-server] ${l}`) : undefined,
  });
  const browser = await launchChromium(toolchain.chromium);
  const workbenchErrors = [];
  let exitCode;
  try {
    const page = await browser.newPage();
    const done = new Promise((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code) => { resolve(code); });
    });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = util.format(...(Array.isArray(args) ? args : [args]));
      if (verbose || !NOISE.test(text)) console.log(text.replace(/%c/g, ''));
      if (WORKBENCH_ERRORS.test(text)) workbenchErrors.push(text.split('\n')[0]);
    });
    const remote = (p) => `vscode-remote://${server.authority}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],

      ['extensionTestsPath', remote(runnerPath)],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    // A guard against a hung workbench, not a budget: the suite grows, and other jobs share the machine.
    const timeoutMs = opts.timeoutMs ?? 900000;
    exitCode = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
    if (exitCode === 'timeout') {
      console.error(`[integration] no result from the workbench within ${timeoutMs / 1000} s; server log tail:\n${server.output().slice(-3000)}`);
      exitCode = 2;
    }
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  let report;
  try {
    report = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  } catch {
    // The runner never wrote results: it did not load, or crashed before mocha finished.
    return { passed: 0, failed: 1, results: [{ title: 'integration runner', state: 'failed', error: `no results file (exit ${exitCode})` }], exitCode: exitCode || 2, workbenchErrors };
  } finally {
    fs.rmSync(resultsFile, { force: true });
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(tlsDir, { recursive: true, force: true });
  }
  return { ...report, exitCode, workbenchErrors };
}

module.exports = { runIntegration };

if (require.main === module) {
  const { ensureToolchain } = require('./toolchain');
  runIntegration(ensureToolchain(), { grep: process.env.EVENTLINE_TEST_GREP })
    .then((r) => {
      for (const e of r.workbenchErrors) console.log(`✘ the workbench reported an unexpected error: ${e}`);
      console.log(`${r.passed} passed, ${r.failed + r.workbenchErrors.length} failed`);
      process.exit(r.failed === 0 && r.workbenchErrors.length === 0 && r.passed > 0 && r.exitCode === 0 ? 0 : 1);
    })
    .catch((e) => { console.error(e); process.exit(2); });
}
