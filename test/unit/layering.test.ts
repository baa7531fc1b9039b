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
  for (const folder of ['core', 'local']) {
    it(`src/${folder} never imports vscode`, () => {
      const offenders = files(path.join(SRC, folder)).filter((f) => IMPORTS_VSCODE.test(fs.readFileSync(f, 'utf8')));
      assert.deepEqual(offenders.map((f) => path.relative(SRC, f)), []);
    });
  }
});
