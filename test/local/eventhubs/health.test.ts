// /health as the official Event Hubs emulator answers it, while the hub serves and once it has stopped. The hub runs
// in this process here so that the test can stop it while the control API still answers (the CLI closes the API
// last, a moment later).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ControlServer } from '../../../src/local/control';
import { startEventHubs } from '../../../src/local/eventhubs';
import { DEFAULT_OPTIONS } from '../../../src/local/service';
import { tempDataDir } from '../pipeline';

describe('control API /health', function () {
  this.timeout(30_000);

  it('is healthy while the hub serves, and 503 unhealthy once it has stopped', async () => {
    const dataDir = tempDataDir();
    const control = new ControlServer();
    const options = { ...DEFAULT_OPTIONS, dataDir, amqpPort: 0, amqpsPort: 0, controlPort: 0, kustoPort: 0 };
    const hub = await startEventHubs({ dataDir, configPath: undefined, options, control, log: () => undefined });
    let stopped = false;
    try {
      const base = `http://127.0.0.1:${await control.listen(0)}`;
      const up = await fetch(`${base}/health`);
      assert.equal(up.status, 200);
      assert.deepEqual(await up.json(), { status: 'healthy', message: 'Service is healthy.' });
      const post = await fetch(`${base}/health`, { method: 'POST' });
      assert.equal(post.status, 405);
      await post.body?.cancel();

      await hub.stop();
      stopped = true;
      const down = await fetch(`${base}/health`);
      assert.equal(down.status, 503);
      assert.deepEqual(await down.json(), { status: 'unhealthy', message: 'Service not available. Please try after some time.' });
    } finally {
      if (!stopped) await hub.stop();
      await control.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
