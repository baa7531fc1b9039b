// The harness's first install is minutes of blocking npm work: a reporter process prints how long each step has run
// against its usual duration, and it ends with the step (nothing of it is left holding the terminal).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const TOOLCHAIN = path.resolve(__dirname, '../harness/toolchain.js');

describe('harness install progress', () => {
  it('prints the elapsed time against the usual one while a blocking step runs, and stops with it', function () {
    this.timeout(20_000);
    const script = `
      const { withProgress } = require(${JSON.stringify(TOOLCHAIN)});
      const out = withProgress('installing something', 'a second', ${JSON.stringify(path.resolve(__dirname, '../..'))}, () => {
        require('node:child_process').spawnSync('sleep', ['1.5']);
        return 'done';
      });
      process.stdout.write('returned ' + out + '\\n');
    `;
    // If the reporter outlived the step, it would hold stdout open and this would run into its timeout.
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, EVENTLINE_PROGRESS_MS: '250' } });
    assert.equal(r.error, undefined, `the process did not end: ${String(r.error)}`);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const progress = lines.filter((l) => /^\[harness\] … installing something: \d+ s so far, usually about a second; \d+ packages in place$/.test(l));
    assert.ok(progress.length >= 3, `progress lines:\n${r.stdout}`);
    assert.equal(lines.at(-1), 'returned done');
  });
});
