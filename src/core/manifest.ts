import type { ErrorObject } from 'ajv';
import { parseTree, findNodeAtLocation, printParseErrorCode, type ParseError, type Node } from 'jsonc-parser';
import validate from './generated/manifestValidator';
import { parseNcrontab } from './ncrontab';
import { AlertRuleError, normalizeAlert } from './alerts/rule';
import { normalizeSmtpRelay, SmtpRelayError, type SmtpRelayConfig } from './alerts/smtpRelay';

export const MANIFEST_FILE = 'eventline.json';

/**
 * A reference to a secret, never the secret. `keyVaultSecret`: a secret name (looked up in the active profile's
 * Key Vault: the local Key Vault in the local profile) or a full secret URI. `secretStorage`: older manifests'
 * name in VS Code's SecretStorage; it still loads (see core/keyVaultReference.ts secretOfRef).
 */
export interface SecretRef { keyVaultSecret?: string; secretStorage?: string }
/** How a source pages: a next link in the body, a Link header, page numbers or offsets. */
export type Paging =
  | { style: 'none' }
  | { style: 'nextLink'; nextLinkPath?: string }
  | { style: 'linkHeader' }
  | { style: 'page'; pageParam: string; pageSizeParam?: string; pageSize?: number; firstPage?: number }
  | { style: 'offset'; offsetParam: string; limitParam?: string; limit?: number };
export interface SourceAuth { header?: string; query?: string; prefix?: string; secret: SecretRef }
export interface Source {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  query?: Record<string, string>;
  paging?: Paging;
  watermark?: { param: string; field?: string; initial?: string };
  /** JSON path of the records array; `$` (the default) for a body that is the array. */
  recordsPath?: string;
  idField?: string;
  timeField?: string;
  auth?: SourceAuth;
  /** Older manifests: a functions entry holds the schedule now. */
  schedule?: string;
  /** Older manifests: a functions entry names the hub now. */
  hub?: string;
}
/** An ingest function project in the workspace (`path` is relative to eventline.json). */
export interface FunctionDef {
  name: string;
  path: string;
  source: string;
  hub: string;
  /** NCRONTAB, six fields, UTC. */
  schedule: string;
  partitionKey?: string;
  enabled?: boolean;
  settings?: Record<string, string>;
}
export interface EventHub { name: string; namespace?: string; partitions?: number; consumerGroups?: string[]; retentionHours?: number }
export interface EventhouseTable { name: string; schemaFile?: string }
export interface Eventhouse { queryUri?: string; workspaceId?: string; itemId?: string; database?: string; tables?: EventhouseTable[] }
export interface Connection { name?: string; hub: string; consumerGroup?: string; table: string; format?: 'json' | 'multijson' | 'csv'; mapping?: string; eventstream?: string }
/**
 * An alert rule (core/alerts/rule.ts normalizes it). Older manifests: name, query, every, email (each row fires);
 * newer ones: source, object, property, condition, options, action.
 */
export interface Alert {
  name: string;
  query?: string;
  every?: string;
  email?: string[];
  enabled?: boolean;
  muted?: boolean;
  cooldown?: string;
  source?: { query: string; every?: string; eventTimeColumn?: string; delay?: string };
  object?: string;
  property?: string | { column: string; aggregation?: 'average' | 'min' | 'max' | 'sum' | 'count'; window?: string };
  condition?: { kind: string; [field: string]: unknown };
  options?: { everyTime?: boolean; staysFor?: string; times?: number; within?: string };
  action?: {
    email?: { to: string[]; cc?: string[]; subject?: string; headline?: string; message?: string; fields?: string[] };
    /** A Teams message: posted by Fabric Activator once deployed; locally the firing is recorded, nothing is posted. */
    teams?: { to: string[]; headline?: string; message?: string; fields?: string[] };
  };
}
export interface Profile {
  kind?: 'local' | 'azure'; tenantId?: string; subscriptionId?: string; resourceGroup?: string; eventHubsNamespace?: string; eventhouseQueryUri?: string; fabricWorkspaceId?: string; functionApp?: string; keyVault?: string;
  /** The KQL database item the profile's Eventstreams write to (found by eventhouse.database when absent). */
  kqlDatabaseItemId?: string;
  /** Per hub name: the Fabric cloud connection an Eventstream source reads it through. */
  eventHubConnections?: Record<string, string>;
  /** Local profile only: the SMTP relay the local alert runner mails through (core/alerts/smtpRelay.ts). */
  smtpRelay?: SmtpRelayConfig;
}

