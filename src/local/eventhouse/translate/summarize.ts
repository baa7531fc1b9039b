// Aggregation: summarize (bins as numbers where they line up with the epoch, arg_max/arg_min, percentiles),
// top-nested and make-series.
import { elems, kindName, type KNode } from '../parser';
import { duckType, ident, type Col } from '../types';
import type { Rel, RowScope, Translator } from './context';
import { bin, epochAlignedSpan } from './datetime';

/**
 * top-nested: level i groups the rows of each partition the levels before it kept, by its own expression, and
 * keeps that partition's N best by its aggregate. Each level is a CTE joined to the one before on its keys (null
 * keys match, as a group of nulls is a group).
 */
export function topNested(cx: Translator, input: Rel, op: KNode): Rel {
  cx.noParams(op);
  const out = cx.colsOf(op);
  const clauses = elems(op.Clauses);
  if (out.length !== clauses.length * 2) throw cx.unsupported(op, 'this top-nested (its result columns could not be matched)');
  const scope = cx.scopeFor(input);
  const aggScope: RowScope = { ...scope, aggregate: true };
  const k = (i: number) => `__tn_k${i}`;
  const a = (i: number) => `__tn_a${i}`;
  const keys = clauses.map((c: KNode, i: number) => {
    if (c.WithOthersClause) throw cx.unsupported(c.WithOthersClause, "top-nested's 'with others'");
    const e = kindName(c.OfExpression) === 'SimpleNamedExpression' ? c.OfExpression.Expression : c.OfExpression;
    return `${cx.typed(e, scope, out[2 * i].type)} AS ${k(i)}`;
  });
  const withs = [`__tn_src AS (SELECT *, ${keys.join(', ')} FROM (${input.sql}) AS _t)`];
  clauses.forEach((c: KNode, i: number) => {
    let by = c.ByExpression;
    let desc = true;
    if (kindName(by) === 'OrderedExpression') {
      const ord = by.Ordering;
      if (ord && ord.AscOrDescKeyword && String(ord.AscOrDescKeyword.Text).toLowerCase() === 'asc') desc = false;
      by = by.Expression;
    }
    if (kindName(by) === 'SimpleNamedExpression') by = by.Expression;
    const agg = `${cx.typed(by, aggScope, out[2 * i + 1].type)} AS ${a(i)}`;
    const outer = Array.from({ length: i }, (_, j) => j);
    const groupKeys = [...outer.map(k), k(i)];
    const from = i === 0 ? '__tn_src'
      : `__tn_src JOIN (SELECT ${outer.map((j) => `${k(j)} AS __tn_p${j}, ${a(j)} AS __tn_q${j}`).join(', ')} FROM __tn_l${i - 1}) AS _p ON ${outer.map((j) => `${k(j)} IS NOT DISTINCT FROM __tn_p${j}`).join(' AND ')}`;
    const carried = outer.map((j) => `__tn_q${j} AS ${a(j)}`);
    const n = c.Expression ? cx.scalar(c.Expression, undefined) : undefined;
    const keep = n === undefined ? ''
      : ` QUALIFY row_number() OVER (${outer.length ? `PARTITION BY ${outer.map(k).join(', ')} ` : ''}ORDER BY ${a(i)} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}) <= ${n}`;
    withs.push(`__tn_l${i} AS (SELECT ${[...groupKeys, ...carried, agg].join(', ')} FROM ${from} GROUP BY ${[...groupKeys, ...outer.map((j) => `__tn_q${j}`)].join(', ')}${keep})`);
  });
  const last = clauses.length - 1;
  const cols = out.map((c, j) => `${j % 2 === 0 ? k(j / 2) : a((j - 1) / 2)} AS ${ident(c.name)}`);
  return { sql: `WITH ${withs.join(', ')} SELECT ${cols.join(', ')} FROM __tn_l${last}`, cols: out, unordered: true };
}

