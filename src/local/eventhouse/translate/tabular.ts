// Tabular expressions: sources (tables, functions, datatable, print, range) and the pipe's operators, each a
// nested SELECT over its input; the larger operators live in summarize.ts, combine.ts and expand.ts.
import { elems, items, kindName, symbolKindName, type KNode } from '../parser';
import { duckType, ident, KustoUserError, sqlString, type KType } from '../types';
import type { Rel, RowScope, Translator } from './context';
import { toDynamic } from './conversions';
import { join, lookupOp, union } from './combine';
import { evaluate, mvApply, mvExpand, parse } from './expand';
import { makeSeries, summarize, topNested } from './summarize';

export function tabular(cx: Translator, n: KNode): Rel {
  const k = kindName(n);
  // An mv-apply subquery starts with an operator; its input is the row's expansion.
  const implicit = cx.implicitInputs[cx.implicitInputs.length - 1];
  if (implicit && k.endsWith('Operator') && k !== 'PrintOperator' && k !== 'RangeOperator') return operator(cx, implicit, n);
  switch (k) {
    case 'PipeExpression': return operator(cx, cx.tabular(n.Expression), n.Operator);
    case 'ParenthesizedExpression': return cx.tabular(n.Expression);
    case 'NameReference': return nameTable(cx, n);
    case 'FunctionCallExpression': return tableCall(cx, n);
    // materialize(T): computed once however often the query refers to it, so even rand() or sample inside agree.
    case 'MaterializeExpression': return cx.cte(cx.tabular(n.Expression), true);
    case 'DataTableExpression': return datatable(cx, n);
    case 'PrintOperator': return print(cx, n);
    case 'RangeOperator': return range(cx, n);
    case 'UnionOperator': return union(cx, n, undefined);
    default:
      throw cx.unsupported(n, kindName(n).endsWith('Operator') ? `the '${cx.opName(n)}' operator` : `'${k}' as a tabular source`);
  }
}

function nameTable(cx: Translator, n: KNode): Rel {
  const name = String(n.SimpleName);
  const sym = n.ReferencedSymbol;
  const sk = sym ? symbolKindName(sym) : '';
  const b = cx.lookup(name);
  if (b && b.kind === 'table') return b.rel;
  if (sk === 'Table') return cx.tableRel(String(sym.Name), cx.colsOf(n));
  if (sk === 'Function') return tableCall(cx, n);
  throw cx.unsupported(n, `'${name}' as a table`);
}

/** Calls of stored or let-defined tabular functions: the analyzer expands the body for us. */
function tableCall(cx: Translator, n: KNode): Rel {
  const body = n.GetCalledFunctionBody ? n.GetCalledFunctionBody() : null;
  if (!body) throw cx.unsupported(n, `the function '${cx.src(n).split('(')[0]}' as a tabular source`);
  return cx.withArgs(n, () => {
    const rel = cx.bodyResult(body, true);
    if (typeof rel === 'string') throw cx.unsupported(n, 'a scalar function used as a table');
    return rel;
  });
}

