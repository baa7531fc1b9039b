// The translator's state and the helpers every part of it shares: scopes (let, function arguments), CTEs, the
// analyzer's names and types, and errors that name what is not supported. The parts that translate operators,
// expressions and functions are plain functions over a Translator (tabular.ts, scalar.ts, functions.ts, …); the
// Translator reaches them only through the Language it is given, so no part imports another in a circle.
import { elems, items, kindName, kusto, lineColumn, symbolKindName, type KNode } from '../parser';
import { duckType, ident, INGESTION_TIME, ktype, KustoUserError, type Col, type KType } from '../types';

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

export interface Rel {
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
  /** Set by top and take, never carried by an operator that changes the rows: see NaNFree. */
  nanFree?: NaNFree;
  /** A sort's plain order for a take right after it (all the rows of a sort are no faster in it). */
  nanFreeOrder?: Omit<NaNFree, 'sql'>;
}

/**
 * `top N by X` / `order by X | take N` over a real column X, descending with nulls last, is Kusto's answer as DuckDB's
 * plain `ORDER BY X DESC NULLS LAST LIMIT N` whenever X has no NaN: Kusto sorts NaN after the numbers, DuckDB above
 * +inf. The exact ORDER BY (orderItems) keys on an expression, which costs DuckDB's top-N its pushed-down filter: 10
 * M rows took 8× as long. A NaN anywhere in X is the first row DuckDB's order returns, so the plain query's rows
 * say whether they can stand; when one of them is NaN, the exact query runs instead.
 */
export interface NaNFree {
  /** The operator's SQL and order with the plain ORDER BY. */
  sql: string;
  order: string[];
  /** The output column X. */
  column: string;
}

/** A translation's variant that is the query's answer when none of its rows has NaN in `column` (see NaNFree). */
export interface NaNFreeQuery {
  sql: string;
  wireSql: string;
  from: string;
  order: string[];
  column: number;
}

export type Binding = { kind: 'scalar'; sql: string; type: KType } | { kind: 'table'; rel: Rel };

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
  nanFree?: NaNFreeQuery;
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

export interface RowScope {
  col(name: string): string | undefined;
  rel: Rel;
  aggregate?: boolean;
}

/** The parts of the translator that the shared state calls back into (index.ts wires them). */
export interface Language {
  tabular(cx: Translator, n: KNode): Rel;
  expr(cx: Translator, n: KNode, kind: string, scope: RowScope | undefined, pred: boolean): string;
}

export class Translator {
  readonly scopes: Map<string, Binding>[] = [new Map()];
  /** The per-row tables of the mv-apply subqueries being translated: the input of their first operator. */
  readonly implicitInputs: Rel[] = [];
  readonly ctes: string[] = [];
  cteCount = 0;
  visualization: Record<string, unknown> | null = null;
  notruncation = false;
  maxRecords: number | undefined;
  readonly nowNs: bigint;
  usesNow = false;
  /** Window calls (row_number, prev, next) so far: rows numbered in their current order must keep it. */
  windows = 0;

  /** Whether table references carry __ingestion_time: only then, as every other query would scan it for nothing. */
  readonly readsIngestionTime: boolean;

  constructor(readonly text: string, readonly opts: TranslateOptions, private readonly lang: Language) {
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
    const withs = this.ctes.length ? `WITH ${this.ctes.join(', ')} ` : '';
    const select = (from: string, orderItems: string[] | undefined) => {
      const order = orderItems?.length ? ` ORDER BY ${orderItems.join(', ')}` : '';
      // For the wire, DuckDB formats datetimes itself (vectorised) instead of JS converting each value. The
      // fixed-width ISO text sorts like the datetime, so ORDER BY binding to the alias keeps the same order.
      const wire = cols.map((c) => (c.type === 'datetime' ? `kq_dt_str(${ident(c.name)}) AS ${ident(c.name)}` : ident(c.name)));
      return { sql: `${withs}SELECT ${cols.map((c) => ident(c.name)).join(', ')} FROM (${from}) AS _t${order}`, wireSql: `${withs}SELECT ${wire.join(', ')} FROM (${from}) AS _t${order}` };
    };
    const nf = result.nanFree;
    const nanColumn = nf ? cols.findIndex((c) => c.name === nf.column) : -1;
    return {
      ...select(result.sql, result.order), columns: cols, visualization: this.visualization, notruncation: this.notruncation, maxRecords: this.maxRecords, usesNow: this.usesNow,
      withs, from: result.sql, order: result.order ?? [], unordered: !result.order?.length && Boolean(result.unordered),
      nanFree: nf && nanColumn >= 0 ? { ...select(nf.sql, nf.order), from: nf.sql, order: nf.order, column: nanColumn } : undefined,
    };
  }


  /** Source text of a node. Function bodies are separate trees with their own offsets, so ask the node. */
  src(n: KNode): string {
    // Literals are one token: its text is the same string without ToString's walk and string builder.
    if (n.ChildCount === 1 && n.Token && n.Token.IsToken) return String(n.Token.Text);
    return String(n.ToString(kusto().S.IncludeTrivia.Interior)).trim();
  }

  unsupported(n: KNode, what: string): KustoUserError {
    const pos = lineColumn(this.text, n.TextStart);
    return new KustoUserError('Unsupported', `The local Eventhouse does not support ${what} (line ${pos.line}, column ${pos.column}: '${this.src(n).slice(0, 60)}'). See docs/local-eventhouse.md for the supported KQL subset.`, pos);
  }

