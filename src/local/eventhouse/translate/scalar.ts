// Scalar expressions: literals, names, operators (arithmetic, comparison with Kusto's null rules, string
// operators, in, between, has), dynamic access; function calls go to functions.ts.
import { elems, kindName, lineColumn, symbolKindName, type KNode } from '../parser';
import { formatDatetimeNs, ident, KustoUserError, parseDatetimeNs, parseTimespan, sqlString, type KType } from '../types';
import type { RowScope, Translator } from './context';
import { asString, elementMatch, fromDynamic, jsonKey } from './conversions';
import { call } from './functions';

export function expression(cx: Translator, n: KNode, k: string, scope: RowScope | undefined, pred: boolean): string {
  const e = (x: KNode) => cx.expr(x, scope);
  switch (k) {
    case 'ParenthesizedExpression': return `(${e(n.Expression)})`;
    case 'BooleanLiteralExpression': return /true/i.test(cx.src(n)) ? 'true' : /false/i.test(cx.src(n)) ? 'false' : 'CAST(NULL AS BOOLEAN)';
    case 'IntLiteralExpression': case 'LongLiteralExpression': {
      const s = cx.src(n);
      const m = /^(?:int|long)\s*\((.*)\)$/i.exec(s);
      const body = m ? m[1].trim() : s;
      if (/^null$/i.test(body)) return `CAST(NULL AS ${k === 'IntLiteralExpression' ? 'INTEGER' : 'BIGINT'})`;
      const v = /^0x/i.test(body) ? BigInt(body).toString() : body;
      return k === 'IntLiteralExpression' ? `CAST(${v} AS INTEGER)` : `CAST(${v} AS BIGINT)`;
    }
    case 'RealLiteralExpression': case 'DecimalLiteralExpression': {
      const s = cx.src(n);
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
      const s = cx.src(n).replace(/^(datetime|date)\s*\(/i, '').replace(/\)$/, '');
      const ns = parseDatetimeNs(s);
      if (ns === undefined) {
        if (/^\s*null\s*$/i.test(s)) return 'CAST(NULL AS TIMESTAMP_NS)';
        const pos = lineColumn(cx.text, n.TextStart);
        throw new KustoUserError('Semantic', `The datetime literal '${cx.src(n)}' is not a valid date and time (line ${pos.line}, column ${pos.column}): write datetime(yyyy-MM-dd[ HH:mm[:ss[.fffffff]]]).`, pos);
      }
      // Nanoseconds in a BIGINT: the years 1678 to 2261 fit, the service's 0001 to 9999 do not.
      if (ns <= -(2n ** 63n) || ns >= 2n ** 63n - 1n) throw cx.unsupported(n, `the datetime literal '${cx.src(n)}' (the local Eventhouse keeps datetimes from 1677-09-22 to 2262-04-11)`);
      // A typed literal (not make_timestamp_ns()) so DuckDB can prune row groups on it.
      return `TIMESTAMP_NS '${formatDatetimeNs(ns).replace('T', ' ').replace('Z', '')}'`;
    }
    case 'TimespanLiteralExpression': {
      const t = parseTimespan(cx.src(n));
      return t === undefined ? 'CAST(NULL AS BIGINT)' : `CAST(${t} AS BIGINT)`;
    }
    case 'DynamicExpression': {
      const v = n.LiteralValue;
      if (v == null) return 'CAST(NULL AS JSON)';
      let json: string;
      try { json = JSON.stringify(JSON.parse(String(v))); } catch {
        // dynamic({'a': 'b'}): KQL lets the strings inside take single quotes (and KQL's escapes).
        const requoted = requoteDynamic(cx.src(n).replace(/^\s*dynamic\s*\(/i, '').replace(/\)\s*$/, ''));
        try { json = JSON.stringify(JSON.parse(requoted ?? '')); } catch { throw cx.unsupported(n, `the dynamic literal '${cx.src(n)}' (only JSON values, with strings in single or double quotes, are supported inside dynamic())`); }
      }
      return `CAST(${sqlString(json)} AS JSON)`;
    }
    case 'NameReference': return nameRef(cx, n, scope);
    case 'BracketedExpression': return e(n.Expression);
    case 'UnaryMinusExpression': return `(-${e(n.Expression)})`;
    case 'UnaryPlusExpression': return e(n.Expression);
    case 'AndExpression': return `(${e(n.Left)} AND ${e(n.Right)})`;
    case 'OrExpression': return `(${e(n.Left)} OR ${e(n.Right)})`;
    case 'AddExpression': case 'SubtractExpression': case 'MultiplyExpression': case 'DivideExpression': case 'ModuloExpression':
      return arith(cx, n, k, scope);
    case 'EqualExpression': case 'NotEqualExpression': case 'LessThanExpression': case 'LessThanOrEqualExpression':
    case 'GreaterThanExpression': case 'GreaterThanOrEqualExpression':
      return compare(cx, n, k, scope, pred);
    case 'EqualTildeExpression': return `(lower(${asString(cx, n.Left, scope)}) = lower(${asString(cx, n.Right, scope)}))`;
    case 'BangTildeExpression': return `(lower(${asString(cx, n.Left, scope)}) <> lower(${asString(cx, n.Right, scope)}))`;
    case 'InExpression': case 'NotInExpression': case 'InCsExpression': case 'NotInCsExpression':
      return inExpr(cx, n, scope, pred);
    case 'BetweenExpression': case 'NotBetweenExpression': {
      const lt = cx.typeOf(n.Left);
      const left = e(n.Left);
      const lo = e(n.Right.First);
      let hi = e(n.Right.Second);
      if (lt === 'datetime' && cx.typeOf(n.Right.Second) === 'timespan') hi = `kq_dt_add(${lo}, ${hi})`;
      return `(${left} ${k === 'NotBetweenExpression' ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi})`;
    }
    case 'HasExpression': case 'NotHasExpression': case 'HasCsExpression': case 'NotHasCsExpression':
    case 'HasPrefixExpression': case 'NotHasPrefixExpression': case 'HasPrefixCsExpression': case 'NotHasPrefixCsExpression':
    case 'HasSuffixExpression': case 'NotHasSuffixExpression': case 'HasSuffixCsExpression': case 'NotHasSuffixCsExpression': {
      const cs = k.includes('Cs');
      const neg = k.startsWith('Not');
      const mode = k.includes('Prefix') ? 'prefix' : k.includes('Suffix') ? 'suffix' : 'term';
      const r = hasRegex(cx, n.Right, mode, cs);
      return `(${neg ? 'NOT ' : ''}regexp_matches(${asString(cx, n.Left, scope)}, ${r}))`;
    }
    case 'HasAnyExpression': case 'HasAllExpression': {
      const terms = elems(n.Right.Expressions);
      const subject = asString(cx, n.Left, scope);
      const any = k === 'HasAnyExpression';
      const parts = terms.map((t: KNode) => {
        if (cx.typeOf(t) !== 'dynamic') return `regexp_matches(${subject}, ${hasRegex(cx, t, 'term', false)})`;
        // A dynamic array (has_any (dynamic(["a", "b"])), a let of one) stands for its elements.
        const elements = `json_extract_string(${cx.expr(t, scope)}, '$[*]')`;
        const matches = `list_filter(${elements}, __t -> regexp_matches(${subject}, ${termRegexSql('__t', false)}))`;
        return any ? `(len(${matches}) > 0)` : `(len(${matches}) = len(${elements}))`;
      });
      if (!parts.length) return 'false';
      return `(${parts.join(any ? ' OR ' : ' AND ')})`;
    }
    case 'ContainsExpression': case 'NotContainsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}contains(lower(${asString(cx, n.Left, scope)}), lower(${asString(cx, n.Right, scope)})))`;
    case 'ContainsCsExpression': case 'NotContainsCsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}contains(${asString(cx, n.Left, scope)}, ${asString(cx, n.Right, scope)}))`;
    case 'StartsWithExpression': case 'NotStartsWithExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}starts_with(lower(${asString(cx, n.Left, scope)}), lower(${asString(cx, n.Right, scope)})))`;
    case 'StartsWithCsExpression': case 'NotStartsWithCsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}starts_with(${asString(cx, n.Left, scope)}, ${asString(cx, n.Right, scope)}))`;
    case 'EndsWithExpression': case 'NotEndsWithExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}ends_with(lower(${asString(cx, n.Left, scope)}), lower(${asString(cx, n.Right, scope)})))`;
    case 'EndsWithCsExpression': case 'NotEndsWithCsExpression': return `(${k.startsWith('Not') ? 'NOT ' : ''}ends_with(${asString(cx, n.Left, scope)}, ${asString(cx, n.Right, scope)}))`;
    case 'LikeExpression': case 'NotLikeExpression': return `(${asString(cx, n.Left, scope)} ${k.startsWith('Not') ? 'NOT ' : ''}ILIKE ${e(n.Right)})`;
    case 'LikeCsExpression': case 'NotLikeCsExpression': return `(${asString(cx, n.Left, scope)} ${k.startsWith('Not') ? 'NOT ' : ''}LIKE ${e(n.Right)})`;
    case 'MatchesRegexExpression': return `regexp_matches(${asString(cx, n.Left, scope)}, ${e(n.Right)})`;
    case 'PathExpression': case 'ElementExpression': return dynamicAccess(cx, n, scope);
    case 'FunctionCallExpression': return call(cx, n, scope);
    case 'ToScalarExpression': {
      const rel = cx.tabular(n.Expression);
      return `(SELECT ${ident(rel.cols[0].name)} FROM (${rel.sql}) AS _s${rel.order?.length ? ` ORDER BY ${rel.order.join(', ')}` : ''} LIMIT 1)`;
    }
    default: throw cx.unsupported(n, `the expression kind '${k}'`);
  }
}

