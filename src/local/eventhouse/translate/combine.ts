// Operators over two or more inputs: union, join and lookup.
import { elems, items, kindName, lineColumn, symbolKindName, type KNode } from '../parser';
import { duckType, ident, ktype, KustoUserError, sqlString } from '../types';
import type { Rel, Translator } from './context';

/**
 * union: the legs' rows one after another, each filling the output columns it has. withsource= names each row's leg
 * (a table's name, each table of a wildcard such as E*, union_arg<i> for any other leg, counting the piped input
 * as leg 0); isfuzzy=true leaves out the table names that do not resolve, and fails only if none does.
 */
export function union(cx: Translator, op: KNode, input: Rel | undefined): Rel {
  const p = cx.noParams(op, ['kind', 'withsource', 'isfuzzy']);
  const kind = p.get('kind') ? cx.src(p.get('kind')) : 'outer';
  const fuzzy = p.has('isfuzzy') && cx.src(p.get('isfuzzy')).toLowerCase() === 'true';
  const legs: { rel: Rel; source: string }[] = [];
  if (input) legs.push({ rel: input, source: pipedTableName(op) ?? 'union_arg0' });
  for (const e of elems(op.Expressions)) {
    const index = legs.length;
    const sym = kindName(e) === 'NameReference' ? e.ReferencedSymbol : undefined;
    const symKind = sym ? symbolKindName(sym) : '';
    if (kindName(e) === 'NameReference' && !sym && fuzzy) continue;
    if (symKind === 'Group') {
      for (const t of items(sym.Members).filter((m: KNode) => symbolKindName(m) === 'Table')) {
        legs.push({ rel: cx.tableRel(String(t.Name), items(t.Columns).map((c: KNode) => ({ name: String(c.Name), type: ktype(String(c.Type.Name)) }))), source: String(t.Name) });
      }
      continue;
    }
    legs.push({ rel: cx.tabular(e), source: symKind === 'Table' ? String(sym.Name) : `union_arg${index}` });
  }
  if (!legs.length) throw new KustoUserError('Semantic', `None of the tables of this union (line ${lineColumn(cx.text, op.TextStart).line}) could be resolved${fuzzy ? ' (isfuzzy=true leaves out only some of them)' : ''}.`);
  const sourceCol = p.has('withsource') ? cx.src(p.get('withsource')).replace(/^\['|'\]$/g, '') : undefined;
  // kind=inner keeps the columns every leg has (the analyzer gives the outer set for both kinds).
  const out = cx.colsOf(op).filter((c) => c.name === sourceCol || kind.toLowerCase() !== 'inner' || legs.every((l) => l.rel.cols.some((x) => x.name === c.name && x.type === c.type)));
  const parts = legs.map(({ rel: r, source }) => {
    const have = new Map(r.cols.map((c) => [c.name, c.type]));
    // A column that has different types in different legs comes out once per type, named a_long, a_string, …:
    // each leg fills the one of its own type.
    const typed = new Map(r.cols.map((c) => [`${c.name}_${c.type}`, c]));
    return `SELECT ${out.map((c) => {
      if (c.name === sourceCol) return `${sqlString(source)} AS ${ident(c.name)}`;
      if (have.get(c.name) === c.type) return ident(c.name);
      if (have.has(c.name)) return `TRY_CAST(${ident(c.name)} AS ${duckType(c.type)}) AS ${ident(c.name)}`;
      const src = typed.get(c.name);
      if (src?.type === c.type) return `${ident(src.name)} AS ${ident(c.name)}`;
      return `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`;
    }).join(', ')} FROM (${r.sql}) AS _t`;
  });
  return { sql: parts.join(' UNION ALL '), cols: out, unordered: true };
}

/** The table a union's piped input is, when it is one directly (T | union …). */
function pipedTableName(op: KNode): string | undefined {
  const parent = op.Parent;
  if (!parent || kindName(parent) !== 'PipeExpression' || kindName(parent.Expression) !== 'NameReference') return undefined;
  const sym = parent.Expression.ReferencedSymbol;
  return sym && symbolKindName(sym) === 'Table' ? String(sym.Name) : undefined;
}

function joinKeys(cx: Translator, clause: KNode, op: KNode): { l: string; r: string }[] {
  if (!clause || kindName(clause) !== 'JoinOnClause') throw cx.unsupported(clause ?? op, "join conditions other than 'on'");
  const keys: { l: string; r: string }[] = [];
  const side = (e: KNode): { side: 'l' | 'r'; col: string } => {
    if (kindName(e) === 'PathExpression') {
      const s = cx.src(e.Expression);
      const col = cx.src(e.Selector).replace(/^\['|'\]$/g, '');
      if (s === '$left') return { side: 'l', col };
      if (s === '$right') return { side: 'r', col };
    }
    throw cx.unsupported(e, 'this join key (use a column name or $left.a == $right.b)');
  };
  const visit = (e: KNode) => {
    const k = kindName(e);
    if (k === 'NameReference') { const c = String(e.SimpleName); keys.push({ l: c, r: c }); } else if (k === 'AndExpression') { visit(e.Left); visit(e.Right); } else if (k === 'EqualExpression') {
      const a = side(e.Left); const b = side(e.Right);
      if (a.side === b.side) throw cx.unsupported(e, 'a join key that compares one side with itself');
      keys.push(a.side === 'l' ? { l: a.col, r: b.col } : { l: b.col, r: a.col });
    } else throw cx.unsupported(e, 'this join condition');
  };
  for (const e of elems(clause.Expressions)) visit(e);
  return keys;
}

