import * as assert from 'node:assert/strict';
import { alertRowView } from '../../src/core/alerts/alertStatus';
import type { AlertInfo } from '../../src/protocol/controlApi';

const now = Date.parse('2026-01-01T12:00:00Z');
const info = (over: Partial<AlertInfo>): AlertInfo => ({
  name: 'hot', state: 'ok', enabled: true, muted: false, every: '1m', firingObjects: 0, pendingObjects: 0, firings24h: 0, suppressed: 0,
  lastEvaluated: '2026-01-01T11:59:30Z', ...over,
});
const rule = { name: 'hot', source: { query: 'T', every: '1m' } };

describe('alert tree rows', () => {
  it('shows the runner\'s state: OK, firing for N objects, error with the query\'s message', () => {
    const ok = alertRowView(rule, { kind: 'local', info: info({}) }, now);
    assert.equal(ok.description, 'OK · last evaluated 30 s ago · 0 in 24 h');
    assert.equal(ok.icon, 'pass');
    assert.equal(ok.contextValue, 'alert');
    const firing = alertRowView(rule, { kind: 'local', info: info({ state: 'firing', firingObjects: 2, lastFired: '2026-01-01T11:55:00Z', firings24h: 5 }) }, now);
    assert.equal(firing.description, 'firing for 2 objects · last evaluated 30 s ago · last fired 5 min ago · 5 in 24 h');
    assert.equal(firing.icon, 'bell-dot');
    assert.match(firing.tooltip, /Last fired: 2026-01-01T11:55:00Z/);
    const error = alertRowView(rule, { kind: 'local', info: info({ state: 'error', error: { message: "The source query failed: 'Nope' [line:position=2:9]", since: '2026-01-01T11:00:00Z' } }) }, now);
    assert.equal(error.description, "error: The source query failed: 'Nope' [line:position=2:9]");
    assert.equal(error.color, 'errorForeground');
  });

  it('takes muted and disabled from eventline.json, and says when the running pipeline still has the old flags', () => {
    const muted = alertRowView({ ...rule, muted: true }, { kind: 'local', info: info({}) }, now);
    assert.equal(muted.contextValue, 'alert.muted');
    assert.match(muted.description, /^muted · /);
    assert.match(muted.tooltip, /applies it after a restart/);
    const disabled = alertRowView({ ...rule, enabled: false }, { kind: 'local', info: info({ state: 'disabled', enabled: false }) }, now);
    assert.equal(disabled.icon, 'circle-slash');
    assert.doesNotMatch(disabled.tooltip, /after a restart/);
  });

  it('says what is missing when the runner cannot tell: not running, a rule it does not have, a rule that cannot run', () => {
    assert.equal(alertRowView(rule, { kind: 'notRunning' }, now).description, 'every 1m · local pipeline not running');
    assert.match(alertRowView(rule, { kind: 'unknown' }, now).description, /not in the running local pipeline: save eventline.json, or restart the pipeline/);
    assert.equal(alertRowView(rule, { kind: 'cloud' }, now).description, 'every 1m');
    const broken = alertRowView(rule, { kind: 'notRunning' }, now, 'source.every is "5x", which is not a duration');
    assert.equal(broken.icon, 'error');
    assert.match(broken.description, /^error: source.every is "5x"/);
  });
});
