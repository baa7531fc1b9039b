// Checks the packaged .vsix (dist/eventline.vsix, built by `npm run package`): what ships and what must not.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FunctionRunResult } from '../../src/protocol/controlApi';
import { copyTemplate, freePort, manifestFor } from '../local/functions/helpers';
import { zipEntries } from '../zipEntries';

const VSIX = path.resolve(__dirname, '../../dist/eventline.vsix');

describe('packaged .vsix', () => {
  let files: Map<string, Buffer>;
  before(async function () {
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run "npm run package" first`);
    files = await zipEntries(VSIX);
  });

  it('ships the bundles, manifest, schema, icons and README', () => {
    for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/vendor/azure.js', 'extension/dist/vendor/deploy.js', `extension/dist/node_modules/@esbuild/${process.platform}-${process.arch}/bin/esbuild`, 'extension/dist/vendor/languageClient.js', 'extension/dist/languageServer.js', 'extension/dist/kusto/Kusto.Language.Bridge.min.js', 'extension/dist/local.js', 'extension/dist/kqlWorker.js', 'extension/dist/functionHost.js', 'extension/dist/vendor/functionDeps.js', 'extension/dist/node_modules/esbuild/lib/main.js', 'extension/schemas/eventline.schema.json', 'extension/media/icon.png', 'extension/media/eventline.svg', 'extension/readme.md']) {
      assert.ok([...files.keys()].some((k) => k.toLowerCase() === f.toLowerCase()), `${f} is in the package`);
    }
  });

  it('carries the function template the scaffold copies: sources, tests, lockfile and settings, no node_modules or build', () => {
    for (const f of ['package.json', 'package-lock.json', 'host.json', 'tsconfig.json', 'local.settings.json', '.funcignore', 'src/functions/ingest.ts', 'src/lib/ingest.ts', 'test/ingest.test.ts']) {
      assert.ok(files.has(`extension/functions-template/${f}`), `functions-template/${f} is in the package`);
    }
    assert.deepEqual([...files.keys()].filter((f) => /^extension\/functions-template\/(node_modules|dist)\//.test(f)), []);
  });

  it('has no sources, tests, source maps, node_modules (but DuckDB\'s binding and esbuild for the local pipeline) or local data', () => {
    const bad = [...files.keys()].filter((f) => !f.startsWith('extension/functions-template/')).filter((f) => /^extension\/(src|test|node_modules|\.eventline-local|\.ci|scripts)\//.test(f) || /\.(ts|map)$/.test(f) || /(^|\/)\.env/.test(f) || /\.test\./.test(f)
      || (/\/node_modules\//.test(f) && !/^extension\/dist\/node_modules\/(@duckdb\/(node-api|node-bindings|node-bindings-[a-z0-9-]+)|detect-libc|esbuild|@esbuild\/[a-z0-9-]+)\//.test(f)));
    assert.deepEqual(bad, []);
  });

  it('runs the local pipeline from the unpacked package alone: Event Hubs, a DuckDB-backed Eventhouse, and the function template built and run with the packaged esbuild and packages', async function () {
    this.timeout(120000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-vsix-'));
    for (const [name, data] of files) {
      if (!name.startsWith('extension/') || name.endsWith('/')) continue;
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), data);
    }
    // A workspace with the function template (no node_modules): the runner must build it with what the package ships.
    const ws = path.join(dir, 'ws');
    const apiPort = await freePort();
    copyTemplate(path.join(ws, 'ingest-function'));
    fs.writeFileSync(path.join(ws, 'eventline.json'), JSON.stringify(manifestFor(apiPort)));
    // Outside the repository, so nothing can resolve from the repo's node_modules.
    const child = spawn(process.execPath, [path.join(dir, 'extension', 'dist', 'local.js'), 'start', '--json', '--data', path.join(dir, 'data'), '--config', path.join(ws, 'eventline.json'), '--amqp-port', '0', '--amqps-port', '0', '--control-port', '0', '--kusto-port', '0', '--vault-port', '0', '--api-port', String(apiPort)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => { buf += d.toString(); const nl = buf.indexOf('\n'); if (nl >= 0) resolve(buf.slice(0, nl)); });
        void exited.then(() => reject(new Error(`the packaged local pipeline exited: ${stderr}`)));
      });
      const ready = JSON.parse(line) as { eventhouse: { uri: string; database: string }; control: string };
      const { Client } = await import('azure-kusto-data');
      const kusto = new Client(ready.eventhouse.uri);
      try {
        const res = await kusto.execute(ready.eventhouse.database, 'range x from 1 to 10 step 1 | summarize total = sum(x)');
        assert.equal(res.primaryResults[0].toJSON<{ total: number }>().data[0].total, 55);
      } finally {
        kusto.close();
      }
      const run = (await (await fetch(`${ready.control}/api/functions/ingest/run`, { method: 'POST' })).json()) as FunctionRunResult;
      assert.equal(run.status, 'succeeded', `${JSON.stringify(run.error)}\n${stderr}`);
      assert.ok(run.eventsSent > 0);
    } finally {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('contains no key, connection string with a real key, or private key', () => {
    // A PEM block with a body: bundled TLS libraries legitimately contain the bare private-key header text. The
    // storage SDK carries Azurite's published development key (UseDevelopmentStorage=true), which is no secret.
    const secret = /-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]{64,}-----END|AccountKey=(?!Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq\/K1SZFPTOtr\/KBHBeksoGMGw==)[A-Za-z0-9+/]{30,}|SharedAccessKey=(?!SAS_KEY_VALUE)[A-Za-z0-9+/]{30,}/;
    for (const [name, data] of files) assert.doesNotMatch(data.toString('latin1'), secret, name);
  });

  it('ships bundles without source-map references', () => {
    const ext = files.get('extension/dist/extension.js')!.toString('utf8');
    assert.ok(!ext.includes('//# sourceMappingURL'), 'no source map reference');
  });
});
