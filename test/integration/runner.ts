// Runs inside VS Code's extension host (code-server's, or @vscode/test-electron's). Exports run(), which the
// workbench calls once the extension under test has activated; a rejected promise means failure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

interface TestResult { title: string; state: 'passed' | 'failed'; durationMs: number; error?: string }

export function run(): Promise<void> {
  const started = Date.now();
  const mocha = new Mocha({ ui: 'bdd', timeout: 30000, color: false, reporter: 'spec' });
  const grep = process.env.EVENTLINE_TEST_GREP;
  if (grep) mocha.grep(grep);
  mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must load after pre-require, see esbuild.js
  require(path.join(__dirname, 'all-tests.js'));
  const results: TestResult[] = [];
  return new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const out = process.env.EVENTLINE_TEST_RESULTS;
      const passed = results.filter((r) => r.state === 'passed').length;
      if (out) {
        fs.writeFileSync(out, JSON.stringify({ passed, failed: results.length - passed, results, durationMs: Date.now() - started, extHostUptimeAtStartMs: Math.round(process.uptime() * 1000) }, null, 2));
      }
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else if (passed === 0) reject(new Error('No integration test ran'));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration ?? 0, error: `${err.message}\n${err.stack ?? ''}` }));
  });
}
