import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_RETRY, displayUrl, isRetryableStatus, parseRetryAfter } from '../src/lib/http';
import { nextFromLinkHeader, valueAt } from '../src/lib/paging';

describe('retry policy', () => {
  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    const p = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 4000 };
    assert.deepEqual([0, 1, 2, 3, 4].map((a) => backoffDelay(a, p, () => 1)), [500, 1000, 2000, 4000, 4000]);
    assert.deepEqual([0, 1, 2].map((a) => backoffDelay(a, p, () => 0)), [250, 500, 1000]);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2, DEFAULT_RETRY);
      assert.ok(d >= 1000 && d <= 2000, String(d));
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter('0.5'), 500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  it('retries 408, 429 and 5xx only', () => {
    assert.deepEqual([200, 400, 401, 404, 408, 429, 500, 503].map(isRetryableStatus), [false, false, false, false, true, true, true, true]);
  });

  it('masks secrets in URLs it shows', () => {
    assert.equal(displayUrl('https://u:p@api.example.com/x?api_key=abc&since=1&token=t'), 'https://api.example.com/x?api_key=***&since=1&token=***');
    assert.equal(displayUrl('https://api.example.com/x?k=abc', ['k']), 'https://api.example.com/x?k=***');
  });
});

describe('JSON paths and Link headers', () => {
  it('reads dotted paths, $ and missing keys', () => {
    const body = { data: { items: [1, 2] }, next: null };
    assert.deepEqual(valueAt(body, 'data.items'), [1, 2]);
    assert.deepEqual(valueAt(body, '$.data.items'), [1, 2]);
    assert.equal(valueAt(body, '$'), body);
    assert.equal(valueAt(body, 'data.missing.deeper'), undefined);
  });

  it('finds rel="next" among several links', () => {
    assert.equal(nextFromLinkHeader('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"'), 'https://a/x?page=3');
    assert.equal(nextFromLinkHeader('<https://a/x?page=3>; rel=next'), 'https://a/x?page=3');
    assert.equal(nextFromLinkHeader('<https://a/x?page=9>; rel="last"'), undefined);
    assert.equal(nextFromLinkHeader(null), undefined);
  });
});