export function summarize(cx: Translator, input: Rel, op: KNode): Rel {
  cx.noParams(op);
  const out = cx.colsOf(op);
  const scope: RowScope = { ...cx.scopeFor(input), aggregate: true };
  const by = op.ByClause ? elems(op.ByClause.Expressions) : [];
  const list: string[] = [];
  const binWidths: (bigint | undefined)[] = [];
  let i = 0;
  for (const e of by) {
    const node = kindName(e) === 'SimpleNamedExpression' ? e.Expression : e;
    const key = out[i].type === 'datetime' ? epochBinKey(cx, node, { ...scope, aggregate: false }) : undefined;
    list.push(`${key ? key.index : cx.typed(node, { ...scope, aggregate: false }, out[i].type)} AS ${ident(out[i].name)}`);
    binWidths.push(key?.widthNs);
    i++;
  }
  const aggs = elems(op.Aggregates);
  const widths = aggs.map((a: KNode) => aggWidth(a));
  const fixed = widths.reduce((s: number, w: number) => s + (w < 0 ? 0 : w), 0);
  // What the outer projection reads for each result column: a bin's timestamp, an arg_max's field, or the column.
  const outer: (string | undefined)[] = binWidths.map((w, j) => (w === undefined ? undefined : `CAST(make_timestamp_ns(${ident(out[j].name)} * ${w}) AS TIMESTAMP_NS)`));
  for (let a = 0; a < aggs.length; a++) {
    const width = widths[a] < 0 ? out.length - by.length - fixed : widths[a];
    const cols = out.slice(i, i + width);
    i += width;
    const agg = aggregateItems(cx, aggs[a], cols, scope, input);
    list.push(...agg.items);
    outer.push(...agg.outer);
  }
  if (i !== out.length) throw cx.unsupported(op, 'this summarize (its result columns could not be matched)');
  const group = by.length ? ` GROUP BY ${by.map((_: KNode, j: number) => String(j + 1)).join(', ')}` : '';
  const sql = `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t${group}`;
  if (outer.every((x) => x === undefined)) return { sql, cols: out, unordered: true };
  // Bin indexes become timestamps once per group, not once per row.
  const cols = out.map((c, j) => (outer[j] === undefined ? ident(c.name) : `${outer[j]} AS ${ident(c.name)}`));
  return { sql: `SELECT ${cols.join(', ')} FROM (${sql}) AS _t`, cols: out, unordered: true };
}

/**
 * A summarize key bin(datetime, literal span) whose bins line up with the Unix epoch, as the number of its bin (a
 * BIGINT) and the bin's width in ns. Grouping on that number and making each group's timestamp afterwards took about
 * a tenth off `summarize avg(Value) by bin(Timestamp, 1m), Sensor` against grouping on the timestamp itself.
 */
function epochBinKey(cx: Translator, n: KNode, scope: RowScope): { index: string; widthNs: bigint } | undefined {
  if (kindName(n) !== 'FunctionCallExpression' || (n.GetCalledFunctionBody && n.GetCalledFunctionBody())) return undefined;
  const lname = String(n.Name.SimpleName).toLowerCase();
  const args: KNode[] = elems(n.ArgumentList.Expressions);
  if ((lname !== 'bin' && lname !== 'floor') || args.length !== 2 || cx.typeOf(args[0]) !== 'datetime') return undefined;
  const span = epochAlignedSpan(args[1], cx.src(args[1]));
  if (span === undefined) return undefined;
  return { index: `kq_floordiv(epoch_ns(${cx.expr(args[0], scope)}), ${span * 100n})`, widthNs: span * 100n };
}

/** How many result columns an aggregate produces (-1 = "the rest", for arg_max(x, *)). */
function aggWidth(a: KNode): number {
  const e = kindName(a) === 'SimpleNamedExpression' ? a.Expression : a;
  if (kindName(a) === 'CompoundNamedExpression') return elems(a.Names.Names).length;
  if (kindName(e) !== 'FunctionCallExpression') return 1;
  const name = String(e.Name.SimpleName).toLowerCase();
  const args = elems(e.ArgumentList.Expressions);
  if (name === 'percentiles') return args.length - 1;
  if (name === 'arg_max' || name === 'arg_min') return args.some((x: KNode) => kindName(x) === 'StarExpression') ? -1 : args.length;
  return 1;
}

