// The policies kept per table or database (besides update): how each command argument becomes the policy object
// shown back, and which the local Eventhouse enforces. Only streamingingestion has an effect here; the others are
// stored and shown back so that scripts which set them run unchanged (docs/local-eventhouse.md says why each has
// nothing to do locally).
import { formatTimespan, KustoUserError, parseTimespan } from '../types';
import { readString } from './syntax';

export interface PolicyKind {
  /** PolicyName in results. */
  name: string;
  /** The policy the command's argument gives; `prior` is the current one for .alter-merge. Absent: shown, never set. */
  parse?: (arg: string, prior: Record<string, unknown> | undefined) => Record<string, unknown>;
}

/** A policy object given as a string literal holding JSON. */
export function policyObject(arg: string, kind: string): Record<string, unknown> {
  const lit = readString(arg);
  if (!lit || lit.rest.trim()) throw new KustoUserError('Syntax', `Expected the ${kind} policy as a string literal holding a JSON object, e.g. '{"IsEnabled": true}'.`);
  let v: unknown;
  try { v = JSON.parse(lit.value); } catch (e) { throw new KustoUserError('BadRequest', `The ${kind} policy is not valid JSON: ${e instanceof Error ? e.message : String(e)}`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new KustoUserError('BadRequest', `The ${kind} policy must be a JSON object.`);
  return v as Record<string, unknown>;
}

/** `name = value, name = value` (the retention and caching commands' short form), keys in lower case. */
function assignments(arg: string, kind: string, allowed: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of arg.split(/\s*,\s*|\s+(?=[A-Za-z_]+\s*=)/)) {
    const m = /^([A-Za-z_]+)\s*=\s*(\S+)$/.exec(part.trim());
    if (!m) throw new KustoUserError('Syntax', `Can't read '${part.trim()}' in the ${kind} policy; write ${allowed.map((a) => `${a} = …`).join(', ')}, or the policy's JSON as a string literal.`);
    const key = m[1].toLowerCase();
    if (!allowed.includes(key)) throw new KustoUserError('Unsupported', `The local Eventhouse does not support '${m[1]}' in the ${kind} policy (it reads ${allowed.join(', ')}).`);
    out.set(key, m[2]);
  }
  return out;
}

/** A timespan as the service writes it in policies (`10.00:00:00`), from a literal or text. */
function timespanText(v: unknown, what: string): string {
  const ticks = typeof v === 'string' ? parseTimespan(v) : undefined;
  if (ticks === undefined) throw new KustoUserError('BadRequest', `${what} must be a timespan such as 10d or 10.00:00:00, not ${JSON.stringify(v)}.`);
  return formatTimespan(ticks);
}

function isJson(arg: string): boolean {
  return readString(arg) !== undefined;
}

export const KINDS: Record<string, PolicyKind> = {
  // Enforced: IsEnabled false refuses streaming ingestion (Engine.ingest). Without a policy it is on here.
  streamingingestion: {
    name: 'StreamingIngestionPolicy',
    parse: (arg, prior) => {
      if (/^(enable|disable)$/i.test(arg)) return { IsEnabled: /^enable$/i.test(arg), HintAllocatedRate: prior?.HintAllocatedRate ?? null };
      const p = { ...prior, ...policyObject(arg, 'streamingingestion') };
      // The policy's page: IsEnabled is mandatory, with no default.
      if (typeof p.IsEnabled !== 'boolean') throw new KustoUserError('BadRequest', 'A streaming ingestion policy needs IsEnabled set to true or false, e.g. \'{"IsEnabled": true}\'.');
      if (p.HintAllocatedRate != null && typeof p.HintAllocatedRate !== 'number') throw new KustoUserError('BadRequest', 'HintAllocatedRate in a streaming ingestion policy is a number (GB per hour) or null.');
      return { IsEnabled: p.IsEnabled, HintAllocatedRate: p.HintAllocatedRate ?? null };
    },
  },
  // Not enforced: rows are kept until .clear or a drop.
  retention: {
    name: 'RetentionPolicy',
    parse: (arg, prior) => {
      const given = isJson(arg) ? policyObject(arg, 'retention') : Object.fromEntries([...assignments(arg, 'retention', ['softdelete', 'recoverability'])].map(([k, v]) => [k === 'softdelete' ? 'SoftDeletePeriod' : 'Recoverability', v]));
      const p = { SoftDeletePeriod: '36500.00:00:00', Recoverability: 'Enabled', ...prior, ...given };
      const recover = String(p.Recoverability).toLowerCase();
      if (recover !== 'enabled' && recover !== 'disabled') throw new KustoUserError('BadRequest', `Recoverability in a retention policy is Enabled or Disabled, not ${JSON.stringify(p.Recoverability)}.`);
      return { SoftDeletePeriod: timespanText(p.SoftDeletePeriod, 'SoftDeletePeriod'), Recoverability: recover === 'enabled' ? 'Enabled' : 'Disabled' };
    },
  },
  // Not enforced: every row is as fast to reach as every other (one DuckDB file).
  caching: {
    name: 'CachingPolicy',
    parse: (arg, prior) => {
      if (isJson(arg)) {
        const p = { ...prior, ...policyObject(arg, 'caching') };
        return { DataHotSpan: timespanText(p.DataHotSpan, 'DataHotSpan'), IndexHotSpan: timespanText(p.IndexHotSpan ?? p.DataHotSpan, 'IndexHotSpan'), HotWindows: [] };
      }
      const hot = timespanText(assignments(arg, 'caching', ['hot']).get('hot'), 'hot');
      return { DataHotSpan: hot, IndexHotSpan: hot, HotWindows: [] };
    },
  },
  // Not enforced: it governs queued ingestion, which the local Eventhouse does not have (streaming and inline only).
  ingestionbatching: {
    name: 'IngestionBatchingPolicy',
    parse: (arg, prior) => {
      // The .alter page: what is not given takes the default (5 minutes, 500 items, 1024 MB); .alter-merge keeps it.
      const p: Record<string, unknown> = { MaximumBatchingTimeSpan: '00:05:00', MaximumNumberOfItems: 500, MaximumRawDataSizeMB: 1024, ...prior, ...policyObject(arg, 'ingestionbatching') };
      for (const k of ['MaximumNumberOfItems', 'MaximumRawDataSizeMB']) {
        if (typeof p[k] !== 'number' || !Number.isInteger(p[k]) || p[k] <= 0) throw new KustoUserError('BadRequest', `${k} in an ingestion batching policy is a positive whole number, not ${JSON.stringify(p[k])}.`);
      }
      return { MaximumBatchingTimeSpan: timespanText(p.MaximumBatchingTimeSpan, 'MaximumBatchingTimeSpan'), MaximumNumberOfItems: p.MaximumNumberOfItems, MaximumRawDataSizeMB: p.MaximumRawDataSizeMB };
    },
  },
  // Not enforced: there are no extents to merge.
  merge: {
    name: 'ExtentsMergePolicy',
    parse: (arg, prior) => ({ ...prior, ...policyObject(arg, 'merge') }),
  },
  // Shown (never set here): .alter of these is refused by name.
  sharding: { name: 'ExtentsShardingPolicy' },
  roworder: { name: 'RowOrderPolicy' },
  partitioning: { name: 'DataPartitioningPolicy' },
  ingestiontime: { name: 'IngestionTimePolicy' },
  restricted_view_access: { name: 'RestrictedViewAccessPolicy' },
  auto_delete: { name: 'AutoDeletePolicy' },
  extent_tags_retention: { name: 'ExtentTagsRetentionPolicy' },
  mirroring: { name: 'MirroringPolicy' },
  row_level_security: { name: 'RowLevelSecurityPolicy' },
  encoding: { name: 'EncodingPolicy' },
};

export const KIND_NAMES = Object.keys(KINDS).join('|');
