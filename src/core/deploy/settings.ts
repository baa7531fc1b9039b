// The Function App's settings for the ingest function: what Eventline wants set, and how that merges into what the
// app already has. The settings API replaces the whole set (spec §1.5), so every deploy reads, merges and writes
// back, and never drops or shows a user's setting: existing values may be secrets, so they are only named.
import type { Manifest, Source } from '../manifest';
import { SETTINGS } from './constants';

/** A `functions` entry of eventline.json, read defensively (its schema belongs to the scaffold). */
export interface FunctionEntry {
  name: string;
  /** The project folder, relative to eventline.json. */
  path: string;
  source?: string;
  hub?: string;
  schedule?: string;
  partitionKey?: string;
}

/** The manifest's `functions` entries that carry at least a name and a path. */
export function functionEntries(m: Manifest): FunctionEntry[] {
  const list = (m as { functions?: unknown }).functions;
  if (!Array.isArray(list)) return [];
  return list.filter((f): f is FunctionEntry => typeof f === 'object' && f !== null && typeof (f as FunctionEntry).name === 'string' && typeof (f as FunctionEntry).path === 'string');
}

/** `@Microsoft.KeyVault(SecretUri=…)`: the platform resolves it with the app's identity (§1.6). */
export function keyVaultReference(secretUri: string): string {
  return `@Microsoft.KeyVault(SecretUri=${secretUri})`;
}

export function isKeyVaultReference(value: string | undefined): boolean {
  return value !== undefined && /^\s*@Microsoft\.KeyVault\(/i.test(value);
}

/** The DNS suffix of vaults in a cloud, from its Key Vault audience (`https://vault.azure.net` → `vault.azure.net`). */
export function vaultDnsSuffix(keyVaultAudience: string): string {
  return new URL(keyVaultAudience).host;
}

/** What names a Key Vault in a profile or manifest: a resource id, a vault URI or a bare name. */
export function parseVault(value: string, keyVaultAudience: string): { name: string; uri: string; resourceId?: string } {
  const v = value.trim();
  const id = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)$/i.exec(v);
  if (id) return { name: id[1], uri: `https://${id[1]}.${vaultDnsSuffix(keyVaultAudience)}/`, resourceId: v };
  if (/^https:\/\//i.test(v)) {
    const u = new URL(v);
    return { name: u.hostname.split('.')[0], uri: `${u.origin}/` };
  }
  return { name: v, uri: `https://${v}.${vaultDnsSuffix(keyVaultAudience)}/` };
}

/** A secret's versionless URI in a vault; a full secret URI in the manifest is kept as written. */
export function secretUri(secret: string, vaultUri: string | undefined): string | undefined {
  if (/^https:\/\//i.test(secret)) return secret.replace(/\/+$/, '');
  if (!vaultUri) return undefined;
  return `${vaultUri.replace(/\/+$/, '')}/secrets/${secret}`;
}

/** The secret's name (for messages): a bare name, or the segment after /secrets/ of a URI. */
export function secretName(secret: string): string {
  return /\/secrets\/([^/]+)/.exec(secret)?.[1] ?? secret;
}

/** The source as the function reads it from INGEST_SOURCE: the manifest's entry minus what belongs elsewhere. */
export function sourceSetting(source: Source): string {
  const s = source as Source & Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ['name', 'url', 'method', 'headers', 'query', 'paging', 'watermark', 'recordsPath', 'idField', 'timeField']) {
    if (s[key] !== undefined) out[key] = s[key];
  }
  const auth = s.auth as { header?: string; query?: string; prefix?: string; secret?: { keyVaultSecret?: string; secretStorage?: string } } | undefined;
  if (auth) {
    const ref = auth.secret?.keyVaultSecret ?? auth.secret?.secretStorage;
    out.auth = { header: auth.header, query: auth.query, prefix: auth.prefix, secretName: ref ? secretName(ref) : undefined };
  }
  return JSON.stringify(out);
}

