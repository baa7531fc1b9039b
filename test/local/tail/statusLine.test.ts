// The tail panel's status line (src/webviews/tail/statusLine.ts): segments with nothing to say are left out.
import * as assert from 'node:assert/strict';
import { statusLine, type StatusParts } from '../../../src/webviews/tail/statusLine';

const base: StatusParts = { header: 'telemetry · $Default · from latest', state: 'live', partitions: [], paused: false, total: 0, dropped: 0, capacity: 10000 };

describe('tail status line', () => {
  it('has no empty segment while no partition has received anything (was "live ·  · 0 received")', () => {
    assert.equal(statusLine(base), 'telemetry · $Default · from latest · live · 0 received');
  });

  it('has no empty segment before the panel knows its hub', () => {
    assert.equal(statusLine({ ...base, header: '', state: 'Connecting…' }), 'Connecting… · 0 received');
  });

  it('shows detail, partitions, pause, drops and matches in that order', () => {
    const line = statusLine({
      ...base, state: 'reconnecting', detail: 'the local pipeline restarted', paused: true, total: 12050, dropped: 2050, matches: 7,
      partitions: [{ partitionId: '0', received: 6000, rate: 99.6, lag: 2 }, { partitionId: '1', received: 6050, rate: 100, lag: 0 }],
    });
    assert.equal(line, 'telemetry · $Default · from latest · reconnecting (the local pipeline restarted) · p0: 6000 (100/s, lag 2) p1: 6050 (100/s, lag 0) · paused · 12050 received · 2050 older dropped from view (buffer 10000) · 7 match');
    for (const segment of line.split(' · ')) assert.notEqual(segment.trim(), '');
  });
});
