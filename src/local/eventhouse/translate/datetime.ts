// Datetime arithmetic in SQL: bin() aligned to 0001-01-01 as the service aligns it, the start of a day, week,
// month or year, and format_datetime's specifiers.
import { kindName, type KNode } from '../parser';
import { EPOCH_TICKS, KustoUserError, parseTimespan, sqlString, type KType } from '../types';
import type { Emitter } from './callSite';
import type { Translator } from './context';
import { fromDynamic } from './conversions';

const DAY_TICKS = 864_000_000_000n;

function partName(cx: Translator, n: KNode): string {
  const k = kindName(n);
  if (k !== 'StringLiteralExpression') throw cx.unsupported(n, 'a non-literal datetime part');
  const p = String(n.LiteralValue).toLowerCase();
  const alias: Record<string, string> = { years: 'year', months: 'month', weeks: 'week', days: 'day', hours: 'hour', minutes: 'minute', seconds: 'second', milliseconds: 'millisecond', microseconds: 'microsecond', nanoseconds: 'nanosecond' };
  return alias[p] ?? p;
}

function startOf(unit: string, dt: string, offset?: string): string {
  let base: string;
  if (unit === 'week') base = `CAST(date_trunc('day', ${dt}) - to_days(CAST(dayofweek(${dt}) AS INTEGER)) AS TIMESTAMP_NS)`;
  else base = `CAST(date_trunc('${unit}', ${dt}) AS TIMESTAMP_NS)`;
  if (!offset) return base;
  if (unit === 'day') return `kq_dt_add(${base}, CAST(${offset} AS BIGINT) * ${DAY_TICKS})`;
  if (unit === 'week') return `kq_dt_add(${base}, CAST(${offset} AS BIGINT) * ${DAY_TICKS * 7n})`;
  return `CAST(${base} + to_${unit === 'month' ? 'months' : 'years'}(CAST(${offset} AS INTEGER)) AS TIMESTAMP_NS)`;
}

export function bin(cx: Translator, v: string, t: KType, size: string, sizeNode: KNode): string {
  if (t === 'datetime') {
    // Kusto aligns datetime bins to 0001-01-01. For spans dividing a day that equals aligning to the Unix epoch; for
    // others, shift by (ticks from 0001-01-01 to the epoch) mod span, computed here when the span is a literal.
    const aligned = epochAlignedSpan(sizeNode, cx.src(sizeNode));
    if (aligned !== undefined) {
      // Plain integer arithmetic: time_bucket on TIMESTAMP_NS (cast to µs, calendar bucketing, cast back) cost a
      // third of a bin+group-by query.
      return `make_timestamp_ns(kq_floor_ns(epoch_ns(${v}), ${aligned * 100n}))`;
    }
    const lit = kindName(sizeNode) === 'TimespanLiteralExpression' ? parseTimespan(cx.src(sizeNode)) : undefined;
    if (lit !== undefined && lit > 0n) {
      const shift = EPOCH_TICKS % lit;
      const x = shift === 0n ? `kq_dt_diff(${v}, make_timestamp_ns(0))` : `(kq_dt_diff(${v}, make_timestamp_ns(0)) + ${shift})`;
      return `make_timestamp_ns((epoch_ns(${v}) - kq_pmod(${x}, ${lit}) * 100))`;
    }
    return `make_timestamp_ns(epoch_ns(${v}) - kq_pmod(kq_dt_diff(${v}, make_timestamp_ns(0)) + ${EPOCH_TICKS}::HUGEINT % (${size}), ${size}) * 100)`;
  }
  if (t === 'timespan' || t === 'int' || t === 'long') return `(${v} - kq_pmod(${v}, ${size}))`;
  if (t === 'real' || t === 'decimal') return `(floor(${v} / ${size}) * ${size})`;
  throw new KustoUserError('Unsupported', `bin() of ${t} values is not supported by the local Eventhouse.`);
}

