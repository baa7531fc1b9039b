import * as assert from 'node:assert/strict';
import { describeNcrontab, nextOccurrence, nextOccurrences, parseNcrontab, shortestInterval, type NcrontabSchedule } from '../../src/core/ncrontab';

function parse(expr: string): NcrontabSchedule {
  const r = parseNcrontab(expr);
  if (!r.ok) throw new Error(r.error.message);
  return r.schedule;
}

const iso = (d: Date | undefined) => d?.toISOString();

describe('NCRONTAB', () => {
  describe('parsing', () => {
    it('reads every field form: *, n, a-b, lists, */n, a-b/n, a/n and names', () => {
      const s = parse('*/15 0,30 9-17 1-31/10 jan-mar,Dec mon-fri');
      assert.deepEqual(s.fields[0], [0, 15, 30, 45]);
      assert.deepEqual(s.fields[1], [0, 30]);
      assert.deepEqual(s.fields[2], [9, 10, 11, 12, 13, 14, 15, 16, 17]);
      assert.deepEqual(s.fields[3], [1, 11, 21, 31]);
      assert.deepEqual(s.fields[4], [1, 2, 3, 12]);
      assert.deepEqual(s.fields[5], [1, 2, 3, 4, 5]);
      assert.deepEqual(parse('5/20 * * * * *').fields[0], [5, 25, 45]);
    });

    const bad: [string, RegExp, number?][] = [
      ['', /empty/],
      ['* * * * *', /has 5 fields.*seconds field first/],
      ['0 */5 * * * * *', /has 7 fields/],
      ['60 * * * * *', /second field "60".*outside 0-59/, 0],
      ['0 0 25 * * *', /hour field "25".*outside 0-23/, 4],
      ['0 0 0 0 * *', /day field "0".*outside 1-31/, 6],
      ['0 0 0 * 13 *', /month field "13"/, 8],
      ['0 0 0 * * 7', /day-of-week field "7".*outside 0-6/, 10],
      ['*/0 * * * * *', /step .* above 0/, 0],
      ['0 10-5 * * * *', /runs backwards/, 2],
      ['0 1,,2 * * * *', /empty list item/],
      ['0 abc * * * *', /"abc" is not a number/, 2],
      ['0 0 0 * foo *', /not a number or a name \(jan, feb, mar/, 8],
      ['0 0 0 30 2 *', /never fires/],
      ['00:05:00', /TimeSpan.*App Service/],
    ];
    for (const [expr, message, offset] of bad) {
      it(`refuses ${JSON.stringify(expr)} with a message naming the problem`, () => {
        const r = parseNcrontab(expr);
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.match(r.error.message, message);
        if (offset !== undefined) assert.equal(r.error.offset, offset);
      });
    }

    it('points at the wrong list item inside a field', () => {
      const r = parseNcrontab('0 5,99 * * * *');
      assert.ok(!r.ok);
      assert.equal(r.error.offset, 4);
      assert.equal(r.error.length, 2);
    });
  });

  describe('next occurrences (UTC)', () => {
    const from = new Date('2026-03-14T10:07:23.500Z');
    it('every 30 seconds', () => {
      assert.deepEqual(nextOccurrences(parse('*/30 * * * * *'), from, 3).map(iso), ['2026-03-14T10:07:30.000Z', '2026-03-14T10:08:00.000Z', '2026-03-14T10:08:30.000Z']);
    });
    it('is strictly after the given time', () => {
      assert.equal(iso(nextOccurrence(parse('0 * * * * *'), new Date('2026-03-14T10:08:00.000Z'))), '2026-03-14T10:09:00.000Z');
    });
    it('every 5 minutes, every hour, rolling over days, months and years', () => {
      assert.equal(iso(nextOccurrence(parse('0 */5 * * * *'), from)), '2026-03-14T10:10:00.000Z');
      assert.equal(iso(nextOccurrence(parse('0 0 * * * *'), from)), '2026-03-14T11:00:00.000Z');
      assert.equal(iso(nextOccurrence(parse('0 0 9 * * *'), from)), '2026-03-15T09:00:00.000Z');
      assert.equal(iso(nextOccurrence(parse('0 0 0 1 * *'), from)), '2026-04-01T00:00:00.000Z');
      assert.equal(iso(nextOccurrence(parse('0 0 0 1 1 *'), from)), '2027-01-01T00:00:00.000Z');
    });
    it('needs day-of-month and day-of-week to match together, as NCrontab does', () => {
      // 2026-03-14 is a Saturday; the next Friday the 13th is in November 2026.
      assert.equal(iso(nextOccurrence(parse('0 0 12 13 * fri'), from)), '2026-11-13T12:00:00.000Z');
    });
    it('weekdays at 09:30', () => {
      assert.deepEqual(nextOccurrences(parse('0 30 9 * * 1-5'), from, 2).map(iso), ['2026-03-16T09:30:00.000Z', '2026-03-17T09:30:00.000Z']);
    });
    it('February 29th only in leap years', () => {
      assert.equal(iso(nextOccurrence(parse('0 0 0 29 2 *'), from)), '2028-02-29T00:00:00.000Z');
    });
    it('the shortest interval between runs', () => {
      assert.equal(shortestInterval(parse('*/30 * * * * *'), from), 30_000);
      assert.equal(shortestInterval(parse('0 0,10 * * * *'), from), 10 * 60_000);
    });
  });

  describe('preview', () => {
    const cases: [string, string][] = [
      ['* * * * * *', 'every second'],
      ['*/30 * * * * *', 'every 30 seconds'],
      ['0 * * * * *', 'every minute'],
      ['0 */5 * * * *', 'every 5 minutes'],
      ['15 */5 * * * *', 'every 5 minutes at second 15'],
      ['0 0 * * * *', 'every hour'],
      ['0 30 */2 * * *', 'every 2 hours at minute 30'],
      ['0 30 9 * * *', 'every day at 09:30 UTC'],
      ['0 0 9,17 * * *', 'every day at 09:00 and 17:00 UTC'],
      ['0 30 9 * * 1-5', 'at 09:30 UTC on Monday to Friday'],
      ['0 0 8 * * sun,sat', 'at 08:00 UTC on Sunday and Saturday'],
      ['0 0 0 1 * *', 'at 00:00 UTC on day 1 of every month'],
      ['0 0 12 25 12 *', 'at 12:00 UTC on December 25'],
      ['0 0,15,45 * * 6 *', 'at second 0, minute 0, 15 and 45, month June (UTC)'],
    ];
    for (const [expr, text] of cases) {
      it(`${expr} → ${text}`, () => assert.equal(describeNcrontab(parse(expr)), text));
    }
  });
});