export function operator(cx: Translator, input: Rel, op: KNode): Rel {
  const k = kindName(op);
  switch (k) {
    case 'FilterOperator': return where(cx, input, op);
    case 'ProjectOperator': return project(cx, input, op);
    case 'ExtendOperator': return extend(cx, input, op);
    case 'ProjectAwayOperator': case 'ProjectReorderOperator': case 'ProjectKeepOperator': return reshape(cx, input, op);
    case 'ProjectRenameOperator': return rename(cx, input, op);
    case 'SummarizeOperator': return summarize(cx, input, op);
    // One row: no order to keep (cheaper wire SQL).
    case 'CountOperator': return { sql: `SELECT count(*) AS ${ident(cx.colsOf(op)[0].name)} FROM (${input.sql}) AS _t`, cols: cx.colsOf(op), unordered: true };
    case 'TakeOperator': return take(cx, input, op.Expression);
    // Random rows: no order, and a new draw each run.
    case 'SampleOperator':
      cx.noParams(op);
      return { sql: `SELECT ${input.cols.map((c) => ident(c.name)).join(', ')} FROM (${input.sql}) AS _t ORDER BY random() LIMIT ${cx.scalar(op.Expression, undefined)}`, cols: input.cols, unordered: true };
    case 'TopOperator': return top(cx, input, op);
    case 'TopNestedOperator': return topNested(cx, input, op);
    case 'EvaluateOperator': return evaluate(cx, input, op);
    case 'SortOperator': return sort(cx, input, op);
    case 'DistinctOperator': return distinct(cx, input, op);
    case 'JoinOperator': return join(cx, input, op);
    case 'LookupOperator': return lookupOp(cx, input, op);
    case 'UnionOperator': return union(cx, op, input);
    case 'MvExpandOperator': return mvExpand(cx, input, op);
    case 'MvApplyOperator': return mvApply(cx, input, op);
    case 'ParseOperator': return parse(cx, input, op);
    case 'MakeSeriesOperator': return makeSeries(cx, input, op);
    case 'AsOperator': {
      cx.scopes[0].set(String(op.Name.SimpleName), { kind: 'table', rel: cx.cte(input) });
      return input;
    }
    case 'RenderOperator': return render(cx, input, op);
    case 'GetSchemaOperator': return getschema(cx, input, op);
    case 'SerializeOperator': {
      // Serialized rows have an order from here on, even if the input had none.
      const rel = elems(op.Expressions).length ? extend(cx, input, op) : input;
      return { ...rel, unordered: false };
    }
    default: throw cx.unsupported(op, `the '${cx.opName(op)}' operator`);
  }
}

export function where(cx: Translator, input: Rel, op: KNode): Rel {
  cx.noParams(op);
  const cond = cx.predicate(op.Condition, cx.scopeFor(input));
  return { sql: `SELECT ${cx.selectList(input).join(', ')} FROM (${input.sql}) AS _t WHERE ${cond}`, cols: input.cols, order: input.order, ord: input.ord, unordered: input.unordered, ingestionTime: input.ingestionTime };
}

export function project(cx: Translator, input0: Rel, op: KNode): Rel {
  const windows = cx.windows;
  const input = cx.pin(input0);
  const out = cx.colsOf(op);
  const scope = cx.scopeFor(input);
  const exprs = elems(op.Expressions);
  const list: string[] = [];
  let idx = 0;
  for (const e of exprs) {
    const k = kindName(e);
    if (k === 'SimpleNamedExpression') {
      list.push(`${cx.typed(e.Expression, scope, out[idx].type)} AS ${ident(out[idx].name)}`); idx++;
    } else if (k === 'NameReference' || k === 'BracketedExpression') {
      list.push(`${cx.scalar(e, scope)} AS ${ident(out[idx].name)}`); idx++;
    } else if (k === 'StarExpression' || /^[\w[\]'"]*\*[\w[\]'"]*$/.test(cx.src(e))) {
      throw cx.unsupported(e, 'wildcards in project (use project-keep or list the columns)');
    } else { list.push(`${cx.typed(e, scope, out[idx].type)} AS ${ident(out[idx].name)}`); idx++; }
  }
  if (idx !== out.length) throw cx.unsupported(op, 'this projection (its result columns could not be matched)');
  if (input.ord) list.push('__ord');
  if (input.ingestionTime) list.push('__ingestion_time');
  return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered && cx.windows === windows, ingestionTime: input.ingestionTime };
}