  typeOf(n: KNode): KType {
    const rt = n.ResultType;
    if (!rt) throw this.unsupported(n, 'an expression without a known type');
    const name = String(rt.Name);
    if (name === 'unknown' || name === 'error') throw this.unsupported(n, 'an expression whose type the analyzer could not determine');
    try { return ktype(name); } catch { throw this.unsupported(n, `values of type '${name}'`); }
  }

  colsOf(n: KNode): Col[] {
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

  lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i].get(name);
      if (b) return b;
    }
    return undefined;
  }

  cte(rel: Rel, materialized = false): Rel {
    const name = `__let${this.cteCount++}`;
    this.ctes.push(`${name} AS ${materialized ? 'MATERIALIZED ' : ''}(SELECT ${this.selectList(rel).join(', ')} FROM (${rel.sql}) AS _t${rel.order?.length ? ` ORDER BY ${rel.order.join(', ')}` : ''})`);
    return { sql: `SELECT * FROM ${name}`, cols: rel.cols, order: rel.order, ord: rel.ord, unordered: rel.unordered, ingestionTime: rel.ingestionTime };
  }

  let(st: KNode): void {
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

  setOption(st: KNode): void {
    const name = String(st.Name.SimpleName).toLowerCase();
    const raw = st.ValueClause ? this.src(st.ValueClause.Expression ?? st.ValueClause).replace(/^=\s*/, '') : 'true';
    if (name === 'notruncation') this.notruncation = raw !== 'false';
    else if (name === 'truncationmaxrecords') this.maxRecords = Number(raw);
    else if (name === 'truncationmaxsize' || name === 'servertimeout' || name === 'query_language') { /* limits we don't model */ }
    else throw this.unsupported(st, `the query option 'set ${name}'`);
  }


  /** A stored table's rows: its columns by name (it also holds the hidden ingestion time, which only ingestion_time() reads). */
  tableRel(name: string, cols: Col[]): Rel {
    const list = cols.map((c) => ident(c.name));
    if (this.readsIngestionTime) list.push(`${INGESTION_TIME} AS __ingestion_time`);
    return { sql: `SELECT ${list.join(', ')} FROM ${this.opts.tableSql(name)}`, cols, ingestionTime: this.readsIngestionTime };
  }

  /** The rows of a tabular expression (see tabular.ts). */
  tabular(n: KNode): Rel {
    return this.lang.tabular(this, n);
  }

  opName(n: KNode): string {
    return this.src(n).split(/[\s(]/)[0] || kindName(n);
  }

  withArgs<T>(call: KNode, f: () => T): T {
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
  rowScope: RowScope | undefined;

  bodyResult(body: KNode, tabular: boolean): Rel | string {
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

  params(op: KNode): Map<string, KNode> {
    const m = new Map<string, KNode>();
    for (const p of items(op.Parameters)) m.set(String(p.Name.SimpleName).toLowerCase(), p.Expression);
    return m;
  }

  noParams(op: KNode, allowed: string[] = []): Map<string, KNode> {
    const m = this.params(op);
    for (const [k, v] of m) if (!allowed.includes(k)) throw this.unsupported(v ?? op, `the '${k}' parameter of '${this.opName(op)}'`);
    return m;
  }

  selectList(rel: Rel): string[] {
    return [...rel.cols.map((c) => ident(c.name)), ...(rel.ord ? ['__ord'] : []), ...(rel.ingestionTime ? ['__ingestion_time'] : [])];
  }

  /** Freezes a carried sort order into a hidden row number, so projections may drop or change sort columns. */
  pin(rel: Rel): Rel {
    if (!rel.order?.length || rel.ord) return rel;
    return {
      sql: `SELECT *, row_number() OVER (ORDER BY ${rel.order.join(', ')}) AS __ord FROM (${rel.sql}) AS _t`,
      cols: rel.cols, order: ['__ord'], ord: true, ingestionTime: rel.ingestionTime,
    };
  }

  scopeFor(rel: Rel): RowScope {
    const names = new Set(rel.cols.map((c) => c.name));
    return { col: (name) => (names.has(name) ? ident(name) : undefined), rel };
  }

  /** An expression cast to the analyzer's type (e.g. sum of ints is HUGEINT in DuckDB but long in Kusto). */
  typed(n: KNode, scope: RowScope | undefined, t: KType): string {
    const sql = this.scalar(n, scope);
    const k = kindName(n);
    if (t === 'dynamic' || k === 'NameReference') return sql;
    return `CAST(${sql} AS ${duckType(t)})`;
  }

  scalar(n: KNode, scope: RowScope | undefined): string {
    const prev = this.rowScope;
    this.rowScope = scope;
    try { return this.expr(n, scope); } finally { this.rowScope = prev; }
  }

  /**
   * True while translating the top of a where condition (through and/or/parentheses), where null and false both
   * drop the row: plain comparisons there keep DuckDB's filter pushdown and zone maps.
   */
  inPredicate = false;

  predicate(n: KNode, scope: RowScope | undefined): string {
    const prev = this.inPredicate;
    this.inPredicate = true;
    try { return this.scalar(n, scope); } finally { this.inPredicate = prev; }
  }

  expr(n: KNode, scope: RowScope | undefined): string {
    const k = kindName(n);
    const pred = this.inPredicate;
    this.inPredicate = pred && (k === 'AndExpression' || k === 'OrExpression' || k === 'ParenthesizedExpression');
    try { return this.lang.expr(this, n, k, scope, pred); } finally { this.inPredicate = pred; }
  }
}
