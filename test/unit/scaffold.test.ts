import * as assert from 'node:assert/strict';
import { parseManifest } from '../../src/core/manifest';
import { formattingOf, rewriteSecretReference, upsertFunctionEntry } from '../../src/core/manifestEdits';
import { contentHash, formatScaffoldRecord, nextScaffoldRecord, normalizeFolder, parseScaffoldRecord, planScaffold, scaffoldFolderProblem } from '../../src/core/scaffoldPlan';

describe('scaffold planning', () => {
  const files = [
    { path: 'host.json', content: '{"version": "2.0"}\n' },
    { path: 'src/functions/ingest.ts', content: 'export const v = 2;\n' },
    { path: 'local.settings.json', content: '{"Values": {"A": "2"}}\n' },
    { path: 'package.json', content: '{"name": "x"}\n' },
    { path: 'README.md', content: '# new\n' },
  ];

  it('creates what is missing, leaves equal files, updates untouched ones and flags edited and foreign ones', () => {
    const record = { version: 1 as const, files: { 'src/functions/ingest.ts': contentHash('export const v = 1;\n'), 'local.settings.json': contentHash('{"Values": {"A": "1"}}\n') } };
    const disk: Record<string, string> = {
      'src/functions/ingest.ts': 'export const v = 1;\r\n', // what Eventline wrote, with Windows line endings: untouched
      'local.settings.json': '{"Values": {"A": "mine"}}\n', // edited after Eventline wrote it
      'package.json': '{"name": "x"}\n', // already the new content
      'README.md': '# my own readme\n', // never written by Eventline
    };
    const plan = planScaffold(files, (p) => disk[p], record);
    assert.deepEqual(plan.map((f) => [f.path, f.action]), [
      ['host.json', 'create'],
      ['src/functions/ingest.ts', 'update'],
      ['local.settings.json', 'edited'],
      ['package.json', 'unchanged'],
      ['README.md', 'edited'],
    ]);
    assert.equal(plan[2].current, '{"Values": {"A": "mine"}}\n');
  });

  it('without a record every differing file counts as the user\'s', () => {
    const plan = planScaffold(files, () => 'something else', undefined);
    assert.ok(plan.every((f) => f.action === 'edited'));
  });

  it('records the new content, except for an edited file the user kept (it stays edited next time)', () => {
    const previous = { version: 1 as const, files: { 'local.settings.json': contentHash('old'), 'gone.txt': contentHash('x') } };
    const plan = planScaffold(files, (p) => (p === 'local.settings.json' ? 'user text' : undefined), previous);
    const next = nextScaffoldRecord(previous, plan, new Set(['local.settings.json']));
    assert.equal(next.files['local.settings.json'], contentHash('old'));
    assert.equal(next.files['host.json'], contentHash(files[0].content));
    assert.equal(next.files['gone.txt'], contentHash('x'), 'entries for files the template dropped stay');
    const again = planScaffold(files, (p) => (p === 'local.settings.json' ? 'user text' : files.find((f) => f.path === p)?.content), parseScaffoldRecord(formatScaffoldRecord(next)));
    assert.equal(again.find((f) => f.path === 'local.settings.json')?.action, 'edited');
    assert.ok(again.filter((f) => f.path !== 'local.settings.json').every((f) => f.action === 'unchanged'));
  });

  it('reads a damaged record as none', () => {
    assert.equal(parseScaffoldRecord('{not json'), undefined);
    assert.equal(parseScaffoldRecord('{"files": 3}'), undefined);
    assert.equal(parseScaffoldRecord(undefined), undefined);
    assert.deepEqual(parseScaffoldRecord('{"files": {"a": "sha256:1", "b": 2}}'), { version: 1, files: { a: 'sha256:1' } });
  });

  it('checks the folder: relative, inside the workspace, not the root', () => {
    assert.equal(scaffoldFolderProblem('ingest-function/'), undefined);
    assert.equal(scaffoldFolderProblem('functions/ingest'), undefined);
    assert.match(scaffoldFolderProblem('')!, /Name a folder/);
    assert.match(scaffoldFolderProblem('/etc/x')!, /relative/);
    assert.match(scaffoldFolderProblem('C:\\x')!, /relative/);
    assert.match(scaffoldFolderProblem('../outside')!, /inside the workspace/);
    assert.match(scaffoldFolderProblem('./')!, /own folder/);
    assert.match(scaffoldFolderProblem('node_modules/x')!, /not a place/);
    assert.equal(normalizeFolder('./ingest-function/'), 'ingest-function');
    assert.equal(normalizeFolder('a\\b'), 'a/b');
  });
});