export function extend(cx: Translator, input0: Rel, op: KNode): Rel {
  const windows = cx.windows;
  const out = cx.colsOf(op);
  const existing = new Set(input0.cols.map((c) => c.name));
  const overwrites = elems(op.Expressions).some((e: KNode) => kindName(e) === 'SimpleNamedExpression' && existing.has(String(e.Name.SimpleName)));
  const input = overwrites ? cx.pin(input0) : input0;
  const base = cx.scopeFor(input);
  const defined = new Map<string, string>();
  const scope: RowScope = { col: (name) => defined.get(name) ?? base.col(name), rel: input };
  const newCols = out.slice(input.cols.length);
  let newIdx = 0;
  for (const e of elems(op.Expressions)) {
    const k = kindName(e);
    let name: string;
    let node: KNode;
    if (k === 'SimpleNamedExpression') { name = String(e.Name.SimpleName); node = e.Expression; }
    else if (k === 'CompoundNamedExpression') throw cx.unsupported(e, 'tuple assignment in extend');
    else { node = e; name = existing.has(cx.src(e)) ? cx.src(e) : newCols[newIdx]?.name; }
    if (!existing.has(name) && !defined.has(name)) newIdx++;
    const t = out.find((c) => c.name === name)?.type ?? cx.typeOf(node);
    defined.set(name, `(${cx.typed(node, scope, t)})`);
  }
  const list = out.map((c) => (defined.has(c.name) ? `${defined.get(c.name)} AS ${ident(c.name)}` : ident(c.name)));
  if (input.ord) list.push('__ord');
  if (input.ingestionTime) list.push('__ingestion_time');
  return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered && cx.windows === windows, ingestionTime: input.ingestionTime };
}

function reshape(cx: Translator, input0: Rel, op: KNode): Rel {
  const input = cx.pin(input0);
  const out = cx.colsOf(op);
  const list = out.map((c) => ident(c.name));
  if (input.ord) list.push('__ord');
  return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
}

export function rename(cx: Translator, input0: Rel, op: KNode): Rel {
  const input = cx.pin(input0);
  const map = new Map<string, string>();
  for (const e of elems(op.Expressions)) {
    if (kindName(e) !== 'SimpleNamedExpression') throw cx.unsupported(e, 'this project-rename form');
    map.set(cx.src(e.Expression).replace(/^\['|'\]$/g, ''), String(e.Name.SimpleName));
  }
  const out = input.cols.map((c) => ({ name: map.get(c.name) ?? c.name, type: c.type }));
  const list = input.cols.map((c) => `${ident(c.name)} AS ${ident(map.get(c.name) ?? c.name)}`);
  if (input.ord) list.push('__ord');
  return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
}

export function take(cx: Translator, input: Rel, n: KNode): Rel {
  const count = cx.scalar(n, undefined);
  const limited = (order: string[] | undefined) => `SELECT ${cx.selectList(input).join(', ')} FROM (${input.sql}) AS _t${order?.length ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ${count}`;
  const nf = input.nanFreeOrder;
  return {
    sql: limited(input.order), cols: input.cols, order: input.order, ord: input.ord, unordered: input.unordered,
    nanFree: nf && { sql: limited(nf.order), order: nf.order, column: nf.column },
  };
}

interface OrderKey { expr: KNode; desc: boolean; nullsFirst: boolean }

function orderKey(e: KNode): OrderKey {
  let expr = e;
  let desc = true;
  let nullsFirst: boolean | undefined;
  if (kindName(e) === 'OrderedExpression') {
    expr = e.Expression;
    const ord = e.Ordering;
    if (ord && ord.AscOrDescKeyword && String(ord.AscOrDescKeyword.Text).toLowerCase() === 'asc') desc = false;
    if (ord && ord.NullsClause) nullsFirst = String(ord.NullsClause.FirstOrLastKeyword.Text).toLowerCase() === 'first';
  }
  // Kusto: descending puts nulls last, ascending puts them first, unless told otherwise.
  return { expr, desc, nullsFirst: nullsFirst ?? !desc };
}

function orderItems(cx: Translator, keys: OrderKey[], scope: RowScope): string[] {
  return keys.map(({ expr, desc, nullsFirst: nf }): string[] => {
    const x = cx.scalar(expr, scope);
    const plain = `${x} ${desc ? 'DESC' : 'ASC'} NULLS ${nf ? 'FIRST' : 'LAST'}`;
    // The sort page puts NaN with the nulls: after them when they come first, before them when they come last.
    // DuckDB puts NaN above +inf, which is the same place when descending with nulls first or ascending with nulls
    // last; the two defaults need NaN moved.
    if (cx.typeOf(expr) !== 'real' || desc === nf) return [plain];
    return [`(CASE WHEN isnan(${x}) THEN NULL ELSE ${x} END) ${desc ? 'DESC' : 'ASC'} NULLS ${nf ? 'FIRST' : 'LAST'}`, `(${x} IS NULL) ${nf ? 'DESC' : 'ASC'}`];
  }).flat();
}

