import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseManifest, type Manifest } from '../../core/manifest';
import type { FunctionList, FunctionProblem, SourceList } from '../../protocol/controlApi';
import { ControlError } from '../control';
import type { ServiceContext, StartedService } from '../service';
import type { SecretStore } from '../vault';
import { SHIPPED_PACKAGES } from './build';
import { FunctionRunner } from './runner';

/**
 * Where the runner's two runtime files are. Bundled (dist/local.js): beside it. Run from sources (tsx in tests of
 * single modules): the dist folder of the repository, which `node esbuild.js` fills.
 */
function distFile(...parts: string[]): string {
  const here = path.join(__dirname, ...parts);
  return fs.existsSync(here) ? here : path.resolve(__dirname, '..', '..', '..', 'dist', ...parts);
}

/** Reads the manifest's functions; what cannot be read becomes the runner's problem (the rest of the pipeline runs). */
function readManifest(file: string | undefined): { manifest?: Manifest; problem?: FunctionProblem } {
  if (!file) return {};
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { return { problem: { message: `Cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` } }; }
  // The Event Hubs emulator's Config.json and partial files are fine: without functions or sources there is
  // nothing to run or report.
  if (!/"(functions|sources)"\s*:/.test(text)) return {};
  const r = parseManifest(text);
  if (r.ok) return { manifest: r.manifest };
  const first = r.problems[0];
  return {
    problem: {
      message: `${path.basename(file)} has ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}; no function runs until it is fixed. First: ${first.message} (line ${first.line}, column ${first.column})`,
      file: path.basename(file), line: first.line, column: first.column,
    },
  };
}

export interface StartedRunner extends StartedService<undefined> { runner: FunctionRunner }

/**
 * The function runner and its control routes. Function projects are found at each functions entry's `path`,
 * relative to the folder of the --config file (the workspace root when it is the workspace's eventline.json).
 * The config file is watched: adding, changing or removing a functions entry applies without a restart.
 */
export async function startFunctionRunner(ctx: ServiceContext, deps: { store: SecretStore; vaultUri: string; hubConnectionString: string }): Promise<StartedRunner> {
  const runner = new FunctionRunner({
    dataDir: ctx.dataDir,
    manifestDir: ctx.configPath ? path.dirname(ctx.configPath) : process.cwd(),
    hostFile: distFile('functionHost.js'),
    vendorFile: distFile('vendor', 'functionDeps.js'),
    env: { vaultUri: deps.vaultUri, hubConnectionString: deps.hubConnectionString, store: deps.store },
    log: (m) => ctx.log(m),
  });
  const load = async () => {
    const { manifest, problem } = readManifest(ctx.configPath);
    if (problem) ctx.log(`functions: ${problem.message}`);
    await runner.apply(manifest, problem);
  };
  await load();
  let reloading = Promise.resolve();
  const reload = () => { reloading = reloading.then(load, load); return reloading; };
  const config = ctx.configPath;
  // Polling, not fs.watch: editors replace the file on save, which ends an inotify watch on the old one.
  const onChange = (cur: fs.Stats, prev: fs.Stats) => { if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) void reload(); };
  if (config) fs.watchFile(config, { interval: 500 }, onChange);

  const name = (p: string[]) => {
    if (!runner.has(p[0])) throw new ControlError(404, `No function "${p[0]}" in the manifest's functions (${runner.list().functions.map((f) => f.name).join(', ') || 'none'}).`);
    return p[0];
  };
  ctx.control.route('GET', /^\/api\/functions\/?$/, () => ({ status: 200, body: runner.list() satisfies FunctionList }));
  ctx.control.route('POST', /^\/api\/functions\/reload\/?$/, async () => { await reload(); return { status: 200, body: runner.list() satisfies FunctionList }; });
  ctx.control.route('GET', /^\/api\/functions\/([^/]+)\/?$/, (_req, p) => ({ status: 200, body: runner.info(name(p)) }));
  ctx.control.route('POST', /^\/api\/functions\/([^/]+)\/run\/?$/, async (_req, p) => {
    const n = name(p);
    if (runner.isRunning(n)) throw new ControlError(409, `Function "${n}" is already running; runs never overlap. Wait for it (GET /api/functions/${n}) and try again.`);
    return { status: 200, body: await runner.run(n, 'manual') };
  });
  ctx.control.route('GET', /^\/api\/functions\/([^/]+)\/logs\/?$/, (req, p) => {
    const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('after') ?? 0);
    return { status: 200, body: runner.logs(name(p), Number.isFinite(after) ? after : 0) };
  });
  ctx.control.route('GET', /^\/api\/sources\/?$/, () => ({ status: 200, body: { sources: runner.sources() } satisfies SourceList }));
  ctx.log(`functions: ${runner.list().functions.map((f) => `${f.name} (${f.schedulePreview})`).join(', ') || 'none in the config'}; shipped packages for projects without node_modules: ${SHIPPED_PACKAGES.join(', ')}`);
  return {
    ready: undefined,
    runner,
    async stop() {
      if (config) fs.unwatchFile(config, onChange);
      await reloading;
      await runner.stop();
    },
  };
}
