// Builds the deploy package of a function project: one esbuild bundle of the files package.json `main` names,
// with the production dependencies inside (devDependencies never reach Azure), plus host.json and a trimmed
// package.json, zipped. Only what the host needs is uploaded, from an explicit file list (spec §8 pain point 5).
import * as fs from 'node:fs/promises';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import type { BuildOptions as EsbuildOptions, Message, Metafile, Plugin } from 'esbuild';
import { parse as parseJsonc } from 'jsonc-parser';
import { UserCancelledError } from '../errors';
import { FUNCTIONS_WORKER_MODULE } from './constants';
import { checkPackage, matchesGlob, type PackageCheck } from './packageCheck';

export interface PackageFile { path: string; size: number }

export interface DeployPackage {
  projectDir: string;
  zip: Buffer;
  files: PackageFile[];
  main: string | undefined;
  bundledPackages: string[];
  checks: PackageCheck[];
  buildMs: number;
  zipMs: number;
}

/** The project does not build; `where` is `file:line:column` when the bundler says. */
export class BuildError extends Error {
  constructor(message: string, readonly where?: string) {
    super(message);
    this.name = 'BuildError';
  }
}

interface ProjectJson { name?: string; version?: string; main?: string; type?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> }

const SKIP_DIRS = new Set(['node_modules', '.git', '.vscode', '.funcignore']);
// A fixed time for every zip entry: the same sources give the same bytes.
const ZIP_MTIME = new Date(Date.UTC(2020, 0, 1));

async function readJson<T>(file: string, what: string, jsonc = false): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  if (jsonc) return parseJsonc(text) as T;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new BuildError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, file);
  }
}

async function sourceFiles(root: string, dir: string, skip: Set<string>, out: string[]): Promise<void> {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    const rel = path.relative(root, full).split(path.sep).join('/');
    if (e.isDirectory()) {
      if (SKIP_DIRS.has(e.name) || e.name.startsWith('.') || skip.has(rel)) continue;
      await sourceFiles(root, full, skip, out);
    } else if (/\.(c|m)?(t|j)s$/.test(e.name) && !/\.d\.(c|m)?ts$/.test(e.name)) {
      out.push(rel);
    }
  }
}

/** Where tsc would write a source file: outDir + its path from rootDir, .ts → .js. */
function outputPath(rel: string, outDir: string, rootDir: string): string {
  const fromRoot = path.posix.relative(rootDir || '.', rel);
  const js = fromRoot.replace(/\.(c|m)?ts$/, (_, m: string | undefined) => `.${m ?? ''}js`);
  return outDir ? path.posix.join(outDir, js) : js;
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const BUILTINS = new Set(builtinModules);

/** Imports from the project's own files must name a production dependency; a dependency's own imports are its business. */
function productionDepsOnly(pkg: ProjectJson, projectDir: string): Plugin {
  const prod = new Set(Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies }));
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  return {
    name: 'production-dependencies-only',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (path.isAbsolute(args.path)) return undefined;
        const name = packageOf(args.path.replace(/^node:/, ''));
        if (args.path.startsWith('node:') || BUILTINS.has(name)) return { path: args.path, external: true };
        if (name === FUNCTIONS_WORKER_MODULE) return { path: args.path, external: true };
        if (args.importer.split(path.sep).includes('node_modules') || !args.importer.startsWith(projectDir)) return undefined;
        if (prod.has(name)) return undefined;
        const why = dev.has(name)
          ? `"${name}" is a devDependency, and devDependencies are not deployed: move it to "dependencies" in package.json`
          : `"${name}" is not in the "dependencies" of package.json: add it (npm install ${name})`;
        return { errors: [{ text: `imports ${why}.` }] };
      });
    },
  };
}

function describeMessage(m: Message, projectDir: string): { text: string; where?: string } {
  const loc = m.location;
  const where = loc ? `${path.relative(projectDir, path.resolve(projectDir, loc.file)).split(path.sep).join('/')}:${loc.line}:${loc.column + 1}` : undefined;
  return { text: `${where ? `${where}: ` : ''}${m.text}`, where };
}

function bundledPackagesOf(meta: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.keys(meta.inputs)) {
    const i = input.lastIndexOf('node_modules/');
    if (i >= 0) names.add(packageOf(input.slice(i + 'node_modules/'.length)));
  }
  return [...names].sort();
}

function zipFiles(entries: { path: string; data: Buffer }[]): Promise<Buffer> {
  return import('yazl').then(({ ZipFile }) => new Promise<Buffer>((resolve, reject) => {
    const zip = new ZipFile();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    for (const e of entries) zip.addBuffer(e.data, e.path, { mtime: ZIP_MTIME, mode: 0o100644, compress: true });
    zip.end();
  }));
}

/**
 * Builds and zips the project at `projectDir`. Throws BuildError for a project that does not build (with the file and
 * line), UserCancelledError when `signal` aborts (the bundler is really stopped).
 */