/** The plain order of a single key that is a real column, descending with nulls last (see NaNFree). */
function nanFreeOrder(cx: Translator, keys: OrderKey[], input: Rel, scope: RowScope): { order: string[]; column: string } | undefined {
  if (keys.length !== 1 || !keys[0].desc || keys[0].nullsFirst || kindName(keys[0].expr) !== 'NameReference' || cx.typeOf(keys[0].expr) !== 'real') return undefined;
  const x = cx.scalar(keys[0].expr, scope);
  const col = input.cols.find((c) => scope.col(c.name) === x);
  return col && { order: [`${x} DESC NULLS LAST`], column: col.name };
}

export function sort(cx: Translator, input: Rel, op: KNode): Rel {
  cx.noParams(op);
  const scope = cx.scopeFor(input);
  const keys = elems(op.Expressions).map(orderKey);
  const sql = `SELECT ${input.cols.map((c) => ident(c.name)).join(', ')} FROM (${input.sql}) AS _t`;
  // Order is a property of the rows; carried to the outermost SELECT (or to the next take/top).
  return { sql, cols: input.cols, order: orderItems(cx, keys, scope), nanFreeOrder: nanFreeOrder(cx, keys, input, scope) };
}

export function top(cx: Translator, input: Rel, op: KNode): Rel {
  cx.noParams(op);
  const scope = cx.scopeFor(input);
  const keys = [orderKey(op.ByExpression)];
  const order = orderItems(cx, keys, scope);
  const count = cx.scalar(op.Expression, undefined);
  const cols = input.cols.map((c) => ident(c.name));
  const limited = (o: string[]) => `SELECT ${cols.join(', ')} FROM (${input.sql}) AS _t ORDER BY ${o.join(', ')} LIMIT ${count}`;
  const nf = nanFreeOrder(cx, keys, input, scope);
  return { sql: limited(order), cols: input.cols, order, nanFree: nf && { sql: limited(nf.order), ...nf } };
}

