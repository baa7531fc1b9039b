// The `.kqldash` dashboard file: its types, a parser that validates with line/column positions, and a writer that
// always emits the keys in one order (so a move or a pin changes only the lines it touches in a diff).
// DOM- and vscode-free so the rules are unit-tested on their own; the JSON Schema in schemas/kqldash.schema.json
// describes the same shape for editing help, this module is what the extension trusts.
//
// The model follows Real-Time Dashboards (RealTimeDashboard.json) closely enough that the mapping in
// core/fabric/dashboard.ts is one to one: a 24-column grid, pages, a time range parameter whose variables are
// `_startTime`/`_endTime`, and select parameters whose variable a tile's query names directly.
import { parseTree, findNodeAtLocation, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { CHART_KINDS, type ChartKind } from '../kql/chartSpec';

export const DASHBOARD_EXTENSION = '.kqldash';
export const DASHBOARD_FORMAT_VERSION = 1;
/** Grid columns, as in Real-Time Dashboards; a row is one height unit. */
export const GRID_COLUMNS = 24;
export const LOCAL_DATA_SOURCE = 'local';

export type TileVisual = ChartKind | 'table' | 'stat';
export const TILE_VISUALS: readonly TileVisual[] = ['table', 'stat', ...CHART_KINDS];

export type AutoRefresh = 'off' | '10s' | '30s' | '1m' | '5m';
export const AUTO_REFRESH: readonly AutoRefresh[] = ['off', '10s', '30s', '1m', '5m'];
export const AUTO_REFRESH_MS: Record<AutoRefresh, number> = { off: 0, '10s': 10_000, '30s': 30_000, '1m': 60_000, '5m': 300_000 };

export type TimePreset = '5m' | '15m' | '30m' | '1h' | '4h' | '12h' | '24h' | '3d' | '7d' | '30d';
export const TIME_PRESETS: readonly TimePreset[] = ['5m', '15m', '30m', '1h', '4h', '12h', '24h', '3d', '7d', '30d'];
export const TIME_PRESET_MS: Record<TimePreset, number> = {
  '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000, '4h': 14_400_000, '12h': 43_200_000,
  '24h': 86_400_000, '3d': 259_200_000, '7d': 604_800_000, '30d': 2_592_000_000,
};
export const START_TIME = '_startTime';
export const END_TIME = '_endTime';

export type ParameterType = 'string' | 'long' | 'real' | 'bool';
export const PARAMETER_TYPES: readonly ParameterType[] = ['string', 'long', 'real', 'bool'];

export interface TimeRangeParameter { kind: 'timeRange'; name: string; default: TimePreset }
/**
 * A single- or multi-select parameter. Its choices come from `query` (first column of the result, run against
 * `dataSource`) or from `values`. A single select's variable is a scalar; a multi select's is a `dynamic` array,
 * empty when nothing (meaning "all") is selected, so tiles write `array_length(_v) == 0 or Col in (_v)`.
 */
export interface SelectParameter {
  kind: 'select';
  name: string;
  variable: string;
  type: ParameterType;
  multi: boolean;
  dataSource?: string;
  query?: string;
  values?: string[];
  default?: string | string[];
}
export type DashboardParameter = TimeRangeParameter | SelectParameter;

export interface TilePosition { x: number; y: number; width: number; height: number }
export interface Tile {
  id: string;
  title: string;
  dataSource: string;
  query: string;
  visual: TileVisual;
  position: TilePosition;
}
export interface DashboardPage { name: string; tiles: Tile[] }
export interface Dashboard {
  version: number;
  title: string;
  autoRefresh: AutoRefresh;
  parameters: DashboardParameter[];
  pages: DashboardPage[];
}

export interface DashboardProblem { message: string; path: string; line: number; column: number; offset: number }
export type DashboardParse = { ok: true; dashboard: Dashboard; problems: DashboardProblem[] } | { ok: false; problems: DashboardProblem[] };

export interface ParseOptions {
  /** The data sources tiles may name besides `local` (the manifest's databases); omitted: not checked. */
  dataSources?: readonly string[];
}

const VARIABLE = /^_[A-Za-z0-9_]*$/;

/** Parses and validates `.kqldash` text. Every problem has the JSON path and the line/column it is at. */
export function parseDashboard(text: string, options: ParseOptions = {}): DashboardParse {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const lines = lineStarts(text);
  const at = (offset: number): { line: number; column: number; offset: number } => position(lines, offset);
  if (!text.trim()) return { ok: false, problems: [{ message: `The file is empty; it must hold a dashboard JSON object such as ${STARTER}, or use "Pin to Dashboard" on a notebook cell to start one.`, path: '', ...at(0) }] };
  if (errors.length || !root) {
    // The first error is the one to fix; the ones after it often only follow from it.
    const problems = errors.map((e) => ({ message: jsonSyntaxMessage(e), path: '', ...at(e.offset) }));
    return { ok: false, problems: problems.length ? problems : [{ message: `The file holds no JSON value; it must hold a dashboard JSON object such as ${STARTER}.`, path: '', ...at(0) }] };
  }
  const v = new Validator(text, root, at);
  const dashboard = v.dashboard(options);
  return v.problems.length || !dashboard ? { ok: false, problems: v.problems } : { ok: true, dashboard, problems: [] };
}

const STARTER = '{ "version": 1, "pages": [{ "name": "Overview", "tiles": [] }] }';

const SYNTAX_HINTS: Partial<Record<string, string>> = {
  CommaExpected: 'a comma is missing between two values or properties',
  ColonExpected: 'a colon is missing after a property name',
  PropertyNameExpected: 'a property name in double quotes is expected (is there a comma after the last property?)',
  ValueExpected: 'a value is expected (is there a comma too many, or a value missing?)',
  CloseBraceExpected: 'a closing } is missing',
  CloseBracketExpected: 'a closing ] is missing',
  EndOfFileExpected: 'there is text after the dashboard object; a file holds one object',
  InvalidCommentToken: 'comments are not allowed in a .kqldash file',
  UnexpectedEndOfString: 'a string is not closed with a double quote',
  InvalidSymbol: 'this is not JSON (strings and names take double quotes)',
};

function jsonSyntaxMessage(e: ParseError): string {
  const code = printParseErrorCode(e.error);
  return `JSON syntax: ${SYNTAX_HINTS[code] ?? code}. Fix the file as text; the dashboard reloads once it parses.`;
}

/** A parse result as one readable message (what, where, what to do) for a notification or an error tile. */
export function describeProblems(file: string, problems: readonly DashboardProblem[]): string {
  return problems.slice(0, 5).map((p) => `${file}:${p.line}:${p.column}${p.path ? ` (${p.path})` : ''}: ${p.message}`).join('\n')
    + (problems.length > 5 ? `\n…and ${problems.length - 5} more` : '');
}

type Segment = string | number;

class Validator {
  readonly problems: DashboardProblem[] = [];
  constructor(private readonly text: string, private readonly root: Node, private readonly at: (offset: number) => { line: number; column: number; offset: number }) {}

  private report(path: Segment[], message: string, offset?: number): void {
    const node = offset === undefined ? this.nodeAt(path) : undefined;
    this.problems.push({ message, path: formatPath(path), ...this.at(offset ?? node?.offset ?? 0) });
  }

  private nodeAt(path: Segment[]): Node | undefined {
    for (let n = path.length; n >= 0; n--) { const node = findNodeAtLocation(this.root, path.slice(0, n)); if (node) return node; }
    return undefined;
  }

  private value(path: Segment[]): unknown {
    const node = findNodeAtLocation(this.root, path);
    return node ? nodeValue(node) : undefined;
  }

  private object(path: Segment[], allowed: readonly string[]): Record<string, unknown> | undefined {
    const node = path.length ? findNodeAtLocation(this.root, path) : this.root;
    if (!node || node.type !== 'object') { this.report(path, `${describe(path)} must be a JSON object.`); return undefined; }
    const out: Record<string, unknown> = {};
    for (const prop of node.children ?? []) {
      const key = prop.children?.[0]?.value as string;
      if (!allowed.includes(key)) { this.report([...path, key], `Unknown property "${key}" in ${describe(path)}; allowed: ${allowed.join(', ')}.`, prop.offset); continue; }
      out[key] = prop.children?.[1] ? nodeValue(prop.children[1]) : undefined;
    }
    return out;
  }

  private string(path: Segment[], o: Record<string, unknown>, key: string, required: boolean, nonEmpty = true): string | undefined {
    const v = o[key];
    if (v === undefined) { if (required) this.report(path, `${describe(path)} lacks "${key}".`); return undefined; }
    if (typeof v !== 'string' || (nonEmpty && !v.trim())) { this.report([...path, key], `"${key}" must be a non-empty string.`); return undefined; }
    return v;
  }

  private oneOf<T extends string>(path: Segment[], o: Record<string, unknown>, key: string, allowed: readonly T[], fallback?: T): T | undefined {
    const v = o[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      this.report(v === undefined ? path : [...path, key], v === undefined ? `${describe(path)} lacks "${key}" (one of ${allowed.join(', ')}).` : `"${key}" is ${JSON.stringify(v)}; use one of ${allowed.join(', ')}.`);
      return undefined;
    }
    return v as T;
  }

  private array(path: Segment[], o: Record<string, unknown>, key: string, required: boolean): unknown[] | undefined {
    const v = o[key];
    if (v === undefined) { if (required) this.report(path, `${describe(path)} lacks "${key}" (a JSON array).`); return required ? undefined : []; }
    if (!Array.isArray(v)) { this.report([...path, key], `"${key}" must be a JSON array.`); return undefined; }
    return v;
  }

  dashboard(options: ParseOptions): Dashboard | undefined {
    const o = this.object([], ['$schema', 'version', 'title', 'autoRefresh', 'parameters', 'pages']);
    if (!o) return undefined;
    const version = o.version ?? DASHBOARD_FORMAT_VERSION;
    if (version !== DASHBOARD_FORMAT_VERSION) {
      const newer = typeof version === 'number' && version > DASHBOARD_FORMAT_VERSION;
      this.report(['version'], `"version" is ${JSON.stringify(version)}; this Eventline reads version ${DASHBOARD_FORMAT_VERSION}. ${newer ? 'The file was written by a newer Eventline: update the extension to open it.' : `Set "version": ${DASHBOARD_FORMAT_VERSION}.`}`);
    }
    const title = this.string([], o, 'title', false) ?? 'Dashboard';
    const autoRefresh = this.oneOf([], o, 'autoRefresh', AUTO_REFRESH, 'off') ?? 'off';
    const sources = options.dataSources ? new Set([LOCAL_DATA_SOURCE, ...options.dataSources]) : undefined;
    const checkSource = (path: Segment[], name: string): void => {
      if (sources && !sources.has(name)) this.report(path, `Unknown data source "${name}"; use ${[...sources].map((s) => `"${s}"`).join(' or ')} (the manifest's eventhouse.database, or local).`);
    };

    const parameters: DashboardParameter[] = [];
    const declared = new Map<string, Segment[]>();
    (this.array([], o, 'parameters', false) ?? []).forEach((_, i) => {
      const p = this.parameter(['parameters', i], checkSource);
      if (!p) return;
      for (const name of parameterVariables(p)) {
        if (declared.has(name)) this.report(['parameters', i], `Parameter variable ${name} is declared twice (also at ${formatPath(declared.get(name)!)}).`);
        else declared.set(name, ['parameters', i]);
      }
      parameters.push(p);
    });

    const pages: DashboardPage[] = [];
    const ids = new Map<string, string>();
    const pageList = this.array([], o, 'pages', true);
    if (pageList && pageList.length === 0) this.report(['pages'], 'A dashboard needs at least one page in "pages".');
    (pageList ?? []).forEach((_, i) => {
      const path: Segment[] = ['pages', i];
      const po = this.object(path, ['name', 'tiles']);
      if (!po) return;
      const name = this.string(path, po, 'name', true) ?? '';
      const tiles: Tile[] = [];
      (this.array(path, po, 'tiles', false) ?? []).forEach((__, j) => {
        const tile = this.tile([...path, 'tiles', j], checkSource, declared);
        if (!tile) return;
        const other = ids.get(tile.id);
        if (other) this.report([...path, 'tiles', j, 'id'], `Tile id "${tile.id}" is used twice (also at ${other}); ids must be unique.`);
        ids.set(tile.id, formatPath([...path, 'tiles', j]));
        tiles.push(tile);
      });
      pages.push({ name, tiles });
    });
    return { version: DASHBOARD_FORMAT_VERSION, title, autoRefresh, parameters, pages };
  }

  private parameter(path: Segment[], checkSource: (path: Segment[], name: string) => void): DashboardParameter | undefined {
    const kind = this.value([...path, 'kind']);
    if (kind === 'timeRange') {
      const o = this.object(path, ['kind', 'name', 'default']);
      if (!o) return undefined;
      const def = this.oneOf(path, o, 'default', TIME_PRESETS, '1h');
      return def ? { kind, name: this.string(path, o, 'name', false) ?? 'Time range', default: def } : undefined;
    }
    if (kind !== 'select') { this.report(kind === undefined ? path : [...path, 'kind'], `${describe(path)} needs "kind": "timeRange" or "select".`); return undefined; }
    const o = this.object(path, ['kind', 'name', 'variable', 'type', 'multi', 'dataSource', 'query', 'values', 'default']);
    if (!o) return undefined;
    const name = this.string(path, o, 'name', true);
    const variable = this.string(path, o, 'variable', true);
    if (variable && (!VARIABLE.test(variable) || variable === START_TIME || variable === END_TIME)) {
      this.report([...path, 'variable'], `"variable" ${JSON.stringify(variable)} must start with "_" and hold only letters, digits and "_" (and not be ${START_TIME}/${END_TIME}).`);
      return undefined;
    }
    const type = this.oneOf(path, o, 'type', PARAMETER_TYPES, 'string');
    const multi = o.multi ?? false;
    if (typeof multi !== 'boolean') this.report([...path, 'multi'], '"multi" must be true or false.');
    const query = this.string(path, o, 'query', false);
    const values = o.values;
    if (values !== undefined && (!Array.isArray(values) || values.some((x) => typeof x !== 'string'))) this.report([...path, 'values'], '"values" must be an array of strings.');
    if ((query === undefined) === (values === undefined)) this.report(path, `${describe(path)} needs exactly one of "query" (its choices are the first column of the result) or "values".`);
    let dataSource: string | undefined;
    if (query !== undefined) { dataSource = this.string(path, o, 'dataSource', false) ?? LOCAL_DATA_SOURCE; checkSource([...path, 'dataSource'], dataSource); }
    const def = o.default;
    if (def !== undefined && !(typeof def === 'string' || (Array.isArray(def) && def.every((x) => typeof x === 'string')))) this.report([...path, 'default'], '"default" must be a string or an array of strings.');
    else if (Array.isArray(def) && multi !== true) this.report([...path, 'default'], 'An array "default" needs "multi": true.');
    if (!name || !variable || !type || typeof multi !== 'boolean') return undefined;
    const p: SelectParameter = { kind, name, variable, type, multi };
    if (dataSource !== undefined) p.dataSource = dataSource;
    if (query !== undefined) p.query = query;
    if (Array.isArray(values)) p.values = values as string[];
    if (def !== undefined) p.default = def as string | string[];
    return p;
  }

  private tile(path: Segment[], checkSource: (path: Segment[], name: string) => void, declared: Map<string, Segment[]>): Tile | undefined {
    const o = this.object(path, ['id', 'title', 'dataSource', 'query', 'visual', 'position']);
    if (!o) return undefined;
    const id = this.string(path, o, 'id', true);
    const title = this.string(path, o, 'title', false, false) ?? '';
    const dataSource = this.string(path, o, 'dataSource', false) ?? LOCAL_DATA_SOURCE;
    checkSource([...path, 'dataSource'], dataSource);
    const query = this.string(path, o, 'query', true);
    const visual = this.oneOf(path, o, 'visual', TILE_VISUALS, 'table');
    const pos = this.positionOf([...path, 'position']);
    if (query !== undefined) {
      const queryNode = findNodeAtLocation(this.root, [...path, 'query']);
      for (const ref of undeclaredVariables(query, new Set(declared.keys()))) {
        this.report([...path, 'query'], `The query uses ${ref.name} but no parameter declares it; add a parameter with "variable": "${ref.name}"${ref.name === START_TIME || ref.name === END_TIME ? ' (or a "timeRange" parameter)' : ''} to "parameters".`, queryOffset(this.text, queryNode, ref.offset));
      }
    }
    if (!id || query === undefined || !visual || !pos) return undefined;
    return { id, title, dataSource, query, visual, position: pos };
  }

  private positionOf(path: Segment[]): TilePosition | undefined {
    const o = this.object(path, ['x', 'y', 'width', 'height']);
    if (!o) return undefined;
    const n = (key: keyof TilePosition, min: number, max: number): number | undefined => {
      const v = o[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) { this.report(v === undefined ? path : [...path, key], `"${key}" must be a whole number from ${min} to ${max}.`); return undefined; }
      return v;
    };
    const x = n('x', 0, GRID_COLUMNS - 1), y = n('y', 0, 10_000), width = n('width', 1, GRID_COLUMNS), height = n('height', 1, 100);
    if (x === undefined || y === undefined || width === undefined || height === undefined) return undefined;
    if (x + width > GRID_COLUMNS) { this.report([...path, 'width'], `The tile is ${x} + ${width} columns wide, past the ${GRID_COLUMNS}-column grid; make x + width at most ${GRID_COLUMNS}.`); return undefined; }
    return { x, y, width, height };
  }
}

/** The variables a parameter defines for queries. */
export function parameterVariables(p: DashboardParameter): string[] {
  return p.kind === 'timeRange' ? [START_TIME, END_TIME] : [p.variable];
}

/**
 * Identifiers starting with `_` that a query uses without declaring (outside strings and comments, not after a
 * dot, not declared by the query's own `let`). Parameters are referenced by name as in Real-Time Dashboards.
 */
export function undeclaredVariables(query: string, declared: ReadonlySet<string>): { name: string; offset: number }[] {
  const own = new Set<string>();
  const refs: { name: string; offset: number }[] = [];
  const tokens = identifiers(query);
  tokens.forEach((t, i) => { if (t.name === 'let' && tokens[i + 1]) own.add(tokens[i + 1].name); });
  const seen = new Set<string>();
  for (const t of tokens) {
    if (!t.name.startsWith('_') || t.afterDot || declared.has(t.name) || own.has(t.name) || seen.has(t.name)) continue;
    seen.add(t.name);
    refs.push({ name: t.name, offset: t.offset });
  }
  return refs;
}

/** The variables a query references, in first-use order (for the `let` prologue and Fabric's usedVariables). */
export function referencedVariables(query: string, declared: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const t of identifiers(query)) if (declared.has(t.name) && !t.afterDot && !out.includes(t.name)) out.push(t.name);
  return out;
}

