import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  /** Unix seconds, as the service sends them. */
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

interface SecretEntry {
  name: string;
  /** Oldest first; the last is the current version. */
  versions: SecretVersion[];
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
  /** While a delete or recover is still "in progress" (the real service takes a moment; SDK pollers rely on it). */
  pending?: { kind: 'delete' | 'recover'; until: number };
}

/** A Key Vault error as the service words it; the server turns it into `{"error": {code, message}}`. */
export class VaultError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly innerCode?: string) { super(message); }
}

export const RECOVERABLE_DAYS = 90;
const NAME = /^[0-9A-Za-z-]{1,127}$/;
const MAX_VALUE_BYTES = 25 * 1024;

const notFound = (name: string) => new VaultError(404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
const deletedNotFound = () => new VaultError(404, 'SecretNotFound', 'Deleted Secret not found');

/**
 * The local Key Vault's secrets, kept in `<dir>/secrets.json` (mode 0600, written whole and renamed into place, so a
 * crash leaves the old or the new file, never half). Soft delete is always on, as for new Azure vaults: a deleted
 * name is recoverable or purgeable for 90 days and cannot be set meanwhile.
 */
export class SecretStore {
  private readonly file: string;
  private readonly entries = new Map<string, SecretEntry>();

  constructor(dir: string, private readonly pendingMs = 1000, private readonly now: () => number = Date.now) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'secrets.json');
    if (fs.existsSync(this.file)) {
      let list: SecretEntry[];
      try {
        list = JSON.parse(fs.readFileSync(this.file, 'utf8')) as SecretEntry[];
      } catch (e) {
        throw new Error(`The local Key Vault file ${this.file} is not valid JSON (${e instanceof Error ? e.message : String(e)}); move it away to start with an empty vault.`);
      }
      for (const e of list) this.entries.set(e.name.toLowerCase(), e);
    }
  }

  /** Sets a new version (the name is case-insensitive, as in Key Vault). */
  set(name: string, value: unknown, opts: { contentType?: string; tags?: Record<string, string>; enabled?: boolean; nbf?: number; exp?: number } = {}): { name: string; version: SecretVersion } {
    checkName(name);
    if (typeof value !== 'string') throw new VaultError(400, 'BadParameter', 'The secret value is missing: send a JSON body like {"value": "…"}.');
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw new VaultError(400, 'BadParameter', `The secret value is larger than ${MAX_VALUE_BYTES / 1024} KB, the Key Vault limit.`);
    const entry = this.settle(name);
    if (entry?.deleted) {
      if (entry.pending?.kind === 'delete') throw new VaultError(409, 'Conflict', `Secret ${entry.name} is currently being deleted.`, 'ObjectIsBeingDeleted');
      throw new VaultError(409, 'Conflict', `Secret ${entry.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`, 'ObjectIsDeletedButRecoverable');
    }
    if (entry?.pending?.kind === 'recover') throw new VaultError(409, 'Conflict', `Secret ${entry.name} is currently being recovered.`, 'ObjectIsBeingRecovered');
    const t = Math.floor(this.now() / 1000);
    const version: SecretVersion = {
      version: crypto.randomBytes(16).toString('hex'), value, contentType: opts.contentType, tags: opts.tags,
      enabled: opts.enabled ?? true, nbf: opts.nbf, exp: opts.exp, created: t, updated: t,
    };
    const e = entry ?? { name, versions: [] };
    e.versions.push(version);
    this.entries.set(name.toLowerCase(), e);
    this.save();
    return { name: e.name, version };
  }

  /** The version (latest when none is given) of a live secret. */
  get(name: string, version?: string): { name: string; version: SecretVersion } {
    checkName(name);
    const e = this.settle(name);
    if (!e || e.deleted || e.pending) throw notFound(version ? `${name}/${version}` : name);
    const v = version ? e.versions.find((x) => x.version === version.toLowerCase()) : e.versions[e.versions.length - 1];
    if (!v) throw notFound(`${name}/${version}`);
    return { name: e.name, version: v };
  }

  /** The value a reference resolves to: refused for a disabled version, as the service does. */
  value(name: string, version?: string): string {
    const { version: v } = this.get(name, version);
    if (!v.enabled) throw new VaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.');
    return v.value;
  }

  update(name: string, version: string | undefined, patch: { contentType?: string; tags?: Record<string, string>; enabled?: boolean; nbf?: number; exp?: number }): { name: string; version: SecretVersion } {
    const found = this.get(name, version);
    const v = found.version;
    if (patch.contentType !== undefined) v.contentType = patch.contentType;
    if (patch.tags !== undefined) v.tags = patch.tags;
    if (patch.enabled !== undefined) v.enabled = patch.enabled;
    if (patch.nbf !== undefined) v.nbf = patch.nbf;
    if (patch.exp !== undefined) v.exp = patch.exp;
    v.updated = Math.floor(this.now() / 1000);
    this.save();
    return found;
  }

  /** Live secrets (names with their current version's attributes). */
  list(): { name: string; version: SecretVersion }[] {
    return this.all().filter((e) => !e.deleted && !e.pending).map((e) => ({ name: e.name, version: e.versions[e.versions.length - 1] }));
  }

  versions(name: string): { name: string; version: SecretVersion }[] {
    checkName(name);
    const e = this.settle(name);
    if (!e || e.deleted || e.pending) return [];
    return e.versions.map((v) => ({ name: e.name, version: v }));
  }

  delete(name: string): DeletedSecret {
    checkName(name);
    const e = this.settle(name);
    if (!e || e.deleted || e.pending) throw notFound(name);
    const deletedDate = Math.floor(this.now() / 1000);
    e.deleted = { deletedDate, scheduledPurgeDate: deletedDate + RECOVERABLE_DAYS * 86400 };
    if (this.pendingMs > 0) e.pending = { kind: 'delete', until: this.now() + this.pendingMs };
    this.save();
    return this.describeDeleted(e);
  }

  getDeleted(name: string): DeletedSecret {
    checkName(name);
    const e = this.settle(name);
    if (!e?.deleted || e.pending) throw deletedNotFound();
    return this.describeDeleted(e);
  }

  listDeleted(): DeletedSecret[] {
    return this.all().filter((e) => e.deleted && !e.pending).map((e) => this.describeDeleted(e));
  }

  recover(name: string): { name: string; version: SecretVersion } {
    checkName(name);
    const e = this.settle(name);
    if (!e?.deleted || e.pending) throw deletedNotFound();
    delete e.deleted;
    if (this.pendingMs > 0) e.pending = { kind: 'recover', until: this.now() + this.pendingMs };
    this.save();
    return { name: e.name, version: e.versions[e.versions.length - 1] };
  }

  /** Purge is allowed while a delete is still pending, as on the service. */
  purge(name: string): void {
    checkName(name);
    const e = this.settle(name);
    if (!e?.deleted) throw deletedNotFound();
    this.entries.delete(name.toLowerCase());
    this.save();
  }

  /** Ends pending windows that are over and purges what passed its scheduled purge date. */
  private settle(name: string): SecretEntry | undefined {
    const e = this.entries.get(name.toLowerCase());
    if (!e) return undefined;
    if (e.pending && e.pending.until <= this.now()) {
      delete e.pending;
      this.save();
    }
    if (e.deleted && e.deleted.scheduledPurgeDate * 1000 <= this.now()) {
      this.entries.delete(name.toLowerCase());
      this.save();
      return undefined;
    }
    return e;
  }

  private all(): SecretEntry[] {
    return [...this.entries.keys()].map((k) => this.settle(k)).filter((e): e is SecretEntry => e !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  private describeDeleted(e: SecretEntry): DeletedSecret {
    return { name: e.name, version: e.versions[e.versions.length - 1], deletedDate: e.deleted!.deletedDate, scheduledPurgeDate: e.deleted!.scheduledPurgeDate };
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify([...this.entries.values()]), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

export interface DeletedSecret { name: string; version: SecretVersion; deletedDate: number; scheduledPurgeDate: number }

function checkName(name: string): void {
  if (!NAME.test(name)) throw new VaultError(400, 'BadParameter', `The request URI contains an invalid name: ${name}. Secret names are 1-127 letters, digits and dashes.`);
}
