// Schema drift between what a hub carries and the table it is loaded into: a sample of the hub's recent events read
// against the table's columns and its JSON ingestion mapping (or, without one, columns matched by name, as the
// service and Fabric's processed ingestion do). Ingestion never says when a field goes unmapped, a mapped field
// disappears or a value stops fitting its column: the rows just lose data. This says which, how often, and where.
import { displayJsonPath, normalizeJsonPath, type ColumnDef, type MappingDef, type MappingEntry } from './model';
import { createMergeTable, createOrAlterMapping } from './render';

export interface SampledEvent {
  /** Where it is, for the report: "partition 1, sequence 42". */
  id: string;
  /** The body as UTF-8 text. */
  text: string;
}

export interface DriftInput {
  table: string;
  columns: ColumnDef[];
  /** The connection's JSON mapping; undefined when the connection names none (columns are then matched by name). */
  mapping?: { name: string; entries: MappingEntry[] };
  format: 'json' | 'multijson';
  events: SampledEvent[];
}

/**
 * error: ingestion fails or skips the event; warning: values are lost (dropped, or null in their column); info: a
 * column always null, or a field missing from some events, which may be by design.
 */
export type DriftSeverity = 'error' | 'warning' | 'info';

export interface DriftFinding {
  severity: DriftSeverity;
  kind: 'notJson' | 'notObject' | 'unknownColumn' | 'unmappedField' | 'missingField' | 'typeMismatch' | 'unfilledColumn';
  /** The JSON path concerned (display form, `$.a.b`), when there is one. */
  path?: string;
  column?: string;
  /** Records (or events, for notJson) it applies to, out of `of`. */
  count: number;
  of: number;
  /** The first event it was seen in. */
  example?: string;
  /** One offending value, as JSON (typeMismatch, notObject). */
  value?: string;
  message: string;
}

/** Commands that would take the drift in: new columns for the fields nothing maps, and the mapping following renames. */
export interface DriftFix {
  /** Columns to add, typed from the sampled values. */
  columns: ColumnDef[];
  /** The whole mapping as it would be (undefined when the connection has none, or it does not change). */
  mapping?: MappingEntry[];
  commands: string[];
  /** Fields the commands do not take in, and why. */
  left: { path: string; why: string }[];
}

export interface DriftReport {
  table: string;
  mapping?: string;
  events: number;
  records: number;
  findings: DriftFinding[];
  fix?: DriftFix;
}

type Segment = string | number;

/** A normalized path (`$['a'][0]`) as its segments; undefined for `[*]` or anything this check cannot follow. */
function segments(path: string): Segment[] | undefined {
  const p = normalizeJsonPath(path);
  if (!p.startsWith('$')) return undefined;
  const out: Segment[] = [];
  const re = /\[(?:'((?:[^'\\]|\\.)*)'|(\d+))\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < p.length) {
    const at = re.lastIndex;
    const m = re.exec(p);
    if (!m || m.index !== at) return undefined;
    out.push(m[2] !== undefined ? Number(m[2]) : m[1].replace(/\\(.)/g, '$1'));
  }
  return out;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The JSONPath of segments in the one spelling mappings are kept in (`$['a'][0]`, see normalizeJsonPath). */
function jsonPathOf(segs: Segment[]): string {
  return `$${segs.map((x) => (typeof x === 'number' ? `[${x}]` : `['${x.replace(/'/g, "\\'")}']`)).join('')}`;
}

