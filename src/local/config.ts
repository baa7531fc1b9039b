import * as fs from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** A hub the config file asks for. */
export interface HubConfig {
  name: string;
  partitionCount?: number;
  consumerGroups?: string[];
  retentionHours?: number;
  retentionBytes?: number;
}

export interface LocalConfig {
  /** Undefined when the file names no hubs (the default hub is used then). */
  eventHubs: HubConfig[] | undefined;
  /** The whole parsed file, for other services that read their own sections. */
  raw: Record<string, unknown>;
}

export class ConfigError extends Error {}

/**
 * Reads `--config`: either Eventline's `eventline.json` (`eventHubs[]` with name, partitions, consumerGroups,
 * retentionHours and, local only, retentionBytes) or the official Event Hubs emulator's `Config.json`
 * (`UserConfig.NamespaceConfig[].Entities[]` with Name, PartitionCount, ConsumerGroups[].Name), so its samples work.
 */
export function loadLocalConfig(file: string): LocalConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read the config file ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const errors: ParseError[] = [];
  const raw = parse(text, errors, { allowTrailingComma: true }) as unknown;
  if (errors.length > 0) {
    throw new ConfigError(`${file} is not valid JSON: ${printParseErrorCode(errors[0].error)} at offset ${errors[0].offset}.`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${file} must hold a JSON object.`);
  const obj = raw as Record<string, unknown>;
  const where = (i: number, field: string) => `${file}: eventHubs[${i}].${field}`;
  if (Array.isArray(obj.eventHubs)) {
    return {
      raw: obj,
      eventHubs: obj.eventHubs.map((h: unknown, i) => {
        const e = (h ?? {}) as Record<string, unknown>;
        if (typeof e.name !== 'string' || e.name === '') throw new ConfigError(`${where(i, 'name')} must be a non-empty string.`);
        return {
          name: e.name,
          partitionCount: optionalNumber(e.partitions, where(i, 'partitions')),
          consumerGroups: optionalStrings(e.consumerGroups, where(i, 'consumerGroups')),
          retentionHours: optionalNumber(e.retentionHours, where(i, 'retentionHours')),
          retentionBytes: optionalNumber(e.retentionBytes, where(i, 'retentionBytes')),
        };
      }),
    };
  }
  const user = obj.UserConfig as { NamespaceConfig?: unknown } | undefined;
  if (user && Array.isArray(user.NamespaceConfig)) {
    const hubs: HubConfig[] = [];
    user.NamespaceConfig.forEach((ns: unknown, n) => {
      const entities = (ns as { Entities?: unknown } | null)?.Entities;
      if (!Array.isArray(entities)) return;
      entities.forEach((ent: unknown, i) => {
        const e = (ent ?? {}) as Record<string, unknown>;
        const at = `${file}: UserConfig.NamespaceConfig[${n}].Entities[${i}]`;
        if (typeof e.Name !== 'string' || e.Name === '') throw new ConfigError(`${at}.Name must be a non-empty string.`);
        // The emulator's own sample writes PartitionCount as a string ("2").
        const count = typeof e.PartitionCount === 'string' ? Number(e.PartitionCount) : e.PartitionCount;
        const groups = e.ConsumerGroups;
        if (groups !== undefined && !Array.isArray(groups)) throw new ConfigError(`${at}.ConsumerGroups must be an array of {"Name": "..."}.`);
        hubs.push({
          name: e.Name,
          partitionCount: optionalNumber(count, `${at}.PartitionCount`),
          consumerGroups: (groups ?? []).map((g: unknown, k: number) => {
            const name = (g as { Name?: unknown } | null)?.Name;
            if (typeof name !== 'string') throw new ConfigError(`${at}.ConsumerGroups[${k}].Name must be a string.`);
            return name;
          }),
        });
      });
    });
    return { raw: obj, eventHubs: hubs };
  }
  return { raw: obj, eventHubs: undefined };
}

function optionalNumber(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${where} must be a number, not ${JSON.stringify(v)}.`);
  return v;
}

function optionalStrings(v: unknown, where: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new ConfigError(`${where} must be an array of strings.`);
  return v as string[];
}