export function distinct(cx: Translator, input: Rel, op: KNode): Rel {
  cx.noParams(op);
  const out = cx.colsOf(op);
  const scope = cx.scopeFor(input);
  const exprs = elems(op.Expressions);
  if (exprs.length === 1 && kindName(exprs[0]) === 'StarExpression') {
    return { sql: `SELECT DISTINCT ${input.cols.map((c) => ident(c.name)).join(', ')} FROM (${input.sql}) AS _t`, cols: input.cols, unordered: true };
  }
  const list = exprs.map((e: KNode, i: number) => `${cx.scalar(kindName(e) === 'SimpleNamedExpression' ? e.Expression : e, scope)} AS ${ident(out[i].name)}`);
  return { sql: `SELECT DISTINCT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, unordered: true };
}

export function datatable(cx: Translator, n: KNode): Rel {
  const cols = cx.colsOf(n);
  const values = elems(n.Values);
  if (values.length % cols.length !== 0) throw new KustoUserError('Semantic', `datatable has ${values.length} values for ${cols.length} columns.`);
  const rows: string[] = [];
  for (let r = 0; r < values.length; r += cols.length) {
    rows.push(`SELECT ${cols.map((c, j) => `${literalAs(cx, values[r + j], c.type)} AS ${ident(c.name)}`).join(', ')}`);
  }
  if (!rows.length) return { sql: `SELECT ${cols.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`).join(', ')} WHERE false`, cols };
  return { sql: rows.join(' UNION ALL '), cols };
}

function literalAs(cx: Translator, v: KNode, t: KType): string {
  const sql = cx.scalar(v, undefined);
  if (t === 'dynamic') return cx.typeOf(v) === 'dynamic' ? sql : toDynamic(sql, cx.typeOf(v));
  return `CAST(${sql} AS ${duckType(t)})`;
}

export function print(cx: Translator, n: KNode): Rel {
  const cols = cx.colsOf(n);
  const exprs = elems(n.Expressions);
  const list = exprs.map((e: KNode, i: number) => `${cx.typed(kindName(e) === 'SimpleNamedExpression' ? e.Expression : e, undefined, cols[i].type)} AS ${ident(cols[i].name)}`);
  return { sql: `SELECT ${list.join(', ')}`, cols, unordered: true };
}

export function range(cx: Translator, n: KNode): Rel {
  const cols = cx.colsOf(n);
  const t = cols[0].type;
  const from = cx.scalar(n.From, undefined);
  const to = cx.scalar(n.To, undefined);
  const step = cx.scalar(n.Step, undefined);
  const name = ident(cols[0].name);
  if (t === 'datetime') {
    return {
      sql: `SELECT kq_dt_add(${from}, i * ${step}) AS ${name} FROM (SELECT unnest(range(0, CAST((kq_dt_diff(${to}, ${from})) // (${step}) AS BIGINT) + 1)) AS i) AS _r`,
      cols,
    };
  }
  // The table function streams; the list form would materialise every value first.
  return { sql: `SELECT CAST(generate_series AS ${duckType(t)}) AS ${name} FROM generate_series(${from}, ${to}, ${step})`, cols };
}

export function render(cx: Translator, input: Rel, op: KNode): Rel {
  const chart = String(op.ChartType.Text);
  const v: Record<string, unknown> = {
    Visualization: chart, Title: null, XColumn: null, Series: null, YColumns: null, AnomalyColumns: null, XTitle: null, YTitle: null,
    XAxis: null, YAxis: null, Legend: null, YSplit: null, Accumulate: false, IsQuerySorted: Boolean(input.order?.length), Kind: null,
    Ymin: 'NaN', Ymax: 'NaN', Xmin: null, Xmax: null,
  };
  const keys: Record<string, string> = {
    title: 'Title', xcolumn: 'XColumn', series: 'Series', ycolumns: 'YColumns', anomalycolumns: 'AnomalyColumns', xtitle: 'XTitle',
    ytitle: 'YTitle', xaxis: 'XAxis', yaxis: 'YAxis', legend: 'Legend', ysplit: 'YSplit', accumulate: 'Accumulate', kind: 'Kind',
    ymin: 'Ymin', ymax: 'Ymax', xmin: 'Xmin', xmax: 'Xmax',
  };
  const props = op.WithClause ? items(op.WithClause.Properties) : [];
  for (const pe of props.map((x: KNode) => (x.Element$1 !== undefined ? x.Element$1 : x.Element ?? x))) {
    const key = String(pe.Name.SimpleName).toLowerCase();
    const target = keys[key];
    if (!target) throw cx.unsupported(pe, `the render property '${key}'`);
    const valNode = pe.Expression;
    const raw = cx.src(valNode);
    let val: unknown;
    if (kindName(valNode) === 'StringLiteralExpression') val = String(valNode.LiteralValue);
    else if (/^(true|false)$/i.test(raw)) val = raw.toLowerCase() === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(raw)) val = Number(raw);
    else val = raw.replace(/^\(|\)$/g, '').split(',').map((s) => s.trim()).join(',');
    v[target] = val;
  }
  cx.visualization = v;
  return input;
}

export function getschema(cx: Translator, input: Rel, op: KNode): Rel {
  const out = cx.colsOf(op);
  const dataType: Record<KType, string> = {
    bool: 'System.SByte', int: 'System.Int32', long: 'System.Int64', real: 'System.Double', decimal: 'System.Data.SqlTypes.SqlDecimal', string: 'System.String',
    datetime: 'System.DateTime', timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
  };
  if (!input.cols.length) return { sql: `SELECT ${out.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`).join(', ')} WHERE false`, cols: out };
  const rows = input.cols.map((c, i) => `SELECT ${sqlString(c.name)} AS ${ident(out[0].name)}, CAST(${i} AS INTEGER) AS ${ident(out[1].name)}, ${sqlString(dataType[c.type])} AS ${ident(out[2].name)}, ${sqlString(c.type)} AS ${ident(out[3].name)}`);
  return { sql: rows.join(' UNION ALL '), cols: out, order: [`${ident(out[1].name)} ASC`] };
}
