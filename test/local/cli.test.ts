import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI, startLocalPipeline } from './pipeline';

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
});
