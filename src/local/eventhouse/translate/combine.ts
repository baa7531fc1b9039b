// Operators over two or more inputs: union, join and lookup.
import { elems, kindName, type KNode } from '../parser';
import { duckType, ident } from '../types';
import type { Rel, Translator } from './context';

export function union(cx: Translator, op: KNode, input: Rel | undefined): Rel {
  const p = cx.noParams(op, ['kind']);
  const kind = p.get('kind') ? cx.src(p.get('kind')) : 'outer';
  const rels = [...(input ? [input] : []), ...elems(op.Expressions).map((e: KNode) => cx.tabular(e))];
  // kind=inner keeps the columns every leg has (the analyzer gives the outer set for both kinds).
  const out = cx.colsOf(op).filter((c) => kind.toLowerCase() !== 'inner' || rels.every((r) => r.cols.some((x) => x.name === c.name && x.type === c.type)));
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
