// `npm start` says whether it reuses the harness cache or downloads it (test/harness/toolchain.js toolchainCached).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CODE_SERVER_VERSION, toolchainCached } from '../harness/toolchain';

describe('toolchainCached (npm start: reuse or download)', () => {
  const saved = { cache: process.env.EVENTLINE_CACHE, node: process.env.EVENTLINE_NODE24_DIR };
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-cache-test-'));
    process.env.EVENTLINE_CACHE = dir;
    delete process.env.EVENTLINE_NODE24_DIR;
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of [['EVENTLINE_CACHE', saved.cache], ['EVENTLINE_NODE24_DIR', saved.node]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
  const touch = (...p: string[]) => { fs.mkdirSync(path.join(dir, ...p.slice(0, -1)), { recursive: true }); fs.writeFileSync(path.join(dir, ...p), ''); };

  it('is false on an empty cache and while code-server is half installed', () => {
    assert.equal(toolchainCached(), false);
    touch(`code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
    assert.equal(toolchainCached(), false, 'no .eventline-ok marker: the install did not finish');
  });

  it('is true once Node 24 and a finished code-server install are there', () => {
    process.env.EVENTLINE_NODE24_DIR = path.join(dir, 'node24');
    touch('node24', 'bin', 'node');
    touch(`code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
    touch(`code-server-${CODE_SERVER_VERSION}`, '.eventline-ok');
    assert.equal(toolchainCached(), true);
  });
});
