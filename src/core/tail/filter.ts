/** What a filter sees of one event. */
export interface FilterableEvent {
  /** The body as a JSON value when it is JSON, else undefined. */
  json: unknown;
  /** Everything text search looks in: body, partition key, properties. */
  text: string;
}

export type CompiledFilter =
  | { ok: true; kind: 'all' | 'text' | 'path'; test(e: FilterableEvent): boolean; /** Text to highlight in matches. */ highlight?: string }
  | { ok: false; error: string };

type Segment = string | number;
type Op = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'contains' | '=~';
interface Clause { path: Segment[]; op?: Op; value?: unknown }

class FilterSyntaxError extends Error {
  constructor(message: string, readonly column: number) { super(message); }
}

function parseClause(src: string, offset: number): Clause {
  let i = 0;
  const fail = (msg: string): never => { throw new FilterSyntaxError(msg, offset + i + 1); };
  const ws = () => { while (i < src.length && /\s/.test(src[i])) i++; };
  ws();
  if (src[i] !== '$') fail('A path filter starts with "$", e.g. $.temperature > 30.');
  i++;
  const path: Segment[] = [];
  for (;;) {
    if (src[i] === '.') {
      i++;
      const m = /^[A-Za-z_$][\w$-]*/.exec(src.slice(i));
      if (!m) fail('Expected a property name after ".".');
      path.push(m![0]);
      i += m![0].length;
    } else if (src[i] === '[') {
      i++;
      const m = /^\s*(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(src.slice(i));
      if (!m) fail('Expected [number] or [\'name\'] after "[".');
      path.push(m![1] !== undefined ? Number(m![1]) : (m![2] ?? m![3]).replace(/\\(.)/g, '$1'));
      i += m![0].length;
    } else {
      break;
    }
  }
  ws();
  if (i >= src.length) return { path };
  const op = /^(==|!=|>=|<=|=~|>|<|contains\b)/.exec(src.slice(i));
  if (!op) fail(`Expected an operator (==, !=, >, >=, <, <=, =~, contains) at "${src.slice(i, i + 10)}".`);
  i += op![0].length;
  ws();
  const rest = src.slice(i).trim();
  let value: unknown;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(rest)) value = Number(rest);
  else if (rest === 'true' || rest === 'false') value = rest === 'true';
  else if (rest === 'null') value = null;
  else if (/^"(?:[^"\\]|\\.)*"$/.test(rest)) value = JSON.parse(rest) as string;
  else if (/^'(?:[^'\\]|\\.)*'$/.test(rest)) value = rest.slice(1, -1).replace(/\\(.)/g, '$1');
  else fail(`Expected a number, a quoted string, true, false or null, not "${rest}".`);
  return { path, op: op![0] as Op, value };
}

function lookup(value: unknown, path: Segment[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function evaluate(c: Clause, json: unknown): boolean {
  const v = lookup(json, c.path);
  if (c.op === undefined) return v !== undefined && v !== null && v !== false;
  const want = c.value;
  switch (c.op) {
    case '==': return v === want;
    case '!=': return v !== want;
    case '=~': return typeof v === 'string' && typeof want === 'string' && v.toLowerCase() === want.toLowerCase();
    case 'contains': return typeof v === 'string' && typeof want === 'string' ? v.toLowerCase().includes(want.toLowerCase()) : Array.isArray(v) && v.includes(want);
    default: {
      if (typeof v !== typeof want || (typeof v !== 'number' && typeof v !== 'string')) return false;
      const a = v;
      const b = want as number | string;
      return c.op === '>' ? a > b : c.op === '>=' ? a >= b : c.op === '<' ? a < b : a <= b;
    }
  }
}

/** Splits on `&&` / ` and ` outside quotes, keeping each part's offset for error positions. */
function splitClauses(src: string): { text: string; offset: number }[] {
  const parts: { text: string; offset: number }[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quote) { if (ch === '\\') i++; else if (ch === quote) quote = undefined; continue; }
    if (ch === '"' || ch === '\'') { quote = ch; continue; }
    const and = src.startsWith('&&', i) ? 2 : /^\sand\s/i.test(src.slice(i, i + 5)) ? 4 : 0;
    if (and) { parts.push({ text: src.slice(start, i), offset: start }); start = i + and; i += and - 1; }
  }
  parts.push({ text: src.slice(start), offset: start });
  return parts;
}

/**
 * The tail's filter box: plain text searches body, partition key and properties (case-insensitive);
 * `$.path op value` (joined with && or and) filters on the JSON body, e.g. `$.temperature > 30 && $.site == "A"`.
 */
export function compileFilter(input: string): CompiledFilter {
  const src = input.trim();
  if (!src) return { ok: true, kind: 'all', test: () => true };
  if (!src.startsWith('$')) {
    const needle = src.toLowerCase();
    return { ok: true, kind: 'text', highlight: src, test: (e) => e.text.toLowerCase().includes(needle) };
  }
  try {
    const clauses = splitClauses(src).map((p) => parseClause(p.text, p.offset));
    const strings = clauses.map((c) => c.value).filter((v): v is string => typeof v === 'string');
    return { ok: true, kind: 'path', highlight: strings[0], test: (e) => clauses.every((c) => evaluate(c, e.json)) };
  } catch (e) {
    if (e instanceof FilterSyntaxError) return { ok: false, error: `Filter error at column ${e.column}: ${e.message}` };
    throw e;
  }
}
