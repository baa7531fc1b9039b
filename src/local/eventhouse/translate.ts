// KQL → DuckDB SQL. Walks the official parser's tree; names and types of every result column come from the
// analyzer (ResultType), never re-derived here. Each pipe step becomes a nested SELECT; ORDER BY stays outermost.
import { elems, items, kindName, kusto, lineColumn, parseAndAnalyze, symbolKindName, type KNode } from './parser';
import {
  duckType, EPOCH_TICKS, formatDatetimeNs, ident, ktype, KustoUserError, parseDatetimeNs, parseTimespan, sqlString, type Col, type KType,
} from './types';

/** What the engine needs to find a schema-less bag_unpack's columns and write them into the query. */
export interface BagUnpackSite {
  /** SELECT of the bag column (as b) over the plugin's input, CTEs included. */
  sql: string;
  /** Where in the query text the evaluate keyword starts and the bag_unpack(...) call ends. */
  evaluateStart: number;
  callEnd: number;
  prefix: string;
  conflict: string;
  /** The input's columns other than the unpacked one, in order. */
  inputColumns: string[];
}

export class BagUnpackNeedsSchema extends Error {
  constructor(readonly site: BagUnpackSite) {
    super('bag_unpack needs an output schema');
  }
}

/**
 * The hidden column every table has for ingestion_time() (the service's `$IngestionTime`). Inserts name their
 * columns, so it takes its default; queries see it only as ingestion_time().
 */
export const INGESTION_TIME = '"$IngestionTime"';

interface Rel {
  sql: string;
  cols: Col[];
  /** ORDER BY items (over the visible columns or the hidden __ord column) that the rows carry. */
  order?: string[];
  /** A hidden row-number column that keeps a sort order through projections. */
  ord?: boolean;
  /**
   * Kusto promises no row order here (summarize, distinct, join, lookup, union, make-series and what follows them
   * without a sort), so the rows may go out in any order. Otherwise, without `order`, DuckDB's natural order is kept
   * (range, datatable, serialize and table scans come out as they went in).
   */
  unordered?: boolean;
  /** The rows still are a table's own rows and carry its ingestion time as the hidden column __ingestion_time. */
  ingestionTime?: boolean;
}

type Binding = { kind: 'scalar'; sql: string; type: KType } | { kind: 'table'; rel: Rel };

export interface Translation {
  sql: string;
  /** The same query with datetimes already formatted as the service writes them, for REST results. */
  wireSql: string;
  columns: Col[];
  visualization: Record<string, unknown> | null;
  notruncation: boolean;
  maxRecords?: number;
  /** The SQL embeds the query's now() (ago/now), so it must not be reused for a later request. */
  usesNow: boolean;
  /** The parts of `sql`, for callers that wrap the result rows: `${withs}SELECT … FROM (${from}) AS _t ORDER BY ${order}`. */
  withs: string;
  from: string;
  order: string[];
  /** With no `order`: whether the rows' natural order means nothing (see Rel.unordered). */
  unordered: boolean;
}

export interface TranslateOptions {
  /** SQL name of a table of the current database (or an override, e.g. the rows of one ingestion). */
  tableSql(name: string): string;
  /** Fixed "now" for the whole query, in ns since the epoch. */
  nowNs?: bigint;
  /**
   * Stored function bodies the query may call (the analyzer expands them): table references carry the hidden
   * ingestion time only when the query or one of these mentions ingestion_time().
   */
  functionBodies?: string[];
}


const DAY_TICKS = 864_000_000_000n;

/** Parses, analyzes and translates a query; throws KustoUserError with position for anything it can't do exactly. */
export function translateQuery(text: string, globals: KNode, opts: TranslateOptions): Translation {
  const { code, diagnostics } = parseAndAnalyze(text, globals);
  const errs = diagnostics.filter((d) => d.severity === 'Error');
  if (errs.length > 0) {
    const d = errs[0];
    const pos = lineColumn(text, d.start);
    const syntax = /^KS0\d\d$/.test(d.code) || d.category === 'Syntax';
    throw new KustoUserError(syntax ? 'Syntax' : 'Semantic', `${syntax ? 'Syntax' : 'Semantic'} error: ${d.code}: ${d.message} [line:position=${pos.line}:${pos.column}]`, pos);
  }
  return new Translator(text, opts).query(code.Syntax);
}

class Translator {
  private readonly scopes: Map<string, Binding>[] = [new Map()];
  /** The per-row tables of the mv-apply subqueries being translated: the input of their first operator. */
  private readonly implicitInputs: Rel[] = [];
  private readonly ctes: string[] = [];
  private cteCount = 0;
  private visualization: Record<string, unknown> | null = null;
  private notruncation = false;
  private maxRecords: number | undefined;
  private readonly nowNs: bigint;
  private usesNow = false;
  /** Window calls (row_number, prev, next) so far: rows numbered in their current order must keep it. */
  private windows = 0;

  /** Whether table references carry __ingestion_time: only then, as every other query would scan it for nothing. */
  private readonly readsIngestionTime: boolean;

