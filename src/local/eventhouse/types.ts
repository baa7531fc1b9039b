// Kusto scalar types, their DuckDB storage, and literal helpers shared by the translator, engine and wire format.

export type KType = 'bool' | 'int' | 'long' | 'real' | 'decimal' | 'string' | 'datetime' | 'timespan' | 'guid' | 'dynamic';

export interface Col { name: string; type: KType }

const ALIASES: Record<string, KType> = {
  bool: 'bool', boolean: 'bool', int: 'int', int32: 'int', long: 'long', int64: 'long', real: 'real', double: 'real',
  decimal: 'decimal', string: 'string', datetime: 'datetime', date: 'datetime', timespan: 'timespan', time: 'timespan',
  guid: 'guid', uniqueid: 'guid', dynamic: 'dynamic',
};

/** Normalises a Kusto type name (including `dynamic(array)` style names from the analyzer). */
export function ktype(name: string): KType {
  const base = name.trim().toLowerCase().replace(/\(.*$/, '');
  const t = ALIASES[base];
  if (!t) throw new KustoUserError('Unsupported', `The local Eventhouse has no column type '${name}'. Use one of bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic.`);
  return t;
}

/**
 * How each Kusto type is stored in DuckDB. timespan is BIGINT ticks (100 ns) because DuckDB's INTERVAL keeps only
 * microseconds; datetime is TIMESTAMP_NS so 100 ns ticks survive; dynamic is JSON text.
 */
export function duckType(t: KType): string {
  switch (t) {
    case 'bool': return 'BOOLEAN';
    case 'int': return 'INTEGER';
    case 'long': return 'BIGINT';
    case 'real': return 'DOUBLE';
    case 'decimal': return 'DECIMAL(38,10)';
    case 'string': return 'VARCHAR';
    case 'datetime': return 'TIMESTAMP_NS';
    case 'timespan': return 'BIGINT';
    case 'guid': return 'VARCHAR';
    case 'dynamic': return 'JSON';
  }
}

export const DOTNET_TYPE: Record<KType, string> = {
  bool: 'System.Boolean', int: 'System.Int32', long: 'System.Int64', real: 'System.Double', decimal: 'System.Data.SqlTypes.SqlDecimal',
  string: 'System.String', datetime: 'System.DateTime', timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
};

/** v1 `DataType` names. */
export const V1_DATA_TYPE: Record<KType, string> = {
  bool: 'Boolean', int: 'Int32', long: 'Int64', real: 'Double', decimal: 'Decimal', string: 'String', datetime: 'DateTime',
  timespan: 'TimeSpan', guid: 'Guid', dynamic: 'Object',
};

/** An error whose message is meant for the Kusto caller (400 with Kusto error JSON). */
export class KustoUserError extends Error {
  constructor(readonly kind: 'Syntax' | 'Semantic' | 'Unsupported' | 'BadRequest' | 'NotFound' | 'LimitsExceeded' | 'Cancelled', message: string, readonly position?: { line: number; column: number }) {
    super(message);
  }
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A database's table as DuckDB names it: each database is a schema. */
export function tableSqlName(db: string, table: string): string {
  return `${ident(db)}.${ident(table)}`;
}

/**
 * The hidden column every table has for ingestion_time() (the service's `$IngestionTime`). Inserts name their
 * columns, so it takes its default; queries see it only as ingestion_time().
 */
export const INGESTION_TIME = '"$IngestionTime"';

/** Ticks from 0001-01-01 to 1970-01-01, for `bin` alignment and .NET tick conversions. */
export const EPOCH_TICKS = 621355968000000000n;

/** Parses a Kusto timespan literal body (`1d`, `1.5h`, `100ms`, `1.02:03:04.5`, `00:10`) to ticks, or undefined. */
export function parseTimespan(text: string): bigint | undefined {
  let s = text.trim();
  const wrapped = /^(?:time|timespan)\s*\((.*)\)$/is.exec(s);
  if (wrapped) s = wrapped[1].trim();
  if (/^null$/i.test(s)) return undefined;
  const unit = /^(-?)(\d+(?:\.\d+)?)\s*(d|day|days|h|hr|hrs|hour|hours|m|min|minute|minutes|s|sec|second|seconds|ms|milli|millis|millisecond|milliseconds|microsecond|microseconds|tick|ticks)$/i.exec(s);
  if (unit) {
    const per: Record<string, number> = { d: 864e9, h: 36e9, m: 6e8, s: 1e7, ms: 1e4, micro: 10, tick: 1 };
    const u = unit[3].toLowerCase();
    const key = u.startsWith('d') ? 'd' : u.startsWith('h') ? 'h' : u === 'ms' || u.startsWith('milli') ? 'ms' : u.startsWith('micro') ? 'micro' : u.startsWith('tick') ? 'tick' : u.startsWith('m') ? 'm' : 's';
    const [whole, frac = ''] = unit[2].split('.');
    const mul = BigInt(per[key]);
    let ticks = BigInt(whole) * mul;
    if (frac) ticks += (BigInt(frac) * mul) / 10n ** BigInt(frac.length);
    return unit[1] ? -ticks : ticks;
  }
  const clock = /^(-?)(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(s);
  if (clock) {
    const ticks = ((BigInt(clock[2] ?? 0) * 24n + BigInt(clock[3])) * 3600n + BigInt(clock[4]) * 60n + BigInt(clock[5] ?? 0)) * 10_000_000n
      + BigInt((clock[6] ?? '').padEnd(7, '0') || '0');
    return clock[1] ? -ticks : ticks;
  }
  throw new KustoUserError('Syntax', `'${text}' is not a timespan the local Eventhouse can read; write it as 1d, 2h, 30m, 10s, 100ms or [d.]hh:mm:ss[.fffffff].`);
}

/** Formats ticks the way the service does on the wire: `[-][d.]hh:mm:ss[.fffffff]`. */
export function formatTimespan(ticks: bigint): string {
  const neg = ticks < 0n;
  let t = neg ? -ticks : ticks;
  const frac = t % 10_000_000n; t /= 10_000_000n;
  const sec = t % 60n; t /= 60n;
  const min = t % 60n; t /= 60n;
  const hr = t % 24n; const days = t / 24n;
  const p = (v: bigint) => v.toString().padStart(2, '0');
  return `${neg ? '-' : ''}${days > 0n ? `${days}.` : ''}${p(hr)}:${p(min)}:${p(sec)}${frac > 0n ? '.' + frac.toString().padStart(7, '0') : ''}`;
}

/** Parses a datetime literal or ingested text to nanoseconds since the Unix epoch (100 ns precision kept). */
export function parseDatetimeNs(text: string): bigint | undefined {
  const s = text.trim();
  if (s === '' || /^null$/i.test(s)) return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (!m) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
  }
  // Date.UTC rolls 2024-13-45 over into 2025-02-14; a date that does not exist is not a datetime.
  const [mo, day, hr, min, sec] = [+m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
  if (mo < 1 || mo > 12 || day < 1 || day > new Date(Date.UTC(2000, mo, 0)).getUTCDate() || hr > 23 || min > 59 || sec > 59) return undefined;
  if (mo === 2 && day === 29 && new Date(Date.UTC(+m[1], 1, 29)).getUTCMonth() !== 1) return undefined;
  const ms = Date.UTC(+m[1], mo - 1, day, hr, min, sec);
  const d = new Date(ms);
  d.setUTCFullYear(+m[1]);
  let ns = BigInt(d.getTime()) * 1_000_000n + BigInt((m[7] ?? '').slice(0, 7).padEnd(9, '0') || '0');
  if (m[8] && m[8].toUpperCase() !== 'Z') {
    const sign = m[8][0] === '-' ? -1n : 1n;
    const hh = BigInt(m[8].slice(1, 3)); const mm = BigInt(m[8].replace(':', '').slice(3, 5));
    ns -= sign * (hh * 60n + mm) * 60_000_000_000n;
  }
  return ns;
}

/** ISO-8601 with 7 fractional digits and Z, as the service writes datetimes. */
export function formatDatetimeNs(ns: bigint): string {
  const frac = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const secs = (ns - frac) / 1_000_000_000n;
  const iso = new Date(Number(secs) * 1000).toISOString();
  return `${iso.slice(0, 19)}.${(frac / 100n).toString().padStart(7, '0')}Z`;
}

/** Any value as text (objects as JSON), for values that arrive as unknown JSON. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}
