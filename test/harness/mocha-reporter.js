// mocha's spec output, plus the counts written to $EVENTLINE_MOCHA_STATS so test/run.js can sum the suites.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const out = process.env.EVENTLINE_MOCHA_STATS;
      if (out) fs.writeFileSync(out, JSON.stringify({ passed: this.stats.passes, failed: this.stats.failures, pending: this.stats.pending }));
    });
  }
}

module.exports = CountingSpec;
