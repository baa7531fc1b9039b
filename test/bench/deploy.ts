// npm run bench:deploy — the deploy of the fixture function project against the HTTPS stand-ins (no network
// latency): build (esbuild), zip, plan reads, upload, the deployment's polling, and the total, in one run; then the
// package size against a zip of the unbundled project with its production node_modules (the baseline: what a
// plain "zip the folder" deploy uploads). Goal: the whole deploy under 10 s.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AZURE_PUBLIC_CLOUD, cloudSettings } from '../../src/core/cloud';
import { buildPackage } from '../../src/core/deploy/build';
import { POLL_INTERVAL_MS } from '../../src/core/deploy/constants';
import { formatSize } from '../../src/core/deploy/plan';
import { ensureTls } from '../../src/local/tls';
import { ArmResources } from '../../src/azure/armResources';
import { FunctionDeployer, type DeployReporter } from '../../src/azure/functionDeploy';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'ingest-function');
const RUNS = Number(process.env.EVENTLINE_BENCH_RUNS ?? 3);

function fakeJwt(aud: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud, tid: 'tenant-a', exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
}

const credential: TokenCredential = {
  getToken: async (scopes): Promise<AccessToken> => {
    const s = Array.isArray(scopes) ? scopes[0] : scopes;
    return { token: fakeJwt(s.replace(/\/\.default$/, '')), expiresOnTimestamp: Date.now() + 3600_000 };
  },
};

/** The production dependency folders of the fixture, resolved from the repository's node_modules (as npm would install them). */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const queue = Object.keys((JSON.parse(fs.readFileSync(path.join(FIXTURE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
  const dirs: string[] = [];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const dir = path.join(ROOT, 'node_modules', name);
    if (!fs.existsSync(dir)) continue;
    dirs.push(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    queue.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }));
  }
  return dirs;
}

async function baselineZipSize(): Promise<{ bytes: number; files: number }> {
  const { ZipFile } = await import('yazl');
  const zip = new ZipFile();
  let files = 0;
  const add = (abs: string, rel: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, e.name);
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) { if (e.name !== 'node_modules') add(a, r); } else { zip.addFile(a, r.replace(/^\//, '')); files++; }
    }
  };
  for (const f of ['host.json', 'package.json']) { zip.addFile(path.join(FIXTURE, f), f); files++; }
  // What tsc would emit, approximated by the sources (same order of size), plus every production package.
  add(path.join(FIXTURE, 'src'), 'dist/src');
  for (const dir of productionPackages()) add(dir, `node_modules/${path.relative(path.join(ROOT, 'node_modules'), dir)}`);
  const chunks: Buffer[] = [];
  zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => zip.outputStream.on('end', () => resolve()));
  zip.end();
  await done;
  return { bytes: Buffer.concat(chunks).length, files };
}

async function main(): Promise<void> {
  // The stand-ins serve TLS from a generated CA; Node trusts it only from process start.
  if (!process.env.EVENTLINE_TEST_TLS_DIR) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-bench-deploy-tls-'));
    const tls = await ensureTls(dir);
    const r = spawnSync(process.execPath, process.execArgv.concat(process.argv.slice(1)), { stdio: 'inherit', env: { ...process.env, EVENTLINE_TEST_TLS_DIR: dir, NODE_EXTRA_CA_CERTS: tls.caCertificate } });
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
  const { FunctionCloud, SUB } = await import('../integration/support/functionStandins');
  const cloud = await new FunctionCloud().start();
  const settings = cloudSettings({ ...AZURE_PUBLIC_CLOUD, resourceManagerEndpoint: cloud.arm.url });
  const deployer = new FunctionDeployer({ cloud: settings, credential, token: async (aud) => fakeJwt(aud) }, SUB);
  const lines: string[] = [];
  const rows: { build: number; zip: number; plan: number; upload: number; poll: number; total: number }[] = [];
  let size = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      cloud.sites.clear();
      cloud.roleAssignments.length = 0;
      cloud.addSite({ name: `func-bench-${run}`, identity: { type: 'SystemAssigned', principalId: `p-${run}` }, settings: { FUNCTIONS_EXTENSION_VERSION: '~4' } });
      const t0 = performance.now();
      const pkg = await buildPackage(FIXTURE);
      size = pkg.zip.length;
      const t1 = performance.now();
      const app = await deployer.apps.get('rg-pipeline', `func-bench-${run}`);
      const namespace = await new ArmResources(credential, settings, SUB).namespace('ns-main');
      const prepared = await deployer.plan({ app, fn: { name: 'ingest', path: '.', schedule: '0 */1 * * * *' }, source: undefined, hub: 'telemetry', namespace, vault: undefined, secret: undefined, project: 'ingest-function', pkg });
      const t2 = performance.now();
      let uploadMs = 0;
      const timed: DeployReporter = { step: () => undefined, log: (l) => { lines.push(l); const m = /^upload: \d+ bytes in (\d+) ms/.exec(l); if (m) uploadMs = Number(m[1]); } };
      await deployer.apply(prepared, timed, undefined);
      const t3 = performance.now();
      rows.push({ build: pkg.buildMs, zip: pkg.zipMs, plan: t2 - t1, upload: uploadMs, poll: t3 - t2 - uploadMs, total: t3 - t0 });
    }
  } finally {
    await cloud.stop();
  }
  const base = await baselineZipSize();
  const fmt = (n: number) => `${Math.round(n)} ms`.padStart(8);
  console.log('run    build      zip     plan   upload  apply-rest    total');
  rows.forEach((r, i) => console.log(`${String(i + 1).padEnd(4)}${fmt(r.build)} ${fmt(r.zip)} ${fmt(r.plan)} ${fmt(r.upload)}    ${fmt(r.poll)} ${fmt(r.total)}`));
  const worst = Math.max(...rows.map((r) => r.total));
  console.log(`(apply-rest: identity, roles, settings and following the deployment; the stand-in reports one "running" poll, and polling waits ${POLL_INTERVAL_MS / 1000} s between polls as VS Code does; run 1 includes loading the SDKs)`);
  console.log(`package ${formatSize(size)} (3 files) vs unbundled project with production node_modules ${formatSize(base.bytes)} (${base.files} files): ${(base.bytes / size).toFixed(1)}× smaller`);
  console.log(`whole deploy: worst ${Math.round(worst)} ms of ${rows.length} runs — goal < 10 s ${worst < 10_000 ? 'met' : 'NOT met'}`);
  console.log(`load average (1, 5, 15 min): ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} on ${os.cpus().length} cores`);
  if (process.env.EVENTLINE_BENCH_VERBOSE) console.log(lines.join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