describe('eventline.json edits keep the user\'s formatting', () => {
  const entry = { name: 'ingest', path: 'ingest-function', source: 'api', hub: 'telemetry', schedule: '*/30 * * * * *', partitionKey: 'siteId' };

  it('adds a functions array after sources, in the file\'s own indentation', () => {
    const text = '{\n    "version": 1,\n    "name": "p",\n    "sources": [ { "name": "api", "url": "http://x" } ],\n    "eventHubs": [ { "name": "telemetry" } ]\n}\n';
    const r = upsertFunctionEntry(text, entry);
    assert.equal(r.added, true);
    assert.ok(r.text.includes('    "sources": [ { "name": "api", "url": "http://x" } ],\n    "functions": [\n        {\n            "name": "ingest",'), r.text);
    assert.ok(r.text.includes('"eventHubs": [ { "name": "telemetry" } ]'), 'other lines untouched');
    const parsed = parseManifest(r.text);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    if (parsed.ok) assert.deepEqual(parsed.manifest.functions, [entry]);
  });

  it('updates the entry with the same name, keeping the user\'s own properties', () => {
    const text = '{\n\t"version": 1,\n\t"functions": [\n\t\t{"name": "other", "path": "o", "source": "api", "hub": "h", "schedule": "0 * * * * *"},\n\t\t{"name": "ingest", "path": "old", "source": "api", "hub": "h", "schedule": "0 0 * * * *", "enabled": false, "partitionKey": "x", "settings": {"A": "1"}}\n\t]\n}';
    const r = upsertFunctionEntry(text, { ...entry, partitionKey: undefined });
    assert.equal(r.added, false);
    assert.equal(r.index, 1);
    const v = JSON.parse(r.text) as { functions: Record<string, unknown>[] };
    assert.deepEqual(v.functions[0], { name: 'other', path: 'o', source: 'api', hub: 'h', schedule: '0 * * * * *' });
    assert.deepEqual(v.functions[1], { name: 'ingest', path: 'ingest-function', source: 'api', hub: 'telemetry', schedule: '*/30 * * * * *', enabled: false, settings: { A: '1' } });
    assert.ok(r.text.includes('\t\t{"name": "other", "path": "o", "source": "api", "hub": "h", "schedule": "0 * * * * *"},'), 'the other entry is byte-for-byte the same');
    assert.equal(formattingOf(text).insertSpaces, false);
  });

  it('finds an entry by its path when the name differs, and appends otherwise', () => {
    const text = '{"functions": [{"name": "first", "path": "./ingest-function/", "source": "api", "hub": "h", "schedule": "0 * * * * *"}]}';
    assert.equal(upsertFunctionEntry(text, entry).index, 0);
    const other = upsertFunctionEntry(text, { ...entry, name: 'second', path: 'second' });
    assert.equal(other.added, true);
    assert.equal((JSON.parse(other.text) as { functions: unknown[] }).functions.length, 2);
  });

  it('adds a missing property on its own line in a spread-out entry', () => {
    const text = '{\n  "functions": [\n    {\n      "name": "ingest",\n      "path": "ingest-function",\n      "source": "api",\n      "hub": "telemetry",\n      "schedule": "0 * * * * *"\n    }\n  ]\n}\n';
    const r = upsertFunctionEntry(text, entry);
    assert.equal(r.text, text.replace('"schedule": "0 * * * * *"', '"schedule": "*/30 * * * * *",\n      "partitionKey": "siteId"'));
  });

  it('keeps \\r\\n line endings', () => {
    const text = '{\r\n  "version": 1,\r\n  "sources": []\r\n}\r\n';
    const r = upsertFunctionEntry(text, entry);
    assert.ok(!/[^\r]\n/.test(r.text), 'no bare \\n was introduced');
  });

  it('refuses a file that is not a JSON object', () => {
    assert.throws(() => upsertFunctionEntry('[1, 2]', entry), /does not hold a JSON object/);
  });

  it('rewrites a secretStorage reference to a Key Vault secret name, touching nothing else', () => {
    const text = '{\n  "sources": [\n    {\n      "name": "api",\n      "auth": { "header": "x-api-key", "secret": { "secretStorage": "api.key" } }\n    }\n  ]\n}\n';
    const out = rewriteSecretReference(text, 0, 'api-key');
    assert.deepEqual((JSON.parse(out) as { sources: { auth: unknown }[] }).sources[0].auth, { header: 'x-api-key', secret: { keyVaultSecret: 'api-key' } });
    assert.ok(out.startsWith('{\n  "sources": [\n    {\n      "name": "api",\n      "auth": { "header": "x-api-key", "secret": '));
    assert.throws(() => rewriteSecretReference(text, 3, 'x'), /no sources\[3\]\.auth\.secret/);
  });
});