export function join(cx: Translator, left0: Rel, op: KNode): Rel {
  const p = cx.noParams(op, ['kind', 'hint.strategy', 'hint.remote', 'hint.shufflekey']);
  const kind = p.get('kind') ? cx.src(p.get('kind')).toLowerCase() : 'innerunique';
  const left = left0;
  const right = cx.tabular(op.Expression);
  const keys = joinKeys(cx, op.ConditionClause, op);
  const out = cx.colsOf(op);
  const on = keys.map((k) => `l.${ident(k.l)} IS NOT DISTINCT FROM r.${ident(k.r)}`).join(' AND ').replace(/IS NOT DISTINCT FROM/g, '=');
  const lsql = kind === 'innerunique'
    ? `(SELECT * FROM (${left.sql}) AS _u QUALIFY row_number() OVER (PARTITION BY ${keys.map((k) => ident(k.l)).join(', ')}) = 1)`
    : `(${left.sql})`;
  const types: Record<string, string> = {
    innerunique: 'INNER JOIN', inner: 'INNER JOIN', leftouter: 'LEFT JOIN', rightouter: 'RIGHT JOIN', fullouter: 'FULL JOIN',
    leftsemi: 'SEMI JOIN', leftanti: 'ANTI JOIN', leftantisemi: 'ANTI JOIN', rightsemi: 'SEMI JOIN', rightanti: 'ANTI JOIN', rightantisemi: 'ANTI JOIN',
  };
  const jt = types[kind];
  if (!jt) throw cx.unsupported(op, `join kind=${kind}`);
  if (kind.startsWith('left') && (jt === 'SEMI JOIN' || jt === 'ANTI JOIN')) {
    return { sql: `SELECT ${left.cols.map((c) => `l.${ident(c.name)}`).join(', ')} FROM ${lsql} AS l ${jt} (${right.sql}) AS r ON ${on}`, cols: out, unordered: true };
  }
  if (kind.startsWith('right') && (jt === 'SEMI JOIN' || jt === 'ANTI JOIN')) {
    const ron = keys.map((k) => `r.${ident(k.r)} = l.${ident(k.l)}`).join(' AND ');
    return { sql: `SELECT ${right.cols.map((c) => `r.${ident(c.name)}`).join(', ')} FROM (${right.sql}) AS r ${jt} ${lsql} AS l ON ${ron}`, cols: out, unordered: true };
  }
  const srcCols = [...left.cols.map((c) => `l.${ident(c.name)}`), ...right.cols.map((c) => `r.${ident(c.name)}`)];
  if (srcCols.length !== out.length) throw cx.unsupported(op, 'this join (its result columns could not be matched)');
  return { sql: `SELECT ${out.map((c, i) => `${srcCols[i]} AS ${ident(c.name)}`).join(', ')} FROM ${lsql} AS l ${jt} (${right.sql}) AS r ON ${on}`, cols: out, unordered: true };
}

export function lookupOp(cx: Translator, left: Rel, op: KNode): Rel {
  const p = cx.noParams(op, ['kind']);
  const kind = p.get('kind') ? cx.src(p.get('kind')).toLowerCase() : 'leftouter';
  if (kind !== 'leftouter' && kind !== 'inner') throw cx.unsupported(op, `lookup kind=${kind}`);
  const right = cx.tabular(op.Expression);
  const keys = joinKeys(cx, op.LookupClause, op);
  const out = cx.colsOf(op);
  const rightKeys = new Set(keys.map((k) => k.r));
  const rightRest = right.cols.filter((c) => !rightKeys.has(c.name));
  const srcCols = [...left.cols.map((c) => `l.${ident(c.name)}`), ...rightRest.map((c) => `r.${ident(c.name)}`)];
  if (srcCols.length !== out.length) throw cx.unsupported(op, 'this lookup (its result columns could not be matched)');
  const on = keys.map((k) => `l.${ident(k.l)} = r.${ident(k.r)}`).join(' AND ');
  return { sql: `SELECT ${out.map((c, i) => `${srcCols[i]} AS ${ident(c.name)}`).join(', ')} FROM (${left.sql}) AS l ${kind === 'inner' ? 'INNER' : 'LEFT'} JOIN (${right.sql}) AS r ON ${on}`, cols: out, unordered: true };
}