function formatDatetime(cx: Translator, dt: string, fmtNode: KNode): string {
  if (kindName(fmtNode) !== 'StringLiteralExpression') throw cx.unsupported(fmtNode, 'a non-literal format_datetime format');
  const fmt = String(fmtNode.LiteralValue);
  const parts: string[] = [];
  // Runs of a format letter are one specifier each; a run the service does not define (yyy, MMM, ddd, t) is an
  // error here rather than text copied into the result.
  const tokens = fmt.match(/(y+|M+|d+|H+|h+|m+|s+|f+|F+|t+|[^yMdHhmsfFt]+)/g) ?? [];
  const strf: Record<string, string> = { yyyy: '%Y', yy: '%y', MM: '%m', M: '%-m', dd: '%d', d: '%-d', HH: '%H', H: '%-H', hh: '%I', h: '%-I', mm: '%M', m: '%-M', ss: '%S', s: '%-S', tt: '%p' };
  const literals = new Map<number, string>();
  const digits = (n: number) => `substr(lpad(CAST((epoch_ns(${dt}) % 1000000000 + 1000000000) % 1000000000 AS VARCHAR), 9, '0'), 1, ${n})`;
  for (const tok of tokens) {
    if (strf[tok]) parts.push(`strftime(CAST(${dt} AS TIMESTAMP), '${strf[tok]}')`);
    // y: the year within its century, without padding (2015 → 15, 2009 → 9).
    else if (tok === 'y') parts.push(`CAST(year(${dt}) % 100 AS VARCHAR)`);
    else if (/^f{1,7}$/.test(tok)) parts.push(digits(tok.length));
    // F: the same digits without trailing zeros; for a zero fraction nothing, and (as .NET does) no '.' before it.
    else if (/^F{1,7}$/.test(tok)) {
      const trimmed = `rtrim(${digits(tok.length)}, '0')`;
      const prev = literals.get(parts.length - 1);
      if (prev?.endsWith('.')) {
        parts[parts.length - 1] = sqlString(prev.slice(0, -1));
        parts.push(`(CASE WHEN ${trimmed} = '' THEN '' ELSE '.' || ${trimmed} END)`);
      } else parts.push(trimmed);
    } else if (/^[yMdHhmsfFt]+$/.test(tok)) throw cx.unsupported(fmtNode, `the format_datetime specifier '${tok}'`);
    else {
      literals.set(parts.length, tok);
      parts.push(sqlString(tok));
    }
  }
  return `(${parts.join(' || ')})`;
}

/**
 * The ticks of a literal bin span that 0001-01-01 lies a whole number of spans before the Unix epoch (every span
 * dividing a day, among others), so that flooring nanoseconds since the epoch gives Kusto's bins; else undefined.
 */
export function epochAlignedSpan(sizeNode: KNode, text: string): bigint | undefined {
  if (kindName(sizeNode) !== 'TimespanLiteralExpression') return undefined;
  const lit = parseTimespan(text);
  return lit !== undefined && lit > 0n && EPOCH_TICKS % lit === 0n && lit < 1n << 56n ? lit : undefined;
}

