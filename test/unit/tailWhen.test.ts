import * as assert from 'node:assert/strict';
import { parseWhen } from '../../src/core/tail/when';

describe('tail start times', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  it('reads "N units ago" in seconds, minutes, hours and days', () => {
    assert.equal(parseWhen('30 minutes ago', now)?.toISOString(), '2026-12-05T11:30:00.000Z');
    assert.equal(parseWhen(' 1 hour ago ', now)?.toISOString(), '2026-12-05T11:00:00.000Z');
    assert.equal(parseWhen('2 days ago', now)?.toISOString(), '2026-12-03T12:00:00.000Z');
    assert.equal(parseWhen('45 Seconds ago', now)?.toISOString(), '2026-12-05T11:59:15.000Z');
  });
  it('reads ISO dates and refuses anything else', () => {
    assert.equal(parseWhen('2026-11-27T10:00:00Z', now)?.toISOString(), '2026-11-27T10:00:00.000Z');
    assert.equal(parseWhen('', now), undefined);
    assert.equal(parseWhen('yesterday-ish', now), undefined);
    assert.equal(parseWhen('5 fortnights ago', now), undefined);
  });
});