/**
 * An aggregate's select items, and for each of its result columns what the summarize's outer projection reads
 * (undefined: the column as it is).
 */
function aggregateItems(cx: Translator, a: KNode, cols: Col[], scope: RowScope, input: Rel): { items: string[]; outer: (string | undefined)[] } {
  const e = kindName(a) === 'SimpleNamedExpression' || kindName(a) === 'CompoundNamedExpression' ? a.Expression : a;
  const plain = (items: string[]) => ({ items, outer: cols.map(() => undefined) });
  if (kindName(e) === 'FunctionCallExpression') {
    const name = String(e.Name.SimpleName).toLowerCase();
    const args = elems(e.ArgumentList.Expressions);
    if (name === 'percentiles') {
      const x = cx.scalar(args[0], scope);
      return plain(cols.map((c, j) => `CAST(quantile_disc(${x}, ${cx.scalar(args[j + 1], undefined)} / 100.0) AS ${duckType(c.type)}) AS ${ident(c.name)}`));
    }
    if (name === 'arg_max' || name === 'arg_min') {
      const by = cx.scalar(args[0], scope);
      const star = args.some((x: KNode) => kindName(x) === 'StarExpression');
      const inputNames = new Set(input.cols.map((c) => c.name));
      const fields = cols.map((c, j) => {
        if (j === 0) return `'f0': ${by}`;
        let src: string;
        if (star) {
          const base = inputNames.has(c.name) ? c.name : c.name.replace(/\d+$/, '');
          if (!inputNames.has(base)) throw cx.unsupported(e, `arg_max/arg_min column '${c.name}'`);
          src = ident(base);
        } else {
          const arg = args[j];
          src = cx.scalar(kindName(arg) === 'SimpleNamedExpression' ? arg.Expression : arg, scope);
        }
        return `'f${j}': ${src}`;
      });
      // Every column from the same row, nulls included: one struct per row, so DuckDB's arg_max, which skips a
      // null value column by column, can't mix rows. Rows whose ExprToMaximize is null are passed over; if every
      // row's is, the page says one row is picked (first()).
      const row = `{${fields.join(', ')}}`;
      const at = `__arg${cx.cteCount++}`;
      return { items: [`coalesce(${name}(${row}, ${by}), first(${row})) AS ${at}`], outer: cols.map((_, j) => `struct_extract(${at}, 'f${j}')`) };
    }
  }
  if (cols.length !== 1) throw cx.unsupported(a, 'this aggregate (several result columns)');
  return plain([`${cx.typed(e, scope, cols[0].type)} AS ${ident(cols[0].name)}`]);
}