/** One setting Eventline wants; `ifAbsent` ones are defaults that never overwrite the user's value. */
export interface DesiredSetting { name: string; value: string; ifAbsent?: boolean; why: string }

export interface DesiredSettingsInput {
  fn: FunctionEntry;
  source: Source | undefined;
  hub: string;
  /** `<namespace>.servicebus.windows.net`. */
  namespaceHost: string;
  /** The reference for the source's API key, when the source needs one. */
  apiKeyReference: string | undefined;
  /** Windows Consumption/Premium zipdeploy mounts the package only with WEBSITE_RUN_FROM_PACKAGE=1. */
  runFromPackage: boolean;
}

export function desiredSettings(i: DesiredSettingsInput): DesiredSetting[] {
  const out: DesiredSetting[] = [
    { name: SETTINGS.eventHubNamespace, value: i.namespaceHost, why: 'Event Hubs through the app\'s managed identity (no connection string)' },
    { name: SETTINGS.hubName, value: i.hub, why: 'the hub the function sends to' },
  ];
  if (i.fn.schedule) out.push({ name: SETTINGS.schedule, value: i.fn.schedule, why: 'the timer\'s NCRONTAB schedule' });
  if (i.fn.partitionKey) out.push({ name: SETTINGS.partitionKey, value: i.fn.partitionKey, why: 'the record field used as partition key' });
  if (i.source) out.push({ name: SETTINGS.source, value: sourceSetting(i.source), why: `the REST source "${i.source.name}"` });
  if (i.apiKeyReference) out.push({ name: SETTINGS.apiKey, value: i.apiKeyReference, why: 'the API key, read from Key Vault by the platform' });
  if (i.runFromPackage) out.push({ name: SETTINGS.runFromPackage, value: '1', ifAbsent: true, why: 'run from the uploaded package' });
  return out;
}

export interface SettingChange { name: string; kind: 'add' | 'change'; value: string; why: string }

export interface SettingsMerge {
  /** Every setting the app will have: the user's, plus Eventline's. */
  merged: Record<string, string>;
  changes: SettingChange[];
  /** Eventline's settings that already have the wanted value. */
  unchanged: string[];
  /** The user's other settings, kept as they are (names only: values may be secrets). */
  kept: string[];
}

/** Read–merge: the result keeps every existing setting and changes only Eventline's. */
export function mergeSettings(existing: Record<string, string>, desired: DesiredSetting[]): SettingsMerge {
  const merged = { ...existing };
  const changes: SettingChange[] = [];
  const unchanged: string[] = [];
  const ours = new Set<string>();
  for (const d of desired) {
    ours.add(d.name);
    const current = existing[d.name];
    if (current === d.value || (d.ifAbsent && current !== undefined && current !== '')) {
      unchanged.push(d.name);
      continue;
    }
    merged[d.name] = d.value;
    changes.push({ name: d.name, kind: current === undefined ? 'add' : 'change', value: d.value, why: d.why });
  }
  const kept = Object.keys(existing).filter((k) => !ours.has(k)).sort();
  return { merged, changes, unchanged, kept };
}

/** Warnings about what the app already has, for the plan (named, never shown). */
export function settingsWarnings(existing: Record<string, string>): string[] {
  const out: string[] = [];
  if (existing.EventHubConnection) {
    out.push('The app also has EventHubConnection (a connection string). The function uses the managed identity once EventHubConnection__fullyQualifiedNamespace is set; remove the connection string in the portal when you no longer need it (Eventline keeps it).');
  }
  const key = existing[SETTINGS.apiKey];
  if (key !== undefined && key !== '' && !isKeyVaultReference(key)) {
    out.push(`${SETTINGS.apiKey} holds a value rather than a Key Vault reference; Eventline replaces it with the reference (the old value is not shown or kept).`);
  }
  return out;
}
