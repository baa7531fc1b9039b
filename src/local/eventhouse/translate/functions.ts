// Function calls: stored and let-defined functions (the analyzer expands their bodies), and the built-in
// functions, each emitted by its entry in a table from name to emitter.
import { kindName, type KNode } from '../parser';
import { duckType, EPOCH_TICKS, type KType } from '../types';
import type { RowScope, Translator } from './context';
import { castTo, convertFromText, fromDynamic, toDynamic, toStringSql } from './conversions';
import { CallSite, type Emitter } from './callSite';
import { DATETIME_FUNCTIONS } from './datetime';
import { DYNAMIC_FUNCTIONS } from './dynamic';

function windowOrder(scope: RowScope | undefined): string {
  const order = scope?.rel.order;
  return order?.length ? `ORDER BY ${order.join(', ')}` : '';
}

/** Built-in functions by lower-case name (datetime and dynamic ones are in datetime.ts and dynamic.ts). */
const FUNCTIONS: Record<string, Emitter> = {
  // aggregates
  count: (c) => c.agg('count(*)'),
  countif: (c) => c.agg(`count(*) FILTER (WHERE ${c.a(0)})`),
  dcount: (c) => c.agg(`count(DISTINCT ${c.a(0)})`),
  dcountif: (c) => c.agg(`count(DISTINCT ${c.a(0)}) FILTER (WHERE ${c.a(1)})`),
  count_distinct: (c) => c.agg(`count(DISTINCT ${c.a(0)})`),
  count_distinctif: (c) => c.agg(`count(DISTINCT ${c.a(0)}) FILTER (WHERE ${c.a(1)})`),
  // The summarize page's defaults: sum, sumif, variance and stdev (and their -if forms) give 0 where they have no
  // value to aggregate (an empty input, nulls only); count and dcount already do.
  sum: (c) => c.agg(`coalesce(sum(${c.num(0)}), 0)`),
  sumif: (c) => c.agg(`coalesce(sum(${c.num(0)}) FILTER (WHERE ${c.a(1)}), 0)`),
  avg: (c) => c.agg(`avg(${c.num(0)})`),
  avgif: (c) => c.agg(`avg(${c.num(0)}) FILTER (WHERE ${c.a(1)})`),
  min: (c) => c.agg(`min(${c.a(0)})`),
  max: (c) => c.agg(`max(${c.a(0)})`),
  minif: (c) => c.agg(`min(${c.a(0)}) FILTER (WHERE ${c.a(1)})`),
  maxif: (c) => c.agg(`max(${c.a(0)}) FILTER (WHERE ${c.a(1)})`),
  percentile: (c) => c.agg(`quantile_disc(${c.num(0)}, ${c.a(1)} / 100.0)`),
  stdev: (c) => c.agg(`coalesce(stddev_samp(${c.num(0)}), 0)`),
  stdevif: (c) => c.agg(`coalesce(stddev_samp(${c.num(0)}) FILTER (WHERE ${c.a(1)}), 0)`),
  stdevp: (c) => c.agg(`stddev_pop(${c.num(0)})`),
  variance: (c) => c.agg(`coalesce(var_samp(${c.num(0)}), 0)`),
  varianceif: (c) => c.agg(`coalesce(var_samp(${c.num(0)}) FILTER (WHERE ${c.a(1)}), 0)`),
  variancep: (c) => c.agg(`var_pop(${c.num(0)})`),
  take_any: (c) => {
    if (c.args.length !== 1 || kindName(c.args[0]) === 'StarExpression') throw c.cx.unsupported(c.n, `${c.lname} with several arguments or *`);
    return c.agg(`any_value(${c.a(0)})`);
  },
  make_list: (c) => {
    const sizeArg = c.lname.endsWith('_if') ? 2 : 1;
    const v = c.a(0);
    const elem = c.t(0) === 'datetime' ? `kq_dt_str(${v})` : c.t(0) === 'timespan' ? `kq_ts_str(${v})` : v;
    const cond = c.lname.endsWith('_if') ? ` AND (${c.a(1)})` : '';
    // Sorted input gives a list in that order (make_list's page: the array "tracks" a sorted input's order).
    const order = c.lname.startsWith('make_list') && c.scope?.rel.order?.length ? ` ORDER BY ${c.scope.rel.order.join(', ')}` : '';
    let list = `list(${c.lname.startsWith('make_set') ? 'DISTINCT ' : ''}${elem}${order}) FILTER (WHERE ${v} IS NOT NULL${cond})`;
    // The size limit keeps the first maxSize elements, in the (documented) aggregation order.
    if (c.args.length > sizeArg) list = `list_slice(${list}, 1, CAST(${c.a(sizeArg)} AS BIGINT))`;
    return c.agg(`coalesce(to_json(${list}), CAST('[]' AS JSON))`);
  },
  make_bag: (c) => {
    const sizeArg = c.lname === 'make_bag_if' ? 2 : 1;
    const cond = c.lname === 'make_bag_if' ? ` AND (${c.a(1)})` : '';
    const size = c.args.length > sizeArg ? `CAST(${c.a(sizeArg)} AS BIGINT)` : 'NULL';
    return c.agg(`kq_bag_of(list(${c.a(0)}) FILTER (WHERE json_type(${c.a(0)}) = 'OBJECT'${cond}), ${size})`);
  },
  arg_max: (c) => { throw c.cx.unsupported(c.n, `${c.name} inside an expression (use it as a whole summarize aggregate)`); },
  // windows
  row_number: (c) => {
    if (c.args.length > 1) throw c.cx.unsupported(c.n, 'row_number with a restart condition');
    c.cx.windows++;
    return c.args.length ? `(row_number() OVER (${windowOrder(c.scope)}) + (${c.a(0)}) - 1)` : `row_number() OVER (${windowOrder(c.scope)})`;
  },
  row_cumsum: (c) => {
    if (c.args.length > 1) throw c.cx.unsupported(c.n, 'row_cumsum with a restart condition');
    c.cx.windows++;
    return `CAST(sum(${c.a(0)}) OVER (${windowOrder(c.scope)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${duckType(c.out())})`;
  },
  prev: (c) => {
    const off = c.args[1] ? c.a(1) : '1';
    const def = c.args[2] ? `, ${c.a(2)}` : '';
    c.cx.windows++;
    return `${c.lname === 'prev' ? 'lag' : 'lead'}(${c.a(0)}, ${off}${def}) OVER (${windowOrder(c.scope)})`;
  },
  // conversions
  tostring: (c) => toStringSql(c.a(0), c.t(0)),
  toint: (c) => {
    const target: KType = c.lname === 'toint' ? 'int' : 'long';
    const dt = duckType(target);
    switch (c.t(0)) {
      case 'string': return convertFromText(c.a(0), target);
      case 'dynamic': return fromDynamic(c.a(0), target);
      case 'real': case 'decimal': return `TRY_CAST(trunc(${c.a(0)}) AS ${dt})`;
      case 'datetime': return `CAST(kq_dt_diff(${c.a(0)}, make_timestamp_ns(0)) + ${EPOCH_TICKS} AS ${dt})`;
      default: return `TRY_CAST(${c.a(0)} AS ${dt})`;
    }
  },
  toreal: (c) => {
    const target: KType = c.lname === 'todecimal' ? 'decimal' : 'real';
    if (c.t(0) === 'string') return convertFromText(c.a(0), target);
    if (c.t(0) === 'dynamic') return fromDynamic(c.a(0), target);
    return `TRY_CAST(${c.a(0)} AS ${duckType(target)})`;
  },
  tobool: (c) => {
    if (c.t(0) === 'string') return convertFromText(c.a(0), 'bool');
    if (c.t(0) === 'dynamic') return fromDynamic(c.a(0), 'bool');
    if (c.t(0) === 'bool') return c.a(0);
    return `(${c.a(0)} <> 0)`;
  },
  toguid: (c) => c.t(0) === 'guid' ? c.a(0) : convertFromText(c.str(0), 'guid'),
  todynamic: (c) => c.t(0) === 'dynamic' ? c.a(0) : c.t(0) === 'string' ? convertFromText(c.a(0), 'dynamic') : toDynamic(c.a(0), c.t(0)),
  dynamic_to_json: (c) => `CAST(${c.a(0)} AS VARCHAR)`,
  // strings
  strcat: (c) => `concat(${c.args.map((_, i) => c.str(i)).join(', ')})`,
  strcat_delim: (c) => `concat_ws(${c.str(0)}, ${c.args.slice(1).map((_, i) => c.str(i + 1)).join(', ')})`,
  // Each element as tostring() gives it (strings unquoted, nulls empty), joined by the delimiter.
  strcat_array: (c) => `(CASE WHEN json_type(${c.a(0)}) = 'ARRAY' THEN array_to_string(list_transform(json_extract(${c.a(0)}, '$[*]'), __e -> ${toStringSql('__e', 'dynamic')}), ${c.str(1)}) ELSE '' END)`,
  strlen: (c) => `CAST(length(${c.str(0)}) AS BIGINT)`,
  // A negative start counts from the end (substring("123456", -2, 2) is "56"), not as DuckDB's substr does.
  substring: (c) => `kq_substr(${c.str(0)}, ${c.a(1)}, ${c.args[2] ? c.a(2) : 'NULL'})`,
  tolower: (c) => `lower(${c.str(0)})`,
  toupper: (c) => `upper(${c.str(0)})`,
  // trim() takes a regex and removes all its leading and trailing matches.
  trim: (c) => `regexp_replace(regexp_replace(${c.str(1)}, '^(?:' || ${c.a(0)} || ')+', ''), '(?:' || ${c.a(0)} || ')+$', '')`,
  trim_start: (c) => `regexp_replace(${c.str(1)}, '^(?:' || ${c.a(0)} || ')+', '')`,
  trim_end: (c) => `regexp_replace(${c.str(1)}, '(?:' || ${c.a(0)} || ')+$', '')`,
  // With an index: the part at that index if there is one, else an empty array (not [null]).
  split: (c) => c.args[2]
      ? `to_json(CASE WHEN (${c.a(2)}) >= 0 THEN list_slice(string_split(${c.str(0)}, ${c.a(1)}), (${c.a(2)}) + 1, (${c.a(2)}) + 1) ELSE CAST([] AS VARCHAR[]) END)`
      : `to_json(string_split(${c.str(0)}, ${c.a(1)}))`,
  replace_string: (c) => `replace(${c.str(0)}, ${c.a(1)}, ${c.a(2)})`,
  replace_regex: (c) => `regexp_replace(${c.str(0)}, ${c.a(1)}, ${c.a(2)}, 'g')`,
  reverse: (c) => `reverse(${c.str(0)})`,
  indexof: (c) => {
    if (c.args.length > 4) throw c.cx.unsupported(c.n, 'indexof with an occurrence');
    return `kq_indexof(${c.str(0)}, ${c.str(1)}, ${c.args[2] ? c.a(2) : '0'}, ${c.args[3] ? c.a(3) : '-1'})`;
  },
  countof: (c) => {
    const kind = c.args[2] ? c.cx.src(c.args[2]).replace(/^['"@]+|['"]+$/g, '').toLowerCase() : 'normal';
    // regex: non-overlapping matches; normal: every position the text starts at, overlaps included
    // (countof("aaaa", "aa") is 3).
    if (kind === 'regex') return `CAST(len(regexp_extract_all(${c.str(0)}, ${c.str(1)})) AS BIGINT)`;
    if (kind !== 'normal') throw c.cx.unsupported(c.args[2], `countof kind '${kind}'`);
    return `CAST(len(list_filter(range(1, length(${c.str(0)}) - length(${c.str(1)}) + 2), __i -> substr(${c.str(0)}, __i, length(${c.str(1)})) = ${c.str(1)})) AS BIGINT)`;
  },
  extract: (c) => {
    const raw = `regexp_extract(${c.str(2)}, ${c.a(0)}, CAST(${c.a(1)} AS INTEGER))`;
    if (c.args[3]) {
      const target = c.cx.typeOf(c.n);
      return `CASE WHEN regexp_matches(${c.str(2)}, ${c.a(0)}) THEN ${convertFromText(raw, target)} END`;
    }
    return raw;
  },
  // A JSON null in a dynamic value (dynamic(null), {"a": null}.a, [null][0]) is Kusto's null value too.
  isnull: (c) => c.t(0) === 'dynamic' ? `(${c.a(0)} IS NULL OR json_type(${c.a(0)}) = 'NULL')` : `(${c.a(0)} IS NULL)`,
  isnotnull: (c) => c.t(0) === 'dynamic' ? `(${c.a(0)} IS NOT NULL AND json_type(${c.a(0)}) <> 'NULL')` : `(${c.a(0)} IS NOT NULL)`,
  isempty: (c) => c.t(0) === 'string' ? `(coalesce(${c.a(0)}, '') = '')` : c.t(0) === 'dynamic' ? `(${c.a(0)} IS NULL OR CAST(${c.a(0)} AS VARCHAR) IN ('', '""', 'null'))` : `(${c.a(0)} IS NULL)`,
  isnotempty: (c) => c.t(0) === 'string' ? `(coalesce(${c.a(0)}, '') <> '')` : c.t(0) === 'dynamic' ? `NOT (${c.a(0)} IS NULL OR CAST(${c.a(0)} AS VARCHAR) IN ('', '""', 'null'))` : `(${c.a(0)} IS NOT NULL)`,
  isnan: (c) => `isnan(${c.a(0)})`,
  isinf: (c) => `isinf(${c.a(0)})`,
  isfinite: (c) => `isfinite(${c.a(0)})`,
  not: (c) => `(NOT ${c.a(0)})`,
  iff: (c) => `(CASE WHEN ${c.a(0)} THEN ${castTo(c.cx, c.args[1], c.out(), c.scope)} ELSE ${castTo(c.cx, c.args[2], c.out(), c.scope)} END)`,
  case: (c) => {
    const parts: string[] = [];
    for (let i = 0; i + 1 < c.args.length; i += 2) parts.push(`WHEN ${c.a(i)} THEN ${castTo(c.cx, c.args[i + 1], c.out(), c.scope)}`);
    return `(CASE ${parts.join(' ')} ELSE ${castTo(c.cx, c.args[c.args.length - 1], c.out(), c.scope)} END)`;
  },
  coalesce: (c) => c.out() === 'string' ? `coalesce(${c.args.map((_, i) => `nullif(${c.a(i)}, '')`).join(', ')}, '')` : `coalesce(${c.args.map((_, i) => castTo(c.cx, c.args[i], c.out(), c.scope)).join(', ')})`,
  min_of: (c) => `least(${c.args.map((_, i) => castTo(c.cx, c.args[i], c.out(), c.scope)).join(', ')})`,
  max_of: (c) => `greatest(${c.args.map((_, i) => castTo(c.cx, c.args[i], c.out(), c.scope)).join(', ')})`,
  // math
  round: (c) => c.args[1] ? `round(${c.num(0)}, CAST(${c.a(1)} AS INTEGER))` : `round(${c.num(0)})`,
  abs: (c) => `abs(${c.num(0)})`,
  log: (c) => `(CASE WHEN ${c.num(0)} > 0 THEN ln(${c.num(0)}) END)`,
  log10: (c) => `(CASE WHEN ${c.num(0)} > 0 THEN log10(${c.num(0)}) END)`,
  log2: (c) => `(CASE WHEN ${c.num(0)} > 0 THEN log2(${c.num(0)}) END)`,
  exp: (c) => `exp(${c.num(0)})`,
  exp2: (c) => `pow(2, ${c.num(0)})`,
  exp10: (c) => `pow(10, ${c.num(0)})`,
  pow: (c) => `pow(${c.num(0)}, ${c.num(1)})`,
  sqrt: (c) => `(CASE WHEN ${c.num(0)} >= 0 THEN sqrt(${c.num(0)}) END)`,
  sign: (c) => `sign(${c.num(0)})`,
  ceiling: (c) => `ceiling(${c.num(0)})`,
  pi: () => 'pi()',
  // random() is volatile: a new value per row and per run, prepared statement or not.
  rand: (c) => c.args.length ? `CAST(floor(random() * (${c.a(0)})) AS ${duckType(c.out())})` : 'random()',
  // rows
  ingestion_time: (c) => {
    if (c.scope?.rel.ingestionTime) return '__ingestion_time';
    // The service gives null where the rows are no longer a table's (after summarize, join, …).
    throw c.cx.unsupported(c.n, 'ingestion_time() here: use it on a table\'s rows, directly or after where, extend or project');
  },
};
FUNCTIONS.any = FUNCTIONS.take_any;
FUNCTIONS.make_set = FUNCTIONS.make_list;
FUNCTIONS.make_list_if = FUNCTIONS.make_list;
FUNCTIONS.make_set_if = FUNCTIONS.make_list;
FUNCTIONS.make_bag_if = FUNCTIONS.make_bag;
FUNCTIONS.arg_min = FUNCTIONS.arg_max;
FUNCTIONS.percentiles = FUNCTIONS.arg_max;
FUNCTIONS.next = FUNCTIONS.prev;
FUNCTIONS.tolong = FUNCTIONS.toint;
FUNCTIONS.todouble = FUNCTIONS.toreal;
FUNCTIONS.todecimal = FUNCTIONS.toreal;
FUNCTIONS.toboolean = FUNCTIONS.tobool;
FUNCTIONS.parse_json = FUNCTIONS.todynamic;
FUNCTIONS.notempty = FUNCTIONS.isnotempty;
FUNCTIONS.iif = FUNCTIONS.iff;

const EMITTERS = new Map<string, Emitter>(Object.entries({ ...FUNCTIONS, ...DATETIME_FUNCTIONS, ...DYNAMIC_FUNCTIONS }));

/** A function call's SQL: a stored or let-defined function's body in its arguments' scope, or a built-in's. */
export function call(cx: Translator, n: KNode, scope: RowScope | undefined): string {
  const body = n.GetCalledFunctionBody ? n.GetCalledFunctionBody() : null;
  if (body) {
    return cx.withArgs(n, () => {
      const r = cx.bodyResult(body, false);
      if (typeof r !== 'string') throw cx.unsupported(n, 'a tabular function used as a scalar');
      return `(${r})`;
    });
  }
  const c = new CallSite(cx, n, scope);
  const emit = EMITTERS.get(c.lname);
  if (!emit) throw cx.unsupported(n, `the function '${c.name}()'`);
  return emit(c);
}