function nameRef(cx: Translator, n: KNode, scope: RowScope | undefined): string {
  const name = String(n.SimpleName);
  const sym = n.ReferencedSymbol;
  const sk = sym ? symbolKindName(sym) : '';
  if (sk === 'Column' && scope) {
    const c = scope.col(name);
    if (c) return c;
  }
  const b = cx.lookup(name);
  if (b && b.kind === 'scalar') return b.sql;
  if (sk === 'Column' && scope) { const c = scope.col(name); if (c) return c; }
  if (sk === 'Function') return call(cx, n, scope);
  throw cx.unsupported(n, `the name '${name}' here`);
}

/** Literal needle → an RE2 pattern with Kusto's term boundaries (terms are runs of ASCII letters and digits). */
function hasRegex(cx: Translator, n: KNode, mode: 'term' | 'prefix' | 'suffix', cs: boolean): string {
  const k = kindName(n);
  if (k !== 'StringLiteralExpression' && k !== 'CompoundStringLiteralExpression') return termRegexSql(cx.expr(n, cx.rowScope), cs);
  const needle = String(n.LiteralValue);
  const esc = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alnum = (c: string | undefined) => c !== undefined && /[0-9A-Za-z]/.test(c);
  const before = alnum(needle[0]) ? '(^|[^0-9A-Za-z])' : '';
  const after = alnum(needle[needle.length - 1]) ? '($|[^0-9A-Za-z])' : '';
  // has: a whole term; hasprefix: the start of a term; hassuffix: the end of a term.
  const body = mode === 'term' ? `${before}${esc}${after}` : mode === 'prefix' ? `${before}${esc}` : `${esc}${after}`;
  return sqlString(`${cs ? '' : '(?i)'}${body}`);
}

