// A connection's definition, from the config file's `connections[]` (the manifest) or a control API body, with
// the defaults filled in and every problem named with where it is.
import { CONSUMER_GROUP_NAME } from '../../core/eventHubsNames';
import type { ConnectionInput } from '../../protocol/controlApi';

export interface ConnectionDef {
  name: string;
  hub: string;
  /** As given, or the connection's name. */
  consumerGroup: string;
  /** The group is the connector's own (named for the connection): create it when missing. */
  ownGroup: boolean;
  database: string;
  table: string;
  format: 'json' | 'multijson' | 'csv';
  mapping?: string;
  maxBatchEvents: number;
  maxBatchDelayMs: number;
  maxEventBytes: number;
}

/** Eventstream's defaults for an Eventhouse destination: a batch at 1,000 events or after 1 s. */
export const DEFAULT_BATCH_EVENTS = 1000;
export const DEFAULT_BATCH_DELAY_MS = 1000;
/** Event Hubs Standard's largest event, and Kusto's largest string or dynamic value (its encoding policy default). */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const FIELDS = ['name', 'hub', 'consumerGroup', 'table', 'database', 'format', 'mapping', 'maxBatchEvents', 'maxBatchDelayMs', 'maxEventBytes'];
/** Manifest fields that are the cloud's business (the Fabric Eventstream), accepted and ignored here. */
const CLOUD_FIELDS = ['eventstream'];

export class DefinitionError extends Error {}

/**
 * One connection from `raw` (the i-th of its list). `where` names the list for messages ("eventline.json:
 * connections", "the request body's connections"); `database` is the default database.
 */
export function connectionDef(raw: unknown, i: number, where: string, database: string): ConnectionDef {
  const at = `${where}[${i}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DefinitionError(`${at} must be an object like {"hub": "telemetry", "table": "Raw"}.`);
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (!FIELDS.includes(k) && !CLOUD_FIELDS.includes(k)) throw new DefinitionError(`${at} has an unknown field "${k}"; a connection takes ${FIELDS.join(', ')}.`);
  }
  const str = (k: string, required: boolean): string | undefined => {
    const v = c[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') throw new DefinitionError(`${at}.${k} must be a non-empty string${v === undefined ? ' (it is missing)' : `, not ${JSON.stringify(v)}`}.`);
    return v;
  };
  const num = (k: string, fallback: number, min: number, max: number): number => {
    const v = c[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new DefinitionError(`${at}.${k} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}.`);
    return v;
  };
  const name = str('name', false) ?? `connection-${i + 1}`;
  if (!NAME.test(name)) throw new DefinitionError(`${at}.name "${name}" is not a valid connection name: use 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit.`);
  const given = str('consumerGroup', false);
  if (given === undefined && !CONSUMER_GROUP_NAME.test(name)) {
    throw new DefinitionError(`${at}: the connection "${name}" would read through a consumer group of the same name, but consumer group names are at most 50 characters. Set "consumerGroup".`);
  }
  const format = c.format ?? 'json';
  if (format !== 'json' && format !== 'multijson' && format !== 'csv') throw new DefinitionError(`${at}.format must be "json", "multijson" or "csv", not ${JSON.stringify(format)}.`);
  return {
    name,
    hub: str('hub', true)!,
    consumerGroup: given ?? name,
    ownGroup: given === undefined,
    database: str('database', false) ?? database,
    table: str('table', true)!,
    format,
    mapping: str('mapping', false),
    maxBatchEvents: num('maxBatchEvents', DEFAULT_BATCH_EVENTS, 1, 100_000),
    maxBatchDelayMs: num('maxBatchDelayMs', DEFAULT_BATCH_DELAY_MS, 0, 600_000),
    maxEventBytes: num('maxEventBytes', DEFAULT_MAX_EVENT_BYTES, 1, 256 * 1024 * 1024),
  };
}

/** A list of connections; names must be unique (case-insensitively, as the checkpoints are kept by name). */
export function connectionDefs(raw: unknown, where: string, database: string): ConnectionDef[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new DefinitionError(`${where} must be an array of connections.`);
  const defs = raw.map((c, i) => connectionDef(c, i, where, database));
  const seen = new Map<string, number>();
  defs.forEach((d, i) => {
    const prior = seen.get(d.name.toLowerCase());
    if (prior !== undefined) throw new DefinitionError(`${where}[${i}]: the name "${d.name}" is already used by ${where}[${prior}]; connection names must be unique.`);
    seen.set(d.name.toLowerCase(), i);
  });
  return defs;
}

export function sameDef(a: ConnectionDef, b: ConnectionDef): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The definition back as input (what PUT /api/connections/{name} would take to make it again). */
export function asInput(d: ConnectionDef): ConnectionInput {
  return { name: d.name, hub: d.hub, consumerGroup: d.consumerGroup, table: d.table, database: d.database, format: d.format, mapping: d.mapping };
}