export interface Manifest {
  version: 1;
  name: string;
  description?: string;
  sources?: Source[];
  functions?: FunctionDef[];
  eventHubs?: EventHub[];
  eventhouse?: Eventhouse;
  connections?: Connection[];
  alerts?: Alert[];
  keyVault?: { name: string; resourceId?: string };
  profiles?: Record<string, Profile>;
  activeProfile?: string;
}

/** A problem in the manifest, with a 1-based position a person can go to. */
export interface ManifestProblem {
  /**
   * syntax: not JSON; schema: breaks the JSON Schema; reference: names something that is not declared;
   * schedule: an NCRONTAB that does not parse (the position is inside the string); alert: a rule that cannot run
   * as written (core/alerts/rule.ts).
   */
  kind: 'syntax' | 'schema' | 'reference' | 'schedule' | 'alert';
  message: string;
  /** JSON path such as `eventHubs[0].partitions`, or '' for the whole file. */
  path: string;
  line: number;
  column: number;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; problems: ManifestProblem[] };

/** Parses and validates `eventline.json` text against the same JSON Schema VS Code uses for editing. */
export function parseManifest(text: string): ManifestResult {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const lines = lineStarts(text);
  if (errors.length > 0 || !root) {
    const problems = errors.map((e): ManifestProblem => ({
      kind: 'syntax',
      message: `Invalid JSON: ${describeParseError(printParseErrorCode(e.error))}.`,
      path: '',
      ...position(lines, e.offset),
    }));
    return { ok: false, problems: problems.length ? problems : [{ kind: 'syntax', message: 'The file is empty; it must hold a JSON object.', path: '', line: 1, column: 1 }] };
  }
  const value: unknown = JSON.parse(text);
  if (validate(value)) {
    const problems = semanticProblems(value as Manifest, root, lines);
    return problems.length ? { ok: false, problems } : { ok: true, manifest: value as Manifest };
  }
  const problems = dedupe((validate.errors ?? []).map((e) => toProblem(e, root, lines)));
  return { ok: false, problems: relayProblems(value, root, lines, problems) };
}

/**
 * An smtpRelay the schema rejects gets the relay check's one message (a password written as text is "never the
 * password itself", not the secretRef oneOf's "must be object") in place of the schema's.
 */
function relayProblems(value: unknown, root: Node, lines: number[], problems: ManifestProblem[]): ManifestProblem[] {
  const profiles = (value as { profiles?: unknown } | null)?.profiles;
  if (typeof profiles !== 'object' || profiles === null) return problems;
  let out = problems;
  for (const [name, p] of Object.entries(profiles as Record<string, unknown>)) {
    const raw = (p as { smtpRelay?: unknown } | null)?.smtpRelay;
    if (raw === undefined) continue;
    try { normalizeSmtpRelay(raw, ['profiles', name, 'smtpRelay']); } catch (e) {
      if (!(e instanceof SmtpRelayError)) throw e;
      const prefix = formatPath(['profiles', name, 'smtpRelay']);
      const node = findNodeAtLocation(root, e.path) ?? findNodeAtLocation(root, ['profiles', name, 'smtpRelay']);
      out = [...out.filter((x) => x.path !== prefix && !x.path.startsWith(`${prefix}.`)), { kind: 'schema', message: e.message, path: formatPath(e.path), ...position(lines, node?.offset ?? 0) }];
    }
  }
  return out;
}