function arith(cx: Translator, n: KNode, k: string, scope: RowScope | undefined): string {
  const lt = cx.typeOf(n.Left);
  const rt = cx.typeOf(n.Right);
  const out = cx.typeOf(n);
  const l = cx.expr(n.Left, scope);
  const r = cx.expr(n.Right, scope);
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
  return lt === 'real' || rt === 'real' ? `kq_fmod(${l}, ${r})` : `kq_mod(${l}, ${r})`;
}

export function compare(cx: Translator, n: KNode, k: string, scope: RowScope | undefined, pred: boolean): string {
  const ops: Record<string, string> = {
    EqualExpression: '=', NotEqualExpression: '<>', LessThanExpression: '<', LessThanOrEqualExpression: '<=', GreaterThanExpression: '>', GreaterThanOrEqualExpression: '>=',
  };
  const lt = cx.typeOf(n.Left);
  const rt = cx.typeOf(n.Right);
  let l = cx.expr(n.Left, scope);
  let r = cx.expr(n.Right, scope);
  if (lt === 'dynamic' && rt !== 'dynamic') l = fromDynamic(l, rt);
  if (rt === 'dynamic' && lt !== 'dynamic') r = fromDynamic(r, lt);
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
    const isLit = (x: KNode) => /LiteralExpression$/.test(kindName(x)) && !/null/i.test(cx.src(x));
    if (pred && k === 'EqualExpression' && (isLit(n.Right) || isLit(n.Left))) return `(${l} = ${r})`;
    if (isLit(n.Right) || isLit(n.Left)) return k === 'EqualExpression' ? `coalesce(${l} = ${r}, false)` : `coalesce(${l} <> ${r}, true)`;
    const same = k === 'EqualExpression' ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM';
    return `(CASE WHEN ${l} IS NULL AND ${r} IS NULL THEN NULL ELSE ${l} ${same} ${r} END)`;
  }
  return `(${l} ${ops[k]} ${r})`;
}

