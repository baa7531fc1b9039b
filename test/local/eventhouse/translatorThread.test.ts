// The KQL parser must stay off the main thread of the process that hosts the hub: its ~36 MB heap made every full
// garbage collection there pause the hub's links (kqlThread.ts). Checked in a process of its own, as this test
// process loads the parser itself for the translator's unit tests.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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
