import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client as KustoClient } from 'azure-kusto-data';
import { CLI, startLocalPipeline, tempDataDir } from './pipeline';

describe('eventline-local CLI', () => {
  it('prints one JSON ready line with every service and exits 0 on SIGTERM', async () => {
    const p = await startLocalPipeline();
    assert.equal(p.ready.ready, true);
    assert.match(p.ready.eventHubs.connectionString, /^Endpoint=sb:\/\/127\.0\.0\.1:\d+;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true$/);
    assert.match(p.ready.eventhouse.uri, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(p.ready.eventhouse.database, 'NetDefaultDB');
    assert.match(p.ready.control, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await p.stop(), 0);
  });

  it('rejects unknown options with usage and exit code 2', () => {
    const r = spawnSync(process.execPath, [CLI, 'start', '--bogus', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Unknown option --bogus/);
    assert.match(r.stderr, /Usage: eventline-local start/);
  });

  it('rejects a bad port with a message naming the flag', () => {
    const r = spawnSync(process.execPath, [CLI, 'start', '--amqp-port', 'abc'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--amqp-port must be a port number/);
  });

  it('provides the Eventhouse database eventline.json names, and says what is wrong with a bad name', async () => {
    const dir = tempDataDir('eventline-config-');
    const config = path.join(dir, 'eventline.json');
    fs.writeFileSync(config, JSON.stringify({ version: 1, eventHubs: [{ name: 'orders' }], eventhouse: { database: 'Sales' } }));
    const p = await startLocalPipeline({ args: ['--config', config] });
    try {
      assert.equal(p.ready.eventhouse.database, 'Sales');
      const client = new KustoClient(p.ready.eventhouse.uri);
      try {
        const dbs = (await client.execute('NetDefaultDB', '.show databases')).primaryResults[0].toJSON<{ DatabaseName: string }>().data.map((r) => r.DatabaseName);
        assert.ok(dbs.includes('Sales'), `Sales is among ${dbs.join(', ')}`);
      } finally {
        client.close();
      }
    } finally {
      await p.stop();
    }
    fs.writeFileSync(config, JSON.stringify({ version: 1, eventhouse: { database: 'no/slashes' } }));
    const r = spawnSync(process.execPath, [CLI, 'start', '--config', config, '--data', path.join(dir, 'data2'), '--amqp-port', '0', '--amqps-port', '0', '--control-port', '0', '--kusto-port', '0', '--vault-port', '0', '--api-port', '0'], { encoding: 'utf8', timeout: 60000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /eventhouse\.database must be a database name/);
  });
});