  constructor(private readonly text: string, private readonly opts: TranslateOptions) {
    this.nowNs = opts.nowNs ?? BigInt(Date.now()) * 1_000_000n;
    this.readsIngestionTime = [text, ...(opts.functionBodies ?? [])].some((t) => /\bingestion_time\s*\(/i.test(t));
  }

  query(root: KNode): Translation {
    let result: Rel | undefined;
    for (const st of elems(root.Statements)) {
      const k = kindName(st);
      if (k === 'LetStatement') this.let(st);
      else if (k === 'SetOptionStatement') this.setOption(st);
      else if (k === 'ExpressionStatement') {
        if (result) throw this.unsupported(st, 'more than one query result in one request (several tabular statements)');
        result = this.tabular(st.Expression);
      } else throw this.unsupported(st, `the '${k}' statement`);
    }
    if (!result) throw new KustoUserError('Semantic', 'The query has no tabular expression to return.');
    const cols = result.cols;
    const order = result.order?.length ? ` ORDER BY ${result.order.join(', ')}` : '';
    const withs = this.ctes.length ? `WITH ${this.ctes.join(', ')} ` : '';
    const sql = `${withs}SELECT ${cols.map((c) => ident(c.name)).join(', ')} FROM (${result.sql}) AS _t${order}`;
    // For the wire, DuckDB formats datetimes itself (vectorised) instead of JS converting each value. The
    // fixed-width ISO text sorts like the datetime, so ORDER BY binding to the alias keeps the same order.
    const wire = cols.map((c) => (c.type === 'datetime' ? `kq_dt_str(${ident(c.name)}) AS ${ident(c.name)}` : ident(c.name)));
    const wireSql = `${withs}SELECT ${wire.join(', ')} FROM (${result.sql}) AS _t${order}`;
    return {
      sql, wireSql, columns: cols, visualization: this.visualization, notruncation: this.notruncation, maxRecords: this.maxRecords, usesNow: this.usesNow,
      withs, from: result.sql, order: result.order ?? [], unordered: !result.order?.length && Boolean(result.unordered),
    };
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  /** Source text of a node. Function bodies are separate trees with their own offsets, so ask the node. */
  private src(n: KNode): string {
    // Literals are one token: its text is the same string without ToString's walk and string builder.
    if (n.ChildCount === 1 && n.Token && n.Token.IsToken) return String(n.Token.Text);
    return String(n.ToString(kusto().S.IncludeTrivia.Interior)).trim();
  }

  private unsupported(n: KNode, what: string): KustoUserError {
    const pos = lineColumn(this.text, n.TextStart);
    return new KustoUserError('Unsupported', `The local Eventhouse does not support ${what} (line ${pos.line}, column ${pos.column}: '${this.src(n).slice(0, 60)}'). See docs/local-eventhouse.md for the supported KQL subset.`, pos);
  }

  private typeOf(n: KNode): KType {
    const rt = n.ResultType;
    if (!rt) throw this.unsupported(n, 'an expression without a known type');
    const name = String(rt.Name);
    if (name === 'unknown' || name === 'error') throw this.unsupported(n, 'an expression whose type the analyzer could not determine');
    try { return ktype(name); } catch { throw this.unsupported(n, `values of type '${name}'`); }
  }

  private colsOf(n: KNode): Col[] {
    const rt = n.ResultType;
    if (!rt || !rt.Columns) throw this.unsupported(n, 'this tabular expression (no schema from the analyzer)');
    const cols: Col[] = items(rt.Columns).map((c: KNode) => ({ name: String(c.Name), type: ktype(String(c.Type.Name)) }));
    const seen = new Map<string, string>();
    for (const c of cols) {
      const prior = seen.get(c.name.toLowerCase());
      if (prior !== undefined && prior !== c.name) {
        // DuckDB identifiers are case-insensitive, so these two columns would collide; say so instead of guessing.
        throw this.unsupported(n, `columns '${prior}' and '${c.name}' in one result (names that differ only by case; rename one)`);
      }
      seen.set(c.name.toLowerCase(), c.name);
    }
    return cols;
  }

  private lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i].get(name);
      if (b) return b;
    }
    return undefined;
  }

  private cte(rel: Rel, materialized = false): Rel {
    const name = `__let${this.cteCount++}`;
    this.ctes.push(`${name} AS ${materialized ? 'MATERIALIZED ' : ''}(SELECT ${this.selectList(rel).join(', ')} FROM (${rel.sql}) AS _t${rel.order?.length ? ` ORDER BY ${rel.order.join(', ')}` : ''})`);
    return { sql: `SELECT * FROM ${name}`, cols: rel.cols, order: rel.order, ord: rel.ord, unordered: rel.unordered, ingestionTime: rel.ingestionTime };
  }

  private let(st: KNode): void {
    const name = String(st.Name.SimpleName);
    const value = st.Expression;
    const vk = kindName(value);
    if (vk === 'FunctionDeclaration') return; // called through GetCalledFunctionBody at each call site
    if (value.ResultType && value.ResultType.Columns && symbolKindName(value.ResultType) === 'Table') {
      this.scopes[this.scopes.length - 1].set(name, { kind: 'table', rel: this.cte(this.tabular(value)) });
    } else {
      const sql = this.scalar(value, undefined);
      this.scopes[this.scopes.length - 1].set(name, { kind: 'scalar', sql: `(${sql})`, type: this.typeOf(value) });
    }
  }

  private setOption(st: KNode): void {
    const name = String(st.Name.SimpleName).toLowerCase();
    const raw = st.ValueClause ? this.src(st.ValueClause.Expression ?? st.ValueClause).replace(/^=\s*/, '') : 'true';
    if (name === 'notruncation') this.notruncation = raw !== 'false';
    else if (name === 'truncationmaxrecords') this.maxRecords = Number(raw);
    else if (name === 'truncationmaxsize' || name === 'servertimeout' || name === 'query_language') { /* limits we don't model */ }
    else throw this.unsupported(st, `the query option 'set ${name}'`);
  }

  // ---- tabular -------------------------------------------------------------------------------------------------

  private tabular(n: KNode): Rel {
    const k = kindName(n);
    // An mv-apply subquery starts with an operator; its input is the row's expansion.
    const implicit = this.implicitInputs[this.implicitInputs.length - 1];
    if (implicit && k.endsWith('Operator') && k !== 'PrintOperator' && k !== 'RangeOperator') return this.operator(implicit, n);
    switch (k) {
      case 'PipeExpression': return this.operator(this.tabular(n.Expression), n.Operator);
      case 'ParenthesizedExpression': return this.tabular(n.Expression);
      case 'NameReference': return this.nameTable(n);
      case 'FunctionCallExpression': return this.tableCall(n);
      // materialize(T): computed once however often the query refers to it, so even rand() or sample inside agree.
      case 'MaterializeExpression': return this.cte(this.tabular(n.Expression), true);
      case 'DataTableExpression': return this.datatable(n);
      case 'PrintOperator': return this.print(n);
      case 'RangeOperator': return this.range(n);
      case 'UnionOperator': return this.union(n, undefined);
      default:
        throw this.unsupported(n, kindName(n).endsWith('Operator') ? `the '${this.opName(n)}' operator` : `'${k}' as a tabular source`);
    }
  }

  private opName(n: KNode): string {
    return this.src(n).split(/[\s(]/)[0] || kindName(n);
  }

  private nameTable(n: KNode): Rel {
    const name = String(n.SimpleName);
    const sym = n.ReferencedSymbol;
    const sk = sym ? symbolKindName(sym) : '';
    const b = this.lookup(name);
    if (b && b.kind === 'table') return b.rel;
    if (sk === 'Table') {
      // The columns by name: the table also holds the hidden ingestion time, which only ingestion_time() reads.
      const cols = this.colsOf(n);
      const list = cols.map((c) => ident(c.name));
      if (this.readsIngestionTime) list.push(`${INGESTION_TIME} AS __ingestion_time`);
      return { sql: `SELECT ${list.join(', ')} FROM ${this.opts.tableSql(String(sym.Name))}`, cols, ingestionTime: this.readsIngestionTime };
    }
    if (sk === 'Function') return this.tableCall(n);
    throw this.unsupported(n, `'${name}' as a table`);
  }

  /** Calls of stored or let-defined tabular functions: the analyzer expands the body for us. */
  private tableCall(n: KNode): Rel {
    const body = n.GetCalledFunctionBody ? n.GetCalledFunctionBody() : null;
    if (!body) throw this.unsupported(n, `the function '${this.src(n).split('(')[0]}' as a tabular source`);
    return this.withArgs(n, () => {
      const rel = this.bodyResult(body, true);
      if (typeof rel === 'string') throw this.unsupported(n, 'a scalar function used as a table');
      return rel;
    });
  }

  private withArgs<T>(call: KNode, f: () => T): T {
    const sym = call.ReferencedSymbol;
    const scope = new Map<string, Binding>();
    const args = call.ArgumentList ? elems(call.ArgumentList.Expressions) : [];
    const sig = sym && sym.Signatures ? items(sym.Signatures)[0] : null;
    const params = sig ? items(sig.Parameters) : [];
    params.forEach((p: KNode, i: number) => {
      const a = args[i];
      if (!a) {
        if (p.DefaultValue) { scope.set(String(p.Name), { kind: 'scalar', sql: `(${this.scalar(p.DefaultValue, undefined)})`, type: this.typeOf(p.DefaultValue) }); }
        return;
      }
      if (a.ResultType && symbolKindName(a.ResultType) === 'Table') scope.set(String(p.Name), { kind: 'table', rel: this.tabular(a) });
      else scope.set(String(p.Name), { kind: 'scalar', sql: `(${this.scalar(a, this.rowScope)})`, type: this.typeOf(a) });
    });
    this.scopes.push(scope);
    try { return f(); } finally { this.scopes.pop(); }
  }

  /** Scalar context for function arguments evaluated in the caller's current row, if any. */
  private rowScope: RowScope | undefined;

  private bodyResult(body: KNode, tabular: boolean): Rel | string {
    this.scopes.push(new Map());
    try {
      for (const st of elems(body.Statements)) {
        if (kindName(st) === 'LetStatement') this.let(st);
        else throw this.unsupported(st, `the '${kindName(st)}' statement inside a function body`);
      }
      const e = body.Expression;
      return tabular ? this.tabular(e) : this.scalar(e, this.rowScope);
    } finally { this.scopes.pop(); }
  }

  private operator(input: Rel, op: KNode): Rel {
    const k = kindName(op);
    switch (k) {
      case 'FilterOperator': return this.where(input, op);
      case 'ProjectOperator': return this.project(input, op);
      case 'ExtendOperator': return this.extend(input, op);
      case 'ProjectAwayOperator': case 'ProjectReorderOperator': case 'ProjectKeepOperator': return this.reshape(input, op);
      case 'ProjectRenameOperator': return this.rename(input, op);
      case 'SummarizeOperator': return this.summarize(input, op);
      // One row: no order to keep (cheaper wire SQL).
      case 'CountOperator': return { sql: `SELECT count(*) AS ${ident(this.colsOf(op)[0].name)} FROM (${input.sql}) AS _t`, cols: this.colsOf(op), unordered: true };
      case 'TakeOperator': return this.take(input, op.Expression);
      // Random rows: no order, and a new draw each run.
      case 'SampleOperator':
        this.noParams(op);
        return { sql: `SELECT ${input.cols.map((c) => ident(c.name)).join(', ')} FROM (${input.sql}) AS _t ORDER BY random() LIMIT ${this.scalar(op.Expression, undefined)}`, cols: input.cols, unordered: true };
      case 'TopOperator': return this.top(input, op);
      case 'TopNestedOperator': return this.topNested(input, op);
      case 'EvaluateOperator': return this.evaluate(input, op);
      case 'SortOperator': return this.sort(input, op);
      case 'DistinctOperator': return this.distinct(input, op);
      case 'JoinOperator': return this.join(input, op);
      case 'LookupOperator': return this.lookupOp(input, op);
      case 'UnionOperator': return this.union(op, input);
      case 'MvExpandOperator': return this.mvExpand(input, op);
      case 'MvApplyOperator': return this.mvApply(input, op);
      case 'ParseOperator': return this.parse(input, op);
      case 'MakeSeriesOperator': return this.makeSeries(input, op);
      case 'AsOperator': {
        this.scopes[0].set(String(op.Name.SimpleName), { kind: 'table', rel: this.cte(input) });
        return input;
      }
      case 'RenderOperator': return this.render(input, op);
      case 'GetSchemaOperator': return this.getschema(input, op);
      case 'SerializeOperator': {
        // Serialized rows have an order from here on, even if the input had none.
        const rel = elems(op.Expressions).length ? this.extend(input, op) : input;
        return { ...rel, unordered: false };
      }
      default: throw this.unsupported(op, `the '${this.opName(op)}' operator`);
    }
  }

  private params(op: KNode): Map<string, KNode> {
    const m = new Map<string, KNode>();
    for (const p of items(op.Parameters)) m.set(String(p.Name.SimpleName).toLowerCase(), p.Expression);
    return m;
  }

  private noParams(op: KNode, allowed: string[] = []): Map<string, KNode> {
    const m = this.params(op);
    for (const [k, v] of m) if (!allowed.includes(k)) throw this.unsupported(v ?? op, `the '${k}' parameter of '${this.opName(op)}'`);
    return m;
  }

  private selectList(rel: Rel): string[] {
    return [...rel.cols.map((c) => ident(c.name)), ...(rel.ord ? ['__ord'] : []), ...(rel.ingestionTime ? ['__ingestion_time'] : [])];
  }

  /** Freezes a carried sort order into a hidden row number, so projections may drop or change sort columns. */
  private pin(rel: Rel): Rel {
    if (!rel.order?.length || rel.ord) return rel;
    return {
      sql: `SELECT *, row_number() OVER (ORDER BY ${rel.order.join(', ')}) AS __ord FROM (${rel.sql}) AS _t`,
      cols: rel.cols, order: ['__ord'], ord: true, ingestionTime: rel.ingestionTime,
    };
  }

  private where(input: Rel, op: KNode): Rel {
    this.noParams(op);
    const cond = this.predicate(op.Condition, this.scopeFor(input));
    return { sql: `SELECT ${this.selectList(input).join(', ')} FROM (${input.sql}) AS _t WHERE ${cond}`, cols: input.cols, order: input.order, ord: input.ord, unordered: input.unordered, ingestionTime: input.ingestionTime };
  }

  private scopeFor(rel: Rel): RowScope {
    const names = new Set(rel.cols.map((c) => c.name));
    return { col: (name) => (names.has(name) ? ident(name) : undefined), rel };
  }

  private project(input0: Rel, op: KNode): Rel {
    const windows = this.windows;
    const input = this.pin(input0);
    const out = this.colsOf(op);
    const scope = this.scopeFor(input);
    const exprs = elems(op.Expressions);
    const list: string[] = [];
    let idx = 0;
    for (const e of exprs) {
      const k = kindName(e);
      if (k === 'SimpleNamedExpression') {
        list.push(`${this.typed(e.Expression, scope, out[idx].type)} AS ${ident(out[idx].name)}`); idx++;
      } else if (k === 'NameReference' || k === 'BracketedExpression') {
        list.push(`${this.scalar(e, scope)} AS ${ident(out[idx].name)}`); idx++;
      } else if (k === 'StarExpression' || /^[\w[\]'"]*\*[\w[\]'"]*$/.test(this.src(e))) {
        throw this.unsupported(e, 'wildcards in project (use project-keep or list the columns)');
      } else { list.push(`${this.typed(e, scope, out[idx].type)} AS ${ident(out[idx].name)}`); idx++; }
    }
    if (idx !== out.length) throw this.unsupported(op, 'this projection (its result columns could not be matched)');
    if (input.ord) list.push('__ord');
    if (input.ingestionTime) list.push('__ingestion_time');
    return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered && this.windows === windows, ingestionTime: input.ingestionTime };
  }

  /** An expression cast to the analyzer's type (e.g. sum of ints is HUGEINT in DuckDB but long in Kusto). */
  private typed(n: KNode, scope: RowScope | undefined, t: KType): string {
    const sql = this.scalar(n, scope);
    const k = kindName(n);
    if (t === 'dynamic' || k === 'NameReference') return sql;
    return `CAST(${sql} AS ${duckType(t)})`;
  }

  private extend(input0: Rel, op: KNode): Rel {
    const windows = this.windows;
    const out = this.colsOf(op);
    const existing = new Set(input0.cols.map((c) => c.name));
    const overwrites = elems(op.Expressions).some((e: KNode) => kindName(e) === 'SimpleNamedExpression' && existing.has(String(e.Name.SimpleName)));
    const input = overwrites ? this.pin(input0) : input0;
    const base = this.scopeFor(input);
    const defined = new Map<string, string>();
    const scope: RowScope = { col: (name) => defined.get(name) ?? base.col(name), rel: input };
    const newCols = out.slice(input.cols.length);
    let newIdx = 0;
    for (const e of elems(op.Expressions)) {
      const k = kindName(e);
      let name: string;
      let node: KNode;
      if (k === 'SimpleNamedExpression') { name = String(e.Name.SimpleName); node = e.Expression; }
      else if (k === 'CompoundNamedExpression') throw this.unsupported(e, 'tuple assignment in extend');
      else { node = e; name = existing.has(this.src(e)) ? this.src(e) : newCols[newIdx]?.name; }
      if (!existing.has(name) && !defined.has(name)) newIdx++;
      const t = out.find((c) => c.name === name)?.type ?? this.typeOf(node);
      defined.set(name, `(${this.typed(node, scope, t)})`);
    }
    const list = out.map((c) => (defined.has(c.name) ? `${defined.get(c.name)} AS ${ident(c.name)}` : ident(c.name)));
    if (input.ord) list.push('__ord');
    if (input.ingestionTime) list.push('__ingestion_time');
    return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered && this.windows === windows, ingestionTime: input.ingestionTime };
  }

  private reshape(input0: Rel, op: KNode): Rel {
    const input = this.pin(input0);
    const out = this.colsOf(op);
    const list = out.map((c) => ident(c.name));
    if (input.ord) list.push('__ord');
    return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
  }

  private rename(input0: Rel, op: KNode): Rel {
    const input = this.pin(input0);
    const map = new Map<string, string>();
    for (const e of elems(op.Expressions)) {
      if (kindName(e) !== 'SimpleNamedExpression') throw this.unsupported(e, 'this project-rename form');
      map.set(this.src(e.Expression).replace(/^\['|'\]$/g, ''), String(e.Name.SimpleName));
    }
    const out = input.cols.map((c) => ({ name: map.get(c.name) ?? c.name, type: c.type }));
    const list = input.cols.map((c) => `${ident(c.name)} AS ${ident(map.get(c.name) ?? c.name)}`);
    if (input.ord) list.push('__ord');
    return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
  }

  private take(input: Rel, n: KNode): Rel {
    const count = this.scalar(n, undefined);
    return {
      sql: `SELECT ${this.selectList(input).join(', ')} FROM (${input.sql}) AS _t${input.order?.length ? ` ORDER BY ${input.order.join(', ')}` : ''} LIMIT ${count}`,
      cols: input.cols, order: input.order, ord: input.ord, unordered: input.unordered,
    };
  }

  private orderItems(exprs: KNode[], scope: RowScope): string[] {
    return exprs.map((e) => {
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
      const nf = nullsFirst ?? !desc;
      return `${this.scalar(expr, scope)} ${desc ? 'DESC' : 'ASC'} NULLS ${nf ? 'FIRST' : 'LAST'}`;
    });
  }

  private sort(input: Rel, op: KNode): Rel {
    this.noParams(op);
    const items2 = this.orderItems(elems(op.Expressions), this.scopeFor(input));
    // Order is a property of the rows; carried to the outermost SELECT (or to the next take/top).
    return { sql: `SELECT ${input.cols.map((c) => ident(c.name)).join(', ')} FROM (${input.sql}) AS _t`, cols: input.cols, order: items2 };
  }

  private top(input: Rel, op: KNode): Rel {
    this.noParams(op);
    const order = this.orderItems([op.ByExpression], this.scopeFor(input));
    const count = this.scalar(op.Expression, undefined);
    const cols = input.cols.map((c) => ident(c.name));
    return {
      sql: `SELECT ${cols.join(', ')} FROM (${input.sql}) AS _t ORDER BY ${order.join(', ')} LIMIT ${count}`,
      cols: input.cols, order,
    };
  }

  /**
   * evaluate bag_unpack(column [, prefix] [, columnsConflict=…]) : (schema): one column per slot of the schema, read
   * from the bag and converted to the schema's type (null where a bag lacks the slot or it does not convert). Without
   * a schema the columns depend on the data: BagUnpackNeedsSchema hands the engine what it needs to look, and it
   * writes the schema into the query and translates it again.
   */
  private evaluate(input0: Rel, op: KNode): Rel {
    const fc = op.FunctionCall;
    const plugin = String(fc.Name.SimpleName);
    if (plugin.toLowerCase() !== 'bag_unpack') throw this.unsupported(fc, `the '${plugin}' plugin of the 'evaluate' operator`);
    if (elems(op.Parameters).length) throw this.unsupported(op, 'evaluate with hints');
    const args: KNode[] = elems(fc.ArgumentList.Expressions);
    let prefix = '';
    let conflict = 'error';
    for (const a of args.slice(1)) {
      if (kindName(a) === 'SimpleNamedExpression' && String(a.Name.SimpleName).toLowerCase() === 'columnsconflict' && kindName(a.Expression) === 'StringLiteralExpression') {
        conflict = String(a.Expression.LiteralValue).toLowerCase();
        if (!['error', 'replace_source', 'keep_source'].includes(conflict)) throw this.unsupported(a, `columnsConflict='${conflict}' (error, replace_source or keep_source)`);
      } else if (kindName(a) === 'StringLiteralExpression' && a === args[1]) prefix = String(a.LiteralValue);
      else throw this.unsupported(a, 'this bag_unpack argument (a column, a prefix and columnsConflict are supported)');
    }
    const column = args[0];
    if (kindName(column) !== 'NameReference') throw this.unsupported(column, 'bag_unpack of an expression (unpack a column)');
    const colName = String(column.SimpleName);
    const input = this.pin(input0);
    const scope = this.scopeFor(input);
    const bag = this.scalar(column, scope);
    const rest = input.cols.filter((c) => c.name !== colName);
    if (!op.Schema) {
      // Offsets into this query's text; a bag_unpack inside a stored function's body has none here.
      const start = op.TextStart as number;
      const end = fc.End as number;
      if (this.text.slice(start, end).replace(/\s+/g, '') !== this.src(op).replace(/\s+/g, '')) throw this.unsupported(op, 'bag_unpack without an output schema inside a stored function (give it one: bag_unpack(c) : (*, Name:type, …))');
      throw new BagUnpackNeedsSchema({
        sql: `${this.ctes.length ? `WITH ${this.ctes.join(', ')} ` : ''}SELECT ${bag} AS b FROM (${input.sql}) AS _t`,
        evaluateStart: start, callEnd: end, prefix, conflict, inputColumns: rest.map((c) => c.name),
      });
    }
    const out = this.colsOf(op);
    const star = /^\(\s*\*/.test(this.src(op.Schema.Schema));
    // The analyzer puts the input's columns (less the unpacked one) first for `*`, then the schema's.
    const passed = star ? rest.length : 0;
    const list = out.map((c, i) => {
      if (i < passed) return ident(rest[i].name);
      const slot = prefix && c.name.startsWith(prefix) ? c.name.slice(prefix.length) : c.name;
      return `${this.fromDynamic(`json_extract(${bag}, ${sqlString(`$${jsonKey(slot)}`)})`, c.type)} AS ${ident(c.name)}`;
    });
    if (input.ord) list.push('__ord');
    return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
  }

  /**
   * top-nested: level i groups the rows of each partition the levels before it kept, by its own expression, and
   * keeps that partition's N best by its aggregate. Each level is a CTE joined to the one before on its keys (null
   * keys match, as a group of nulls is a group).
   */
  private topNested(input: Rel, op: KNode): Rel {
    this.noParams(op);
    const out = this.colsOf(op);
    const clauses = elems(op.Clauses);
    if (out.length !== clauses.length * 2) throw this.unsupported(op, 'this top-nested (its result columns could not be matched)');
    const scope = this.scopeFor(input);
    const aggScope: RowScope = { ...scope, aggregate: true };
    const k = (i: number) => `__tn_k${i}`;
    const a = (i: number) => `__tn_a${i}`;
    const keys = clauses.map((c: KNode, i: number) => {
      if (c.WithOthersClause) throw this.unsupported(c.WithOthersClause, "top-nested's 'with others'");
      const e = kindName(c.OfExpression) === 'SimpleNamedExpression' ? c.OfExpression.Expression : c.OfExpression;
      return `${this.typed(e, scope, out[2 * i].type)} AS ${k(i)}`;
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
      const agg = `${this.typed(by, aggScope, out[2 * i + 1].type)} AS ${a(i)}`;
      const outer = Array.from({ length: i }, (_, j) => j);
      const groupKeys = [...outer.map(k), k(i)];
      const from = i === 0 ? '__tn_src'
        : `__tn_src JOIN (SELECT ${outer.map((j) => `${k(j)} AS __tn_p${j}, ${a(j)} AS __tn_q${j}`).join(', ')} FROM __tn_l${i - 1}) AS _p ON ${outer.map((j) => `${k(j)} IS NOT DISTINCT FROM __tn_p${j}`).join(' AND ')}`;
      const carried = outer.map((j) => `__tn_q${j} AS ${a(j)}`);
      const n = c.Expression ? this.scalar(c.Expression, undefined) : undefined;
      const keep = n === undefined ? ''
        : ` QUALIFY row_number() OVER (${outer.length ? `PARTITION BY ${outer.map(k).join(', ')} ` : ''}ORDER BY ${a(i)} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}) <= ${n}`;
      withs.push(`__tn_l${i} AS (SELECT ${[...groupKeys, ...carried, agg].join(', ')} FROM ${from} GROUP BY ${[...groupKeys, ...outer.map((j) => `__tn_q${j}`)].join(', ')}${keep})`);
    });
    const last = clauses.length - 1;
    const cols = out.map((c, j) => `${j % 2 === 0 ? k(j / 2) : a((j - 1) / 2)} AS ${ident(c.name)}`);
    return { sql: `WITH ${withs.join(', ')} SELECT ${cols.join(', ')} FROM __tn_l${last}`, cols: out, unordered: true };
  }

  private distinct(input: Rel, op: KNode): Rel {
    this.noParams(op);
    const out = this.colsOf(op);
    const scope = this.scopeFor(input);
    const exprs = elems(op.Expressions);
    if (exprs.length === 1 && kindName(exprs[0]) === 'StarExpression') {
      return { sql: `SELECT DISTINCT ${input.cols.map((c) => ident(c.name)).join(', ')} FROM (${input.sql}) AS _t`, cols: input.cols, unordered: true };
    }
    const list = exprs.map((e: KNode, i: number) => `${this.scalar(kindName(e) === 'SimpleNamedExpression' ? e.Expression : e, scope)} AS ${ident(out[i].name)}`);
    return { sql: `SELECT DISTINCT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, unordered: true };
  }

  private summarize(input: Rel, op: KNode): Rel {
    this.noParams(op);
    const out = this.colsOf(op);
    const scope: RowScope = { ...this.scopeFor(input), aggregate: true };
    const by = op.ByClause ? elems(op.ByClause.Expressions) : [];
    const list: string[] = [];
    const binWidths: (bigint | undefined)[] = [];
    let i = 0;
    for (const e of by) {
      const node = kindName(e) === 'SimpleNamedExpression' ? e.Expression : e;
      const key = out[i].type === 'datetime' ? this.epochBinKey(node, { ...scope, aggregate: false }) : undefined;
      list.push(`${key ? key.index : this.typed(node, { ...scope, aggregate: false }, out[i].type)} AS ${ident(out[i].name)}`);
      binWidths.push(key?.widthNs);
      i++;
    }
    const aggs = elems(op.Aggregates);
    const widths = aggs.map((a: KNode) => this.aggWidth(a));
    const fixed = widths.reduce((s: number, w: number) => s + (w < 0 ? 0 : w), 0);
    for (let a = 0; a < aggs.length; a++) {
      const width = widths[a] < 0 ? out.length - by.length - fixed : widths[a];
      const cols = out.slice(i, i + width);
      i += width;
      list.push(...this.aggregateItems(aggs[a], cols, scope, input));
    }
    if (i !== out.length) throw this.unsupported(op, 'this summarize (its result columns could not be matched)');
    const group = by.length ? ` GROUP BY ${by.map((_: KNode, j: number) => String(j + 1)).join(', ')}` : '';
    const sql = `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t${group}`;
    if (!binWidths.some((w) => w !== undefined)) return { sql, cols: out, unordered: true };
    // Bin indexes become timestamps once per group, not once per row.
    const cols = out.map((c, j) => {
      const w = binWidths[j];
      return w === undefined ? ident(c.name) : `CAST(make_timestamp_ns(${ident(c.name)} * ${w}) AS TIMESTAMP_NS) AS ${ident(c.name)}`;
    });
    return { sql: `SELECT ${cols.join(', ')} FROM (${sql}) AS _t`, cols: out, unordered: true };
  }

  /**
   * A summarize key bin(datetime, literal span) whose bins line up with the Unix epoch, as the number of its bin (a
   * BIGINT) and the bin's width in ns. Grouping on that number and making each group's timestamp afterwards took about
   * a tenth off `summarize avg(Value) by bin(Timestamp, 1m), Sensor` against grouping on the timestamp itself.
   */
  private epochBinKey(n: KNode, scope: RowScope): { index: string; widthNs: bigint } | undefined {
    if (kindName(n) !== 'FunctionCallExpression' || (n.GetCalledFunctionBody && n.GetCalledFunctionBody())) return undefined;
    const lname = String(n.Name.SimpleName).toLowerCase();
    const args: KNode[] = elems(n.ArgumentList.Expressions);
    if ((lname !== 'bin' && lname !== 'floor') || args.length !== 2 || this.typeOf(args[0]) !== 'datetime') return undefined;
    const span = epochAlignedSpan(args[1], this.src(args[1]));
    if (span === undefined) return undefined;
    return { index: `kq_floordiv(epoch_ns(${this.expr(args[0], scope)}), ${span * 100n})`, widthNs: span * 100n };
  }

  /** How many result columns an aggregate produces (-1 = "the rest", for arg_max(x, *)). */
  private aggWidth(a: KNode): number {
    const e = kindName(a) === 'SimpleNamedExpression' ? a.Expression : a;
    if (kindName(a) === 'CompoundNamedExpression') return elems(a.Names.Names).length;
    if (kindName(e) !== 'FunctionCallExpression') return 1;
    const name = String(e.Name.SimpleName).toLowerCase();
    const args = elems(e.ArgumentList.Expressions);
    if (name === 'percentiles') return args.length - 1;
    if (name === 'arg_max' || name === 'arg_min') return args.some((x: KNode) => kindName(x) === 'StarExpression') ? -1 : args.length;
    return 1;
  }

  private aggregateItems(a: KNode, cols: Col[], scope: RowScope, input: Rel): string[] {
    const e = kindName(a) === 'SimpleNamedExpression' || kindName(a) === 'CompoundNamedExpression' ? a.Expression : a;
    if (kindName(e) === 'FunctionCallExpression') {
      const name = String(e.Name.SimpleName).toLowerCase();
      const args = elems(e.ArgumentList.Expressions);
      if (name === 'percentiles') {
        const x = this.scalar(args[0], scope);
        return cols.map((c, j) => `CAST(quantile_disc(${x}, ${this.scalar(args[j + 1], undefined)} / 100.0) AS ${duckType(c.type)}) AS ${ident(c.name)}`);
      }
      if (name === 'arg_max' || name === 'arg_min') {
        const by = this.scalar(args[0], scope);
        const fn = name === 'arg_max' ? 'arg_max' : 'arg_min';
        const star = args.some((x: KNode) => kindName(x) === 'StarExpression');
        const inputNames = new Set(input.cols.map((c) => c.name));
        return cols.map((c, j) => {
          if (j === 0) return `${name === 'arg_max' ? 'max' : 'min'}(${by}) AS ${ident(c.name)}`;
          let src: string;
          if (star) {
            const base = inputNames.has(c.name) ? c.name : c.name.replace(/\d+$/, '');
            if (!inputNames.has(base)) throw this.unsupported(e, `arg_max/arg_min column '${c.name}'`);
            src = ident(base);
          } else {
            const arg = args[j];
            src = this.scalar(kindName(arg) === 'SimpleNamedExpression' ? arg.Expression : arg, scope);
          }
          return `${fn}(${src}, ${by}) AS ${ident(c.name)}`;
        });
      }
    }
    if (cols.length !== 1) throw this.unsupported(a, 'this aggregate (several result columns)');
    return [`${this.typed(e, scope, cols[0].type)} AS ${ident(cols[0].name)}`];
  }

  private datatable(n: KNode): Rel {
    const cols = this.colsOf(n);
    const values = elems(n.Values);
    if (values.length % cols.length !== 0) throw new KustoUserError('Semantic', `datatable has ${values.length} values for ${cols.length} columns.`);
    const rows: string[] = [];
    for (let r = 0; r < values.length; r += cols.length) {
      rows.push(`SELECT ${cols.map((c, j) => `${this.literalAs(values[r + j], c.type)} AS ${ident(c.name)}`).join(', ')}`);
    }
    if (!rows.length) return { sql: `SELECT ${cols.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`).join(', ')} WHERE false`, cols };
    return { sql: rows.join(' UNION ALL '), cols };
  }

  private literalAs(v: KNode, t: KType): string {
    const sql = this.scalar(v, undefined);
    if (t === 'dynamic') return this.typeOf(v) === 'dynamic' ? sql : this.toDynamic(sql, this.typeOf(v));
    return `CAST(${sql} AS ${duckType(t)})`;
  }

  private print(n: KNode): Rel {
    const cols = this.colsOf(n);
    const exprs = elems(n.Expressions);
    const list = exprs.map((e: KNode, i: number) => `${this.typed(kindName(e) === 'SimpleNamedExpression' ? e.Expression : e, undefined, cols[i].type)} AS ${ident(cols[i].name)}`);
    return { sql: `SELECT ${list.join(', ')}`, cols, unordered: true };
  }

  private range(n: KNode): Rel {
    const cols = this.colsOf(n);
    const t = cols[0].type;
    const from = this.scalar(n.From, undefined);
    const to = this.scalar(n.To, undefined);
    const step = this.scalar(n.Step, undefined);
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

  private union(op: KNode, input: Rel | undefined): Rel {
    const p = this.noParams(op, ['kind']);
    const kind = p.get('kind') ? this.src(p.get('kind')) : 'outer';
    const rels = [...(input ? [input] : []), ...elems(op.Expressions).map((e: KNode) => this.tabular(e))];
    // kind=inner keeps the columns every leg has (the analyzer gives the outer set for both kinds).
    const out = this.colsOf(op).filter((c) => kind.toLowerCase() !== 'inner' || rels.every((r) => r.cols.some((x) => x.name === c.name && x.type === c.type)));
    const parts = rels.map((r) => {
      const have = new Map(r.cols.map((c) => [c.name, c.type]));
      // A column that has different types in different legs comes out once per type, named a_long, a_string, …:
      // each leg fills the one of its own type.
      const typed = new Map(r.cols.map((c) => [`${c.name}_${c.type}`, c]));
      return `SELECT ${out.map((c) => {
        if (have.get(c.name) === c.type) return ident(c.name);
        if (have.has(c.name)) return `TRY_CAST(${ident(c.name)} AS ${duckType(c.type)}) AS ${ident(c.name)}`;
        const src = typed.get(c.name);
        if (src?.type === c.type) return `${ident(src.name)} AS ${ident(c.name)}`;
        return `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`;
      }).join(', ')} FROM (${r.sql}) AS _t`;
    });
    return { sql: parts.join(' UNION ALL '), cols: out, unordered: true };
  }

  private joinKeys(clause: KNode, left: Rel, right: Rel): { l: string; r: string }[] {
    if (!clause || kindName(clause) !== 'JoinOnClause') throw this.unsupported(clause ?? left, "join conditions other than 'on'");
    const keys: { l: string; r: string }[] = [];
    const side = (e: KNode): { side: 'l' | 'r'; col: string } => {
      if (kindName(e) === 'PathExpression') {
        const s = this.src(e.Expression);
        const col = this.src(e.Selector).replace(/^\['|'\]$/g, '');
        if (s === '$left') return { side: 'l', col };
        if (s === '$right') return { side: 'r', col };
      }
      throw this.unsupported(e, 'this join key (use a column name or $left.a == $right.b)');
    };
    const visit = (e: KNode) => {
      const k = kindName(e);
      if (k === 'NameReference') { const c = String(e.SimpleName); keys.push({ l: c, r: c }); } else if (k === 'AndExpression') { visit(e.Left); visit(e.Right); } else if (k === 'EqualExpression') {
        const a = side(e.Left); const b = side(e.Right);
        if (a.side === b.side) throw this.unsupported(e, 'a join key that compares one side with itself');
        keys.push(a.side === 'l' ? { l: a.col, r: b.col } : { l: b.col, r: a.col });
      } else throw this.unsupported(e, 'this join condition');
    };
    for (const e of elems(clause.Expressions)) visit(e);
    void left; void right;
    return keys;
  }

  private join(left0: Rel, op: KNode): Rel {
    const p = this.noParams(op, ['kind', 'hint.strategy', 'hint.remote', 'hint.shufflekey']);
    const kind = p.get('kind') ? this.src(p.get('kind')).toLowerCase() : 'innerunique';
    const left = left0;
    const right = this.tabular(op.Expression);
    const keys = this.joinKeys(op.ConditionClause, left, right);
    const out = this.colsOf(op);
    const on = keys.map((k) => `l.${ident(k.l)} IS NOT DISTINCT FROM r.${ident(k.r)}`).join(' AND ').replace(/IS NOT DISTINCT FROM/g, '=');
    const lsql = kind === 'innerunique'
      ? `(SELECT * FROM (${left.sql}) AS _u QUALIFY row_number() OVER (PARTITION BY ${keys.map((k) => ident(k.l)).join(', ')}) = 1)`
      : `(${left.sql})`;
    const types: Record<string, string> = {
      innerunique: 'INNER JOIN', inner: 'INNER JOIN', leftouter: 'LEFT JOIN', rightouter: 'RIGHT JOIN', fullouter: 'FULL JOIN',
      leftsemi: 'SEMI JOIN', leftanti: 'ANTI JOIN', leftantisemi: 'ANTI JOIN', rightsemi: 'SEMI JOIN', rightanti: 'ANTI JOIN', rightantisemi: 'ANTI JOIN',
    };
    const jt = types[kind];
    if (!jt) throw this.unsupported(op, `join kind=${kind}`);
    if (kind.startsWith('left') && (jt === 'SEMI JOIN' || jt === 'ANTI JOIN')) {
      return { sql: `SELECT ${left.cols.map((c) => `l.${ident(c.name)}`).join(', ')} FROM ${lsql} AS l ${jt} (${right.sql}) AS r ON ${on}`, cols: out, unordered: true };
    }
    if (kind.startsWith('right') && (jt === 'SEMI JOIN' || jt === 'ANTI JOIN')) {
      const ron = keys.map((k) => `r.${ident(k.r)} = l.${ident(k.l)}`).join(' AND ');
      return { sql: `SELECT ${right.cols.map((c) => `r.${ident(c.name)}`).join(', ')} FROM (${right.sql}) AS r ${jt} ${lsql} AS l ON ${ron}`, cols: out, unordered: true };
    }
    const srcCols = [...left.cols.map((c) => `l.${ident(c.name)}`), ...right.cols.map((c) => `r.${ident(c.name)}`)];
    if (srcCols.length !== out.length) throw this.unsupported(op, 'this join (its result columns could not be matched)');
    return { sql: `SELECT ${out.map((c, i) => `${srcCols[i]} AS ${ident(c.name)}`).join(', ')} FROM ${lsql} AS l ${jt} (${right.sql}) AS r ON ${on}`, cols: out, unordered: true };
  }

  private lookupOp(left: Rel, op: KNode): Rel {
    const p = this.noParams(op, ['kind']);
    const kind = p.get('kind') ? this.src(p.get('kind')).toLowerCase() : 'leftouter';
    if (kind !== 'leftouter' && kind !== 'inner') throw this.unsupported(op, `lookup kind=${kind}`);
    const right = this.tabular(op.Expression);
    const keys = this.joinKeys(op.LookupClause, left, right);
    const out = this.colsOf(op);
    const leftNames = new Set(left.cols.map((c) => c.name));
    const rightKeys = new Set(keys.map((k) => k.r));
    const rightRest = right.cols.filter((c) => !rightKeys.has(c.name));
    const srcCols = [...left.cols.map((c) => `l.${ident(c.name)}`), ...rightRest.map((c) => `r.${ident(c.name)}`)];
    if (srcCols.length !== out.length) throw this.unsupported(op, 'this lookup (its result columns could not be matched)');
    void leftNames;
    const on = keys.map((k) => `l.${ident(k.l)} = r.${ident(k.r)}`).join(' AND ');
    return { sql: `SELECT ${out.map((c, i) => `${srcCols[i]} AS ${ident(c.name)}`).join(', ')} FROM (${left.sql}) AS l ${kind === 'inner' ? 'INNER' : 'LEFT'} JOIN (${right.sql}) AS r ON ${on}`, cols: out, unordered: true };
  }

  /**
   * mv-apply: the subquery runs once per row, over that row's expansion (the row's columns, each expanded array's
   * elements in place of or beside them, and the item index), as a LATERAL join. The result is the row's columns
   * that were not expanded in place, then the subquery's (the analyzer's schema says which come from where).
   */
  private mvApply(input0: Rel, op: KNode): Rel {
    const params = this.noParams(op, ['with_itemindex']);
    if (op.ContextIdClause) throw this.unsupported(op.ContextIdClause, 'mv-apply … id=');
    // Rows keep their order: the input's (its natural order numbered if it has no other), then each row's own.
    const pinned = this.pin(input0);
    const input: Rel = pinned.ord ? pinned : { sql: `SELECT *, row_number() OVER () AS __ord FROM (${pinned.sql}) AS _t`, cols: pinned.cols, order: ['__ord'], ord: true };
    const out = this.colsOf(op);
    const outer = '__mva';
    const names = new Set(input.cols.map((c) => c.name));
    const rowScope: RowScope = { col: (name) => (names.has(name) ? `${outer}.${ident(name)}` : undefined), rel: input };
    const indexName = this.itemIndexName(params);
    const perRow: Col[] = input.cols.map((c) => ({ ...c }));
    const values = new Map<string, string>();
    const lists: string[] = [];
    for (const [i, mv] of elems(op.Expressions).entries()) {
      const { name, named, src } = this.mvItem(mv.Expression, rowScope);
      if (!named) throw this.unsupported(mv.Expression, 'an unnamed mv-apply expression other than a column (name it: x = …)');
      const type = mv.ToTypeOf ? ktype(/typeof\s*\(\s*([^)\s]+)\s*\)/i.exec(this.src(mv.ToTypeOf))?.[1] ?? 'dynamic') : 'dynamic';
      lists.push(this.expansion(src, 'json_object'));
      values.set(name, type === 'dynamic' ? `__mv${i}` : this.fromDynamic(`__mv${i}`, type));
      const have = perRow.find((c) => c.name === name);
      if (have) have.type = type; else perRow.push({ name, type });
    }
    const unnests = lists.map((l, i) => `unnest(${l}) AS __mv${i}`);
    const limit = op.RowLimitClause ? this.scalar(op.RowLimitClause.RowLimit, undefined) : undefined;
    unnests.push(`unnest(range(CAST(greatest(${lists.map((l) => `len(${l})`).join(', ')}) AS BIGINT))) AS __mvi`);
    if (indexName) { values.set(indexName, '__mvi'); perRow.push({ name: indexName, type: 'long' }); }
    const rowList = perRow.map((c) => `${values.get(c.name) ?? `${outer}.${ident(c.name)}`} AS ${ident(c.name)}`);
    const rowRel: Rel = {
      sql: `SELECT ${rowList.join(', ')}, __mvi AS __ord FROM (SELECT ${unnests.join(', ')}) AS _u${limit ? ` WHERE __mvi < ${limit}` : ''}`,
      cols: perRow, order: ['__ord'], ord: true,
    };
    this.implicitInputs.push(rowRel);
    let sub: Rel;
    try { sub = this.pin(this.tabular(op.Subquery.Expression)); } finally { this.implicitInputs.pop(); }
    const fromSub = new Set(sub.cols.map((c) => c.name));
    const list = out.map((c) => `${fromSub.has(c.name) ? `_s.${ident(c.name)}` : `${outer}.${ident(c.name)}`} AS ${ident(c.name)}`);
    const subList = [...sub.cols.map((c) => ident(c.name)), ...(sub.ord ? ['__ord AS __sord'] : [])];
    list.push(`row_number() OVER (ORDER BY ${outer}.__ord${sub.ord ? ', _s.__sord' : ''}) AS __ord`);
    return {
      sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS ${outer}, LATERAL (SELECT ${subList.join(', ')} FROM (${sub.sql}) AS _q) AS _s`,
      cols: out, order: ['__ord'], ord: true,
    };
  }

  /** with_itemindex=Name of mv-expand and mv-apply. */
  private itemIndexName(params: Map<string, KNode>): string | undefined {
    return params.has('with_itemindex') ? this.src(params.get('with_itemindex')).replace(/^\['|'\]$/g, '') : undefined;
  }

  /**
   * An mv-expand / mv-apply item: its name (given, the column's, or the expression's text, which the analyzer turns
   * into a fresh name), whether it was given or a column, and its SQL.
   */
  private mvItem(inner: KNode, scope: RowScope): { name: string; named: boolean; src: string } {
    if (kindName(inner) === 'SimpleNamedExpression') return { name: String(inner.Name.SimpleName), named: true, src: this.scalar(inner.Expression, scope) };
    return { name: this.src(inner).replace(/^\['|'\]$/g, ''), named: kindName(inner) === 'NameReference', src: this.scalar(inner, scope) };
  }

  /**
   * The list a dynamic value expands to (mv-expand, mv-apply): an array's elements, a property bag's properties as
   * one-property bags (bagAs json_object) or [key, value] arrays (json_array), a scalar as itself.
   */
  private expansion(src: string, bagAs: 'json_object' | 'json_array'): string {
    return `CASE json_type(${src}) WHEN 'ARRAY' THEN json_extract(${src}, '$[*]') WHEN 'OBJECT' THEN list_transform(json_keys(${src}), k -> ${bagAs}(k, json_extract(${src}, '$."' || replace(k, '"', '\\"') || '"'))) ELSE [${src}] END`;
  }

  private mvExpand(input: Rel, op: KNode): Rel {
    const params = this.noParams(op, ['bagexpansion', 'kind', 'with_itemindex']);
    // bagexpansion=array (or kind=array): a bag's properties come out as [key, value] arrays, not {key: value} bags.
    const bagAs = ['bagexpansion', 'kind'].some((k) => params.has(k) && this.src(params.get(k)).toLowerCase() === 'array') ? 'json_array' as const : 'json_object' as const;
    const out = this.colsOf(op);
    const scope = this.scopeFor(input);
    const inputNames = new Set(input.cols.map((c) => c.name));
    const indexName = this.itemIndexName(params);
    const values = new Map<string, string>();
    const lists: string[] = [];
    for (const [i, mv] of elems(op.Expressions).entries()) {
      const item = this.mvItem(mv.Expression, scope);
      let name = item.name;
      const src = item.src;
      let target = out.find((c) => c.name === name);
      if (!target) {
        // An unnamed path (mv-expand Payload.tags) becomes a new column named by the analyzer.
        const fresh = out.filter((c) => !inputNames.has(c.name) && c.name !== indexName && !values.has(c.name));
        if (fresh.length < 1) throw this.unsupported(mv, 'this mv-expand expression');
        target = fresh[0];
        name = target.name;
      }
      lists.push(this.expansion(src, bagAs));
      // to typeof(): the analyzer's type drives the cast.
      values.set(name, target.type === 'dynamic' ? `__mv${i}` : this.fromDynamic(`__mv${i}`, target.type));
    }
    // Several columns expand side by side, as the service zips them: as many rows as the longest, shorter ones
    // padded with nulls. DuckDB's unnests in one SELECT do exactly that.
    const unnests = lists.map((l, i) => `unnest(${l}) AS __mv${i}`);
    // The item index (with_itemindex=, and the per-row cap of `limit N`) unnests beside them.
    const limit = op.RowLimitClause ? this.scalar(op.RowLimitClause.RowLimit, scope) : undefined;
    if (indexName || limit) unnests.push(`unnest(range(CAST(greatest(${lists.map((l) => `len(${l})`).join(', ')}) AS BIGINT))) AS __mvi`);
    if (indexName) values.set(indexName, '__mvi');
    const list = out.map((c) => (values.has(c.name) ? `${values.get(c.name)} AS ${ident(c.name)}` : ident(c.name)));
    return { sql: `SELECT ${list.join(', ')} FROM (SELECT *, ${unnests.join(', ')} FROM (${input.sql}) AS _t) AS _m${limit ? ` WHERE __mvi < ${limit}` : ''}`, cols: out };
  }

  private parse(input: Rel, op: KNode): Rel {
    const p = this.noParams(op, ['kind']);
    if (p.get('kind') && this.src(p.get('kind')).toLowerCase() !== 'simple') throw this.unsupported(op, `parse kind=${this.src(p.get('kind'))}`);
    const out = this.colsOf(op);
    const scope = this.scopeFor(input);
    const subject = this.scalar(op.Expression, scope);
    const pats = items(op.Patterns);
    let re = '^';
    const groups: { name: string; type: KType }[] = [];
    pats.forEach((pat: KNode, i: number) => {
      const k = kindName(pat);
      const last = i === pats.length - 1;
      if (k === 'StarExpression') re += last ? '.*' : '.*?';
      else if (k === 'StringLiteralExpression' || k === 'CompoundStringLiteralExpression') re += String(pat.LiteralValue).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else if (k === 'NameDeclaration' || k === 'NameAndTypeDeclaration') {
        const nm = String(k === 'NameDeclaration' ? pat.SimpleName : pat.Name.SimpleName);
        const c = out.find((x) => x.name === nm);
        if (!c) throw this.unsupported(pat, 'this parse pattern');
        groups.push(c);
        // A typed column takes only text of its type, so the pattern around it lines up as the service's does
        // (`totalSlices:long * "sliceNumber="` takes the digits, not an empty lazy match).
        re += NUMBER_PATTERN[c.type] ?? (last ? '(.*)' : '(.*?)');
      } else throw this.unsupported(pat, `'${this.src(pat)}' in a parse pattern`);
    });
    // One pass of the regex per row takes every group (a struct), and each typed column converts once, in an inner
    // SELECT. Simple mode is strict: the row parses only if the delimiters are found and every typed column
    // converts; otherwise every column is null (strings empty).
    const names = groups.map((_, j) => `'g${j}'`).join(', ');
    const convert = groups.map((g, j) => {
      const raw = `__pg.g${j}`;
      return `${g.type === 'string' ? raw : this.fromString(raw, g.type)} AS __p${j}`;
    });
    const ok = ['__pm', ...groups.flatMap((g, j) => (g.type === 'string' ? [] : [`__p${j} IS NOT NULL`]))].join(' AND ');
    const defs = new Map(groups.map((g, j) => [g.name, g.type === 'string' ? `CASE WHEN ${ok} THEN __p${j} ELSE '' END` : `CASE WHEN ${ok} THEN __p${j} END`]));
    const list = out.map((c) => (defs.has(c.name) ? `${defs.get(c.name)} AS ${ident(c.name)}` : ident(c.name)));
    if (input.ord) list.push('__ord');
    const matched = `SELECT *, regexp_matches(${subject}, ${sqlString(re)}, 's') AS __pm${groups.length ? `, regexp_extract(${subject}, ${sqlString(re)}, [${names}], 's') AS __pg` : ''} FROM (${input.sql}) AS _t`;
    const inner = groups.length ? `SELECT *, ${convert.join(', ')} FROM (${matched}) AS _m` : matched;
    return { sql: `SELECT ${list.join(', ')} FROM (${inner}) AS _p`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
  }

  private makeSeries(input: Rel, op: KNode): Rel {
    this.noParams(op);
    const out = this.colsOf(op);
    const scope = this.scopeFor(input);
    const on = this.scalar(op.OnClause.Expression, scope);
    const onName = out.find((c) => c.name === this.src(op.OnClause.Expression).replace(/^\['|'\]$/g, ''))?.name ?? this.src(op.OnClause.Expression);
    const onType = this.typeOf(op.OnClause.Expression);
    if (onType !== 'datetime') throw this.unsupported(op.OnClause, 'make-series on a non-datetime axis');
    const range = op.RangeClause;
    if (!range || kindName(range) !== 'MakeSeriesFromToStepClause') throw this.unsupported(op, "make-series 'in range(...)' (write 'from … to … step …')");
    const fromNode = range.MakeSeriesFromClause ? range.MakeSeriesFromClause.Expression : null;
    const toNode = range.MakeSeriesToClause ? range.MakeSeriesToClause.Expression : null;
    const step = this.scalar(range.MakeSeriesStepClause.Expression, undefined);
    const by = op.ByClause ? elems(op.ByClause.Expressions) : [];
    const byNames = out.slice(0, 0);
    const byList = by.map((e: KNode) => {
      const nm = kindName(e) === 'SimpleNamedExpression' ? String(e.Name.SimpleName) : this.src(e).replace(/^\['|'\]$/g, '');
      const c = out.find((x) => x.name === nm);
      if (!c) throw this.unsupported(e, 'this make-series by expression');
      byNames.push(c);
      return `${this.scalar(kindName(e) === 'SimpleNamedExpression' ? e.Expression : e, scope)} AS ${ident(c.name)}`;
    });
    const aggs = elems(op.Aggregates);
    const aggCols = out.filter((c) => c.name !== onName && !byNames.includes(c));
    if (aggCols.length !== aggs.length) throw this.unsupported(op, 'this make-series (its result columns could not be matched)');
    // Without from / to, the series run from the first bin that has data to the end of the last one: bins as bin()
    // makes them (aligned to 0001-01-01), not steps counted from the earliest timestamp.
    const stepNode = range.MakeSeriesStepClause.Expression;
    const from = fromNode ? this.scalar(fromNode, undefined) : `(SELECT ${this.bin(`min(${on})`, 'datetime', step, stepNode)} FROM (${input.sql}) AS _t)`;
    const to = toNode ? this.scalar(toNode, undefined) : `(SELECT kq_dt_add(${this.bin(`max(${on})`, 'datetime', step, stepNode)}, ${step}) FROM (${input.sql}) AS _t)`;
    const aggList = aggs.map((m: KNode, j: number) => {
      const e = m.Expression;
      const expr = kindName(e) === 'SimpleNamedExpression' ? e.Expression : e;
      return `${this.scalar(expr, { ...scope, aggregate: true })} AS __a${j}`;
    });
    const defaults = aggs.map((m: KNode, j: number) => {
      const d = m.DefaultExpression ? this.scalar(m.DefaultExpression.Expression, undefined) : `CAST(0 AS ${duckType(aggCols[j].type)})`;
      return `CAST(coalesce(g.__a${j}, ${d}) AS ${duckType(aggCols[j].type)})`;
    });
    const byRefs = byNames.map((c) => ident(c.name));
    // One scan of the input: the grouped rows become a CTE, and the series keys are read from it.
    const groupedName = `__series${this.cteCount++}`;
    this.ctes.push(`${groupedName} AS (SELECT ${[...byList, `kq_dt_diff(${on}, ${from}) // (${step}) AS __i`, ...aggList].join(', ')} FROM (${input.sql}) AS _t WHERE ${on} >= ${from} AND ${on} < ${to} GROUP BY ALL)`);
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

  private render(input: Rel, op: KNode): Rel {
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
      if (!target) throw this.unsupported(pe, `the render property '${key}'`);
      const valNode = pe.Expression;
      const raw = this.src(valNode);
      let val: unknown;
      if (kindName(valNode) === 'StringLiteralExpression') val = String(valNode.LiteralValue);
      else if (/^(true|false)$/i.test(raw)) val = raw.toLowerCase() === 'true';
      else if (/^-?\d+(\.\d+)?$/.test(raw)) val = Number(raw);
      else val = raw.replace(/^\(|\)$/g, '').split(',').map((s) => s.trim()).join(',');
      v[target] = val;
    }
    this.visualization = v;
    return input;
  }

  private getschema(input: Rel, op: KNode): Rel {
    const out = this.colsOf(op);
    const dataType: Record<KType, string> = {
      bool: 'System.SByte', int: 'System.Int32', long: 'System.Int64', real: 'System.Double', decimal: 'System.Data.SqlTypes.SqlDecimal', string: 'System.String',
      datetime: 'System.DateTime', timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
    };
    if (!input.cols.length) return { sql: `SELECT ${out.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`).join(', ')} WHERE false`, cols: out };
    const rows = input.cols.map((c, i) => `SELECT ${sqlString(c.name)} AS ${ident(out[0].name)}, CAST(${i} AS INTEGER) AS ${ident(out[1].name)}, ${sqlString(dataType[c.type])} AS ${ident(out[2].name)}, ${sqlString(c.type)} AS ${ident(out[3].name)}`);
    return { sql: rows.join(' UNION ALL '), cols: out, order: [`${ident(out[1].name)} ASC`] };
  }

  // ---- scalar --------------------------------------------------------------------------------------------------

  private scalar(n: KNode, scope: RowScope | undefined): string {
    const prev = this.rowScope;
    this.rowScope = scope;
    try { return this.expr(n, scope); } finally { this.rowScope = prev; }
  }

  /**
   * True while translating the top of a where condition (through and/or/parentheses), where null and false both
   * drop the row: plain comparisons there keep DuckDB's filter pushdown and zone maps.
   */
  private inPredicate = false;

  private predicate(n: KNode, scope: RowScope | undefined): string {
    const prev = this.inPredicate;
    this.inPredicate = true;
    try { return this.scalar(n, scope); } finally { this.inPredicate = prev; }
  }

  private expr(n: KNode, scope: RowScope | undefined): string {
    const k = kindName(n);
    const pred = this.inPredicate;
    this.inPredicate = pred && (k === 'AndExpression' || k === 'OrExpression' || k === 'ParenthesizedExpression');
    try { return this.expr1(n, k, scope, pred); } finally { this.inPredicate = pred; }
  }

  private expr1(n: KNode, k: string, scope: RowScope | undefined, pred: boolean): string {
    const e = (x: KNode) => this.expr(x, scope);
    switch (k) {
      case 'ParenthesizedExpression': return `(${e(n.Expression)})`;
      case 'BooleanLiteralExpression': return /true/i.test(this.src(n)) ? 'true' : /false/i.test(this.src(n)) ? 'false' : 'CAST(NULL AS BOOLEAN)';
      case 'IntLiteralExpression': case 'LongLiteralExpression': {
        const s = this.src(n);
        const m = /^(?:int|long)\s*\((.*)\)$/i.exec(s);
        const body = m ? m[1].trim() : s;
        if (/^null$/i.test(body)) return `CAST(NULL AS ${k === 'IntLiteralExpression' ? 'INTEGER' : 'BIGINT'})`;
        const v = /^0x/i.test(body) ? BigInt(body).toString() : body;
        return k === 'IntLiteralExpression' ? `CAST(${v} AS INTEGER)` : `CAST(${v} AS BIGINT)`;
      }
      case 'RealLiteralExpression': case 'DecimalLiteralExpression': {
        const s = this.src(n);
        const m = /^(?:real|double|decimal)\s*\((.*)\)$/i.exec(s);
        const body = (m ? m[1] : s).trim().toLowerCase();
        const t = k === 'DecimalLiteralExpression' ? 'DECIMAL(38,10)' : 'DOUBLE';
        if (body === 'null') return `CAST(NULL AS ${t})`;
        if (body === 'nan') return "CAST('NaN' AS DOUBLE)";
        if (body === '+inf' || body === 'inf') return "CAST('Infinity' AS DOUBLE)";
        if (body === '-inf') return "CAST('-Infinity' AS DOUBLE)";
        return `CAST(${body} AS ${t})`;
      }
      case 'StringLiteralExpression': case 'CompoundStringLiteralExpression': return sqlString(String(n.LiteralValue));
      case 'GuidLiteralExpression': return n.LiteralValue == null ? 'CAST(NULL AS VARCHAR)' : sqlString(String(n.LiteralValue));
      case 'NullLiteralExpression': return 'NULL';
      case 'DateTimeLiteralExpression': {
        const s = this.src(n).replace(/^(datetime|date)\s*\(/i, '').replace(/\)$/, '');
        const ns = parseDatetimeNs(s);
        if (ns === undefined) {
          if (/^\s*null\s*$/i.test(s)) return 'CAST(NULL AS TIMESTAMP_NS)';
          const pos = lineColumn(this.text, n.TextStart);
          throw new KustoUserError('Semantic', `The datetime literal '${this.src(n)}' is not a valid date and time (line ${pos.line}, column ${pos.column}): write datetime(yyyy-MM-dd[ HH:mm[:ss[.fffffff]]]).`, pos);
        }
        // Nanoseconds in a BIGINT: the years 1678 to 2261 fit, the service's 0001 to 9999 do not.
        if (ns <= -(2n ** 63n) || ns >= 2n ** 63n - 1n) throw this.unsupported(n, `the datetime literal '${this.src(n)}' (the local Eventhouse keeps datetimes from 1677-09-22 to 2262-04-11)`);
        // A typed literal (not make_timestamp_ns()) so DuckDB can prune row groups on it.
        return `TIMESTAMP_NS '${formatDatetimeNs(ns).replace('T', ' ').replace('Z', '')}'`;
      }
      case 'TimespanLiteralExpression': {
        const t = parseTimespan(this.src(n));
        return t === undefined ? 'CAST(NULL AS BIGINT)' : `CAST(${t} AS BIGINT)`;
      }
      case 'DynamicExpression': {
        const v = n.LiteralValue;
        if (v == null) return 'CAST(NULL AS JSON)';
        let json: string;
        try { json = JSON.stringify(JSON.parse(String(v))); } catch {
          // dynamic({'a': 'b'}): KQL lets the strings inside take single quotes (and KQL's escapes).
          const requoted = requoteDynamic(this.src(n).replace(/^\s*dynamic\s*\(/i, '').replace(/\)\s*$/, ''));
          try { json = JSON.stringify(JSON.parse(requoted ?? '')); } catch { throw this.unsupported(n, `the dynamic literal '${this.src(n)}' (only JSON values, with strings in single or double quotes, are supported inside dynamic())`); }
        }
        return `CAST(${sqlString(json)} AS JSON)`;
      }
      case 'NameReference': return this.nameRef(n, scope);
      case 'BracketedExpression': return e(n.Expression);
      case 'UnaryMinusExpression': return `(-${e(n.Expression)})`;
      case 'UnaryPlusExpression': return e(n.Expression);
      case 'AndExpression': return `(${e(n.Left)} AND ${e(n.Right)})`;
      case 'OrExpression': return `(${e(n.Left)} OR ${e(n.Right)})`;
      case 'AddExpression': case 'SubtractExpression': case 'MultiplyExpression': case 'DivideExpression': case 'ModuloExpression':
        return this.arith(n, k, scope);
      case 'EqualExpression': case 'NotEqualExpression': case 'LessThanExpression': case 'LessThanOrEqualExpression':
      case 'GreaterThanExpression': case 'GreaterThanOrEqualExpression':
        return this.compare(n, k, scope, pred);
      case 'EqualTildeExpression': return `(lower(${this.asString(n.Left, scope)}) = lower(${this.asString(n.Right, scope)}))`;
      case 'BangTildeExpression': return `(lower(${this.asString(n.Left, scope)}) <> lower(${this.asString(n.Right, scope)}))`;
      case 'InExpression': case 'NotInExpression': case 'InCsExpression': case 'NotInCsExpression':
        return this.inExpr(n, scope);
      case 'BetweenExpression': case 'NotBetweenExpression': {
        const lt = this.typeOf(n.Left);
        const left = e(n.Left);
        const lo = e(n.Right.First);
        let hi = e(n.Right.Second);
        if (lt === 'datetime' && this.typeOf(n.Right.Second) === 'timespan') hi = `kq_dt_add(${lo}, ${hi})`;
        return `(${left} ${k === 'NotBetweenExpression' ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi})`;
      }
      case 'HasExpression': case 'NotHasExpression': case 'HasCsExpression': case 'NotHasCsExpression':
      case 'HasPrefixExpression': case 'NotHasPrefixExpression': case 'HasPrefixCsExpression': case 'NotHasPrefixCsExpression':
      case 'HasSuffixExpression': case 'NotHasSuffixExpression': case 'HasSuffixCsExpression': case 'NotHasSuffixCsExpression': {
        const cs = k.includes('Cs');
        const neg = k.startsWith('Not');
        const mode = k.includes('Prefix') ? 'prefix' : k.includes('Suffix') ? 'suffix' : 'term';
        const r = this.hasRegex(n.Right, mode, cs);
        return `(${neg ? 'NOT ' : ''}regexp_matches(${this.asString(n.Left, scope)}, ${r}))`;
      }
      case 'HasAnyExpression': case 'HasAllExpression': {
        const terms = elems(n.Right.Expressions);
        const subject = this.asString(n.Left, scope);
        const any = k === 'HasAnyExpression';
        const parts = terms.map((t: KNode) => {
          if (this.typeOf(t) !== 'dynamic') return `regexp_matches(${subject}, ${this.hasRegex(t, 'term', false)})`;
          // A dynamic array (has_any (dynamic(["a", "b"])), a let of one) stands for its elements.
          const elements = `json_extract_string(${this.expr(t, scope)}, '$[*]')`;
          const matches = `list_filter(${elements}, __t -> regexp_matches(${subject}, ${termRegexSql('__t', false)}))`;
          return any ? `(len(${matches}) > 0)` : `(len(${matches}) = len(${elements}))`;
        });
        if (!parts.length) return 'false';
        return `(${parts.join(any ? ' OR ' : ' AND ')})`;
      }
      case 'ContainsExpression': case 'NotContainsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}contains(lower(${this.asString(n.Left, scope)}), lower(${this.asString(n.Right, scope)})))`;
      case 'ContainsCsExpression': case 'NotContainsCsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}contains(${this.asString(n.Left, scope)}, ${this.asString(n.Right, scope)}))`;
      case 'StartsWithExpression': case 'NotStartsWithExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}starts_with(lower(${this.asString(n.Left, scope)}), lower(${this.asString(n.Right, scope)})))`;
      case 'StartsWithCsExpression': case 'NotStartsWithCsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}starts_with(${this.asString(n.Left, scope)}, ${this.asString(n.Right, scope)}))`;
      case 'EndsWithExpression': case 'NotEndsWithExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}ends_with(lower(${this.asString(n.Left, scope)}), lower(${this.asString(n.Right, scope)})))`;
      case 'EndsWithCsExpression': case 'NotEndsWithCsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}ends_with(${this.asString(n.Left, scope)}, ${this.asString(n.Right, scope)}))`;
      case 'LikeExpression': case 'NotLikeExpression': return `(${this.asString(n.Left, scope)} ${k.startsWith('Not') ? 'NOT ' : ''}ILIKE ${e(n.Right)})`;
      case 'LikeCsExpression': case 'NotLikeCsExpression': return `(${this.asString(n.Left, scope)} ${k.startsWith('Not') ? 'NOT ' : ''}LIKE ${e(n.Right)})`;
      case 'MatchesRegexExpression': return `regexp_matches(${this.asString(n.Left, scope)}, ${e(n.Right)})`;
      case 'PathExpression': case 'ElementExpression': return this.dynamicAccess(n, scope);
      case 'FunctionCallExpression': return this.call(n, scope);
      case 'ToScalarExpression': {
        const rel = this.tabular(n.Expression);
        return `(SELECT ${ident(rel.cols[0].name)} FROM (${rel.sql}) AS _s${rel.order?.length ? ` ORDER BY ${rel.order.join(', ')}` : ''} LIMIT 1)`;
      }
      default: throw this.unsupported(n, `the expression kind '${k}'`);
    }
  }

  private nameRef(n: KNode, scope: RowScope | undefined): string {
    const name = String(n.SimpleName);
    const sym = n.ReferencedSymbol;
    const sk = sym ? symbolKindName(sym) : '';
    if (sk === 'Column' && scope) {
      const c = scope.col(name);
      if (c) return c;
    }
    const b = this.lookup(name);
    if (b && b.kind === 'scalar') return b.sql;
    if (sk === 'Column' && scope) { const c = scope.col(name); if (c) return c; }
    if (sk === 'Function') return this.call(n, scope);
    throw this.unsupported(n, `the name '${name}' here`);
  }

  /** Literal needle → an RE2 pattern with Kusto's term boundaries (terms are runs of ASCII letters and digits). */
  private hasRegex(n: KNode, mode: 'term' | 'prefix' | 'suffix', cs: boolean): string {
    const k = kindName(n);
    if (k !== 'StringLiteralExpression' && k !== 'CompoundStringLiteralExpression') return termRegexSql(this.expr(n, this.rowScope), cs);
    const needle = String(n.LiteralValue);
    const esc = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const alnum = (c: string | undefined) => c !== undefined && /[0-9A-Za-z]/.test(c);
    const before = alnum(needle[0]) ? '(^|[^0-9A-Za-z])' : '';
    const after = alnum(needle[needle.length - 1]) ? '($|[^0-9A-Za-z])' : '';
    // has: a whole term; hasprefix: the start of a term; hassuffix: the end of a term.
    const body = mode === 'term' ? `${before}${esc}${after}` : mode === 'prefix' ? `${before}${esc}` : `${esc}${after}`;
    return sqlString(`${cs ? '' : '(?i)'}${body}`);
  }

  /** A string view of an operand: dynamic values compare by their JSON scalar text. */
  private asString(n: KNode, scope: RowScope | undefined): string {
    const t = this.typeOf(n);
    const s = this.expr(n, scope);
    if (t === 'string') return s;
    return this.toStringSql(s, t);
  }

  private arith(n: KNode, k: string, scope: RowScope | undefined): string {
    const lt = this.typeOf(n.Left);
    const rt = this.typeOf(n.Right);
    const out = this.typeOf(n);
    const l = this.expr(n.Left, scope);
    const r = this.expr(n.Right, scope);
    const isInt = (t: KType) => t === 'int' || t === 'long';
    if (k === 'AddExpression') {
      if (lt === 'datetime' && rt === 'timespan') return `kq_dt_add(${l}, ${r})`;
      if (lt === 'timespan' && rt === 'datetime') return `kq_dt_add(${r}, ${l})`;
      return `(${l} + ${r})`;
    }
    if (k === 'SubtractExpression') {
      if (lt === 'datetime' && rt === 'datetime') return `kq_dt_diff(${l}, ${r})`;
      if (lt === 'datetime' && rt === 'timespan') return `kq_dt_add(${l}, -(${r}))`;
      return `(${l} - ${r})`;
    }
    if (k === 'MultiplyExpression') {
      if (out === 'timespan' && (lt === 'real' || rt === 'real')) return `CAST(trunc(${l} * ${r}) AS BIGINT)`;
      return `(${l} * ${r})`;
    }
    if (k === 'DivideExpression') {
      if (lt === 'timespan' && rt === 'timespan') return `(CAST(${l} AS DOUBLE) / ${r})`;
      if (out === 'timespan') return isInt(rt) ? `(${l} // ${r})` : `CAST(trunc(${l} / ${r}) AS BIGINT)`;
      // Kusto: integer / integer is integer division (truncating toward zero, as in .NET).
      if (isInt(lt) && isInt(rt)) return `(${l} // ${r})`;
      return `(CAST(${l} AS DOUBLE) / ${r})`;
    }
    if (isInt(lt) && isInt(rt)) return `(${l} % ${r})`;
    return `fmod(${l}, ${r})`;
  }

  private compare(n: KNode, k: string, scope: RowScope | undefined, pred: boolean): string {
    const ops: Record<string, string> = {
      EqualExpression: '=', NotEqualExpression: '<>', LessThanExpression: '<', LessThanOrEqualExpression: '<=', GreaterThanExpression: '>', GreaterThanOrEqualExpression: '>=',
    };
    const lt = this.typeOf(n.Left);
    const rt = this.typeOf(n.Right);
    let l = this.expr(n.Left, scope);
    let r = this.expr(n.Right, scope);
    if (lt === 'dynamic' && rt !== 'dynamic') l = this.fromDynamic(l, rt);
    if (rt === 'dynamic' && lt !== 'dynamic') r = this.fromDynamic(r, lt);
    if (lt === 'dynamic' && rt === 'dynamic') { l = `CAST(${l} AS VARCHAR)`; r = `CAST(${r} AS VARCHAR)`; }
    const nonEmptyLit = (x: KNode) => kindName(x) === 'StringLiteralExpression' && String(x.LiteralValue) !== '';
    if (pred && k === 'EqualExpression' && lt === 'string' && rt === 'string' && (nonEmptyLit(n.Right) || nonEmptyLit(n.Left))) {
      // A stored null string ("" in Kusto) can't equal a non-empty literal either way.
      return `(${l} = ${r})`;
    }
    if (lt === 'string' && rt === 'string' && (k === 'EqualExpression' || k === 'NotEqualExpression')) {
      // Strings are never null in Kusto: a stored null equals "".
      l = `coalesce(${l}, '')`; r = `coalesce(${r}, '')`;
      return `(${l} ${ops[k]} ${r})`;
    }
    if (k === 'EqualExpression' || k === 'NotEqualExpression') {
      // Kusto: null == value is false and null != value is true; only null against null gives null.
      const isLit = (x: KNode) => /LiteralExpression$/.test(kindName(x)) && !/null/i.test(this.src(x));
      if (pred && k === 'EqualExpression' && (isLit(n.Right) || isLit(n.Left))) return `(${l} = ${r})`;
      if (isLit(n.Right) || isLit(n.Left)) return k === 'EqualExpression' ? `coalesce(${l} = ${r}, false)` : `coalesce(${l} <> ${r}, true)`;
      const same = k === 'EqualExpression' ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM';
      return `(CASE WHEN ${l} IS NULL AND ${r} IS NULL THEN NULL ELSE ${l} ${same} ${r} END)`;
    }
    return `(${l} ${ops[k]} ${r})`;
  }

  private inExpr(n: KNode, scope: RowScope | undefined): string {
    const op = String(n.Operator.Text);
    const ci = op.includes('~');
    const neg = op.startsWith('!');
    const lt = this.typeOf(n.Left);
    const list = elems(n.Right.Expressions);
    let left = lt === 'dynamic' ? `(${this.expr(n.Left, scope)} ->> '$')` : this.expr(n.Left, scope);
    const wrap = (s: string) => (ci ? `lower(${s})` : s);
    if (list.length === 1 && list[0].ResultType && symbolKindName(list[0].ResultType) === 'Table') {
      const rel = this.tabular(list[0]);
      left = wrap(left);
      return `(${left} ${neg ? 'NOT ' : ''}IN (SELECT ${wrap(ident(rel.cols[0].name))} FROM (${rel.sql}) AS _s))`;
    }
    const values: string[] = [];
    for (const v of list) {
      if (this.typeOf(v) === 'dynamic') {
        const dyn = this.expr(v, scope);
        values.push(`__DYN__${dyn}`);
      } else values.push(wrap(this.expr(v, scope)));
    }
    const dyn = values.filter((v) => v.startsWith('__DYN__')).map((v) => v.slice(7));
    const plain = values.filter((v) => !v.startsWith('__DYN__'));
    const parts: string[] = [];
    if (plain.length) parts.push(`${wrap(left)} IN (${plain.join(', ')})`);
    for (const d of dyn) {
      // A typed value against the array's elements as array_index_of compares them: 1.0 in (dynamic([1])) holds, and
      // a datetime matches the ISO text make_set(datetime) gives. A dynamic value compares by its text.
      if (lt !== 'dynamic') {
        const match = this.elementMatch(left, lt, n.Left, ci);
        parts.push(`coalesce(list_bool_or(list_transform(json_extract(${d}, '$[*]'), __e -> (${match('__e')}))), false)`);
      } else {
        // The lambda's body in parentheses: `x -> x ->> '$'` reads as (x -> x) ->> '$', a JSON path on a column x.
        parts.push(`list_contains(list_transform(json_extract(${d}, '$[*]'), __x -> (${wrap("__x ->> '$'")})), ${wrap(left)})`);
      }
    }
    const body = parts.length ? parts.join(' OR ') : 'false';
    return neg ? `(NOT coalesce(${body}, false))` : `(${body})`;
  }

  /** Path access on dynamic values: d.a.b, d['k'], d[0] → one json_extract with a JSONPath. */
  private dynamicAccess(n: KNode, scope: RowScope | undefined): string {
    const steps: string[] = [];
    let cur = n;
    const dynamicSteps: string[] = [];
    while (kindName(cur) === 'PathExpression' || kindName(cur) === 'ElementExpression') {
      if (kindName(cur) === 'PathExpression') {
        const sel = this.src(cur.Selector).replace(/^\['|'\]$|^\["|"\]$/g, '');
        steps.unshift(jsonKey(sel));
      } else {
        const sel = cur.Selector.Expression;
        const sk = kindName(sel);
        if (sk === 'StringLiteralExpression') steps.unshift(jsonKey(String(sel.LiteralValue)));
        else if (sk === 'LongLiteralExpression' || sk === 'IntLiteralExpression') {
          const i = Number(this.src(sel));
          steps.unshift(i < 0 ? `[#${i}]` : `[${i}]`);
        } else if (sk === 'UnaryMinusExpression') steps.unshift(`[#-${this.src(sel.Expression)}]`);
        else {
          const t = this.typeOf(sel);
          const v = this.expr(sel, scope);
          dynamicSteps.unshift(t === 'string' ? `'.' || to_json(${v})::VARCHAR` : `'[' || CAST(${v} AS VARCHAR) || ']'`);
          steps.unshift('\u0000');
        }
      }
      cur = cur.Expression;
    }
    const baseType = this.typeOf(cur);
    if (baseType !== 'dynamic') throw this.unsupported(n, 'member access on a non-dynamic value');
    const base = this.expr(cur, scope);
    if (!dynamicSteps.length) return `json_extract(${base}, ${sqlString('$' + steps.join(''))})`;
    const parts: string[] = ["'$'"];
    let di = 0;
    for (const s of steps) parts.push(s === '\u0000' ? dynamicSteps[di++] : sqlString(s));
    return `json_extract(${base}, ${parts.join(' || ')})`;
  }

  /** dynamic → a typed scalar (the JSON scalar converted as Kusto's to* functions would). */
  private fromDynamic(sql: string, t: KType): string {
    // json_extract(x, path) followed by ->> '$' parses twice; json_extract_string reads the scalar text directly.
    const direct = singleCall(sql, 'json_extract');
    const text = direct !== undefined ? `json_extract_string(${direct})` : `(${sql} ->> '$')`;
    switch (t) {
      case 'string': return `coalesce(${text}, '')`;
      case 'dynamic': return sql;
      default: return this.fromString(text, t);
    }
  }

  private fromString(sql: string, t: KType): string {
    return convertFromText(sql, t);
  }

  private toStringSql(sql: string, t: KType): string {
    switch (t) {
      case 'string': case 'guid': return `coalesce(${sql}, '')`;
      case 'datetime': return `coalesce(kq_dt_str(${sql}), '')`;
      case 'timespan': return `coalesce(kq_ts_str(${sql}), '')`;
      case 'real': return `coalesce(kq_real_str(${sql}), '')`;
      case 'dynamic': return `coalesce(CASE json_type(${sql}) WHEN 'VARCHAR' THEN ${sql} ->> '$' WHEN 'NULL' THEN '' ELSE CAST(${sql} AS VARCHAR) END, '')`;
      default: return `coalesce(CAST(${sql} AS VARCHAR), '')`;
    }
  }

  /** A typed scalar → dynamic (JSON), with datetimes and timespans as the strings Kusto puts in dynamic values. */
  private toDynamic(sql: string, t: KType): string {
    switch (t) {
      case 'dynamic': return sql;
      case 'datetime': return `to_json(kq_dt_str(${sql}))`;
      case 'timespan': return `to_json(kq_ts_str(${sql}))`;
      default: return `to_json(${sql})`;
    }
  }

  private windowOrder(scope: RowScope | undefined): string {
    const order = scope?.rel.order;
    return order?.length ? `ORDER BY ${order.join(', ')}` : '';
  }

  private call(n: KNode, scope: RowScope | undefined): string {
    const name = String(n.Name.SimpleName);
    const lname = name.toLowerCase();
    const args: KNode[] = n.ArgumentList ? elems(n.ArgumentList.Expressions) : [];
    const body = n.GetCalledFunctionBody ? n.GetCalledFunctionBody() : null;
    if (body) {
      return this.withArgs(n, () => {
        const r = this.bodyResult(body, false);
        if (typeof r !== 'string') throw this.unsupported(n, 'a tabular function used as a scalar');
        return `(${r})`;
      });
    }
    const a = (i: number) => this.expr(args[i], scope);
    const t = (i: number) => this.typeOf(args[i]);
    const out = () => this.typeOf(n);
    const str = (i: number) => this.asString(args[i], scope);
    const agg = (sql: string) => {
      if (!scope?.aggregate) throw this.unsupported(n, `the aggregate '${name}' outside summarize or make-series`);
      return sql;
    };
    const num = (i: number) => (t(i) === 'dynamic' ? this.fromDynamic(a(i), 'real') : a(i));
    switch (lname) {
      // aggregates
      case 'count': return agg('count(*)');
      case 'countif': return agg(`count(*) FILTER (WHERE ${a(0)})`);
      case 'dcount': return agg(`count(DISTINCT ${a(0)})`);
      case 'dcountif': return agg(`count(DISTINCT ${a(0)}) FILTER (WHERE ${a(1)})`);
      case 'count_distinct': return agg(`count(DISTINCT ${a(0)})`);
      case 'count_distinctif': return agg(`count(DISTINCT ${a(0)}) FILTER (WHERE ${a(1)})`);
      case 'sum': return agg(`sum(${num(0)})`);
      case 'sumif': return agg(`sum(${num(0)}) FILTER (WHERE ${a(1)})`);
      case 'avg': return agg(`avg(${num(0)})`);
      case 'avgif': return agg(`avg(${num(0)}) FILTER (WHERE ${a(1)})`);
      case 'min': return agg(`min(${a(0)})`);
      case 'max': return agg(`max(${a(0)})`);
      case 'minif': return agg(`min(${a(0)}) FILTER (WHERE ${a(1)})`);
      case 'maxif': return agg(`max(${a(0)}) FILTER (WHERE ${a(1)})`);
      case 'percentile': return agg(`quantile_disc(${num(0)}, ${a(1)} / 100.0)`);
      case 'stdev': return agg(`stddev_samp(${num(0)})`);
      case 'stdevif': return agg(`stddev_samp(${num(0)}) FILTER (WHERE ${a(1)})`);
      case 'stdevp': return agg(`stddev_pop(${num(0)})`);
      case 'variance': return agg(`var_samp(${num(0)})`);
      case 'varianceif': return agg(`var_samp(${num(0)}) FILTER (WHERE ${a(1)})`);
      case 'variancep': return agg(`var_pop(${num(0)})`);
      case 'take_any': case 'any': {
        if (args.length !== 1 || kindName(args[0]) === 'StarExpression') throw this.unsupported(n, `${lname} with several arguments or *`);
        return agg(`any_value(${a(0)})`);
      }
      case 'make_list': case 'make_set': case 'make_list_if': case 'make_set_if': {
        const sizeArg = lname.endsWith('_if') ? 2 : 1;
        const v = a(0);
        const elem = t(0) === 'datetime' ? `kq_dt_str(${v})` : t(0) === 'timespan' ? `kq_ts_str(${v})` : v;
        const cond = lname.endsWith('_if') ? ` AND (${a(1)})` : '';
        // Sorted input gives a list in that order (make_list's page: the array "tracks" a sorted input's order).
        const order = lname.startsWith('make_list') && scope?.rel.order?.length ? ` ORDER BY ${scope.rel.order.join(', ')}` : '';
        let list = `list(${lname.startsWith('make_set') ? 'DISTINCT ' : ''}${elem}${order}) FILTER (WHERE ${v} IS NOT NULL${cond})`;
        // The size limit keeps the first maxSize elements, in the (documented) aggregation order.
        if (args.length > sizeArg) list = `list_slice(${list}, 1, CAST(${a(sizeArg)} AS BIGINT))`;
        return agg(`coalesce(to_json(${list}), CAST('[]' AS JSON))`);
      }
      case 'make_bag': case 'make_bag_if': {
        const sizeArg = lname === 'make_bag_if' ? 2 : 1;
        const cond = lname === 'make_bag_if' ? ` AND (${a(1)})` : '';
        const size = args.length > sizeArg ? `CAST(${a(sizeArg)} AS BIGINT)` : 'NULL';
        return agg(`kq_bag_of(list(${a(0)}) FILTER (WHERE json_type(${a(0)}) = 'OBJECT'${cond}), ${size})`);
      }
      case 'arg_max': case 'arg_min': case 'percentiles':
        throw this.unsupported(n, `${name} inside an expression (use it as a whole summarize aggregate)`);
      // windows
      case 'row_number': {
        if (args.length > 1) throw this.unsupported(n, 'row_number with a restart condition');
        this.windows++;
        return args.length ? `(row_number() OVER (${this.windowOrder(scope)}) + (${a(0)}) - 1)` : `row_number() OVER (${this.windowOrder(scope)})`;
      }
      case 'row_cumsum': {
        if (args.length > 1) throw this.unsupported(n, 'row_cumsum with a restart condition');
        this.windows++;
        return `CAST(sum(${a(0)}) OVER (${this.windowOrder(scope)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${duckType(out())})`;
      }
      case 'prev': case 'next': {
        const off = args[1] ? a(1) : '1';
        const def = args[2] ? `, ${a(2)}` : '';
        this.windows++;
        return `${lname === 'prev' ? 'lag' : 'lead'}(${a(0)}, ${off}${def}) OVER (${this.windowOrder(scope)})`;
      }
      // datetime
      case 'now': this.usesNow = true; return args.length ? `kq_dt_add(make_timestamp_ns(${this.nowNs}::BIGINT), ${a(0)})` : `make_timestamp_ns(${this.nowNs}::BIGINT)`;
      case 'ago': this.usesNow = true; return `kq_dt_add(make_timestamp_ns(${this.nowNs}::BIGINT), -(${a(0)}))`;
      case 'bin': case 'floor': return this.bin(a(0), t(0), a(1), args[1]);
      case 'bin_at': {
        if (t(0) !== 'datetime') throw this.unsupported(n, 'bin_at on non-datetime values');
        return `kq_dt_add(${a(2)}, (kq_dt_diff(${a(0)}, ${a(2)}) - kq_pmod(kq_dt_diff(${a(0)}, ${a(2)}), ${a(1)})))`;
      }
      case 'startofday': return this.startOf('day', a(0), args[1] ? a(1) : undefined);
      case 'startofweek': return this.startOf('week', a(0), args[1] ? a(1) : undefined);
      case 'startofmonth': return this.startOf('month', a(0), args[1] ? a(1) : undefined);
      case 'startofyear': return this.startOf('year', a(0), args[1] ? a(1) : undefined);
      case 'startofhour': return `CAST(date_trunc('hour', ${a(0)}) AS TIMESTAMP_NS)`;
      case 'startofminute': return `CAST(date_trunc('minute', ${a(0)}) AS TIMESTAMP_NS)`;
      case 'endofday': case 'endofweek': case 'endofmonth': case 'endofyear': {
        const unit = lname.slice(5);
        const next = this.startOf(unit, a(0), args[1] ? `(${a(1)}) + 1` : '1');
        return `kq_dt_add(${next}, -1)`;
      }
      case 'datetime_add': {
        const part = this.partName(args[0]);
        const units: Record<string, string> = { year: 'year', quarter: 'quarter', month: 'month', week: 'week', day: 'day', hour: 'hour', minute: 'minute', second: 'second', millisecond: 'millisecond', microsecond: 'microsecond' };
        if (part === 'nanosecond') return `kq_dt_add(${a(2)}, (${a(1)}) // 100)`;
        if (!units[part]) throw this.unsupported(args[0], `datetime_add part '${part}'`);
        const ticks: Record<string, string> = { week: '6048000000000', day: '864000000000', hour: '36000000000', minute: '600000000', second: '10000000', millisecond: '10000', microsecond: '10' };
        if (ticks[part]) return `kq_dt_add(${a(2)}, CAST(${a(1)} AS BIGINT) * ${ticks[part]})`;
        return `CAST(CAST(${a(2)} AS TIMESTAMP) + to_${part === 'quarter' ? 'months' : part + 's'}(CAST(${a(1)} AS INTEGER)${part === 'quarter' ? ' * 3' : ''}) AS TIMESTAMP_NS)`;
      }
      case 'datetime_diff': {
        const part = this.partName(args[0]);
        const ticks: Record<string, number> = { day: 864e9, hour: 36e9, minute: 6e8, second: 1e7, millisecond: 1e4, microsecond: 10 };
        if (ticks[part]) {
          // Kusto counts period boundaries crossed: floor each side to the period, then subtract.
          const fl = (x: string) => `(kq_dt_diff(${x}, make_timestamp_ns(0)) - kq_pmod(kq_dt_diff(${x}, make_timestamp_ns(0)), ${ticks[part]}))`;
          return `CAST((${fl(a(1))} - ${fl(a(2))}) // ${ticks[part]} AS BIGINT)`;
        }
        if (part === 'nanosecond') return `(kq_dt_diff(${a(1)}, ${a(2)}) * 100)`;
        if (part === 'year') return `CAST(year(${a(1)}) - year(${a(2)}) AS BIGINT)`;
        if (part === 'month') return `CAST((year(${a(1)}) - year(${a(2)})) * 12 + month(${a(1)}) - month(${a(2)}) AS BIGINT)`;
        if (part === 'quarter') return `CAST((year(${a(1)}) - year(${a(2)})) * 4 + quarter(${a(1)}) - quarter(${a(2)}) AS BIGINT)`;
        if (part === 'week') return `CAST(date_diff('day', CAST(${this.startOf('week', a(2))} AS DATE), CAST(${this.startOf('week', a(1))} AS DATE)) // 7 AS BIGINT)`;
        throw this.unsupported(args[0], `datetime_diff part '${part}'`);
      }
      case 'datetime_part': {
        const part = this.partName(args[0]);
        const m: Record<string, string> = { year: 'year', quarter: 'quarter', month: 'month', day: 'day', dayofyear: 'dayofyear', hour: 'hour', minute: 'minute', second: 'second', week_of_year: 'week', weekofyear: 'week' };
        // The fraction of the second in milli-, micro- or nanoseconds (datetime(…03.7654321): 765, 765432, 765432100).
        const sub: Record<string, number> = { millisecond: 1000000, microsecond: 1000, nanosecond: 1 };
        if (sub[part]) return `CAST((epoch_ns(${a(1)}) % 1000000000 + 1000000000) % 1000000000 // ${sub[part]} AS INTEGER)`;
        if (!m[part]) throw this.unsupported(args[0], `datetime_part '${part}'`);
        return `CAST(${m[part]}(${a(1)}) AS INTEGER)`;
      }
      case 'dayofweek': return `(CAST(dayofweek(${a(0)}) AS BIGINT) * ${DAY_TICKS})`;
      case 'dayofmonth': return `CAST(day(${a(0)}) AS INTEGER)`;
      case 'dayofyear': return `CAST(dayofyear(${a(0)}) AS INTEGER)`;
      case 'hourofday': return `CAST(hour(${a(0)}) AS INTEGER)`;
      case 'monthofyear': case 'getmonth': return `CAST(month(${a(0)}) AS INTEGER)`;
      case 'getyear': return `CAST(year(${a(0)}) AS INTEGER)`;
      case 'week_of_year': return `CAST(weekofyear(${a(0)}) AS INTEGER)`;
      case 'format_datetime': return this.formatDatetime(a(0), args[1]);
      case 'unixtime_seconds_todatetime': return `make_timestamp_ns(CAST(trunc(${a(0)} * 1000000000) AS BIGINT))`;
      case 'unixtime_milliseconds_todatetime': return `make_timestamp_ns(CAST(trunc(${a(0)} * 1000000) AS BIGINT))`;
      case 'todatetime': return t(0) === 'datetime' ? a(0) : t(0) === 'dynamic' ? this.fromDynamic(a(0), 'datetime') : t(0) === 'string' ? `kq_parse_dt(${a(0)})` : (() => { throw this.unsupported(n, `todatetime of ${t(0)}`); })();
      case 'totimespan': case 'totime': return t(0) === 'timespan' ? a(0) : t(0) === 'dynamic' ? this.fromDynamic(a(0), 'timespan') : t(0) === 'string' ? `kq_parse_ts(${a(0)})` : (() => { throw this.unsupported(n, `totimespan of ${t(0)}`); })();
      // conversions
      case 'tostring': return this.toStringSql(a(0), t(0));
      case 'toint': case 'tolong': {
        const target: KType = lname === 'toint' ? 'int' : 'long';
        const dt = duckType(target);
        switch (t(0)) {
          case 'string': return this.fromString(a(0), target);
          case 'dynamic': return this.fromDynamic(a(0), target);
          case 'real': case 'decimal': return `TRY_CAST(trunc(${a(0)}) AS ${dt})`;
          case 'datetime': return `CAST(kq_dt_diff(${a(0)}, make_timestamp_ns(0)) + ${EPOCH_TICKS} AS ${dt})`;
          default: return `TRY_CAST(${a(0)} AS ${dt})`;
        }
      }
      case 'toreal': case 'todouble': case 'todecimal': {
        const target: KType = lname === 'todecimal' ? 'decimal' : 'real';
        if (t(0) === 'string') return this.fromString(a(0), target);
        if (t(0) === 'dynamic') return this.fromDynamic(a(0), target);
        return `TRY_CAST(${a(0)} AS ${duckType(target)})`;
      }
      case 'tobool': case 'toboolean': {
        if (t(0) === 'string') return this.fromString(a(0), 'bool');
        if (t(0) === 'dynamic') return this.fromDynamic(a(0), 'bool');
        if (t(0) === 'bool') return a(0);
        return `(${a(0)} <> 0)`;
      }
      case 'toguid': return t(0) === 'guid' ? a(0) : this.fromString(str(0), 'guid');
      case 'todynamic': case 'parse_json': return t(0) === 'dynamic' ? a(0) : t(0) === 'string' ? this.fromString(a(0), 'dynamic') : this.toDynamic(a(0), t(0));
      case 'dynamic_to_json': return `CAST(${a(0)} AS VARCHAR)`;
      // strings
      case 'strcat': return `concat(${args.map((_, i) => str(i)).join(', ')})`;
      case 'strcat_delim': return `concat_ws(${str(0)}, ${args.slice(1).map((_, i) => str(i + 1)).join(', ')})`;
      // Each element as tostring() gives it (strings unquoted, nulls empty), joined by the delimiter.
      case 'strcat_array': return `(CASE WHEN json_type(${a(0)}) = 'ARRAY' THEN array_to_string(list_transform(json_extract(${a(0)}, '$[*]'), __e -> ${this.toStringSql('__e', 'dynamic')}), ${str(1)}) ELSE '' END)`;
      case 'strlen': return `CAST(length(${str(0)}) AS BIGINT)`;
      // A negative start counts from the end (substring("123456", -2, 2) is "56"), not as DuckDB's substr does.
      case 'substring': return `kq_substr(${str(0)}, ${a(1)}, ${args[2] ? a(2) : 'NULL'})`;
      case 'tolower': return `lower(${str(0)})`;
      case 'toupper': return `upper(${str(0)})`;
      // trim() takes a regex and removes all its leading and trailing matches.
      case 'trim': return `regexp_replace(regexp_replace(${str(1)}, '^(?:' || ${a(0)} || ')+', ''), '(?:' || ${a(0)} || ')+$', '')`;
      case 'trim_start': return `regexp_replace(${str(1)}, '^(?:' || ${a(0)} || ')+', '')`;
      case 'trim_end': return `regexp_replace(${str(1)}, '(?:' || ${a(0)} || ')+$', '')`;
      // With an index: the part at that index if there is one, else an empty array (not [null]).
      case 'split': return args[2]
        ? `to_json(CASE WHEN (${a(2)}) >= 0 THEN list_slice(string_split(${str(0)}, ${a(1)}), (${a(2)}) + 1, (${a(2)}) + 1) ELSE CAST([] AS VARCHAR[]) END)`
        : `to_json(string_split(${str(0)}, ${a(1)}))`;
      case 'replace_string': return `replace(${str(0)}, ${a(1)}, ${a(2)})`;
      case 'replace_regex': return `regexp_replace(${str(0)}, ${a(1)}, ${a(2)}, 'g')`;
      case 'reverse': return `reverse(${str(0)})`;
      case 'indexof': {
        if (args.length > 4) throw this.unsupported(n, 'indexof with an occurrence');
        return `kq_indexof(${str(0)}, ${str(1)}, ${args[2] ? a(2) : '0'}, ${args[3] ? a(3) : '-1'})`;
      }
      case 'countof': {
        const kind = args[2] ? this.src(args[2]).replace(/^['"@]+|['"]+$/g, '').toLowerCase() : 'normal';
        // regex: non-overlapping matches; normal: every position the text starts at, overlaps included
        // (countof("aaaa", "aa") is 3).
        if (kind === 'regex') return `CAST(len(regexp_extract_all(${str(0)}, ${str(1)})) AS BIGINT)`;
        if (kind !== 'normal') throw this.unsupported(args[2], `countof kind '${kind}'`);
        return `CAST(len(list_filter(range(1, length(${str(0)}) - length(${str(1)}) + 2), __i -> substr(${str(0)}, __i, length(${str(1)})) = ${str(1)})) AS BIGINT)`;
      }
      case 'extract': {
        const raw = `regexp_extract(${str(2)}, ${a(0)}, CAST(${a(1)} AS INTEGER))`;
        if (args[3]) {
          const target = this.typeOf(n);
          return `CASE WHEN regexp_matches(${str(2)}, ${a(0)}) THEN ${this.fromString(raw, target)} END`;
        }
        return raw;
      }
      // A JSON null in a dynamic value (dynamic(null), {"a": null}.a, [null][0]) is Kusto's null value too.
      case 'isnull': return t(0) === 'dynamic' ? `(${a(0)} IS NULL OR json_type(${a(0)}) = 'NULL')` : `(${a(0)} IS NULL)`;
      case 'isnotnull': return t(0) === 'dynamic' ? `(${a(0)} IS NOT NULL AND json_type(${a(0)}) <> 'NULL')` : `(${a(0)} IS NOT NULL)`;
      case 'isempty': return t(0) === 'string' ? `(coalesce(${a(0)}, '') = '')` : t(0) === 'dynamic' ? `(${a(0)} IS NULL OR CAST(${a(0)} AS VARCHAR) IN ('', '""', 'null'))` : `(${a(0)} IS NULL)`;
      case 'isnotempty': case 'notempty': return t(0) === 'string' ? `(coalesce(${a(0)}, '') <> '')` : t(0) === 'dynamic' ? `NOT (${a(0)} IS NULL OR CAST(${a(0)} AS VARCHAR) IN ('', '""', 'null'))` : `(${a(0)} IS NOT NULL)`;
      case 'isnan': return `isnan(${a(0)})`;
      case 'isinf': return `isinf(${a(0)})`;
      case 'isfinite': return `isfinite(${a(0)})`;
      case 'not': return `(NOT ${a(0)})`;
      case 'iff': case 'iif': return `(CASE WHEN ${a(0)} THEN ${this.castTo(args[1], out(), scope)} ELSE ${this.castTo(args[2], out(), scope)} END)`;
      case 'case': {
        const parts: string[] = [];
        for (let i = 0; i + 1 < args.length; i += 2) parts.push(`WHEN ${a(i)} THEN ${this.castTo(args[i + 1], out(), scope)}`);
        return `(CASE ${parts.join(' ')} ELSE ${this.castTo(args[args.length - 1], out(), scope)} END)`;
      }
      case 'coalesce': return out() === 'string' ? `coalesce(${args.map((_, i) => `nullif(${a(i)}, '')`).join(', ')}, '')` : `coalesce(${args.map((_, i) => this.castTo(args[i], out(), scope)).join(', ')})`;
      case 'min_of': return `least(${args.map((_, i) => this.castTo(args[i], out(), scope)).join(', ')})`;
      case 'max_of': return `greatest(${args.map((_, i) => this.castTo(args[i], out(), scope)).join(', ')})`;
      // math
      case 'round': return args[1] ? `round(${num(0)}, CAST(${a(1)} AS INTEGER))` : `round(${num(0)})`;
      case 'abs': return `abs(${num(0)})`;
      case 'log': return `(CASE WHEN ${num(0)} > 0 THEN ln(${num(0)}) END)`;
      case 'log10': return `(CASE WHEN ${num(0)} > 0 THEN log10(${num(0)}) END)`;
      case 'log2': return `(CASE WHEN ${num(0)} > 0 THEN log2(${num(0)}) END)`;
      case 'exp': return `exp(${num(0)})`;
      case 'exp2': return `pow(2, ${num(0)})`;
      case 'exp10': return `pow(10, ${num(0)})`;
      case 'pow': return `pow(${num(0)}, ${num(1)})`;
      case 'sqrt': return `(CASE WHEN ${num(0)} >= 0 THEN sqrt(${num(0)}) END)`;
      case 'sign': return `sign(${num(0)})`;
      case 'ceiling': return `ceiling(${num(0)})`;
      case 'pi': return 'pi()';
      // dynamic
      // random() is volatile: a new value per row and per run, prepared statement or not.
      case 'rand': return args.length ? `CAST(floor(random() * (${a(0)})) AS ${duckType(out())})` : 'random()';
      case 'array_length': return `(CASE WHEN json_type(${a(0)}) = 'ARRAY' THEN CAST(json_array_length(${a(0)}) AS BIGINT) END)`;
      case 'bag_keys': return `(CASE WHEN json_type(${a(0)}) = 'OBJECT' THEN to_json(json_keys(${a(0)})) END)`;
      case 'pack': case 'bag_pack': {
        const parts: string[] = [];
        for (let i = 0; i + 1 < args.length; i += 2) parts.push(`${a(i)}, ${this.toDynamic(a(i + 1), t(i + 1))}`);
        return `json_object(${parts.join(', ')})`;
      }
      case 'pack_array': return `json_array(${args.map((_, i) => this.toDynamic(a(i), t(i))).join(', ')})`;
      case 'pack_all': {
        // Every column of the row; pack_all(true) leaves out null and empty values.
        const cols = scope?.rel.cols ?? [];
        if (!cols.length) return `CAST('{}' AS JSON)`;
        if (!args.length) return `json_object(${cols.map((c) => `${sqlString(c.name)}, ${this.toDynamic(scope!.col(c.name)!, c.type)}`).join(', ')})`;
        const kept = cols.map((c) => {
          const v = scope!.col(c.name)!;
          const empty = c.type === 'string' ? `${v} = ''` : c.type === 'dynamic' ? `json_type(${v}) = 'NULL' OR (json_type(${v}) = 'VARCHAR' AND (${v} ->> '$') = '')` : 'false';
          return `CASE WHEN NOT (${a(0)}) OR NOT (${v} IS NULL OR ${empty}) THEN [{'k': ${sqlString(c.name)}, 'v': ${this.toDynamic(v, c.type)}}] ELSE [] END`;
        });
        return `to_json(map_from_entries(list_transform(list_concat(${kept.join(', ')}), e -> {'key': e.k, 'value': e.v})))`;
      }
      case 'bag_remove_keys': {
        // Top-level keys; a JSONPath key (the page's '$.a.b' form) is refused when the row is reached.
        const keys = `json_extract_string(${a(1)}, '$[*]')`;
        return `(CASE WHEN list_bool_or(list_transform(${keys}, __k -> starts_with(__k, '$'))) THEN error('The local Eventhouse removes top-level keys only; bag_remove_keys was given a JSONPath key (' || list_filter(${keys}, __k -> starts_with(__k, '$'))[1] || ').')
          ELSE to_json(map_from_entries(list_filter(map_entries(TRY_CAST(${a(0)} AS MAP(VARCHAR, JSON))), __e -> NOT coalesce(list_contains(${keys}, __e.key), false)))) END)`;
      }
      case 'bag_merge': {
        // The leftmost bag's value wins a key, and its keys come first (the bag_merge page's example). map_concat
        // keeps a key where it first appears and takes its last value, so the bags go in and then back out again:
        // m1, m2, m3, m2, m1. Less than half the time of kq_bag_of's grouping (a million two-bag merges: 1.5 s
        // against 3.6 s).
        const maps = args.map((_, i) => `kq_bag_map(${a(i)})`);
        return `to_json(map_concat(${[...maps, ...maps.slice(0, -1).reverse()].join(', ')}))`;
      }
      case 'bag_has_key': {
        const key = args[1];
        const lit = kindName(key) === 'StringLiteralExpression' ? String(key.LiteralValue) : undefined;
        if (lit !== undefined && !lit.startsWith('$')) return `coalesce(json_type(${a(0)}) = 'OBJECT' AND list_contains(json_keys(${a(0)}), ${a(1)}), false)`;
        if (lit !== undefined) return `coalesce(json_type(${a(0)}) = 'OBJECT' AND json_exists(${a(0)}, ${sqlString(duckJsonPath(lit, () => this.unsupported(key, `the JSONPath '${lit}' (only $.a.b and $['a'] steps; the page: array indexing isn't supported)`)))}), false)`;
        throw this.unsupported(key, 'bag_has_key with a key that is not a string literal');
      }
      case 'array_concat': {
        const arrays = args.map((_, i) => a(i));
        return `(CASE WHEN ${arrays.map((x) => `json_type(${x}) = 'ARRAY'`).join(' AND ')} THEN to_json(list_concat(${arrays.map((x) => `json_extract(${x}, '$[*]')`).join(', ')})) END)`;
      }
      case 'array_slice': return `kq_arr_slice(${a(0)}, CAST(${a(1)} AS BIGINT), CAST(${a(2)} AS BIGINT))`;
      case 'array_index_of': case 'set_has_element': {
        const match = this.elementMatch(a(1), t(1), args[1]);
        if (lname === 'set_has_element') return `(CASE WHEN json_type(${a(0)}) = 'ARRAY' THEN coalesce(list_bool_or(list_transform(json_extract(${a(0)}, '$[*]'), __e -> (${match('__e')}))), false) END)`;
        const opt = (i: number, d: string) => (args[i] ? `CAST(${a(i)} AS BIGINT)` : d);
        return `kq_arr_index_of(list_transform(json_extract(${a(0)}, '$[*]'), __e -> (${match('__e')})), json_type(${a(0)}) = 'ARRAY', ${opt(2, '0')}, ${opt(3, '-1')}, ${opt(4, '1')})`;
      }
      case 'gettype': throw this.unsupported(n, 'gettype');
      case 'ingestion_time':
        if (scope?.rel.ingestionTime) return '__ingestion_time';
        // The service gives null where the rows are no longer a table's (after summarize, join, …).
        throw this.unsupported(n, 'ingestion_time() here: use it on a table\'s rows, directly or after where, extend or project');
      default:
        throw this.unsupported(n, `the function '${name}()'`);
    }
  }

  private castTo(arg: KNode, target: KType, scope: RowScope | undefined): string {
    const at = this.typeOf(arg);
    const s = this.expr(arg, scope);
    if (at === target) return s;
    if (target === 'dynamic') return this.toDynamic(s, at);
    if (at === 'dynamic') return this.fromDynamic(s, target);
    return `CAST(${s} AS ${duckType(target)})`;
  }

  /**
   * SQL testing whether a dynamic array's element (JSON) equals x, a value of type t (v is its node, for errors), as
   * the service compares a typed value with a dynamic one: numbers as numbers, datetimes as instants (a dynamic holds
   * them as ISO strings), text as text (ci: case-insensitively, for in~).
   */
  private elementMatch(x: string, t: KType, v: KNode, ci = false): (e: string) => string {
    switch (t) {
      case 'int': case 'long': case 'real': case 'decimal':
        return (e) => `json_type(${e}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND CAST(${e} AS DOUBLE) = CAST(${x} AS DOUBLE)`;
      case 'string': return ci ? (e) => `json_type(${e}) = 'VARCHAR' AND lower(${e} ->> '$') = lower(${x})` : (e) => `json_type(${e}) = 'VARCHAR' AND (${e} ->> '$') = ${x}`;
      case 'bool': return (e) => `json_type(${e}) = 'BOOLEAN' AND CAST(${e} AS BOOLEAN) = ${x}`;
      case 'datetime': return (e) => `json_type(${e}) = 'VARCHAR' AND kq_parse_dt(${e} ->> '$') = ${x}`;
      case 'timespan': return (e) => `json_type(${e}) = 'VARCHAR' AND kq_parse_ts(${e} ->> '$') = ${x}`;
      case 'guid': return (e) => `json_type(${e}) = 'VARCHAR' AND lower(${e} ->> '$') = lower(CAST(${x} AS VARCHAR))`;
      default: throw this.unsupported(v, `looking up a ${t} value in an array`);
    }
  }

  private partName(n: KNode): string {
    const k = kindName(n);
    if (k !== 'StringLiteralExpression') throw this.unsupported(n, 'a non-literal datetime part');
    const p = String(n.LiteralValue).toLowerCase();
    const alias: Record<string, string> = { years: 'year', months: 'month', weeks: 'week', days: 'day', hours: 'hour', minutes: 'minute', seconds: 'second', milliseconds: 'millisecond', microseconds: 'microsecond', nanoseconds: 'nanosecond' };
    return alias[p] ?? p;
  }

  private startOf(unit: string, dt: string, offset?: string): string {
    let base: string;
    if (unit === 'week') base = `CAST(date_trunc('day', ${dt}) - to_days(CAST(dayofweek(${dt}) AS INTEGER)) AS TIMESTAMP_NS)`;
    else base = `CAST(date_trunc('${unit}', ${dt}) AS TIMESTAMP_NS)`;
    if (!offset) return base;
    if (unit === 'day') return `kq_dt_add(${base}, CAST(${offset} AS BIGINT) * ${DAY_TICKS})`;
    if (unit === 'week') return `kq_dt_add(${base}, CAST(${offset} AS BIGINT) * ${DAY_TICKS * 7n})`;
    return `CAST(${base} + to_${unit === 'month' ? 'months' : 'years'}(CAST(${offset} AS INTEGER)) AS TIMESTAMP_NS)`;
  }

  private bin(v: string, t: KType, size: string, sizeNode: KNode): string {
    if (t === 'datetime') {
      // Kusto aligns datetime bins to 0001-01-01. For spans dividing a day that equals aligning to the Unix epoch; for
      // others, shift by (ticks from 0001-01-01 to the epoch) mod span, computed here when the span is a literal.
      const aligned = epochAlignedSpan(sizeNode, this.src(sizeNode));
      if (aligned !== undefined) {
        // Plain integer arithmetic: time_bucket on TIMESTAMP_NS (cast to µs, calendar bucketing, cast back) cost a
        // third of a bin+group-by query.
        return `make_timestamp_ns(kq_floor_ns(epoch_ns(${v}), ${aligned * 100n}))`;
      }
      const lit = kindName(sizeNode) === 'TimespanLiteralExpression' ? parseTimespan(this.src(sizeNode)) : undefined;
      if (lit !== undefined && lit > 0n) {
        const shift = EPOCH_TICKS % lit;
        const x = shift === 0n ? `kq_dt_diff(${v}, make_timestamp_ns(0))` : `(kq_dt_diff(${v}, make_timestamp_ns(0)) + ${shift})`;
        return `make_timestamp_ns(${v === '' ? '' : ''}(epoch_ns(${v}) - kq_pmod(${x}, ${lit}) * 100))`;
      }
      return `make_timestamp_ns(epoch_ns(${v}) - kq_pmod(kq_dt_diff(${v}, make_timestamp_ns(0)) + ${EPOCH_TICKS}::HUGEINT % (${size}), ${size}) * 100)`;
    }
    if (t === 'timespan' || t === 'int' || t === 'long') return `(${v} - kq_pmod(${v}, ${size}))`;
    if (t === 'real' || t === 'decimal') return `(floor(${v} / ${size}) * ${size})`;
    throw new KustoUserError('Unsupported', `bin() of ${t} values is not supported by the local Eventhouse.`);
  }

  private formatDatetime(dt: string, fmtNode: KNode): string {
    if (kindName(fmtNode) !== 'StringLiteralExpression') throw this.unsupported(fmtNode, 'a non-literal format_datetime format');
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
      } else if (/^[yMdHhmsfFt]+$/.test(tok)) throw this.unsupported(fmtNode, `the format_datetime specifier '${tok}'`);
      else {
        literals.set(parts.length, tok);
        parts.push(sqlString(tok));
      }
    }
    return `(${parts.join(' || ')})`;
  }
}

/** Text → a typed value, as Kusto converts ingested text and to*() arguments (null when it does not parse). */
export function convertFromText(sql: string, t: KType): string {
  switch (t) {
    case 'string': return sql;
    case 'bool': return `(CASE lower(trim(${sql})) WHEN 'true' THEN true WHEN 'false' THEN false ELSE TRY_CAST(TRY_CAST(${sql} AS DOUBLE) <> 0 AS BOOLEAN) END)`;
    case 'int': return `TRY_CAST(trunc(TRY_CAST(${sql} AS DOUBLE)) AS INTEGER)`;
    case 'long': return `coalesce(TRY_CAST(${sql} AS BIGINT), TRY_CAST(trunc(TRY_CAST(${sql} AS DOUBLE)) AS BIGINT))`;
    case 'real': return `TRY_CAST(${sql} AS DOUBLE)`;
    case 'decimal': return `TRY_CAST(${sql} AS DECIMAL(38,10))`;
    case 'datetime': return `kq_parse_dt(${sql})`;
    case 'timespan': return `kq_parse_ts(${sql})`;
    case 'guid': return `CAST(TRY_CAST(${sql} AS UUID) AS VARCHAR)`;
    case 'dynamic': return `(CASE WHEN json_valid(${sql}) THEN CAST(${sql} AS JSON) ELSE to_json(${sql}) END)`;
  }
}


/** What a typed number column of a simple-mode parse pattern matches. */
const NUMBER_PATTERN: Partial<Record<KType, string>> = {
  int: '([-+]?\\d+)', long: '([-+]?\\d+)',
  real: '([-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?)', decimal: '([-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+))',
};

/** SQL for a regex matching the text of the SQL string expression needle as a whole term. */
function termRegexSql(needle: string, cs: boolean): string {
  const esc = `regexp_replace(${needle}, '([.*+?^$(){}|\\[\\]\\\\])', '\\\\\\1', 'g')`;
  return `${cs ? "''" : "'(?i)'"} || '(^|[^0-9A-Za-z])' || ${esc} || '($|[^0-9A-Za-z])'`;
}

/** KQL's string escapes, as JSON wants them written. */
const KQL_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/**
 * The text inside a dynamic() literal with every quoted string rewritten as a JSON string, or undefined when a
 * string is not closed or uses an escape this does not know (the caller then reports the literal as unsupported).
 */
function requoteDynamic(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const q = text[i];
    if (q !== "'" && q !== '"') { out += q; continue; }
    let value = '';
    let j = i + 1;
    for (; j < text.length && text[j] !== q; j++) {
      if (text[j] !== '\\') { value += text[j]; continue; }
      const esc = KQL_ESCAPES[text[++j]];
      if (esc === undefined) return undefined;
      value += esc;
    }
    if (j >= text.length) return undefined;
    out += JSON.stringify(value);
    i = j;
  }
  return out;
}

/**
 * The ticks of a literal bin span that 0001-01-01 lies a whole number of spans before the Unix epoch (every span
 * dividing a day, among others), so that flooring nanoseconds since the epoch gives Kusto's bins; else undefined.
 */
function epochAlignedSpan(sizeNode: KNode, text: string): bigint | undefined {
  if (kindName(sizeNode) !== 'TimespanLiteralExpression') return undefined;
  const lit = parseTimespan(text);
  return lit !== undefined && lit > 0n && EPOCH_TICKS % lit === 0n && lit < 1n << 56n ? lit : undefined;
}

/**
 * One JSONPath step for a property. DuckDB reads a plain `.name` about a fifth faster than the quoted `."name"`
 * (measured on a 10 M-row property filter), so quote only names that need it.
 */
function jsonKey(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `.${JSON.stringify(name)}`;
}

/**
 * A KQL JSONPath of property steps (`$.a.b`, `$['a']["b"]`) as DuckDB's (`$.a.b`, with odd names quoted); fail()
 * for anything else, such as an array index, which bag_has_key's page says it does not take.
 */
function duckJsonPath(path: string, fail: () => Error): string {
  const step = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\])/;
  let rest = path.slice(1);
  let out = '$';
  if (!rest) throw fail();
  while (rest) {
    const m = step.exec(rest);
    if (!m) throw fail();
    out += jsonKey(m[1] ?? (m[2] ?? m[3]).replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** The argument text of `fn(...)` when sql is exactly one call of fn, else undefined. */
function singleCall(sql: string, fn: string): string | undefined {
  if (!sql.startsWith(`${fn}(`) || !sql.endsWith(')')) return undefined;
  let depth = 0;
  let quote = false;
  for (let i = fn.length; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") quote = !quote;
    if (quote) continue;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0 && i !== sql.length - 1) return undefined;
  }
  return sql.slice(fn.length + 1, -1);
}

interface RowScope {
  col(name: string): string | undefined;
  rel: Rel;
  aggregate?: boolean;
}

/** Helper macros the generated SQL uses; created once per database file at startup. */
export const MACROS = [
  'CREATE OR REPLACE MACRO kq_pmod(x, m) AS ((x % m) + m) % m',
  // Floor to a multiple of m (integer // truncates toward zero, which is wrong before 1970).
  'CREATE OR REPLACE MACRO kq_floor_ns(x, m) AS CASE WHEN x < 0 THEN ((x + 1) // m - 1) * m ELSE x // m * m END',
  // floor(x / m) itself: the bin number a summarize groups on.
  'CREATE OR REPLACE MACRO kq_floordiv(x, m) AS CASE WHEN x < 0 THEN (x + 1) // m - 1 ELSE x // m END',
  // substring(): start is zero-based, a negative one counts back from the end; the length is optional (NULL).
  `CREATE OR REPLACE MACRO kq_substr(s, st, ln) AS substr(s, CAST(CASE WHEN st < 0 THEN greatest(length(s) + st, 0) ELSE st END AS BIGINT) + 1,
     CAST(CASE WHEN ln IS NULL THEN length(s) + 1 ELSE greatest(ln, 0) END AS BIGINT))`,
  // indexof(s, match, start, length): the first match lying wholly in [start, start + length) (length -1: to the
  // end), as an index into s; -1 when there is none; null for a start before the beginning or a length below -1.
  'CREATE OR REPLACE MACRO kq_found_at(pos, base) AS CASE WHEN pos = 0 THEN -1 ELSE base + pos - 1 END',
  `CREATE OR REPLACE MACRO kq_indexof_at(s, m, base, ln) AS CASE WHEN base < 0 OR ln < -1 THEN NULL
     ELSE kq_found_at(strpos(substr(s, base + 1, CAST(CASE WHEN ln = -1 THEN length(s) + 1 ELSE ln END AS BIGINT)), m), base) END`,
  'CREATE OR REPLACE MACRO kq_indexof(s, m, st, ln) AS kq_indexof_at(s, m, CAST(CASE WHEN st < 0 THEN length(s) + st ELSE st END AS BIGINT), ln)',
  // Property bags merged: the first value a key has in l wins, keys in the order they first appear; values that
  // are not bags are skipped; at most maxn keys (NULL: no limit). make_bag's merge of a group's bags.
  `CREATE OR REPLACE MACRO kq_bag_of(l, maxn) AS (SELECT coalesce(to_json(map_from_entries(list_slice(list({'key': k, 'value': v} ORDER BY p), 1, coalesce(maxn, 9223372036854775807)))), CAST('{}' AS JSON))
     FROM (SELECT e.key AS k, first(e.value ORDER BY p) AS v, min(p) AS p
       FROM (SELECT unnest(m) AS e, o * 4294967296 + generate_subscripts(m, 1) AS p
         FROM (SELECT map_entries(TRY_CAST(b AS MAP(VARCHAR, JSON))) AS m, o FROM (SELECT unnest(l) AS b, generate_subscripts(l, 1) AS o)))
       GROUP BY e.key))`,
  // A dynamic value as a MAP of its properties; an empty one for a value that is not a bag (which bag_merge skips).
  `CREATE OR REPLACE MACRO kq_bag_map(b) AS coalesce(TRY_CAST(CAST(b AS JSON) AS MAP(VARCHAR, JSON)), CAST(MAP {} AS MAP(VARCHAR, JSON)))`,
  // array_slice(arr, start, end): inclusive, zero-based, a negative index counts from the end; out-of-range indexes
  // are clipped; null for a value that is not an array.
  `CREATE OR REPLACE MACRO kq_arr_slice(arr, st, en) AS CASE WHEN json_type(arr) = 'ARRAY' THEN to_json(list_slice(json_extract(arr, '$[*]'),
     greatest(CASE WHEN st < 0 THEN json_array_length(arr) + st ELSE st END, 0) + 1,
     CASE WHEN en < 0 THEN json_array_length(arr) + en ELSE en END + 1)) END`,
  // array_index_of over the elements' match flags: the occ-th match in [st, st + ln) (ln -1: to the end), -1 when
  // there is none; null for a start before the beginning, a length below -1 or an occurrence below 1.
  `CREATE OR REPLACE MACRO kq_arr_nth_hit(hits, base, ln, occ) AS CASE WHEN base < 0 OR ln < -1 OR occ < 1 THEN NULL ELSE
     coalesce(list_filter(range(len(hits)), i -> i >= base AND (ln = -1 OR i < base + ln) AND hits[i + 1])[occ], -1) END`,
  `CREATE OR REPLACE MACRO kq_arr_index_of(hits, isarr, st, ln, occ) AS CASE WHEN NOT isarr THEN NULL ELSE
     kq_arr_nth_hit(hits, CASE WHEN st < 0 THEN len(hits) + st ELSE st END, ln, occ) END`,
  'CREATE OR REPLACE MACRO kq_dt_add(dt, ticks) AS make_timestamp_ns(CAST(epoch_ns(dt) + CAST(ticks AS BIGINT) * 100 AS BIGINT))',
  'CREATE OR REPLACE MACRO kq_dt_diff(a, b) AS (epoch_ns(a) - epoch_ns(b)) // 100',
  // %n formats TIMESTAMP_NS itself (a cast to TIMESTAMP first truncated pre-1970 fractions toward 1970); every
  // TIMESTAMP_NS has a 4-digit year, so the first 27 characters are the seconds and 7 fractional digits.
  "CREATE OR REPLACE MACRO kq_dt_str(dt) AS left(strftime(CAST(dt AS TIMESTAMP_NS), '%Y-%m-%dT%H:%M:%S.%n'), 27) || 'Z'",
  `CREATE OR REPLACE MACRO kq_ts_str(t) AS CASE WHEN t IS NULL THEN NULL ELSE
     (CASE WHEN t < 0 THEN '-' ELSE '' END)
     || (CASE WHEN abs(t) >= 864000000000 THEN CAST(abs(t) // 864000000000 AS VARCHAR) || '.' ELSE '' END)
     || lpad(CAST((abs(t) // 36000000000) % 24 AS VARCHAR), 2, '0') || ':'
     || lpad(CAST((abs(t) // 600000000) % 60 AS VARCHAR), 2, '0') || ':'
     || lpad(CAST((abs(t) // 10000000) % 60 AS VARCHAR), 2, '0')
     || (CASE WHEN abs(t) % 10000000 <> 0 THEN '.' || lpad(CAST(abs(t) % 10000000 AS VARCHAR), 7, '0') ELSE '' END) END`,
  "CREATE OR REPLACE MACRO kq_real_str(x) AS CASE WHEN x IS NULL THEN NULL WHEN isnan(x) THEN 'NaN' WHEN isinf(x) THEN (CASE WHEN x > 0 THEN 'Infinity' ELSE '-Infinity' END) WHEN x = trunc(x) AND abs(x) < 1e15 THEN CAST(CAST(x AS BIGINT) AS VARCHAR) ELSE CAST(x AS VARCHAR) END",
  "CREATE OR REPLACE MACRO kq_dec_str(d) AS CASE WHEN contains(CAST(d AS VARCHAR), '.') THEN rtrim(rtrim(CAST(d AS VARCHAR), '0'), '.') ELSE CAST(d AS VARCHAR) END",
  // ISO 8601 first (the 100 ns path), then the US month/day/year forms the service also reads ("02/17/2016 08:40:01").
  "CREATE OR REPLACE MACRO kq_parse_dt(s) AS coalesce(TRY_CAST(trim(s) AS TIMESTAMP_NS), CAST(try_strptime(trim(s), ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y']) AS TIMESTAMP_NS))",
  `CREATE OR REPLACE MACRO kq_parse_ts(s) AS CASE
     WHEN regexp_matches(trim(s), '^-?(\\d+\\.)?\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?$') THEN
       (CASE WHEN starts_with(trim(s), '-') THEN -1 ELSE 1 END) * (
         coalesce(TRY_CAST(regexp_extract(trim(s), '^-?(\\d+)\\.\\d{1,2}:', 1) AS BIGINT), 0) * 864000000000
         + CAST(regexp_extract(trim(s), '(\\d{1,2}):(\\d{2})', 1) AS BIGINT) * 36000000000
         + CAST(regexp_extract(trim(s), '(\\d{1,2}):(\\d{2})', 2) AS BIGINT) * 600000000
         + coalesce(TRY_CAST(regexp_extract(trim(s), '\\d{1,2}:\\d{2}:(\\d{2})', 1) AS BIGINT), 0) * 10000000
         + coalesce(TRY_CAST(rpad(regexp_extract(trim(s), ':\\d{2}\\.(\\d{1,7})$', 1), 7, '0') AS BIGINT), 0))
     END`,
];

/** Parse a translation-time check of a query without running it (used by the bench for parse+translate timing). */
export function translateOnly(text: string, globals: KNode, opts: TranslateOptions): Translation {
  return translateQuery(text, globals, opts);
}

export { kusto };