export async function buildPackage(projectDir: string, options: { signal?: AbortSignal; log?: (line: string) => void } = {}): Promise<DeployPackage> {
  const { signal, log = () => undefined } = options;
  const started = performance.now();
  const pkg = await readJson<ProjectJson>(path.join(projectDir, 'package.json'), 'package.json');
  if (!pkg) throw new BuildError(`${projectDir} has no package.json: is it an Azure Functions project? Pick the folder with host.json and package.json.`);
  const tsconfig = await readJson<{ compilerOptions?: { outDir?: string; rootDir?: string } }>(path.join(projectDir, 'tsconfig.json'), 'tsconfig.json', true);
  const outDir = (tsconfig?.compilerOptions?.outDir ?? '').replace(/^\.\//, '').replace(/\/+$/, '');
  const rootDir = (tsconfig?.compilerOptions?.rootDir ?? '.').replace(/^\.\//, '').replace(/\/+$/, '') || '.';
  const all: string[] = [];
  await sourceFiles(projectDir, projectDir, new Set(outDir ? [outDir] : []), all);
  const sources = all.filter((f) => (tsconfig ? /\.(c|m)?ts$/.test(f) : /\.(c|m)?js$/.test(f))).sort();
  let entries = sources.filter((f) => pkg.main !== undefined && matchesGlob(outputPath(f, outDir, rootDir), pkg.main));
  if (entries.length === 0) {
    // Build what the functions most likely are, so the package check can show what "main" should say.
    entries = sources.filter((f) => /(^|\/)functions\//.test(f) || /(^|\/)index\.(c|m)?(t|j)s$/.test(f));
  }
  if (entries.length === 0) throw new BuildError(`No function source files in ${projectDir}: expected files such as src/functions/ingest.ts (with app.timer(...)).`);
  entries.sort((a, b) => Number(!/index\./.test(a)) - Number(!/index\./.test(b)) || a.localeCompare(b));
  const esm = pkg.type === 'module';
  const bundleFile = outputPath(entries[0], outDir, rootDir);
  log(`build: bundling ${entries.join(', ')} → ${bundleFile}`);

  const esbuild = await import('esbuild');
  // One bundle that loads every entry, so shared libraries (@azure/functions above all) exist once.
  const opts: EsbuildOptions = {
    stdin: {
      contents: entries.map((e) => (esm ? `import ${JSON.stringify(`./${e}`)};` : `require(${JSON.stringify(`./${e}`)});`)).join('\n'),
      resolveDir: projectDir, sourcefile: 'eventline-deploy-entry.js', loader: 'js',
    },
    absWorkingDir: projectDir,
    bundle: true, platform: 'node', target: 'node20', format: esm ? 'esm' : 'cjs',
    mainFields: ['module', 'main'],
    outfile: path.join(projectDir, bundleFile),
    write: false, metafile: true, logLevel: 'silent',
    // Readable stack traces in the portal: whitespace and syntax are minified, names are kept.
    minifyWhitespace: true, minifySyntax: true, keepNames: true, legalComments: 'none',
    tsconfig: tsconfig ? path.join(projectDir, 'tsconfig.json') : undefined,
    banner: esm ? { js: 'import { createRequire as __eventlineRequire } from "node:module"; const require = __eventlineRequire(import.meta.url);' } : undefined,
    plugins: [productionDepsOnly(pkg, projectDir)],
  };
  const ctx = await esbuild.context(opts);
  const onAbort = () => { void ctx.cancel(); };
  signal?.addEventListener('abort', onAbort, { once: true });
  let result: Awaited<ReturnType<typeof ctx.rebuild>>;
  try {
    if (signal?.aborted) throw new UserCancelledError();
    result = await ctx.rebuild();
  } catch (e) {
    if (signal?.aborted) throw new UserCancelledError();
    const errors = (e as { errors?: Message[] }).errors;
    if (errors?.length) {
      const first = describeMessage(errors[0], projectDir);
      throw new BuildError(`The function project does not build: ${errors.slice(0, 5).map((m) => describeMessage(m, projectDir).text).join('; ')}`, first.where);
    }
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await ctx.dispose();
  }
  if (signal?.aborted) throw new UserCancelledError();
  const bundle = result.outputFiles?.find((f) => f.path.endsWith(bundleFile.split('/').join(path.sep))) ?? result.outputFiles?.[0];
  if (!bundle) throw new BuildError('The bundler produced no output.');
  const bundledPackages = result.metafile ? bundledPackagesOf(result.metafile) : [];
  const buildMs = performance.now() - started;

  const zipStarted = performance.now();
  const files: { path: string; data: Buffer }[] = [];
  const hostJson = await fs.readFile(path.join(projectDir, 'host.json')).catch(() => undefined);
  if (hostJson) files.push({ path: 'host.json', data: hostJson });
  // Only what the worker reads; dependencies are inside the bundle, so nothing is installed in Azure.
  const trimmed = { name: pkg.name, version: pkg.version, main: pkg.main, ...(pkg.type ? { type: pkg.type } : {}) };
  files.push({ path: 'package.json', data: Buffer.from(`${JSON.stringify(trimmed, null, 2)}\n`) });
  files.push({ path: bundleFile, data: Buffer.from(bundle.contents) });
  const zip = await zipFiles(files);
  if (signal?.aborted) throw new UserCancelledError();
  const zipMs = performance.now() - zipStarted;
  const listed = files.map((f) => ({ path: f.path, size: f.data.length }));
  const checks = checkPackage({ files: listed.map((f) => f.path), main: pkg.main, bundledPackages });
  log(`zip: ${listed.length} files, ${zip.length} bytes`);
  return { projectDir, zip, files: listed, main: pkg.main, bundledPackages, checks, buildMs, zipMs };
}
