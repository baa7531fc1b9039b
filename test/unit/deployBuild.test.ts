// The deploy package build on the real fixture project (test/fixtures/ingest-function) with the real esbuild and
// zip writer; broken copies of it play the usual mistakes. Dependencies resolve from the repository's node_modules.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yauzl from 'yauzl';
import { BuildError, buildPackage } from '../../src/core/deploy/build';

const FIXTURE = path.resolve(__dirname, '../fixtures/ingest-function');
const NODE_MODULES = path.resolve(__dirname, '../../node_modules');

function zipEntries(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => { out.set(entry.fileName, Buffer.concat(chunks)); zip.readEntry(); });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

/** A copy of the fixture in a temp folder (node_modules linked), changed by `edit`. */
function variant(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-fn-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
  edit(dir);
  return dir;
}

const editJson = (file: string, f: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  f(j);
  fs.writeFileSync(file, JSON.stringify(j, null, 2));
};

describe('deploy: building the package (esbuild, production dependencies only, zip)', function () {
  this.timeout(60000);
  const temps: string[] = [];
  after(() => { for (const d of temps) fs.rmSync(d, { recursive: true, force: true }); });

  it('bundles the functions main names into one file, with @azure/functions inside, and zips host.json and a trimmed package.json', async () => {
    const lines: string[] = [];
    const pkg = await buildPackage(FIXTURE, { log: (l) => lines.push(l) });
    assert.deepEqual(pkg.files.map((f) => f.path), ['host.json', 'package.json', 'dist/src/functions/ingest.js']);
    assert.deepEqual(pkg.checks.map((c) => [c.id, c.ok]), [['hostJson', true], ['main', true], ['functionsLibrary', true]]);
    assert.ok(pkg.bundledPackages.includes('@azure/functions') && pkg.bundledPackages.includes('@azure/event-hubs'));
    assert.ok(!pkg.bundledPackages.includes('typescript'), 'no devDependency inside');
    const entries = await zipEntries(pkg.zip);
    assert.deepEqual([...entries.keys()], ['host.json', 'package.json', 'dist/src/functions/ingest.js']);
    const trimmed = JSON.parse(entries.get('package.json')!.toString()) as Record<string, unknown>;
    assert.deepEqual(trimmed, { name: 'fixture-ingest-function', version: '1.0.0', main: 'dist/src/functions/*.js' });
    const bundle = entries.get('dist/src/functions/ingest.js')!.toString();
    assert.match(bundle, /require\("@azure\/functions-core"\)/, 'the worker\'s module stays outside the bundle');
    assert.match(bundle, /app\.timer\(|\.timer\("ingest"/);
    assert.match(lines.join('\n'), /bundling src\/functions\/ingest\.ts → dist\/src\/functions\/ingest\.js/);
  });

  it('gives the same bytes for the same sources (no timestamps in the zip)', async () => {
    const [a, b] = await Promise.all([buildPackage(FIXTURE), buildPackage(FIXTURE)]);
    assert.ok(a.zip.equals(b.zip));
  });

  it('refuses a devDependency or an undeclared package imported by the function, naming the file and line', async () => {
    const dir = variant((d) => {
      editJson(path.join(d, 'package.json'), (j) => { (j.devDependencies as Record<string, string>)['@azure/identity'] = '4.14.1'; delete (j.dependencies as Record<string, string>)['@azure/identity']; });
    });
    temps.push(dir);
    await assert.rejects(buildPackage(dir), (e: unknown) => {
      assert.ok(e instanceof BuildError);
      assert.match(e.message, /src\/functions\/ingest\.ts:4:\d+: imports "@azure\/identity" is a devDependency, and devDependencies are not deployed/);
      assert.equal(e.where?.startsWith('src/functions/ingest.ts:4:'), true);
      return true;
    });
  });

  it('reports a type of error a user makes: a syntax error, with file and line', async () => {
    const dir = variant((d) => fs.appendFileSync(path.join(d, 'src/lib/settings.ts'), '\nexport const broken = ;\n'));
    temps.push(dir);
    await assert.rejects(buildPackage(dir), /does not build: src\/lib\/settings\.ts:10:\d+: /);
  });

  it('builds anyway when main matches nothing, so the check can say what main should be', async () => {
    const dir = variant((d) => editJson(path.join(d, 'package.json'), (j) => { j.main = 'dist/functions/*.js'; }));
    temps.push(dir);
    const pkg = await buildPackage(dir);
    const main = pkg.checks.find((c) => c.id === 'main')!;
    assert.equal(main.ok, false);
    assert.match(main.fix ?? '', /"dist\/src\/functions\/\*\.js"/);
  });

  it('fails the checks for a project without host.json or @azure/functions', async () => {
    const dir = variant((d) => {
      fs.rmSync(path.join(d, 'host.json'));
      fs.writeFileSync(path.join(d, 'src/functions/ingest.ts'), 'export const ingest = () => 1;\n');
    });
    temps.push(dir);
    const pkg = await buildPackage(dir);
    assert.deepEqual(pkg.checks.map((c) => [c.id, c.ok]), [['hostJson', false], ['main', true], ['functionsLibrary', false]]);
  });

  it('says what to pick when the folder is not a function project', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-fn-'));
    temps.push(dir);
    await assert.rejects(buildPackage(dir), /has no package\.json: is it an Azure Functions project\?/);
  });

  it('stops the bundler when cancelled', async () => {
    const controller = new AbortController();
    const p = buildPackage(FIXTURE, { signal: controller.signal });
    controller.abort();
    await assert.rejects(p, (e: unknown) => (e as { isUserCancelled?: boolean }).isUserCancelled === true);
  });
});
