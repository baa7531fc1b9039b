// Loaded with `node --require` into the hub and the forwarder by `BENCH_PROBE=1 npm run bench:eventhubs`: it writes
// the main thread's event-loop stalls and GC pauses to `$EVENTLINE_PROBE_OUT.<pid>` as CSV lines, so that the bench
// can say what a latency tail was made of. A stall is split, from /proc/self/task/<pid>/schedstat, into time the
// thread ran (our code or the GC), time it waited for a core (other processes), and the rest (blocked in a call).
'use strict';
// NODE_OPTIONS preloads this into worker threads too (the Eventhouse's KQL translator is one): there it would time
// the worker's loop against the main thread's schedstat and wake its core every millisecond.
if (require('node:worker_threads').isMainThread) {
  const fs = require('node:fs');
  const { PerformanceObserver, performance } = require('node:perf_hooks');

  const out = `${process.env.EVENTLINE_PROBE_OUT}.${process.pid}`;
  const rows = [];
  const origin = performance.timeOrigin;
  const statPath = `/proc/self/task/${process.pid}/schedstat`;
  const sched = () => fs.readFileSync(statPath, 'utf8').split(' ').map(Number);
  const KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weak' };

  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) rows.push(`gc,${(origin + e.startTime).toFixed(1)},${e.duration.toFixed(2)},${KINDS[e.detail?.kind] ?? e.detail?.kind}`);
  }).observe({ entryTypes: ['gc'] });

  let last = performance.now();
  let [run0, wait0] = sched();
  setInterval(() => {
    const now = performance.now();
    const [run1, wait1] = sched();
    const gap = now - last;
    // The timer asks for 1 ms; a gap of over 4 ms is a stall.
    if (gap > 4) {
      const ran = (run1 - run0) / 1e6;
      const waited = (wait1 - wait0) / 1e6;
      rows.push(`stall,${(origin + last).toFixed(1)},${gap.toFixed(2)},${ran.toFixed(2)},${waited.toFixed(2)}`);
    }
    last = now;
    run0 = run1;
    wait0 = wait1;
  }, 1).unref();

  const flush = () => {
    if (rows.length) fs.appendFileSync(out, `${rows.join('\n')}\n`);
    rows.length = 0;
  };
  setInterval(flush, 250).unref();
  process.on('exit', flush);
}
