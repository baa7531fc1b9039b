import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuildContext, BuildResult, Message, Plugin } from 'esbuild';
import type { FunctionProblem } from '../../protocol/controlApi';

/**
 * The packages the function template depends on, which Eventline ships prebuilt (dist/vendor/functionDeps.js, at
 * the template's pinned versions) for projects that have no node_modules yet: a project's own copy wins when it
 * has one. Any other package must be installed in the project (npm install).
 */
export const SHIPPED_PACKAGES = ['@azure/functions', '@azure/event-hubs', '@azure/identity', '@azure/storage-blob'] as const;

export type BuildState = { status: 'building' } | { status: 'ok'; bundle: string; version: number } | { status: 'error'; problem: FunctionProblem };

const ENTRY_DIRS = ['src/functions'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** The files a v4 project registers functions from: src/functions/* and src/index.* (as the package.json main glob). */
export function entryFiles(projectDir: string): string[] {
  const files: string[] = [];
  for (const dir of ENTRY_DIRS) {
    const abs = path.join(projectDir, dir);
    if (!fs.existsSync(abs)) continue;
    for (const f of fs.readdirSync(abs).sort()) if (SOURCE.test(f) && !/\.d\.ts$|\.test\./.test(f)) files.push(path.join(dir, f));
  }
  for (const f of ['src/index.ts', 'src/index.js']) if (fs.existsSync(path.join(projectDir, f))) files.push(f);
  return files;
}

/**
 * The packaged extension carries esbuild's binary in dist/node_modules; an unpacker that drops file modes leaves it
 * without its execute bit, and esbuild then fails with EACCES.
 */
function ensureEsbuildExecutable(): void {
  const bin = path.join(__dirname, 'node_modules', '@esbuild', `${process.platform}-${process.arch}`, 'bin', 'esbuild');
  try {
    if (fs.existsSync(bin) && (fs.statSync(bin).mode & 0o111) === 0) fs.chmodSync(bin, 0o755);
  } catch { /* read-only install: esbuild reports its own error */ }
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Resolves shipped packages the project does not have itself to the prebuilt vendor bundle. */
function shippedDeps(projectDir: string, vendorFile: string): Plugin {
  const shipped = new Set<string>(SHIPPED_PACKAGES);
  return {
    name: 'eventline-shipped-deps',
    setup(build) {
      build.onResolve({ filter: /^@azure\/functions-core$/ }, () => ({ path: '@azure/functions-core', external: true }));
      // The facade's own require of the vendor bundle stays a run-time require.
      build.onResolve({ filter: /.*/, namespace: 'eventline-vendor' }, (args) => ({ path: args.path, external: true }));
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (!shipped.has(args.path)) return undefined;
        try {
          require.resolve(`${packageName(args.path)}/package.json`, { paths: [args.resolveDir || projectDir] });
          return undefined;
        } catch {
          return { path: args.path, namespace: 'eventline-vendor' };
        }
      });
      build.onLoad({ filter: /.*/, namespace: 'eventline-vendor' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(vendorFile)})[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

function toProblem(m: Message, projectDir: string): FunctionProblem {
  const file = m.location?.file;
  const rel = file ? path.relative(projectDir, path.resolve(projectDir, file)) : undefined;
  let message = m.text;
  const missing = /^Could not resolve "([^"]+)"/.exec(m.text);
  if (missing && !missing[1].startsWith('.')) message = `${m.text}: the package is not installed. Run "npm install" in ${projectDir}.`;
  return { message: rel && m.location ? `${rel}:${m.location.line}:${m.location.column + 1}: ${message}` : message, file: rel, line: m.location?.line, column: m.location ? m.location.column + 1 : undefined };
}

/**
 * Builds one function project with esbuild into `<outDir>/main.js` (one CommonJS bundle with a source map, so
 * stack traces name the TypeScript files) and rebuilds it when its sources change (esbuild's watch mode, plus a
 * check for added or removed entry files). esbuild does not type-check: type errors show in the project's own
 * `npm run build` (tsc); syntax errors and missing imports fail here, with file and line.
 */
export class ProjectBuild {
  private ctx: BuildContext | undefined;
  private entries: string[] = [];
  private state: BuildState = { status: 'building' };
  private version = 0;
  private waiters: (() => void)[] = [];
  private entryTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    readonly projectDir: string,
    private readonly outDir: string,
    private readonly vendorFile: string,
    private readonly onChange: (state: BuildState) => void,
  ) {}

  get current(): BuildState { return this.state; }

  async start(): Promise<void> {
    await this.recreate();
    this.entryTimer = setInterval(() => {
      const now = entryFiles(this.projectDir);
      if (now.join('\n') !== this.entries.join('\n')) void this.recreate();
    }, 2000);
    this.entryTimer.unref();
  }

  /** Resolves once the current build has finished (ok or error). */
  async settled(): Promise<BuildState> {
    if (this.state.status !== 'building') return this.state;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.state;
  }

  private set(state: BuildState): void {
    this.state = state;
    if (state.status !== 'building') for (const w of this.waiters.splice(0)) w();
    this.onChange(state);
  }

  private async recreate(): Promise<void> {
    if (this.disposed) return;
    await this.ctx?.dispose();
    this.ctx = undefined;
    this.set({ status: 'building' });
    this.entries = entryFiles(this.projectDir);
    if (!fs.existsSync(path.join(this.projectDir, 'package.json'))) {
      return this.set({ status: 'error', problem: { message: `${this.projectDir} is not a function project (no package.json). Run "Eventline: Scaffold Ingest Function", or fix the functions entry's path.` } });
    }
    if (this.entries.length === 0) {
      return this.set({ status: 'error', problem: { message: `${this.projectDir} has no function files in src/functions/ (the Node.js v4 programming model registers functions there, e.g. src/functions/ingest.ts).` } });
    }
    ensureEsbuildExecutable();
    const esbuild = await import('esbuild');
    const outfile = path.join(this.outDir, 'main.js');
    try {
      this.ctx = await esbuild.context({
        stdin: {
          contents: `${this.entries.map((e) => `require(${JSON.stringify(`./${e.split(path.sep).join('/')}`)});`).join('\n')}\nmodule.exports.__InvocationContext = require('@azure/functions').InvocationContext;\n`,
          resolveDir: this.projectDir,
          sourcefile: 'eventline-entry.js',
          loader: 'js',
        },
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        outfile,
        sourcemap: 'linked',
        sourcesContent: false,
        logLevel: 'silent',
        absWorkingDir: this.projectDir,
        mainFields: ['module', 'main'],
        plugins: [shippedDeps(this.projectDir, this.vendorFile), {
          name: 'eventline-build-state',
          setup: (build) => {
            build.onStart(() => { this.set({ status: 'building' }); });
            build.onEnd((result: BuildResult) => {
              if (result.errors.length > 0) this.set({ status: 'error', problem: toProblem(result.errors[0], this.projectDir) });
              else this.set({ status: 'ok', bundle: outfile, version: ++this.version });
            });
          },
        }],
      });
      await this.ctx.watch();
    } catch (e) {
      const errors = (e as { errors?: Message[] }).errors;
      this.set({ status: 'error', problem: errors?.length ? toProblem(errors[0], this.projectDir) : { message: e instanceof Error ? e.message : String(e) } });
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.entryTimer) clearInterval(this.entryTimer);
    await this.ctx?.dispose();
    this.ctx = undefined;
    for (const w of this.waiters.splice(0)) w();
  }
}
