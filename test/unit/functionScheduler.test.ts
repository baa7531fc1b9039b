import * as assert from 'node:assert/strict';
import { parseNcrontab } from '../../src/core/ncrontab';
import { Scheduler, type Tick } from '../../src/local/functions/scheduler';

describe('function scheduler', () => {
  it('fires at each occurrence, on time, with last and next for the Timer object', async function () {
    this.timeout(10000);
    const r = parseNcrontab('* * * * * *');
    assert.ok(r.ok);
    const ticks: Tick[] = [];
    const s = new Scheduler(r.schedule, (t) => ticks.push(t));
    s.start();
    const first = s.nextDue!;
    while (ticks.length < 3) await new Promise((res) => setTimeout(res, 50));
    s.stop();
    assert.equal(ticks[0].scheduled.getTime(), first.getTime());
    assert.equal(ticks[1].scheduled.getTime() - ticks[0].scheduled.getTime(), 1000);
    assert.equal(ticks[1].last?.getTime(), ticks[0].scheduled.getTime());
    assert.equal(ticks[1].next?.getTime(), ticks[2].scheduled.getTime());
    for (const t of ticks) assert.ok(t.lateMs >= 0 && t.lateMs < 500, `late ${t.lateMs} ms`);
    assert.equal(s.nextDue, undefined, 'stopped');
  });

  it('does not replay ticks missed while the process was blocked', async function () {
    this.timeout(10000);
    const r = parseNcrontab('* * * * * *');
    assert.ok(r.ok);
    const ticks: Tick[] = [];
    const s = new Scheduler(r.schedule, (t) => ticks.push(t));
    s.start();
    while (ticks.length < 1) await new Promise((res) => setTimeout(res, 20));
    const until = Date.now() + 2500;
    while (Date.now() < until) { /* block the event loop past two ticks */ }
    await new Promise((res) => setTimeout(res, 1300));
    s.stop();
    assert.ok(ticks.length <= 3, `${ticks.length} ticks`);
    assert.ok(ticks[1].lateMs > 1000, 'the late tick says how late it was');
  });
});
