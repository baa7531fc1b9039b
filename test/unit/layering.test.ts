import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORTS_VSCODE = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;

function offenders(pattern: RegExp, allowed: string): string[] {
  return files(SRC).filter((f) => path.relative(SRC, f) !== allowed && !f.includes(`${path.sep}local${path.sep}`) && pattern.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(SRC, f));
}

describe('layering', () => {
  it('only src/auth/azureAuth.ts calls vscode.authentication.getSession', () => {
    assert.deepEqual(offenders(/authentication\.getSession\(/, path.join('auth', 'azureAuth.ts')), []);
  });

  it('only src/azure/clients.ts constructs Azure SDK clients', () => {
    assert.deepEqual(offenders(/new (EventHubConsumerClient|EventHubProducerClient|EventHubManagementClient|SubscriptionClient|SecretClient|KustoConnectionStringBuilder|Client)\(/, path.join('azure', 'clients.ts')), []);
  });

  // The lint rule says the same; this test also catches dynamic imports and a lint config that drifts.
  for (const folder of ['core', 'local', 'model', 'protocol']) {
    it(`src/${folder} never imports vscode`, () => {
      const offenders = files(path.join(SRC, folder)).filter((f) => IMPORTS_VSCODE.test(fs.readFileSync(f, 'utf8')));
      assert.deepEqual(offenders.map((f) => path.relative(SRC, f)), []);
    });
  }

  // Feature folders talk to each other only through a folder's index.ts (its public face) and through the shared
  // layers (core, protocol, model, common, azure, auth, manifest, localPipeline); features never walk each other's
  // classes, so a new feature can be added or changed without reaching into the tree.
  const SHARED = new Set(['core', 'protocol', 'model', 'common', 'azure', 'auth', 'manifest', 'localPipeline', 'local']);
  const IMPORT = /(?:from\s+|import\s*\(?\s*|require\(\s*)['"](\.[^'"]+)['"]/g;
  it('a feature folder never imports another feature folder\'s internals', () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      const rel = path.relative(SRC, f).split(path.sep);
      if (rel.length < 2 || SHARED.has(rel[0])) continue;
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const target = path.relative(SRC, path.resolve(path.dirname(f), m[1])).split(path.sep);
        if (target[0] === rel[0] || target[0].startsWith('..') || SHARED.has(target[0]) || target.length === 1) continue;
        const isIndex = target.length === 1 || (target.length === 2 && target[1] === 'index');
        if (!isIndex) bad.push(`${rel.join('/')} imports ${target.join('/')}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('the shared layers never import a feature folder', () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      const rel = path.relative(SRC, f).split(path.sep);
      if (rel.length < 2 || !SHARED.has(rel[0])) continue;
      for (const m of fs.readFileSync(f, 'utf8').matchAll(IMPORT)) {
        const target = path.relative(SRC, path.resolve(path.dirname(f), m[1])).split(path.sep);
        if (target.length > 1 && !SHARED.has(target[0]) && !target[0].startsWith('..')) bad.push(`${rel.join('/')} imports ${target.join('/')}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
