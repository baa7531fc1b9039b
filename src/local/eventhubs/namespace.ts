import * as fs from 'node:fs';
import * as path from 'node:path';
import { PartitionLog, type Retention } from './partitionLog';
import { consumerGroupNameProblem, DEFAULT_CONSUMER_GROUP, HUB_NAME } from '../../core/eventHubsNames';

/** A hub as persisted in `<data>/eventhubs/hubs.json`. */
export interface HubDefinition {
  name: string;
  partitionCount: number;
  /** Always includes `$Default`. */
  consumerGroups: string[];
  retentionHours: number;
  retentionBytes: number;
  createdAt: string;
}

export const DEFAULT_RETENTION_HOURS = 24;
export const DEFAULT_RETENTION_BYTES = 1024 * 1024 * 1024;
export { DEFAULT_CONSUMER_GROUP };

export class NamespaceError extends Error {
  constructor(readonly status: 400 | 404 | 409, message: string) { super(message); }
}

export class Hub {
  readonly partitions: PartitionLog[] = [];

  constructor(public def: HubDefinition, readonly dir: string) {}

  get retention(): Retention {
    return { ms: this.def.retentionHours * 3600_000, bytes: this.def.retentionBytes };
  }

  open(): void {
    for (let i = 0; i < this.def.partitionCount; i++) {
      const log = new PartitionLog(path.join(this.dir, String(i)), this.retention);
      log.open();
      this.partitions.push(log);
    }
  }

  /** The consumer group's name as defined (Azure matches names case-insensitively). */
  consumerGroup(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.def.consumerGroups.find((g) => g.toLowerCase() === lower);
  }

  /** `undefined` when `id` is not exactly one of "0".."N-1". */
  partition(id: string): PartitionLog | undefined {
    if (!/^(0|[1-9]\d{0,4})$/.test(id)) return undefined;
    return this.partitions[Number(id)];
  }

  close(): void {
    for (const p of this.partitions) p.close();
  }
}

export interface HubInput {
  partitionCount?: number;
  consumerGroups?: string[];
  retentionHours?: number;
  retentionBytes?: number;
}

/** Every hub of the local namespace, their partition logs, and hubs.json. */
export class Namespace {
  private readonly hubs = new Map<string, Hub>();
  private readonly removedListeners: ((hub: string, consumerGroup?: string) => void)[] = [];

  constructor(readonly root: string) {}

  private get file(): string {
    return path.join(this.root, 'hubs.json');
  }

  private hubDir(name: string): string {
    // Hub names are case-insensitive; the folder uses the lower-case name so a re-created hub finds its data.
    return path.join(this.root, 'hubs', name.toLowerCase());
  }

  /** Opens the persisted hubs; hubs from the config file are added when missing (an existing hub keeps its data). */
  open(configured: (HubInput & { name: string })[], log: (m: string) => void, firstRun: (HubInput & { name: string })[] = []): void {
    fs.mkdirSync(this.root, { recursive: true });
    let defs: HubDefinition[] = [];
    if (!fs.existsSync(this.file)) {
      configured = [...configured, ...firstRun];
    } else {
      try {
        defs = (JSON.parse(fs.readFileSync(this.file, 'utf8')) as { hubs: HubDefinition[] }).hubs;
      } catch (e) {
        throw new Error(`${this.file} is not valid JSON (${e instanceof Error ? e.message : String(e)}); fix or delete it to start over.`);
      }
    }
    for (const def of defs) this.openHub(def);
    for (const c of configured) {
      if (!this.hubs.has(c.name.toLowerCase())) this.openHub(this.define(c.name, c));
    }
    this.save();
    for (const hub of this.hubs.values()) {
      const repaired = hub.partitions.reduce((n, p) => n + p.repairedBytes, 0);
      if (repaired > 0) log(`event hub "${hub.def.name}": dropped ${repaired} bytes of an incomplete write at the end of its log (unacknowledged sends from a crash)`);
    }
  }

