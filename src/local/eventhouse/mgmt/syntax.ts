// The text of management commands: names, string literals, schemas and with(...) properties, as the service
// reads them, and a command's result table turned back into KQL (a datatable) for `.show … | query`.
import type { ResultTable } from '../meta';
import { ktype, KustoUserError, text as asText, type Col, type KType } from '../types';
import { bracket } from '../../../core/kustoNames';

export const NAME = String.raw`(?:\[\s*(?:'[^']*'|"[^"]*")\s*\]|[A-Za-z_][\w\-.]*)`;

export function unname(s: string): string {
  const m = /^\[\s*(?:'([^']*)'|"([^"]*)")\s*\]$/.exec(s.trim());
  return m ? (m[1] ?? m[2]) : s.trim();
}

export function table(columns: [string, KType][], rows: unknown[][]): ResultTable {
  return { name: 'Table_0', columns: columns.map(([name, type]) => ({ name, type })), rows };
}

/** A Kusto string literal at the start of s: '...', "...", @'...', @"...", or ```...```. */
export function readString(s: string): { value: string; rest: string } | undefined {
  const t = s.trimStart();
  const fence = /^```([\s\S]*?)```/.exec(t);
  if (fence) return { value: fence[1], rest: t.slice(fence[0].length) };
  const verbatim = /^@(['"])/.exec(t);
  if (verbatim) {
    const q = verbatim[1];
    let i = 2; let out = '';
    while (i < t.length) {
      if (t[i] === q) { if (t[i + 1] === q) { out += q; i += 2; continue; } return { value: out, rest: t.slice(i + 1) }; }
      out += t[i++];
    }
    return undefined;
  }
  const q = t[0];
  if (q !== "'" && q !== '"') return undefined;
  let i = 1; let out = '';
  while (i < t.length) {
    const c = t[i];
    if (c === '\\') {
      const n = t[i + 1];
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      i += 2; continue;
    }
    if (c === q) return { value: out, rest: t.slice(i + 1) };
    out += c; i++;
  }
  return undefined;
}

export function parseSchema(text: string): Col[] {
  const inner = text.trim().replace(/^\(/, '').replace(/\)$/, '');
  if (!inner.trim()) return [];
  const cols: Col[] = [];
  for (const part of inner.split(',')) {
    const m = new RegExp(`^\\s*(${NAME})\\s*:\\s*([A-Za-z0-9_()]+)\\s*$`).exec(part);
    if (!m) throw new KustoUserError('Syntax', `Can't read the column declaration '${part.trim()}'; write it as Name:type, e.g. (Timestamp:datetime, Value:real).`);
    cols.push({ name: unname(m[1]), type: ktype(m[2]) });
  }
  return cols;
}

export function withProps(text: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!text) return m;
  const re = /([A-Za-z_][\w]*)\s*=\s*(@?"(?:[^"\\]|\\.)*"|@?'(?:[^'\\]|\\.)*'|[^,)]+)/g;
  let x: RegExpExecArray | null;
  while ((x = re.exec(text))) {
    const raw = x[2].trim();
    const s = readString(raw);
    m.set(x[1].toLowerCase(), s ? s.value : raw);
  }
  return m;
}

export function uuidFor(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex.padEnd(12, '0')}`;
}

/** Where the query part of a command starts: its first '|' outside strings (not the '<|' of .set, .ingest). */
export function topLevelPipe(csl: string): number {
  for (let i = 0; i < csl.length; i++) {
    const c = csl[i];
    if (c === '|' && csl[i - 1] !== '<') return i;
    const quoted = c === "'" || c === '"' || csl.startsWith('```', i) || (c === '@' && (csl[i + 1] === "'" || csl[i + 1] === '"'));
    if (quoted) {
      const s = readString(csl.slice(i));
      if (!s) return -1;
      i = csl.length - s.rest.length - 1;
    }
  }
  return -1;
}

/** A command's result as a KQL datatable, so a query can run over it. */
export function asDatatable(t: ResultTable): string {
  const cols = t.columns.map((c) => `${bracket(c.name)}:${c.type}`).join(', ');
  const values = t.rows.flatMap((r) => r.map((v, i) => kqlLiteral(v, t.columns[i].type)));
  return `datatable(${cols})[${values.join(', ')}]`;
}

function kqlLiteral(v: unknown, t: KType): string {
  if (v === null || v === undefined) return t === 'string' ? '""' : `${t}(null)`;
  switch (t) {
    case 'string': return kqlString(asText(v));
    case 'bool': return v ? 'true' : 'false';
    case 'real': return Number.isFinite(Number(v)) ? `real(${Number(v)})` : `real(${Number.isNaN(Number(v)) ? 'nan' : Number(v) > 0 ? '+inf' : '-inf'})`;
    case 'dynamic': return `dynamic(${typeof v === 'string' ? v : JSON.stringify(v)})`;
    case 'timespan': return `time(${asText(v)})`;
    default: return `${t}(${asText(v)})`;
  }
}

/** A double-quoted KQL string: backslash and quote escaped, control characters as \uXXXX. */
function kqlString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += c === '\\' || c === '"' ? `\\${c}` : code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return `${out}"`;
}