function identifiers(query: string): { name: string; offset: number; afterDot: boolean }[] {
  const out: { name: string; offset: number; afterDot: boolean }[] = [];
  let i = 0;
  let prev = '';
  while (i < query.length) {
    const c = query[i];
    if (c === '/' && query[i + 1] === '/') { while (i < query.length && query[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'") {
      const verbatim = query[i - 1] === '@';
      i++;
      while (i < query.length && query[i] !== c) { if (query[i] === '\\' && !verbatim) i++; i++; }
      i++; prev = c; continue;
    }
    if (c === '`' && query.startsWith('```', i)) { const end = query.indexOf('```', i + 3); i = end < 0 ? query.length : end + 3; continue; }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < query.length && /[A-Za-z0-9_]/.test(query[i])) i++;
      out.push({ name: query.slice(start, i), offset: start, afterDot: prev === '.' && query[start - 1] === '.' && query[start - 2] !== '.' });
      prev = 'a'; continue;
    }
    if (/\d/.test(c)) { while (i < query.length && /[A-Za-z0-9_.]/.test(query[i])) i++; prev = '0'; continue; }
    if (!/\s/.test(c)) prev = c;
    i++;
  }
  return out;
}

/** The file offset of the decoded string's character `inner` inside a JSON string node (escapes counted). */
function queryOffset(text: string, node: Node | undefined, inner: number): number | undefined {
  if (!node) return undefined;
  let raw = node.offset + 1;
  for (let decoded = 0; decoded < inner && raw < node.offset + node.length - 1; decoded++) {
    if (text[raw] === '\\') raw += text[raw + 1] === 'u' ? 6 : 2; else raw++;
  }
  return raw;
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const p of node.children ?? []) if (p.children?.[0] && p.children[1]) o[p.children[0].value as string] = nodeValue(p.children[1]);
      return o;
    }
    case 'array': return (node.children ?? []).map(nodeValue);
    default: return node.value as unknown;
  }
}

function describe(path: Segment[]): string {
  return path.length ? formatPath(path) : 'The dashboard';
}

export function formatPath(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') out.push(i + 1);
  return out;
}

function position(lines: number[], offset: number): { line: number; column: number; offset: number } {
  let lo = 0, hi = lines.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lines[mid] <= offset) lo = mid; else hi = mid - 1; }
  return { line: lo + 1, column: offset - lines[lo] + 1, offset };
}