  private define(name: string, input: HubInput): HubDefinition {
    if (!HUB_NAME.test(name)) throw new NamespaceError(400, `"${name}" is not a valid event hub name: use 1-256 letters, digits, '.', '-' or '_', starting with a letter or digit.`);
    const partitionCount = input.partitionCount ?? 4;
    if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > 1024) {
      throw new NamespaceError(400, `partitionCount for event hub "${name}" must be an integer from 1 to 1024, not ${String(input.partitionCount)}.`);
    }
    return {
      name,
      partitionCount,
      consumerGroups: this.groups(name, input.consumerGroups ?? []),
      retentionHours: this.positive(name, 'retentionHours', input.retentionHours, DEFAULT_RETENTION_HOURS),
      retentionBytes: this.positive(name, 'retentionBytes', input.retentionBytes, DEFAULT_RETENTION_BYTES),
      createdAt: new Date().toISOString(),
    };
  }

  private positive(hub: string, field: string, value: number | undefined, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new NamespaceError(400, `${field} for event hub "${hub}" must be a positive number, not ${JSON.stringify(value)}.`);
    return value;
  }

  private groups(hub: string, names: string[]): string[] {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new NamespaceError(400, `consumerGroups for event hub "${hub}" must be an array of names.`);
    const out = [DEFAULT_CONSUMER_GROUP];
    for (const n of names) {
      if (n.toLowerCase() === '$default') continue;
      const problem = consumerGroupNameProblem(n);
      if (problem) throw new NamespaceError(400, problem);
      if (!out.some((g) => g.toLowerCase() === n.toLowerCase())) out.push(n);
    }
    return out;
  }

  private openHub(def: HubDefinition): Hub {
    const hub = new Hub(def, this.hubDir(def.name));
    hub.open();
    this.hubs.set(def.name.toLowerCase(), hub);
    return hub;
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ hubs: [...this.hubs.values()].map((h) => h.def) }, null, 2)}\n`);
    fs.renameSync(tmp, this.file);
  }

  get(name: string): Hub | undefined {
    return this.hubs.get(name.toLowerCase());
  }

  list(): Hub[] {
    return [...this.hubs.values()];
  }

  onRemoved(fn: (hub: string, consumerGroup?: string) => void): void {
    this.removedListeners.push(fn);
  }

  /** Creates a hub, or updates an existing one's consumer groups and retention. Returns whether it was created. */
  put(name: string, input: HubInput): { hub: Hub; created: boolean } {
    const existing = this.get(name);
    if (!existing) {
      const hub = this.openHub(this.define(name, input));
      this.save();
      return { hub, created: true };
    }
    if (input.partitionCount !== undefined && input.partitionCount !== existing.def.partitionCount) {
      throw new NamespaceError(409, `Event hub "${existing.def.name}" has ${existing.def.partitionCount} partitions; the local hub cannot change a partition count. Delete and re-create the hub to change it.`);
    }
    const def: HubDefinition = {
      ...existing.def,
      consumerGroups: input.consumerGroups === undefined ? existing.def.consumerGroups : this.groups(name, input.consumerGroups),
      retentionHours: this.positive(name, 'retentionHours', input.retentionHours, existing.def.retentionHours),
      retentionBytes: this.positive(name, 'retentionBytes', input.retentionBytes, existing.def.retentionBytes),
    };
    const dropped = existing.def.consumerGroups.filter((g) => !def.consumerGroups.includes(g));
    existing.def = def;
    for (const p of existing.partitions) p.retention = existing.retention;
    this.save();
    for (const g of dropped) for (const fn of this.removedListeners) fn(existing.def.name, g);
    return { hub: existing, created: false };
  }

  delete(name: string): void {
    const hub = this.get(name);
    if (!hub) throw new NamespaceError(404, `Event hub "${name}" does not exist.`);
    this.hubs.delete(name.toLowerCase());
    this.save();
    for (const fn of this.removedListeners) fn(hub.def.name);
    hub.close();
    fs.rmSync(hub.dir, { recursive: true, force: true });
  }

  putConsumerGroup(hubName: string, group: string): boolean {
    const hub = this.get(hubName);
    if (!hub) throw new NamespaceError(404, `Event hub "${hubName}" does not exist.`);
    if (hub.consumerGroup(group)) return false;
    hub.def = { ...hub.def, consumerGroups: this.groups(hub.def.name, [...hub.def.consumerGroups, group]) };
    this.save();
    return true;
  }

  deleteConsumerGroup(hubName: string, group: string): void {
    const hub = this.get(hubName);
    if (!hub) throw new NamespaceError(404, `Event hub "${hubName}" does not exist.`);
    const existing = hub.consumerGroup(group);
    if (!existing) throw new NamespaceError(404, `Consumer group "${group}" does not exist on event hub "${hub.def.name}".`);
    if (existing === DEFAULT_CONSUMER_GROUP) throw new NamespaceError(400, `"$Default" cannot be deleted: every event hub has it.`);
    hub.def = { ...hub.def, consumerGroups: hub.def.consumerGroups.filter((g) => g !== existing) };
    this.save();
    for (const fn of this.removedListeners) fn(hub.def.name, existing);
  }

  enforceRetention(now: number): void {
    for (const hub of this.hubs.values()) for (const p of hub.partitions) p.enforceRetention(now);
  }

  close(): void {
    for (const hub of this.hubs.values()) hub.close();
    this.hubs.clear();
  }
}