/** Cross-references the schema cannot express: names that must point at something declared elsewhere. */
function semanticProblems(m: Manifest, root: Node, lines: number[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const hubs = new Set((m.eventHubs ?? []).map((h) => h.name));
  const at = (segments: (string | number)[], message: string) => {
    const node = findNodeAtLocation(root, segments);
    problems.push({ kind: 'reference', message, path: formatPath(segments), ...position(lines, node?.offset ?? 0) });
  };
  const seen = new Map<string, Set<string>>();
  const unique = (kind: string, name: string, segments: (string | number)[]) => {
    const names = seen.get(kind) ?? new Set<string>();
    seen.set(kind, names);
    if (names.has(name)) at(segments, `Duplicate ${kind} name "${name}": names must be unique.`);
    names.add(name);
  };
  // An NCRONTAB error points into the string: the value's node starts at its opening quote.
  const schedule = (expr: string, segments: (string | number)[], owner: string) => {
    const r = parseNcrontab(expr);
    if (r.ok) return;
    const node = findNodeAtLocation(root, segments);
    problems.push({ kind: 'schedule', message: `${owner}: ${r.error.message}`, path: formatPath(segments), ...position(lines, (node?.offset ?? 0) + (node ? 1 + r.error.offset : 0)) });
  };
  m.sources?.forEach((s, i) => {
    unique('source', s.name, ['sources', i, 'name']);
    if (s.hub !== undefined && !hubs.has(s.hub)) at(['sources', i, 'hub'], `Source "${s.name}" sends to hub "${s.hub}", which is not declared under "eventHubs".`);
    if (s.schedule !== undefined) schedule(s.schedule, ['sources', i, 'schedule'], `Source "${s.name}" schedule`);
  });
  const sources = new Set((m.sources ?? []).map((s) => s.name));
  m.functions?.forEach((f, i) => {
    unique('function', f.name, ['functions', i, 'name']);
    if (!sources.has(f.source)) at(['functions', i, 'source'], `Function "${f.name}" polls source "${f.source}", which is not declared under "sources".`);
    if (!hubs.has(f.hub)) at(['functions', i, 'hub'], `Function "${f.name}" sends to hub "${f.hub}", which is not declared under "eventHubs".`);
    schedule(f.schedule, ['functions', i, 'schedule'], `Function "${f.name}" schedule`);
  });
  m.eventHubs?.forEach((h, i) => unique('event hub', h.name, ['eventHubs', i, 'name']));
  m.alerts?.forEach((a, i) => {
    unique('alert', a.name, ['alerts', i, 'name']);
    // What the schema cannot say: a condition's own fields, options that exclude each other, staysFor on a transition.
    try { normalizeAlert(a, i); } catch (e) {
      if (!(e instanceof AlertRuleError)) throw e;
      // A missing field is reported where it belongs: the nearest enclosing object that is in the file.
      let node: Node | undefined;
      for (let n = e.path.length; !node && n > 0; n--) node = findNodeAtLocation(root, e.path.slice(0, n));
      problems.push({ kind: 'alert', message: e.message, path: formatPath(e.path), ...position(lines, node?.offset ?? 0) });
    }
  });
  m.connections?.forEach((c, i) => {
    if (!hubs.has(c.hub)) at(['connections', i, 'hub'], `Connection reads hub "${c.hub}", which is not declared under "eventHubs".`);
  });
  for (const [name, p] of Object.entries(m.profiles ?? {})) {
    if (p.smtpRelay === undefined) continue;
    const kind = p.kind ?? (name === 'local' ? 'local' : 'azure');
    if (kind !== 'local') {
      at(['profiles', name, 'smtpRelay'], `Profile "${name}" is a cloud profile: deployed alerts are mailed by Activator, so only a local profile takes smtpRelay. Move it to the local profile.`);
      continue;
    }
    try { normalizeSmtpRelay(p.smtpRelay, ['profiles', name, 'smtpRelay']); } catch (e) {
      if (!(e instanceof SmtpRelayError)) throw e;
      const node = findNodeAtLocation(root, e.path) ?? findNodeAtLocation(root, ['profiles', name, 'smtpRelay']);
      problems.push({ kind: 'schema', message: e.message, path: formatPath(e.path), ...position(lines, node?.offset ?? 0) });
    }
  }
  if (m.activeProfile !== undefined && !(m.profiles && m.activeProfile in m.profiles)) {
    at(['activeProfile'], `activeProfile "${m.activeProfile}" is not one of the profiles (${Object.keys(m.profiles ?? {}).join(', ') || 'none declared'}).`);
  }
  return problems;
}

function toProblem(e: ErrorObject, root: Node, lines: number[]): ManifestProblem {
  const segments = e.instancePath.split('/').slice(1).map((s) => {
    const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
  let message: string;
  const where = segments.length ? formatPath(segments) : 'The manifest';
  switch (e.keyword) {
    case 'required': message = `${where} is missing the required property "${String(e.params.missingProperty)}".`; break;
    case 'additionalProperties': message = `${where} has an unknown property "${String(e.params.additionalProperty)}".`; break;
    case 'enum': message = `${where} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}.`; break;
    case 'const': message = `${where} must be ${JSON.stringify(e.params.allowedValue)}.`; break;
    default: message = `${where} ${e.message ?? 'is invalid'}.`;
  }
  let node = findNodeAtLocation(root, segments);
  if (e.keyword === 'additionalProperties') {
    node = findNodeAtLocation(root, [...segments, String(e.params.additionalProperty)])?.parent ?? node;
  }
  return { kind: 'schema', message, path: formatPath(segments), ...position(lines, node?.offset ?? 0) };
}

function dedupe(problems: ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  // oneOf failures repeat every branch's complaint; one line per position and message is enough.
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function formatPath(segments: (string | number)[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describeParseError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

/** 1-based line/column of the first and one-past-last character of a value in manifest text. */
export interface ManifestSpan { start: { line: number; column: number }; end: { line: number; column: number } }

/**
 * Where values sit in manifest text: the text is parsed once, then each path is looked up (undefined when it is not
 * there, or the text does not parse).
 */
export function manifestLocator(text: string): (path: (string | number)[]) => ManifestSpan | undefined {
  const root = parseTree(text, [], { allowTrailingComma: false, disallowComments: true });
  let starts: number[] | undefined;
  return (path) => {
    const node = root && findNodeAtLocation(root, path);
    if (!node) return undefined;
    starts ??= lineStarts(text);
    return { start: position(starts, node.offset), end: position(starts, node.offset + node.length) };
  };
}

/** The manifest `Eventline: Create Pipeline Manifest` writes: a working local pipeline with one of everything. */
/**
 * The local pipeline's sample API as a source: next-link paging, a `since` watermark, and its key in the local Key
 * Vault under the name the API reports (the manifest only names it).
 */
export function sampleApiSource(apiPort: number): Source {
  return {
    name: 'sample-api',
    url: `http://127.0.0.1:${apiPort}/readings`,
    query: { pageSize: '500' },
    paging: { style: 'nextLink', nextLinkPath: 'next' },
    watermark: { param: 'since', field: 'timestamp' },
    recordsPath: 'items',
    idField: 'id',
    timeField: 'timestamp',
    auth: { header: 'x-api-key', secret: { keyVaultSecret: 'sample-api-key' } },
  };
}

export function starterManifest(name: string): Manifest {
  const safeName = name.replace(/[^A-Za-z0-9 _.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'pipeline';
  return {
    version: 1,
    name: safeName,
    description: 'REST API → ingest function → Event Hubs → Eventhouse, with alerts.',
    sources: [{ ...sampleApiSource(5400), method: 'GET' }],
    eventHubs: [{ name: 'telemetry', partitions: 4, consumerGroups: ['$Default', 'eventline-tail'] }],
    // The tables and mapping of the sample schema (kql/schema/ in Eventline's repository).
    eventhouse: { database: 'NetDefaultDB', tables: [{ name: 'RawReadings' }, { name: 'Readings' }] },
    connections: [{ name: 'telemetry-to-raw', hub: 'telemetry', consumerGroup: '$Default', table: 'RawReadings', format: 'json', mapping: 'RawReadingsMapping' }],
    alerts: [],
    profiles: { local: { kind: 'local' } },
    activeProfile: 'local',
  };
}
