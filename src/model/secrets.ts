// Secrets of the active profile's Key Vault — the local Key Vault of eventline-local, or the profile's Azure Key
// Vault with the VS Code Microsoft session — through the unchanged `SecretClient`. Names and dates only: no
// operation here returns a secret's value, so none can end up in a tree, a log or a message.
import * as fs from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import type { SecretClient } from '@azure/keyvault-secrets';
import { secretClient } from '../azure/clients';
import { Emitter } from '../core/emitter';
import { formatKeyVaultReference } from '../core/keyVaultReference';
import { LocalVaultCredential } from '../core/localVaultToken';
import { azureVaultUri, manifestSecretReferences, referenceVaultUri, type SecretReferenceUse } from '../core/secretReferences';
import { requireSnapshot, type ModelHost, type PipelineSnapshot } from './host';
import type { SecretRef } from './refs';

/**
 * set: the vault has it. missing: the manifest refers to it, the vault does not have it. deleted: soft-deleted,
 * recoverable. unknown: the local pipeline (and so its vault) is not running.
 */
export type SecretState = 'set' | 'disabled' | 'missing' | 'deleted' | 'unknown';

export interface SecretRow {
  ref: SecretRef;
  state: SecretState;
  /** Who in eventline.json refers to it (empty for a secret only the vault knows). */
  referencedBy: string[];
  /** Some reference still names it in VS Code's SecretStorage (quick fix in eventline.json). */
  legacy: boolean;
  updatedOn?: Date;
  /** deleted: when the vault purges it for good. */
  scheduledPurgeDate?: Date;
}

export interface VaultOverview {
  /** The vault's URI. */
  vault: string;
  where: 'local' | 'azure';
  /** false: the local pipeline is not running, so the states are unknown. */
  running?: false;
  rows: SecretRow[];
}

/** The name is deleted but recoverable: the vault refuses to set it until it is recovered or purged. */
export class SecretDeletedError extends Error {
  readonly isSecretDeleted = true;
  constructor(readonly secretName: string, vault: string) {
    super(`Secret "${secretName}" is deleted but recoverable in ${vault}: recover it (its old value comes back) or purge it (gone for good), then set it.`);
  }
}

export function isSecretDeleted(e: unknown): e is SecretDeletedError {
  return typeof e === 'object' && e !== null && (e as { isSecretDeleted?: unknown }).isSecretDeleted === true;
}

interface RestErrorLike { statusCode?: number; code?: string; message?: string }
const rest = (e: unknown): RestErrorLike => (typeof e === 'object' && e !== null ? e : {});

interface Vault { uri: string; where: 'local' | 'azure'; client: SecretClient }

/** Which vault an operation uses: the active profile's, or the local Key Vault whatever the profile. */
export type VaultChoice = 'active' | 'local';

export class SecretsModel {
  private readonly changed = new Emitter<void>();
  /** Fires after a secret was set, deleted, recovered or purged. */
  readonly onDidChange = this.changed.event;
  private clients = new Map<string, Promise<SecretClient>>();

  constructor(private readonly host: ModelHost) {}

  /** The secrets eventline.json refers to, by the name they are stored under (no vault needed). */
  references(): SecretReferenceUse[] {
    const s = this.host.snapshot();
    return s ? manifestSecretReferences(s.manifest) : [];
  }

  private snapshot(): PipelineSnapshot {
    return requireSnapshot(this.host, 'the secrets');
  }

  /**
   * The active profile's vault and a client for it (the local one is started when allowed). `local`: the local Key
   * Vault whatever the profile (where secrets from VS Code's SecretStorage move to).
   */
  async vault(which: VaultChoice = 'active'): Promise<Vault> {
    const { manifest, profile } = this.snapshot();
    if (profile.kind === 'local' || which === 'local') {
      const ready = await this.host.ensureLocal();
      const kv = ready.keyVault;
      if (!kv) throw new Error('This local pipeline has no Key Vault (it is older than Eventline): restart it with "Eventline: Stop Local Pipeline" and "Start Local Pipeline".');
      return { uri: kv.uri, where: 'local', client: await this.client(`local|${kv.uri}|${kv.tokenKeyFile}`, () => secretClient(kv.uri, new LocalVaultCredential(kv.tokenKeyFile), { local: true, ca: fs.readFileSync(kv.caCertificate, 'utf8') })) };
    }
    const uri = azureVaultUri(manifest, profile.profile, this.host.cloud.keyVaultAudience);
    if (!uri) throw new Error(`Profile "${profile.name}" names no Key Vault: add "keyVault": "<vault name>" to it (or "keyVault": {"name": …} to eventline.json).`);
    const credential: TokenCredential = this.host.credential();
    return { uri, where: 'azure', client: await this.client(`azure|${uri}|${profile.profile.tenantId ?? ''}`, () => secretClient(uri, credential)) };
  }

  private client(key: string, make: () => Promise<SecretClient>): Promise<SecretClient> {
    let c = this.clients.get(key);
    if (!c) {
      c = make();
      c.catch(() => this.clients.delete(key));
      this.clients.set(key, c);
    }
    return c;
  }