/** A path as people write it; control characters escaped, so a field name cannot break the report's lines. */
function pathText(segs: Segment[]): string {
  const escape = (x: Segment) => (typeof x === 'number' ? x : x.replace(new RegExp(CONTROL.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return displayJsonPath(jsonPathOf(segs.map(escape)));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `segs`, or undefined when the record does not have it. */
function at(record: unknown, segs: Segment[]): unknown {
  let v = record;
  for (const s of segs) {
    if (typeof s === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[s];
    } else {
      if (!isPlainObject(v) || !Object.prototype.hasOwnProperty.call(v, s)) return undefined;
      v = v[s];
    }
  }
  return v;
}

/** The record's leaf paths: scalars, arrays and empty objects, below objects, up to a depth that keeps reports readable. */
function leaves(record: Record<string, unknown>, out: Segment[][], prefix: Segment[] = [], depth = 0): void {
  for (const [k, v] of Object.entries(record)) {
    const p = [...prefix, k];
    if (isPlainObject(v) && Object.keys(v).length && depth < 5) leaves(v, out, p, depth + 1);
    else out.push(p);
  }
}

function startsWith(long: Segment[], short: Segment[]): boolean {
  return short.length <= long.length && short.every((s, i) => s === long[i]);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESPAN = /^-?(?:\d+\.)?\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?$/;
const UNIX_TRANSFORMS = /^datetimefromunix(?:seconds|milliseconds|microseconds|nanoseconds)$/i;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  return `a ${typeof v}`;
}

/**
 * Why the value would not load into a column of this type as itself (the service stores null, or text of a JSON
 * value), or undefined when it fits. Strict where ingestion converts silently: a number is not a datetime without a
 * DateTimeFromUnix* transform, and a fraction is not a long.
 */
export function misfit(v: unknown, type: string, transform?: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  const numericText = (s: string) => s.trim() !== '' && Number.isFinite(Number(s));
  switch (type) {
    case 'dynamic': return undefined;
    case 'string': return isPlainObject(v) || Array.isArray(v) ? `${kind(v)} (stored as its JSON text)` : undefined;
    case 'int':
    case 'long': {
      const whole = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : undefined;
      if (whole === undefined) return kind(v);
      if (!Number.isInteger(whole)) return `${kind(v)} with a fraction`;
      if (type === 'int' && (whole < -2147483648 || whole > 2147483647)) return `${kind(v)} outside int's 32 bits`;
      return undefined;
    }
    case 'real':
    case 'decimal':
      if (typeof v === 'number') return undefined;
      if (typeof v === 'string' && (numericText(v) || /^\s*[+-]?(?:nan|inf|infinity)\s*$/i.test(v))) return undefined;
      return kind(v);
    case 'bool':
      if (typeof v === 'boolean') return undefined;
      if (typeof v === 'string' && /^\s*(?:true|false)\s*$/i.test(v)) return undefined;
      if (v === 0 || v === 1) return undefined;
      return kind(v);
    case 'datetime':
      if (transform && UNIX_TRANSFORMS.test(transform)) return typeof v === 'number' || (typeof v === 'string' && numericText(v)) ? undefined : `${kind(v)}, not seconds since 1970 for ${transform}`;
      if (typeof v === 'string' && !numericText(v) && !Number.isNaN(Date.parse(v))) return undefined;
      if (typeof v === 'number') return `${kind(v)} (a Unix time needs a DateTimeFromUnixSeconds or …Milliseconds transform in the mapping)`;
      return kind(v);
    case 'timespan':
      if (typeof v === 'string' && TIMESPAN.test(v.trim())) return undefined;
      if (typeof v === 'number' && Number.isInteger(v)) return undefined; // ticks
      return kind(v);
    case 'guid':
      return typeof v === 'string' && GUID.test(v.trim()) ? undefined : kind(v);
    default:
      return undefined;
  }
}

/**
 * The records of one event, as the connector reads them: json takes the body as one value (an object, or the event
 * is refused); multijson takes several values (here, one per line) and spreads arrays.
 */
function recordsOf(text: string, format: DriftInput['format']): unknown[] | undefined {
  const t = text.trim();
  if (!t) return undefined;
  try {
    const whole: unknown = JSON.parse(t);
    return format === 'multijson' && Array.isArray(whole) ? whole : [whole];
  } catch {
    if (format !== 'multijson') return undefined;
    try {
      return t.split(/\r?\n/).filter((l) => l.trim()).flatMap((l) => {
        const v: unknown = JSON.parse(l);
        return Array.isArray(v) ? v : [v];
      });
    } catch {
      return undefined;
    }
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** An unmapped field that is probably the missing one under a new name: same name but case, or a close spelling. */
function renamedTo(missing: Segment[], unmapped: Segment[][]): Segment[] | undefined {
  const name = String(missing[missing.length - 1]).toLowerCase();
  let best: { p: Segment[]; d: number } | undefined;
  for (const p of unmapped) {
    const other = String(p[p.length - 1]).toLowerCase();
    const d = other === name ? 0 : levenshtein(other, name);
    // Short names are a letter or two from many others: for them only a change of case counts.
    const close = d === 0 || (name.length >= 4 && d <= Math.max(1, Math.floor(name.length / 4)));
    if (close && (!best || d < best.d)) best = { p, d };
  }
  return best?.p;
}

export function checkDrift(input: DriftInput): DriftReport {
  const findings: DriftFinding[] = [];
  const columns = new Map(input.columns.map((c) => [c.name, c]));
  const byName = !input.mapping;
  // Without a mapping, each column reads the top-level property of its own name.
  const entries: MappingEntry[] = input.mapping?.entries ?? input.columns.map((c) => ({ column: c.name, path: jsonPathOf([c.name]) }));
  const mappingName = input.mapping ? `mapping "${input.mapping.name}"` : 'the columns (by name: the connection names no mapping)';

  for (const e of entries) {
    if (!columns.has(e.column)) {
      findings.push({ severity: 'error', kind: 'unknownColumn', column: e.column, count: 0, of: 0, message: `${mappingName} fills column "${e.column}", which ${input.table} does not have: the service refuses the ingestion. Add the column, or remove the entry.` });
    }
  }

  // What each mapped column reads: a path it follows, or nothing from the record (a constant, a transform of its own).
  const reads = entries.flatMap((e) => {
    if (e.constValue !== undefined || (e.transform && /^sourcelocation$/i.test(e.transform))) return [];
    const segs = e.path !== undefined ? segments(e.path) : undefined;
    return segs ? [{ entry: e, segs, type: columns.get(e.column)?.type ?? e.datatype ?? 'dynamic', whole: /^dropmappedfields$/i.test(e.transform ?? '') || segs.length === 0 }] : [];
  });

  const records: { record: Record<string, unknown>; id: string }[] = [];
  let notJson: DriftFinding | undefined;
  let notObject: DriftFinding | undefined;
  for (const ev of input.events) {
    const rs = recordsOf(ev.text, input.format);
    if (!rs) {
      notJson ??= { severity: 'error', kind: 'notJson', count: 0, of: input.events.length, example: ev.id, message: '' };
      notJson.count++;
      continue;
    }
    for (const r of rs) {
      if (isPlainObject(r)) records.push({ record: r, id: ev.id });
      else {
        notObject ??= { severity: 'error', kind: 'notObject', count: 0, of: 0, example: ev.id, value: JSON.stringify(r).slice(0, 80), message: '' };
        notObject.count++;
      }
    }
  }
  const n = records.length;
  if (notJson) {
    notJson.message = `${plural(notJson.count, 'event')} of ${input.events.length} ${notJson.count === 1 ? 'is' : 'are'} not JSON (first: ${notJson.example}): ingestion skips ${notJson.count === 1 ? 'it' : 'them'} (\`.show ingestion failures\` lists ${notJson.count === 1 ? 'it' : 'them'}).`;
    findings.push(notJson);
  }
  if (notObject) {
    notObject.of = n + notObject.count;
    const hint = input.format === 'json' && notObject.value?.startsWith('[') ? ' (the json format takes one object per event; multijson takes arrays of objects)' : '';
    notObject.message = `${plural(notObject.count, 'record')} ${notObject.count === 1 ? 'is' : 'are'} a JSON ${notObject.value?.startsWith('"') ? 'string' : 'value'}, not an object (first: ${notObject.example}, ${notObject.value}): ingestion refuses ${notObject.count === 1 ? 'it' : 'them'}${hint}.`;
    findings.push(notObject);
  }

  // Fields no mapped path reaches: their values are dropped.
  const fieldCount = new Map<string, { segs: Segment[]; count: number; example: string; types: Set<string> }>();
  for (const { record, id } of records) {
    const ls: Segment[][] = [];
    leaves(record, ls);
    for (const l of ls) {
      // Covered when a column reads it or something around it, or reads inside it (an empty object, an array).
      if (reads.some((r) => startsWith(l, r.segs) || startsWith(r.segs, l))) continue;
      const key = JSON.stringify(l);
      let f = fieldCount.get(key);
      if (f) f.count++;
      else fieldCount.set(key, f = { segs: l, count: 1, example: id, types: new Set() });
      const t = valueType(at(record, l));
      if (t) f.types.add(t);
    }
  }
  const unmapped = [...fieldCount.values()];
  const renames = new Map<MappingEntry, Segment[]>();
  // Unmapped fields that stand in for a mapped one in the records that lack it (key: the field, value: the mapped path).
  const partial = new Map<string, string>();

  for (const r of reads) {
    if (r.whole) continue;
    let missing = 0;
    let firstMissing: string | undefined;
    const bad = new Map<string, { count: number; example: string; value: string }>();
    for (const { record, id } of records) {
      const v = at(record, r.segs);
      if (v === undefined || v === null) {
        missing++;
        firstMissing ??= id;
        continue;
      }
      const why = misfit(v, r.type, r.entry.transform);
      if (why === undefined) continue;
      const b = bad.get(why);
      if (b) b.count++;
      else bad.set(why, { count: 1, example: id, value: JSON.stringify(v).slice(0, 80) });
    }
    const path = pathText(r.segs);
    const col = `${r.entry.column} (${r.type})`;
    // The unmapped field that likely took this one's place: in every record (a rename) or in those without it.
    const renamed = missing ? renamedTo(r.segs, unmapped.map((u) => u.segs)) : undefined;
    if (n && missing === n) {
      if (renamed) renames.set(r.entry, renamed);
      findings.push({
        severity: 'warning', kind: 'missingField', path, column: r.entry.column, count: missing, of: n, example: firstMissing,
        message: `No record has ${path}: column ${col} is ${r.type === 'string' ? 'empty' : 'null'} in every row.${renamed ? ` The events have ${pathText(renamed)}, which nothing maps: was the field renamed?` : ''}`,
      });
    } else if (missing) {
      if (renamed) partial.set(JSON.stringify(renamed), path);
      findings.push({ severity: 'info', kind: 'missingField', path, column: r.entry.column, count: missing, of: n, example: firstMissing, message: `${plural(missing, 'record')} of ${n} ${missing === 1 ? 'has' : 'have'} no ${path} (or null; first: ${firstMissing}): column ${col} is ${r.type === 'string' ? 'empty' : 'null'} there.` });
    }
    for (const [why, b] of bad) {
      const stringified = r.type === 'string';
      findings.push({
        severity: stringified ? 'info' : 'warning', kind: 'typeMismatch', path, column: r.entry.column, count: b.count, of: n, example: b.example, value: b.value,
        message: `${path} is ${why} in ${plural(b.count, 'record')} of ${n} (first: ${b.example}, ${b.value}): ${stringified ? `column ${col} holds it as text` : `column ${col} gets null there`}.`,
      });
    }
  }

  for (const u of unmapped.sort((a, b) => b.count - a.count)) {
    const path = pathText(u.segs);
    findings.push({
      severity: 'warning', kind: 'unmappedField', path, count: u.count, of: n, example: u.example,
      message: `${path} is in ${plural(u.count, 'record')} of ${n} (first: ${u.example}), but ${byName ? `${input.table} has no column of that name` : `${mappingName} does not map it`}: its values are dropped.`,
    });
  }

  const filled = new Set(entries.map((e) => e.column));
  for (const c of input.columns) {
    if (!filled.has(c.name)) findings.push({ severity: 'info', kind: 'unfilledColumn', column: c.name, count: n, of: n, message: `${mappingName} does not fill column ${c.name} (${c.type}): it is ${c.type === 'string' ? 'empty' : 'null'} in every row this connection loads.` });
  }

  const rank: Record<DriftSeverity, number> = { error: 0, warning: 1, info: 2 };
  findings.sort((a, b) => rank[a.severity] - rank[b.severity]);
  const fix = fixFor(input, renames, partial, unmapped);
  return { table: input.table, mapping: input.mapping?.name, events: input.events.length, records: n, findings, ...(fix ? { fix } : {}) };
}

/**
 * The mapping a connection's events load with: none where they load by name (no mapping named, or Fabric's
 * Eventstream, which takes none), else the table's JSON mapping of that name. Throws, naming the table's mappings,
 * when it has no such mapping.
 */
export function connectionMapping(c: { name: string; table: string; mapping?: string }, mappings: readonly MappingDef[], local: boolean): { name: string; entries: MappingEntry[] } | undefined {
  if (!c.mapping || !local) return undefined;
  const m = mappings.find((x) => x.kind === 'json' && x.name === c.mapping);
  if (!m) throw new Error(`Connection ${c.name} names the JSON mapping "${c.mapping}", which table ${c.table} does not have${mappings.length ? ` (it has ${mappings.map((x) => `${x.kind} "${x.name}"`).join(', ')})` : ''}. Deploy the schema, or fix "mapping" in eventline.json.`);
  return { name: m.name, entries: m.entries };
}

/** The column type a field's values would load into without loss; undefined for null (it fits anything). */
function valueType(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'real';
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v)) ? 'datetime' : 'string';
  return 'dynamic';
}

/** One type for all of a field's values: long widens to real, anything else mixed is dynamic. */
function unify(types: Set<string>): string {
  if (types.size === 0) return 'dynamic';
  if (types.size === 1) return [...types][0];
  if (types.size === 2 && types.has('long') && types.has('real')) return 'real';
  if ([...types].every((t) => t === 'string' || t === 'datetime')) return 'string';
  return 'dynamic';
}

function fixFor(input: DriftInput, renames: Map<MappingEntry, Segment[]>, partial: Map<string, string>, unmapped: { segs: Segment[]; types: Set<string> }[]): DriftFix | undefined {
  const taken = new Set(input.columns.map((c) => c.name.toLowerCase()));
  const renamedTargets = new Set([...renames.values()].map((p) => JSON.stringify(p)));
  const columns: ColumnDef[] = [];
  const added: MappingEntry[] = [];
  const left: DriftFix['left'] = [];
  const byNameOnly = 'without a mapping, a column takes only the field of exactly its name: rename the column, or give the connection a mapping';
  // Fields that get no column: a name with a control character (no column name survives it); a field standing in for
  // a mapped one in some records only; a rename, which the mapping takes in by pointing the entry at the new path,
  // and which nothing can take in without a mapping.
  const fresh = unmapped.filter((u) => {
    const path = pathText(u.segs);
    const key = JSON.stringify(u.segs);
    if (u.segs.some((x) => typeof x === 'string' && CONTROL.test(x))) left.push({ path, why: 'its name has a control character, which makes no column name: map it by hand' });
    else if (partial.has(key)) left.push({ path, why: `it stands in for ${partial.get(key)} in the records without it, and a column reads one path: make the source send one name` });
    else if (!renamedTargets.has(key)) return true;
    else if (!input.mapping) left.push({ path, why: byNameOnly });
    return false;
  });
  if (!input.mapping) {
    // By name, a column takes the top-level field of exactly its name: a field that holds an object is one dynamic
    // column.
    const tops = new Map<string, Set<string>>();
    for (const u of fresh) {
      const top = u.segs[0];
      if (typeof top !== 'string') continue;
      const types = tops.get(top) ?? new Set<string>();
      tops.set(top, types);
      for (const t of u.segs.length > 1 ? ['dynamic'] : u.types) types.add(t);
    }
    for (const [name, types] of tops) {
      if (taken.has(name.toLowerCase())) { left.push({ path: pathText([name]), why: byNameOnly }); continue; }
      taken.add(name.toLowerCase());
      columns.push({ name, type: unify(types) });
    }
  } else {
    // A field inside another unmapped field goes in with it (a dynamic column holds the whole value).
    for (const u of fresh) {
      if (fresh.some((o) => o !== u && o.segs.length < u.segs.length && startsWith(u.segs, o.segs))) continue;
      // The field's own name, or its path joined with "_" where that name is taken ("device_fw").
      const names = [String(u.segs[u.segs.length - 1]), u.segs.map(String).join('_')];
      let name = names.find((x) => !taken.has(x.toLowerCase()));
      for (let i = 2; !name; i++) if (!taken.has(`${names[1]}_${i}`.toLowerCase())) name = `${names[1]}_${i}`;
      taken.add(name.toLowerCase());
      columns.push({ name, type: unify(u.types) });
      added.push({ column: name, path: jsonPathOf(u.segs) });
    }
  }
  const mapping = input.mapping && (added.length || renames.size)
    ? [...input.mapping.entries.map((e) => {
      const to = renames.get(e);
      return to ? { ...e, path: jsonPathOf(to) } : e;
    }), ...added]
    : undefined;
  if (!columns.length && !mapping && !left.length) return undefined;
  const commands: string[] = [];
  if (columns.length) commands.push(createMergeTable({ name: input.table }, columns));
  if (mapping && input.mapping) commands.push(createOrAlterMapping({ table: input.table, name: input.mapping.name, kind: 'json', entries: mapping }));
  return { columns, mapping, commands, left };
}

/** The report as Markdown, for a read-only preview. */
export function driftMarkdown(r: DriftReport, where: { hub: string; database: string; sampledAt: string; notes?: string[] }): string {
  const lines = [
    `# Schema drift: ${where.hub} → ${r.table}`,
    '',
    `${plural(r.events, 'event')} (${plural(r.records, 'record')}) read from the end of ${where.hub} at ${where.sampledAt}, against table ${r.table} in ${where.database} and ${r.mapping ? `its mapping "${r.mapping}"` : 'its columns by name (no mapping)'}.`,
    '',
    ...(where.notes ?? []).flatMap((n) => [n, '']),
  ];
  if (!r.events) lines.push('The hub holds no events: nothing to compare. Send a test event or run the function, then check again.');
  else if (!r.findings.length) lines.push('**No drift:** every field is mapped, every mapped field is present, and every value fits its column.');
  const icon: Record<DriftSeverity, string> = { error: 'Error', warning: 'Warning', info: 'Note' };
  const fix = r.fix;
  for (const sev of ['error', 'warning', 'info'] as const) {
    const fs = r.findings.filter((f) => f.severity === sev);
    if (!fs.length) continue;
    lines.push(`## ${icon[sev]}${fs.length === 1 ? '' : 's'} (${fs.length})`, '');
    for (const f of fs) lines.push(`- ${f.message}`);
    lines.push('');
  }
  if (fix) {
    lines.push('## Suggested fix', '');
    if (fix.commands.length) {
      lines.push(`Put ${fix.commands.length === 1 ? 'this command' : 'these commands'} in the table's file under kql/ and run "Eventline: Deploy Eventhouse Schema", or run ${fix.commands.length === 1 ? 'it' : 'them'} as ${fix.commands.length === 1 ? 'it stands' : 'they stand'}.${fix.columns.length ? ' New columns take the type of the sampled values (dynamic where they mix).' : ''}`, '');
      lines.push('```kql', fix.commands.join('\n\n'), '```', '');
    }
    if (fix.left.length) lines.push(`Not taken in by ${fix.commands.length ? 'these commands' : 'a command'}: ${fix.left.map((l) => `${l.path} (${l.why})`).join('; ')}.`, '');
  }
  return lines.join('\n');
}
