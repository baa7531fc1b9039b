import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../../src/local/cli';

describe('eventline-local argument parsing', () => {
  it('uses the emulator defaults', () => {
    const o = parseArgs(['start'], {});
    assert.equal(o.amqpPort, 5672);
    assert.equal(o.amqpsPort, 5671);
    assert.equal(o.controlPort, 5300);
    assert.equal(o.kustoPort, 8080);
    assert.equal(o.keyName, 'RootManageSharedAccessKey');
    assert.equal(o.key, 'SAS_KEY_VALUE');
    assert.equal(o.json, false);
  });

  it('reads every flag, and the key from the environment', () => {
    const o = parseArgs(['start', '--data', 'd', '--config', 'c.json', '--amqp-port', '0', '--amqps-port', '1', '--control-port', '2', '--kusto-port', '3', '--key-name', 'k', '--json'], { EVENTLINE_LOCAL_KEY: 'secret' });
    assert.equal(o.dataDir, path.resolve('d'));
    assert.equal(o.configPath, path.resolve('c.json'));
    assert.deepEqual([o.amqpPort, o.amqpsPort, o.controlPort, o.kustoPort], [0, 1, 2, 3]);
    assert.equal(o.keyName, 'k');
    assert.equal(o.key, 'secret');
    assert.equal(o.json, true);
  });

  it('explains what is wrong', () => {
    assert.throws(() => parseArgs([], {}), (e: unknown) => e instanceof UsageError && /Missing command "start"/.test(e.message));
    assert.throws(() => parseArgs(['stop'], {}), /Unknown command "stop"/);
    assert.throws(() => parseArgs(['start', '--data'], {}), /--data needs a value/);
    assert.throws(() => parseArgs(['start', '--kusto-port', '70000'], {}), /--kusto-port must be a port number 0-65535, not "70000"/);
  });

  it('reads the Key Vault and sample API ports', () => {
    const d = parseArgs(['start'], {});
    assert.deepEqual([d.vaultPort, d.apiPort], [5443, 5400]);
    const o = parseArgs(['start', '--vault-port', '0', '--api-port', '6000'], {});
    assert.deepEqual([o.vaultPort, o.apiPort], [0, 6000]);
    assert.throws(() => parseArgs(['start', '--api-port', 'x'], {}), /--api-port must be a port number/);
  });
});