/** The datetime functions, by lower-case name. */
export const DATETIME_FUNCTIONS: Record<string, Emitter> = {
  // datetime
  now: (c) => {
    c.cx.usesNow = true;
    return c.args.length ? `kq_dt_add(make_timestamp_ns(${c.cx.nowNs}::BIGINT), ${c.a(0)})` : `make_timestamp_ns(${c.cx.nowNs}::BIGINT)`;
  },
  ago: (c) => {
    c.cx.usesNow = true;
    return `kq_dt_add(make_timestamp_ns(${c.cx.nowNs}::BIGINT), -(${c.a(0)}))`;
  },
  bin: (c) => bin(c.cx, c.a(0), c.t(0), c.a(1), c.args[1]),
  bin_at: (c) => {
    if (c.t(0) !== 'datetime') throw c.cx.unsupported(c.n, 'bin_at on non-datetime values');
    return `kq_dt_add(${c.a(2)}, (kq_dt_diff(${c.a(0)}, ${c.a(2)}) - kq_pmod(kq_dt_diff(${c.a(0)}, ${c.a(2)}), ${c.a(1)})))`;
  },
  startofday: (c) => startOf('day', c.a(0), c.args[1] ? c.a(1) : undefined),
  startofweek: (c) => startOf('week', c.a(0), c.args[1] ? c.a(1) : undefined),
  startofmonth: (c) => startOf('month', c.a(0), c.args[1] ? c.a(1) : undefined),
  startofyear: (c) => startOf('year', c.a(0), c.args[1] ? c.a(1) : undefined),
  startofhour: (c) => `CAST(date_trunc('hour', ${c.a(0)}) AS TIMESTAMP_NS)`,
  startofminute: (c) => `CAST(date_trunc('minute', ${c.a(0)}) AS TIMESTAMP_NS)`,
  endofday: (c) => {
    const unit = c.lname.slice(5);
    const next = startOf(unit, c.a(0), c.args[1] ? `(${c.a(1)}) + 1` : '1');
    return `kq_dt_add(${next}, -1)`;
  },
  datetime_add: (c) => {
    const part = partName(c.cx, c.args[0]);
    const units: Record<string, string> = { year: 'year', quarter: 'quarter', month: 'month', week: 'week', day: 'day', hour: 'hour', minute: 'minute', second: 'second', millisecond: 'millisecond', microsecond: 'microsecond' };
    if (part === 'nanosecond') return `kq_dt_add(${c.a(2)}, (${c.a(1)}) // 100)`;
    if (!units[part]) throw c.cx.unsupported(c.args[0], `datetime_add part '${part}'`);
    const ticks: Record<string, string> = { week: '6048000000000', day: '864000000000', hour: '36000000000', minute: '600000000', second: '10000000', millisecond: '10000', microsecond: '10' };
    if (ticks[part]) return `kq_dt_add(${c.a(2)}, CAST(${c.a(1)} AS BIGINT) * ${ticks[part]})`;
    return `CAST(CAST(${c.a(2)} AS TIMESTAMP) + to_${part === 'quarter' ? 'months' : part + 's'}(CAST(${c.a(1)} AS INTEGER)${part === 'quarter' ? ' * 3' : ''}) AS TIMESTAMP_NS)`;
  },
  datetime_diff: (c) => {
    const part = partName(c.cx, c.args[0]);
    const ticks: Record<string, number> = { day: 864e9, hour: 36e9, minute: 6e8, second: 1e7, millisecond: 1e4, microsecond: 10 };
    if (ticks[part]) {
      // Kusto counts period boundaries crossed: floor each side to the period, then subtract.
      const fl = (x: string) => `(kq_dt_diff(${x}, make_timestamp_ns(0)) - kq_pmod(kq_dt_diff(${x}, make_timestamp_ns(0)), ${ticks[part]}))`;
      return `CAST((${fl(c.a(1))} - ${fl(c.a(2))}) // ${ticks[part]} AS BIGINT)`;
    }
    if (part === 'nanosecond') return `(kq_dt_diff(${c.a(1)}, ${c.a(2)}) * 100)`;
    if (part === 'year') return `CAST(year(${c.a(1)}) - year(${c.a(2)}) AS BIGINT)`;
    if (part === 'month') return `CAST((year(${c.a(1)}) - year(${c.a(2)})) * 12 + month(${c.a(1)}) - month(${c.a(2)}) AS BIGINT)`;
    if (part === 'quarter') return `CAST((year(${c.a(1)}) - year(${c.a(2)})) * 4 + quarter(${c.a(1)}) - quarter(${c.a(2)}) AS BIGINT)`;
    if (part === 'week') return `CAST(date_diff('day', CAST(${startOf('week', c.a(2))} AS DATE), CAST(${startOf('week', c.a(1))} AS DATE)) // 7 AS BIGINT)`;
    throw c.cx.unsupported(c.args[0], `datetime_diff part '${part}'`);
  },
  datetime_part: (c) => {
    const part = partName(c.cx, c.args[0]);
    const m: Record<string, string> = { year: 'year', quarter: 'quarter', month: 'month', day: 'day', dayofyear: 'dayofyear', hour: 'hour', minute: 'minute', second: 'second', week_of_year: 'week', weekofyear: 'week' };
    // The fraction of the second in milli-, micro- or nanoseconds (datetime(…03.7654321): 765, 765432, 765432100).
    const sub: Record<string, number> = { millisecond: 1000000, microsecond: 1000, nanosecond: 1 };
    if (sub[part]) return `CAST((epoch_ns(${c.a(1)}) % 1000000000 + 1000000000) % 1000000000 // ${sub[part]} AS INTEGER)`;
    if (!m[part]) throw c.cx.unsupported(c.args[0], `datetime_part '${part}'`);
    return `CAST(${m[part]}(${c.a(1)}) AS INTEGER)`;
  },
  dayofweek: (c) => `(CAST(dayofweek(${c.a(0)}) AS BIGINT) * ${DAY_TICKS})`,
  dayofmonth: (c) => `CAST(day(${c.a(0)}) AS INTEGER)`,
  dayofyear: (c) => `CAST(dayofyear(${c.a(0)}) AS INTEGER)`,
  hourofday: (c) => `CAST(hour(${c.a(0)}) AS INTEGER)`,
  monthofyear: (c) => `CAST(month(${c.a(0)}) AS INTEGER)`,
  getyear: (c) => `CAST(year(${c.a(0)}) AS INTEGER)`,
  week_of_year: (c) => `CAST(weekofyear(${c.a(0)}) AS INTEGER)`,
  format_datetime: (c) => formatDatetime(c.cx, c.a(0), c.args[1]),
  unixtime_seconds_todatetime: (c) => `make_timestamp_ns(CAST(trunc(${c.a(0)} * 1000000000) AS BIGINT))`,
  unixtime_milliseconds_todatetime: (c) => `make_timestamp_ns(CAST(trunc(${c.a(0)} * 1000000) AS BIGINT))`,
  todatetime: (c) => c.t(0) === 'datetime' ? c.a(0) : c.t(0) === 'dynamic' ? fromDynamic(c.a(0), 'datetime') : c.t(0) === 'string' ? `kq_parse_dt(${c.a(0)})` : (() => { throw c.cx.unsupported(c.n, `todatetime of ${c.t(0)}`); })(),
  totimespan: (c) => c.t(0) === 'timespan' ? c.a(0) : c.t(0) === 'dynamic' ? fromDynamic(c.a(0), 'timespan') : c.t(0) === 'string' ? `kq_parse_ts(${c.a(0)})` : (() => { throw c.cx.unsupported(c.n, `totimespan of ${c.t(0)}`); })(),
};
DATETIME_FUNCTIONS.floor = DATETIME_FUNCTIONS.bin;
DATETIME_FUNCTIONS.endofweek = DATETIME_FUNCTIONS.endofday;
DATETIME_FUNCTIONS.endofmonth = DATETIME_FUNCTIONS.endofday;
DATETIME_FUNCTIONS.endofyear = DATETIME_FUNCTIONS.endofday;
DATETIME_FUNCTIONS.getmonth = DATETIME_FUNCTIONS.monthofyear;
DATETIME_FUNCTIONS.totime = DATETIME_FUNCTIONS.totimespan;
