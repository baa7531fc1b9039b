// The KQL parser must stay off the main thread of the process that hosts the hub: its ~36 MB heap made every full
// garbage collection there pause the hub's links (kqlThread.ts). Checked in a process of its own, as this test
// process loads the parser itself for the translator's unit tests.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { tempDataDir } from '../pipeline';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const CHILD = `
const { Engine } = require(${JSON.stringify(path.join(ROOT, 'src/local/eventhouse/engine.ts'))});
const { runCommand } = require(${JSON.stringify(path.join(ROOT, 'src/local/eventhouse/mgmt/index.ts'))});
(async () => {
  const e = await Engine.open(process.argv[1]);
  const cmd = (t) => runCommand(e, 'NetDefaultDB', t);
  await cmd('.create table Raw (Value:long, Unit:string)');
  await cmd('.create table Typed (Value:long)');
  await cmd('.alter table Typed policy update @\\'[{"IsEnabled": true, "Source": "Raw", "Query": "Raw | where Unit == \\\\"C\\\\" | project Value"}]\\'');
  await cmd('.create function Above(n:long, t:(Value:long)) { t | where Value > n }');
  await cmd('.ingest inline into table Raw <| 5,C\\n7,F\\n9,C');
  const q = await e.query('NetDefaultDB', 'Above(6, Typed) | count', {});
  const schema = JSON.parse(String((await cmd('.show database schema as json')).rows[0][0]));
  let error;
  try { await e.query('NetDefaultDB', 'Typed\\n| where', {}); } catch (x) { error = { kind: x.kind, position: x.position, message: x.message }; }
  await e.close();
  process.stdout.write(JSON.stringify({
    parserOnMainThread: typeof globalThis.Kusto !== 'undefined',
    count: q.table.rows,
    parameters: schema.Databases.NetDefaultDB.Functions.Above.InputParameters,
    error,
  }));
})().catch((x) => { console.error(x); process.exit(1); });
`;

describe('local Eventhouse: the KQL translator thread', function () {
  this.timeout(60_000);

  it('translates queries, update policies and function signatures without loading the parser on the main thread', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--require', 'tsx/cjs', '-e', CHILD, tempDataDir()], { cwd: ROOT });
    const out = JSON.parse(stdout) as { parserOnMainThread: boolean; count: unknown; parameters: { Name: string }[]; error: { kind: string; position: unknown; message: string } };
    assert.equal(out.parserOnMainThread, false, 'the main thread loaded Kusto.Language');
    assert.deepEqual(out.count, [[1]], 'the update policy kept the two Celsius rows, of which one is above 6');
    assert.deepEqual(out.parameters.map((p) => p.Name), ['n', 't']);
    assert.equal(out.error.kind, 'Syntax');
    assert.deepEqual(out.error.position, { line: 2, column: 8 });
    assert.match(out.error.message, /^Syntax error: KS\d+: .*\[line:position=2:8\]$/);
  });
});

describe('local Eventhouse: a translator thread that stops', () => {
  it('fails the requests it had with a message; the next request starts a new thread, and every engine sends it its catalog', async () => {
    // kqlThread.ts as built, next to a worker script that exits on its first request: the module finds the worker
    // next to itself, as it finds dist/kqlWorker.js next to dist/local.js.
    const dir = tempDataDir('eventline-kqlthread-');
    const src = path.join(ROOT, 'src/local/eventhouse');
    fs.copyFileSync(path.join(src, 'kqlThread.ts'), path.join(dir, 'kqlThread.ts'));
    fs.writeFileSync(path.join(dir, 'translate.ts'), `export { BagUnpackNeedsSchema } from ${JSON.stringify(path.join(src, 'translate'))};\n`);
    fs.writeFileSync(path.join(dir, 'types.ts'), `export { KustoUserError } from ${JSON.stringify(path.join(src, 'types'))};\n`);
    fs.writeFileSync(path.join(dir, 'kqlWorker.js'), `
      const fs = require('node:fs');
      const { parentPort } = require('node:worker_threads');
      const marker = ${JSON.stringify(path.join(dir, 'started-once'))};
      const first = !fs.existsSync(marker);
      fs.writeFileSync(marker, '');
      parentPort.on('message', (req) => {
        if (first) process.exit(3);
        parentPort.postMessage({ id: req.id, ok: true, value: { tr: { sql: 'SELECT 1' }, read: [], sawCatalog: Boolean(req.defs) } });
      });
    `);
    const load = createRequire(__filename);
    const { KqlTranslator } = load(path.join(dir, 'kqlThread.ts')) as typeof import('../../../src/local/eventhouse/kqlThread');
    const t = new KqlTranslator({ version: () => 1, defs: () => [] });
    // A second engine on the same thread, whose catalog went to the thread that stops.
    const u = new KqlTranslator({ version: () => 1, defs: () => [] });
    const both = [t.translate('db', 'print 1', {}), t.translate('db', 'print 2', {}), u.translate('db', 'print 3', {})];
    for (const r of await Promise.allSettled(both)) {
      assert.ok(r.status === 'rejected', 'a request to the thread that stopped');
      assert.match(String(r.reason), /KQL translator stopped \(exit code 3\); run the query again, which starts a new one/);
    }
    const again = await t.translate('db', 'print 1', {}) as unknown as { tr: { sql: string }; sawCatalog: boolean };
    assert.equal(again.tr.sql, 'SELECT 1');
    assert.equal(again.sawCatalog, true, 'a new thread is sent the catalog again');
    const other = await u.translate('db', 'print 3', {}) as unknown as { sawCatalog: boolean };
    assert.equal(other.sawCatalog, true, 'the other engine\'s catalog goes to the new thread too');
    t.close();
    u.close();
  });
});
