import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { manifestLocator, parseManifest, starterManifest, type ManifestProblem } from '../../src/core/manifest';

function problems(text: string): ManifestProblem[] {
  const r = parseManifest(text);
  assert.equal(r.ok, false, 'expected the manifest to be rejected');
  return r.ok ? [] : r.problems;
}

describe('manifest parsing and validation', () => {
  it('accepts the starter manifest and round-trips it', () => {
    const m = starterManifest('my pipeline');
    const r = parseManifest(JSON.stringify(m, null, 2));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.manifest, m);
  });

  it('makes a valid name out of any folder name', () => {
    for (const folder of ['--weird//name!!', '', '???', 'ok.name_1']) {
      const r = parseManifest(JSON.stringify(starterManifest(folder)));
      assert.ok(r.ok, `${folder}: ${JSON.stringify(r)}`);
    }
  });

  it('reports invalid JSON with line and column', () => {
    const [p] = problems('{\n  "version": 1,\n  "name": "x",,\n}');
    assert.equal(p.kind, 'syntax');
    assert.match(p.message, /^Invalid JSON: /);
    assert.equal(p.line, 3);
    assert.equal(p.column, 15);
  });

  it('reports an empty file', () => {
    const [p] = problems('');
    assert.match(p.message, /empty|Invalid JSON/);
  });

  it('rejects a wrong version, a missing name and unknown properties, each at its place', () => {
    const ps = problems('{\n  "version": 2,\n  "colour": "red"\n}');
    const messages = ps.map((p) => p.message);
    assert.ok(messages.some((m) => /missing the required property "name"/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /^version must be 1\./.test(m)), messages.join('\n'));
    const unknown = ps.find((p) => /unknown property "colour"/.test(p.message));
    assert.ok(unknown);
    assert.equal(unknown.kind, 'schema');
  });

  it('points at the bad value inside arrays', () => {
    const [p] = problems('{\n  "version": 1,\n  "name": "x",\n  "eventHubs": [\n    { "name": "h", "partitions": 99 }\n  ]\n}');
    assert.equal(p.path, 'eventHubs[0].partitions');
    assert.match(p.message, /eventHubs\[0\]\.partitions must be <= 32/);
    assert.equal(p.line, 5);
  });

  it('refuses a secret value where only a reference may stand', () => {
    const ps = problems(JSON.stringify({ version: 1, name: 'x', sources: [{ name: 's', url: 'https://api.example.com', auth: { header: 'x-api-key', secret: 'my-actual-key' } }] }));
    assert.ok(ps.some((p) => p.path === 'sources[0].auth.secret'), JSON.stringify(ps));
  });

  it('finds references to undeclared hubs and duplicate names', () => {
    const ps = problems(JSON.stringify({
      version: 1, name: 'x',
      eventHubs: [{ name: 'a' }, { name: 'a' }],
      sources: [{ name: 's', url: 'https://x', hub: 'nope' }],
      connections: [{ hub: 'missing', table: 'T' }],
      activeProfile: 'cloud',
    }, null, 2));
    assert.ok(ps.every((p) => p.kind === 'reference'));
    const text = ps.map((p) => p.message).join('\n');
    assert.match(text, /Duplicate event hub name "a"/);
    assert.match(text, /Source "s" sends to hub "nope"/);
    assert.match(text, /Connection reads hub "missing"/);
    assert.match(text, /activeProfile "cloud" is not one of the profiles \(none declared\)/);
  });

  it('the schema file VS Code uses is the one the validator uses', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string; url: string }[] } };
    const [entry] = pkg.contributes.jsonValidation;
    assert.equal(entry.fileMatch, 'eventline.json');
    assert.ok(fs.existsSync(path.resolve(__dirname, '../..', entry.url)));
  });

  it('the compiled validator is the one the schema file gives today', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generate, OUT } = require('../../scripts/manifest-validator.js') as { generate: () => string; OUT: string };
    assert.ok(fs.readFileSync(OUT, 'utf8') === generate(), 'src/core/generated/manifestValidator.js is stale: run node scripts/manifest-validator.js');
  });

  describe('sources and functions', () => {
    const base = () => ({
      version: 1, name: 'x',
      sources: [{ name: 'api', url: 'https://api.example.com/v1/readings', paging: { style: 'nextLink', nextLinkPath: 'links.next' }, watermark: { param: 'since' }, recordsPath: 'data.items', idField: 'id', timeField: 'ts', auth: { query: 'api_key', secret: { keyVaultSecret: 'api-key' } } }],
      eventHubs: [{ name: 'telemetry' }],
      functions: [{ name: 'ingest', path: 'ingest-function', source: 'api', hub: 'telemetry', schedule: '*/30 * * * * *', partitionKey: 'siteId' }],
    });

    it('accepts a function entry, every paging style and both secret reference forms', () => {
      for (const paging of [{ style: 'none' }, { style: 'linkHeader' }, { style: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 100 }, { style: 'offset', offsetParam: 'offset', limitParam: 'limit', limit: 50 }]) {
        const m = base();
        (m.sources[0] as Record<string, unknown>).paging = paging;
        const r = parseManifest(JSON.stringify(m));
        assert.ok(r.ok, JSON.stringify(r));
      }
      const m = base();
      m.sources[0].auth.secret = { keyVaultSecret: 'https://my-vault.vault.azure.net/secrets/api-key/0123abcd' };
      assert.ok(parseManifest(JSON.stringify(m)).ok);
    });

    it("keeps today's secretStorage references loading", () => {
      const m = base();
      (m.sources[0].auth as { secret: unknown }).secret = { secretStorage: 'sample-api-key' };
      assert.ok(parseManifest(JSON.stringify(m)).ok);
    });

    it('refuses a secret name Key Vault would not take and an auth with neither header nor query', () => {
      const m = base();
      m.sources[0].auth = { secret: { keyVaultSecret: 'my_key!' } } as typeof m.sources[0]['auth'];
      const ps = problems(JSON.stringify(m));
      assert.ok(ps.some((p) => p.path === 'sources[0].auth.secret'), JSON.stringify(ps));
      assert.ok(ps.some((p) => p.path === 'sources[0].auth'), JSON.stringify(ps));
    });

    it('reports an invalid NCRONTAB at the wrong field, with line and column inside the string', () => {
      const m = base();
      m.functions[0].schedule = '0 */5 25 * * *';
      const text = JSON.stringify(m, null, 2);
      const [p] = problems(text);
      assert.equal(p.kind, 'schedule');
      assert.equal(p.path, 'functions[0].schedule');
      assert.match(p.message, /Function "ingest" schedule: The hour field "25" is not valid: 25 is outside 0-23/);
      const line = text.split('\n')[p.line - 1];
      assert.equal(line.slice(p.column - 1, p.column + 1), '25');
    });

    it('reports a five-field cron with the fix', () => {
      const m = base();
      m.functions[0].schedule = '*/5 * * * * mon-fri-x';
      assert.match(problems(JSON.stringify(m))[0].message, /day-of-week field/);
      m.functions[0].schedule = '0 */5 * * * *';
      assert.ok(parseManifest(JSON.stringify(m)).ok);
    });

    it('finds a function polling an undeclared source or sending to an undeclared hub', () => {
      const m = base();
      m.functions[0].source = 'nope';
      m.functions[0].hub = 'gone';
      const text = problems(JSON.stringify(m)).map((p) => p.message).join('\n');
      assert.match(text, /Function "ingest" polls source "nope", which is not declared under "sources"/);
      assert.match(text, /Function "ingest" sends to hub "gone", which is not declared under "eventHubs"/);
    });

    it('refuses an absolute project path', () => {
      const m = base();
      m.functions[0].path = '/etc/ingest';
      assert.ok(problems(JSON.stringify(m)).some((p) => p.path === 'functions[0].path'));
    });
  });
});

describe('manifestLocator', () => {
  const text = '{\n  "alerts": [\n    { "name": "a" },\n    { "name": "noisy", "cooldown": "PT1M" }\n  ]\n}\n';

  it('gives 1-based line and column of the value, end one past its last character', () => {
    assert.deepEqual(manifestLocator(text)(['alerts', 1, 'name']), { start: { line: 4, column: 15 }, end: { line: 4, column: 22 } });
    assert.equal(text.split('\n')[3].slice(14, 21), '"noisy"');
  });

  it('is undefined for a path that is not there, or text that does not parse', () => {
    assert.equal(manifestLocator(text)(['alerts', 2, 'name']), undefined);
    assert.equal(manifestLocator('{"alerts": [')(['alerts', 0]), undefined);
  });
});