export function makeSeries(cx: Translator, input: Rel, op: KNode): Rel {
  cx.noParams(op);
  const out = cx.colsOf(op);
  const scope = cx.scopeFor(input);
  const on = cx.scalar(op.OnClause.Expression, scope);
  const onName = out.find((c) => c.name === cx.src(op.OnClause.Expression).replace(/^\['|'\]$/g, ''))?.name ?? cx.src(op.OnClause.Expression);
  const onType = cx.typeOf(op.OnClause.Expression);
  if (onType !== 'datetime') throw cx.unsupported(op.OnClause, 'make-series on a non-datetime axis');
  const range = op.RangeClause;
  if (!range || kindName(range) !== 'MakeSeriesFromToStepClause') throw cx.unsupported(op, "make-series 'in range(...)' (write 'from … to … step …')");
  const fromNode = range.MakeSeriesFromClause ? range.MakeSeriesFromClause.Expression : null;
  const toNode = range.MakeSeriesToClause ? range.MakeSeriesToClause.Expression : null;
  const step = cx.scalar(range.MakeSeriesStepClause.Expression, undefined);
  const by = op.ByClause ? elems(op.ByClause.Expressions) : [];
  const byNames: Col[] = [];
  const byList = by.map((e: KNode) => {
    const nm = kindName(e) === 'SimpleNamedExpression' ? String(e.Name.SimpleName) : cx.src(e).replace(/^\['|'\]$/g, '');
    const c = out.find((x) => x.name === nm);
    if (!c) throw cx.unsupported(e, 'this make-series by expression');
    byNames.push(c);
    return `${cx.scalar(kindName(e) === 'SimpleNamedExpression' ? e.Expression : e, scope)} AS ${ident(c.name)}`;
  });
  const aggs = elems(op.Aggregates);
  const aggCols = out.filter((c) => c.name !== onName && !byNames.includes(c));
  if (aggCols.length !== aggs.length) throw cx.unsupported(op, 'this make-series (its result columns could not be matched)');
  // Without from / to, the series run from the first bin that has data to the end of the last one: bins as bin()
  // makes them (aligned to 0001-01-01), not steps counted from the earliest timestamp.
  const stepNode = range.MakeSeriesStepClause.Expression;
  const from = fromNode ? cx.scalar(fromNode, undefined) : `(SELECT ${bin(cx, `min(${on})`, 'datetime', step, stepNode)} FROM (${input.sql}) AS _t)`;
  const to = toNode ? cx.scalar(toNode, undefined) : `(SELECT kq_dt_add(${bin(cx, `max(${on})`, 'datetime', step, stepNode)}, ${step}) FROM (${input.sql}) AS _t)`;
  const aggList = aggs.map((m: KNode, j: number) => {
    const e = m.Expression;
    const expr = kindName(e) === 'SimpleNamedExpression' ? e.Expression : e;
    return `${cx.scalar(expr, { ...scope, aggregate: true })} AS __a${j}`;
  });
  const defaults = aggs.map((m: KNode, j: number) => {
    const d = m.DefaultExpression ? cx.scalar(m.DefaultExpression.Expression, undefined) : `CAST(0 AS ${duckType(aggCols[j].type)})`;
    return `CAST(coalesce(g.__a${j}, ${d}) AS ${duckType(aggCols[j].type)})`;
  });
  const byRefs = byNames.map((c) => ident(c.name));
  // One scan of the input: the grouped rows become a CTE, and the series keys are read from it.
  const groupedName = `__series${cx.cteCount++}`;
  cx.ctes.push(`${groupedName} AS (SELECT ${[...byList, `kq_dt_diff(${on}, ${from}) // (${step}) AS __i`, ...aggList].join(', ')} FROM (${input.sql}) AS _t WHERE ${on} >= ${from} AND ${on} < ${to} GROUP BY ALL)`);
  const keysSql = byRefs.length ? `SELECT DISTINCT ${byRefs.join(', ')} FROM ${groupedName}` : 'SELECT 1 AS __one';
  const grouped = `SELECT * FROM ${groupedName}`;
  const bins = `SELECT unnest(range(0, CAST((kq_dt_diff(${to}, ${from}) + (${step}) - 1) // (${step}) AS BIGINT))) AS __i`;
  const joinOn = [...byRefs.map((b) => `g.${b} IS NOT DISTINCT FROM k.${b}`), 'g.__i = b.__i'].join(' AND ');
  const select = out.map((c) => {
    if (c.name === onName) return `to_json(list(kq_dt_str(kq_dt_add(${from}, b.__i * (${step}))) ORDER BY b.__i)) AS ${ident(c.name)}`;
    const bi = byNames.indexOf(c);
    if (bi >= 0) return `k.${byRefs[bi]} AS ${ident(c.name)}`;
    const j = aggCols.indexOf(c);
    return `to_json(list(${defaults[j]} ORDER BY b.__i)) AS ${ident(c.name)}`;
  });
  const groupBy = byRefs.length ? ` GROUP BY ${byRefs.map((b) => `k.${b}`).join(', ')}` : '';
  return { sql: `SELECT ${select.join(', ')} FROM (${keysSql}) AS k CROSS JOIN (${bins}) AS b LEFT JOIN (${grouped}) AS g ON ${joinOn}${groupBy}`, cols: out, unordered: true };
}
