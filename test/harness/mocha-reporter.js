// mocha's spec output, plus the counts and failing titles written to $EVENTLINE_MOCHA_STATS so test/run.js can sum
// the suites and list every failure again beside its summary.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      failures.push({ title: test.fullTitle(), error: String((err && err.message) || err) });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const out = process.env.EVENTLINE_MOCHA_STATS;
      if (out) fs.writeFileSync(out, JSON.stringify({ passed: this.stats.passes, failed: this.stats.failures, pending: this.stats.pending, failures }));
    });
  }
}

module.exports = CountingSpec;