function inExpr(cx: Translator, n: KNode, scope: RowScope | undefined, pred: boolean): string {
  const op = String(n.Operator.Text);
  const ci = op.includes('~');
  const neg = op.startsWith('!');
  const lt = cx.typeOf(n.Left);
  const list = elems(n.Right.Expressions);
  let left = lt === 'dynamic' ? `(${cx.expr(n.Left, scope)} ->> '$')` : cx.expr(n.Left, scope);
  const wrap = (s: string) => (ci ? `lower(${s})` : s);
  if (list.length === 1 && list[0].ResultType && symbolKindName(list[0].ResultType) === 'Table') {
    const rel = cx.tabular(list[0]);
    left = wrap(left);
    return `(${left} ${neg ? 'NOT ' : ''}IN (SELECT ${wrap(ident(rel.cols[0].name))} FROM (${rel.sql}) AS _s))`;
  }
  const values: string[] = [];
  for (const v of list) {
    if (cx.typeOf(v) === 'dynamic') {
      const dyn = cx.expr(v, scope);
      values.push(`__DYN__${dyn}`);
    } else values.push(wrap(cx.expr(v, scope)));
  }
  const dyn = values.filter((v) => v.startsWith('__DYN__')).map((v) => v.slice(7));
  const plain = values.filter((v) => !v.startsWith('__DYN__'));
  const parts: string[] = [];
  if (plain.length) parts.push(`${wrap(left)} IN (${plain.join(', ')})`);
  for (const d of dyn) {
    // A typed value against the array's elements as array_index_of compares them: 1.0 in (dynamic([1])) holds, and
    // a datetime matches the ISO text make_set(datetime) gives. A dynamic value compares by its text.
    if (lt !== 'dynamic') {
      const match = elementMatch(cx, left, lt, n.Left, ci);
      parts.push(`coalesce(list_bool_or(list_transform(json_extract(${d}, '$[*]'), __e -> (${match('__e')}))), false)`);
    } else {
      // The lambda's body in parentheses: `x -> x ->> '$'` reads as (x -> x) ->> '$', a JSON path on a column x.
      parts.push(`list_contains(list_transform(json_extract(${d}, '$[*]'), __x -> (${wrap("__x ->> '$'")})), ${wrap(left)})`);
    }
  }
  const body = parts.length ? parts.join(' OR ') : 'false';
  // As == and !=: a null never makes `in` null (SQL's IN does, for a null left side or a null in the list). In a
  // where condition null and false both drop the row, so the plain form keeps DuckDB's filter pushdown.
  if (neg) return `(NOT coalesce(${body}, false))`;
  return pred ? `(${body})` : `coalesce(${body}, false)`;
}

/** Path access on dynamic values: d.a.b, d['k'], d[0] → one json_extract with a JSONPath. */
function dynamicAccess(cx: Translator, n: KNode, scope: RowScope | undefined): string {
  const steps: string[] = [];
  let cur = n;
  const dynamicSteps: string[] = [];
  while (kindName(cur) === 'PathExpression' || kindName(cur) === 'ElementExpression') {
    if (kindName(cur) === 'PathExpression') {
      const sel = cx.src(cur.Selector).replace(/^\['|'\]$|^\["|"\]$/g, '');
      steps.unshift(jsonKey(sel));
    } else {
      const sel = cur.Selector.Expression;
      const sk = kindName(sel);
      if (sk === 'StringLiteralExpression') steps.unshift(jsonKey(String(sel.LiteralValue)));
      else if (sk === 'LongLiteralExpression' || sk === 'IntLiteralExpression') {
        const i = Number(cx.src(sel));
        steps.unshift(i < 0 ? `[#${i}]` : `[${i}]`);
      } else if (sk === 'UnaryMinusExpression') steps.unshift(`[#-${cx.src(sel.Expression)}]`);
      else {
        const t = cx.typeOf(sel);
        const v = cx.expr(sel, scope);
        dynamicSteps.unshift(t === 'string' ? `'.' || to_json(${v})::VARCHAR` : `'[' || CAST(${v} AS VARCHAR) || ']'`);
        steps.unshift('\u0000');
      }
    }
    cur = cur.Expression;
  }
  const baseType = cx.typeOf(cur);
  if (baseType !== 'dynamic') throw cx.unsupported(n, 'member access on a non-dynamic value');
  const base = cx.expr(cur, scope);
  if (!dynamicSteps.length) return `json_extract(${base}, ${sqlString('$' + steps.join(''))})`;
  const parts: string[] = ["'$'"];
  let di = 0;
  for (const s of steps) parts.push(s === '\u0000' ? dynamicSteps[di++] : sqlString(s));
  return `json_extract(${base}, ${parts.join(' || ')})`;
}

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
