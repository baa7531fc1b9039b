// Operators that make several rows or columns out of one value: mv-expand, mv-apply, parse and
// evaluate bag_unpack.
import { elems, items, kindName, type KNode } from '../parser';
import { ident, ktype, sqlString, type Col, type KType } from '../types';
import { BagUnpackNeedsSchema, type Rel, type RowScope, type Translator } from './context';
import { convertFromText, fromDynamic, jsonKey } from './conversions';

/** What a typed number column of a simple-mode parse pattern matches. */
const NUMBER_PATTERN: Partial<Record<KType, string>> = {
  int: '([-+]?\\d+)', long: '([-+]?\\d+)',
  real: '([-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?)', decimal: '([-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+))',
};

/**
 * evaluate bag_unpack(column [, prefix] [, columnsConflict=…]) : (schema): one column per slot of the schema, read
 * from the bag and converted to the schema's type (null where a bag lacks the slot or it does not convert). Without
 * a schema the columns depend on the data: BagUnpackNeedsSchema hands the engine what it needs to look, and it
 * writes the schema into the query and translates it again.
 */
export function evaluate(cx: Translator, input0: Rel, op: KNode): Rel {
  const fc = op.FunctionCall;
  const plugin = String(fc.Name.SimpleName);
  if (plugin.toLowerCase() !== 'bag_unpack') throw cx.unsupported(fc, `the '${plugin}' plugin of the 'evaluate' operator`);
  if (elems(op.Parameters).length) throw cx.unsupported(op, 'evaluate with hints');
  const args: KNode[] = elems(fc.ArgumentList.Expressions);
  let prefix = '';
  let conflict = 'error';
  for (const a of args.slice(1)) {
    if (kindName(a) === 'SimpleNamedExpression' && String(a.Name.SimpleName).toLowerCase() === 'columnsconflict' && kindName(a.Expression) === 'StringLiteralExpression') {
      conflict = String(a.Expression.LiteralValue).toLowerCase();
      if (!['error', 'replace_source', 'keep_source'].includes(conflict)) throw cx.unsupported(a, `columnsConflict='${conflict}' (error, replace_source or keep_source)`);
    } else if (kindName(a) === 'StringLiteralExpression' && a === args[1]) prefix = String(a.LiteralValue);
    else throw cx.unsupported(a, 'this bag_unpack argument (a column, a prefix and columnsConflict are supported)');
  }
  const column = args[0];
  if (kindName(column) !== 'NameReference') throw cx.unsupported(column, 'bag_unpack of an expression (unpack a column)');
  const colName = String(column.SimpleName);
  const input = cx.pin(input0);
  const scope = cx.scopeFor(input);
  const bag = cx.scalar(column, scope);
  const rest = input.cols.filter((c) => c.name !== colName);
  if (!op.Schema) {
    // Offsets into this query's text; a bag_unpack inside a stored function's body has none here.
    const start = op.TextStart as number;
    const end = fc.End as number;
    if (cx.text.slice(start, end).replace(/\s+/g, '') !== cx.src(op).replace(/\s+/g, '')) throw cx.unsupported(op, 'bag_unpack without an output schema inside a stored function (give it one: bag_unpack(c) : (*, Name:type, …))');
    throw new BagUnpackNeedsSchema({
      sql: `${cx.ctes.length ? `WITH ${cx.ctes.join(', ')} ` : ''}SELECT ${bag} AS b FROM (${input.sql}) AS _t`,
      evaluateStart: start, callEnd: end, prefix, conflict, inputColumns: rest.map((c) => c.name),
    });
  }
  const out = cx.colsOf(op);
  const star = /^\(\s*\*/.test(cx.src(op.Schema.Schema));
  // The analyzer puts the input's columns (less the unpacked one) first for `*`, then the schema's.
  const passed = star ? rest.length : 0;
  const list = out.map((c, i) => {
    if (i < passed) return ident(rest[i].name);
    const slot = prefix && c.name.startsWith(prefix) ? c.name.slice(prefix.length) : c.name;
    return `${fromDynamic(`json_extract(${bag}, ${sqlString(`$${jsonKey(slot)}`)})`, c.type)} AS ${ident(c.name)}`;
  });
  if (input.ord) list.push('__ord');
  return { sql: `SELECT ${list.join(', ')} FROM (${input.sql}) AS _t`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
}

/**
 * mv-apply: the subquery runs once per row, over that row's expansion (the row's columns, each expanded array's
 * elements in place of or beside them, and the item index), as a LATERAL join. The result is the row's columns
 * that were not expanded in place, then the subquery's (the analyzer's schema says which come from where).
 */
export function mvApply(cx: Translator, input0: Rel, op: KNode): Rel {
  const params = cx.noParams(op, ['with_itemindex']);
  if (op.ContextIdClause) throw cx.unsupported(op.ContextIdClause, 'mv-apply … id=');
  // Rows keep their order: the input's (its natural order numbered if it has no other), then each row's own.
  const pinned = cx.pin(input0);
  const input: Rel = pinned.ord ? pinned : { sql: `SELECT *, row_number() OVER () AS __ord FROM (${pinned.sql}) AS _t`, cols: pinned.cols, order: ['__ord'], ord: true };
  const out = cx.colsOf(op);
  const outer = '__mva';
  const names = new Set(input.cols.map((c) => c.name));
  const rowScope: RowScope = { col: (name) => (names.has(name) ? `${outer}.${ident(name)}` : undefined), rel: input };
  const indexName = itemIndexName(cx, params);
  const perRow: Col[] = input.cols.map((c) => ({ ...c }));
  const values = new Map<string, string>();
  const lists: string[] = [];
  for (const [i, mv] of elems(op.Expressions).entries()) {
    const { name, named, src } = mvItem(cx, mv.Expression, rowScope);
    if (!named) throw cx.unsupported(mv.Expression, 'an unnamed mv-apply expression other than a column (name it: x = …)');
    const type = mv.ToTypeOf ? ktype(/typeof\s*\(\s*([^)\s]+)\s*\)/i.exec(cx.src(mv.ToTypeOf))?.[1] ?? 'dynamic') : 'dynamic';
    lists.push(expansion(src, 'json_object'));
    values.set(name, type === 'dynamic' ? `__mv${i}` : fromDynamic(`__mv${i}`, type));
    const have = perRow.find((c) => c.name === name);
    if (have) have.type = type; else perRow.push({ name, type });
  }
  const unnests = lists.map((l, i) => `unnest(${l}) AS __mv${i}`);
  const limit = op.RowLimitClause ? cx.scalar(op.RowLimitClause.RowLimit, undefined) : undefined;
  unnests.push(`unnest(range(CAST(greatest(${lists.map((l) => `len(${l})`).join(', ')}) AS BIGINT))) AS __mvi`);
  if (indexName) { values.set(indexName, '__mvi'); perRow.push({ name: indexName, type: 'long' }); }
  const rowList = perRow.map((c) => `${values.get(c.name) ?? `${outer}.${ident(c.name)}`} AS ${ident(c.name)}`);
  const rowRel: Rel = {
    sql: `SELECT ${rowList.join(', ')}, __mvi AS __ord FROM (SELECT ${unnests.join(', ')}) AS _u${limit ? ` WHERE __mvi < ${limit}` : ''}`,
    cols: perRow, order: ['__ord'], ord: true,
  };
  cx.implicitInputs.push(rowRel);
  let sub: Rel;
  try { sub = cx.pin(cx.tabular(op.Subquery.Expression)); } finally { cx.implicitInputs.pop(); }
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
function itemIndexName(cx: Translator, params: Map<string, KNode>): string | undefined {
  return params.has('with_itemindex') ? cx.src(params.get('with_itemindex')).replace(/^\['|'\]$/g, '') : undefined;
}

/**
 * An mv-expand / mv-apply item: its name (given, the column's, or the expression's text, which the analyzer turns
 * into a fresh name), whether it was given or a column, and its SQL.
 */
function mvItem(cx: Translator, inner: KNode, scope: RowScope): { name: string; named: boolean; src: string } {
  if (kindName(inner) === 'SimpleNamedExpression') return { name: String(inner.Name.SimpleName), named: true, src: cx.scalar(inner.Expression, scope) };
  return { name: cx.src(inner).replace(/^\['|'\]$/g, ''), named: kindName(inner) === 'NameReference', src: cx.scalar(inner, scope) };
}

/**
 * The list a dynamic value expands to (mv-expand, mv-apply): an array's elements, a property bag's properties as
 * one-property bags (bagAs json_object) or [key, value] arrays (json_array), a scalar as itself.
 */
export function expansion(src: string, bagAs: 'json_object' | 'json_array'): string {
  return `CASE json_type(${src}) WHEN 'ARRAY' THEN json_extract(${src}, '$[*]') WHEN 'OBJECT' THEN list_transform(json_keys(${src}), k -> ${bagAs}(k, json_extract(${src}, '$."' || replace(k, '"', '\\"') || '"'))) ELSE [${src}] END`;
}

export function mvExpand(cx: Translator, input: Rel, op: KNode): Rel {
  const params = cx.noParams(op, ['bagexpansion', 'kind', 'with_itemindex']);
  // bagexpansion=array (or kind=array): a bag's properties come out as [key, value] arrays, not {key: value} bags.
  const bagAs = ['bagexpansion', 'kind'].some((k) => params.has(k) && cx.src(params.get(k)).toLowerCase() === 'array') ? 'json_array' as const : 'json_object' as const;
  const out = cx.colsOf(op);
  const scope = cx.scopeFor(input);
  const inputNames = new Set(input.cols.map((c) => c.name));
  const indexName = itemIndexName(cx, params);
  const values = new Map<string, string>();
  const lists: string[] = [];
  for (const [i, mv] of elems(op.Expressions).entries()) {
    const item = mvItem(cx, mv.Expression, scope);
    let name = item.name;
    const src = item.src;
    let target = out.find((c) => c.name === name);
    if (!target) {
      // An unnamed path (mv-expand Payload.tags) becomes a new column named by the analyzer.
      const fresh = out.filter((c) => !inputNames.has(c.name) && c.name !== indexName && !values.has(c.name));
      if (fresh.length < 1) throw cx.unsupported(mv, 'this mv-expand expression');
      target = fresh[0];
      name = target.name;
    }
    lists.push(expansion(src, bagAs));
    // to typeof(): the analyzer's type drives the cast.
    values.set(name, target.type === 'dynamic' ? `__mv${i}` : fromDynamic(`__mv${i}`, target.type));
  }
  // Several columns expand side by side, as the service zips them: as many rows as the longest, shorter ones
  // padded with nulls. DuckDB's unnests in one SELECT do exactly that.
  const unnests = lists.map((l, i) => `unnest(${l}) AS __mv${i}`);
  // The item index (with_itemindex=, and the per-row cap of `limit N`) unnests beside them.
  const limit = op.RowLimitClause ? cx.scalar(op.RowLimitClause.RowLimit, scope) : undefined;
  if (indexName || limit) unnests.push(`unnest(range(CAST(greatest(${lists.map((l) => `len(${l})`).join(', ')}) AS BIGINT))) AS __mvi`);
  if (indexName) values.set(indexName, '__mvi');
  const list = out.map((c) => (values.has(c.name) ? `${values.get(c.name)} AS ${ident(c.name)}` : ident(c.name)));
  return { sql: `SELECT ${list.join(', ')} FROM (SELECT *, ${unnests.join(', ')} FROM (${input.sql}) AS _t) AS _m${limit ? ` WHERE __mvi < ${limit}` : ''}`, cols: out };
}

export function parse(cx: Translator, input: Rel, op: KNode): Rel {
  const p = cx.noParams(op, ['kind']);
  if (p.get('kind') && cx.src(p.get('kind')).toLowerCase() !== 'simple') throw cx.unsupported(op, `parse kind=${cx.src(p.get('kind'))}`);
  const out = cx.colsOf(op);
  const scope = cx.scopeFor(input);
  const subject = cx.scalar(op.Expression, scope);
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
      if (!c) throw cx.unsupported(pat, 'this parse pattern');
      groups.push(c);
      // A typed column takes only text of its type, so the pattern around it lines up as the service's does
      // (`totalSlices:long * "sliceNumber="` takes the digits, not an empty lazy match).
      re += NUMBER_PATTERN[c.type] ?? (last ? '(.*)' : '(.*?)');
    } else throw cx.unsupported(pat, `'${cx.src(pat)}' in a parse pattern`);
  });
  // One pass of the regex per row takes every group (a struct), and each typed column converts once, in an inner
  // SELECT. Simple mode is strict: the row parses only if the delimiters are found and every typed column
  // converts; otherwise every column is null (strings empty).
  const names = groups.map((_, j) => `'g${j}'`).join(', ');
  const convert = groups.map((g, j) => {
    const raw = `__pg.g${j}`;
    return `${g.type === 'string' ? raw : convertFromText(raw, g.type)} AS __p${j}`;
  });
  const ok = ['__pm', ...groups.flatMap((g, j) => (g.type === 'string' ? [] : [`__p${j} IS NOT NULL`]))].join(' AND ');
  const defs = new Map(groups.map((g, j) => [g.name, g.type === 'string' ? `CASE WHEN ${ok} THEN __p${j} ELSE '' END` : `CASE WHEN ${ok} THEN __p${j} END`]));
  const list = out.map((c) => (defs.has(c.name) ? `${defs.get(c.name)} AS ${ident(c.name)}` : ident(c.name)));
  if (input.ord) list.push('__ord');
  const matched = `SELECT *, regexp_matches(${subject}, ${sqlString(re)}, 's') AS __pm${groups.length ? `, regexp_extract(${subject}, ${sqlString(re)}, [${names}], 's') AS __pg` : ''} FROM (${input.sql}) AS _t`;
  const inner = groups.length ? `SELECT *, ${convert.join(', ')} FROM (${matched}) AS _m` : matched;
  return { sql: `SELECT ${list.join(', ')} FROM (${inner}) AS _p`, cols: out, order: input.order, ord: input.ord, unordered: input.unordered };
}