  /**
   * The vault's secret names (never values) with their state, plus the references the vault lacks. Looking never
   * starts the local pipeline: without it the references are listed with state `unknown`.
   */
  async list(signal?: AbortSignal): Promise<VaultOverview> {
    if (this.snapshot().profile.kind === 'local' && !this.host.localReady()) {
      return { vault: 'the local Key Vault', where: 'local', running: false, rows: this.references().map((use) => ({ ref: { kind: 'secret', name: use.name }, state: 'unknown', referencedBy: use.referencedBy, legacy: use.legacy })) };
    }
    const vault = await this.vault();
    const rows = new Map<string, SecretRow>();
    const row = (name: string, state: SecretState): SecretRow => {
      const r: SecretRow = { ref: { kind: 'secret', name }, state, referencedBy: [], legacy: false };
      rows.set(name, r);
      return r;
    };
    for await (const p of vault.client.listPropertiesOfSecrets({ abortSignal: signal })) {
      // Secrets backing certificates are the vault's own business.
      if (p.managed) continue;
      row(p.name, p.enabled === false ? 'disabled' : 'set').updatedOn = p.updatedOn;
    }
    try {
      for await (const d of vault.client.listDeletedSecrets({ abortSignal: signal })) {
        if (rows.has(d.name)) continue;
        row(d.name, 'deleted').scheduledPurgeDate = d.properties.scheduledPurgeDate;
      }
    } catch (e) {
      // Listing deleted secrets needs its own permission in Azure; without it the deleted ones are just not shown.
      if (rest(e).statusCode !== 403) throw e;
    }
    for (const use of this.references()) {
      const r = rows.get(use.name) ?? row(use.name, 'missing');
      r.referencedBy = use.referencedBy;
      r.legacy = use.legacy;
    }
    const order = (r: SecretRow) => (r.referencedBy.length ? 0 : 1);
    return { vault: vault.uri, where: vault.where, rows: [...rows.values()].sort((a, b) => order(a) - order(b) || a.ref.name.localeCompare(b.ref.name)) };
  }

  /** Where a name stands in the vault. */
  async state(name: string, signal?: AbortSignal, which: VaultChoice = 'active'): Promise<SecretState> {
    const { client } = await this.vault(which);
    try {
      const p = (await client.getSecret(name, { abortSignal: signal })).properties;
      return p.enabled === false ? 'disabled' : 'set';
    } catch (e) {
      if (rest(e).statusCode !== 404) throw e;
    }
    try {
      await client.getDeletedSecret(name, { abortSignal: signal });
      return 'deleted';
    } catch (e) {
      if (rest(e).statusCode === 404 || rest(e).statusCode === 403) return 'missing';
      throw e;
    }
  }

  /** Sets a secret (a new version when it exists). A deleted-but-recoverable name throws SecretDeletedError. */
  async set(name: string, value: string, signal?: AbortSignal, which: VaultChoice = 'active'): Promise<{ vault: string; version?: string }> {
    const vault = await this.vault(which);
    try {
      const s = await vault.client.setSecret(name, value, { abortSignal: signal });
      return { vault: vault.uri, version: s.properties.version };
    } catch (e) {
      const r = rest(e);
      if (r.statusCode === 409) throw new SecretDeletedError(name, vault.uri);
      // The SDK's messages name the vault and the secret, never the value.
      throw new Error(`Could not set secret "${name}" in ${vault.uri}: ${r.message ?? String(e)}`);
    } finally {
      this.changed.fire();
    }
  }

  /** Soft-deletes a secret and waits until the vault reports it deleted (recoverable until purged). */
  async remove(name: string, signal?: AbortSignal): Promise<void> {
    const { client } = await this.vault();
    try {
      const poller = await client.beginDeleteSecret(name, { abortSignal: signal, intervalInMs: 250 });
      await poller.pollUntilDone({ abortSignal: signal });
    } finally {
      this.changed.fire();
    }
  }

  /** Brings back a deleted secret with its last value. */
  async recover(name: string, signal?: AbortSignal, which: VaultChoice = 'active'): Promise<void> {
    const { client } = await this.vault(which);
    try {
      const poller = await client.beginRecoverDeletedSecret(name, { abortSignal: signal, intervalInMs: 250 });
      await poller.pollUntilDone({ abortSignal: signal });
    } finally {
      this.changed.fire();
    }
  }

  /** Removes a deleted secret for good. */
  async purge(name: string, signal?: AbortSignal, which: VaultChoice = 'active'): Promise<void> {
    const { client } = await this.vault(which);
    try {
      await client.purgeDeletedSecret(name, { abortSignal: signal });
    } finally {
      this.changed.fire();
    }
  }

  /**
   * The app-setting text for a secret. The local profile names the manifest's Azure Key Vault when it declares one
   * (the same text then works once deployed; the local runner resolves it by name), else the running local vault.
   */
  async referenceText(name: string): Promise<string> {
    const { manifest, profile } = this.snapshot();
    if (profile.kind === 'local') {
      const local = this.host.localReady()?.keyVault?.uri;
      return formatKeyVaultReference(referenceVaultUri(manifest, this.host.cloud.keyVaultAudience, local), name);
    }
    return formatKeyVaultReference((await this.vault()).uri, name);
  }

  dispose(): void {
    this.changed.dispose();
    this.clients.clear();
  }
}
