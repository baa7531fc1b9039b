import * as fs from 'node:fs';
import * as path from 'node:path';
import { ingestAppSettings, INGEST_SETTING } from '../../core/ingestSettings';
import { isKeyVaultReference, parseKeyVaultReference } from '../../core/keyVaultReference';
import type { FunctionDef, Manifest } from '../../core/manifest';
import type { SecretStore } from '../vault';
import { readLocalSecret } from '../vault/resolve';

/** A setting that cannot be given to the function; the run fails with this message before the function starts. */
export class SettingsError extends Error {}

export interface ResolvedSettings {
  values: Record<string, string>;
  /** Resolved secret values, to mask in log lines. */
  secrets: string[];
}

export interface RunnerEnvironment {
  /** The local Key Vault's URI (the references the runner writes name it). */
  vaultUri: string;
  /** The local hub's connection string (plain AMQP). */
  hubConnectionString: string;
  /** Where this function's watermark files go. */
  watermarkDir: string;
  store: SecretStore;
}

/** local.settings.json's Values (absent file: none; a broken file is an error naming it). */
export function readLocalSettings(projectDir: string): Record<string, string> {
  const file = path.join(projectDir, 'local.settings.json');
  if (!fs.existsSync(file)) return {};
  let parsed: { Values?: Record<string, unknown> };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof parsed;
  } catch (e) {
    throw new SettingsError(`${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed?.Values ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

/** host.json's functionTimeout in ms ("hh:mm:ss" or "d.hh:mm:ss"; absent: 5 minutes; -1: none, capped at a day). */
export function functionTimeoutMs(projectDir: string): number {
  const file = path.join(projectDir, 'host.json');
  const fallback = 5 * 60_000;
  if (!fs.existsSync(file)) return fallback;
  let value: unknown;
  try {
    value = (JSON.parse(fs.readFileSync(file, 'utf8')) as { functionTimeout?: unknown }).functionTimeout;
  } catch (e) {
    throw new SettingsError(`${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (value === undefined || value === null) return fallback;
  if (value === '-1' || value === -1) return 24 * 3600_000;
  const m = typeof value === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value) : null;
  if (!m) throw new SettingsError(`${file}: functionTimeout ${JSON.stringify(value)} is not a time span like "00:05:00".`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

/**
 * The environment of a local run: local.settings.json, then what the manifest says (source, hub, schedule,
 * partition key, the key as a reference to the local Key Vault) and the local connections (the local hub, a
 * watermark folder in the data folder; identity-based settings removed), then the functions entry's `settings`.
 * Finally every `@Microsoft.KeyVault(...)` value is resolved against the local Key Vault by secret name (and
 * version), whichever vault it names.
 */
export function resolveSettings(manifest: Manifest, fn: FunctionDef, projectDir: string, env: RunnerEnvironment): ResolvedSettings {
  const values: Record<string, string> = { ...readLocalSettings(projectDir) };
  let derived: Record<string, string>;
  try {
    derived = ingestAppSettings(manifest, fn, { vaultUri: env.vaultUri, functionTimeoutSeconds: functionTimeoutMs(projectDir) / 1000 });
  } catch (e) {
    throw new SettingsError(e instanceof Error ? e.message : String(e));
  }
  Object.assign(values, derived);
  for (const k of Object.keys(values)) if (k.startsWith(`${INGEST_SETTING.hubConnection}__`)) delete values[k];
  values[INGEST_SETTING.hubConnection] = env.hubConnectionString;
  values[INGEST_SETTING.watermarkDir] = env.watermarkDir;
  values.FUNCTIONS_WORKER_RUNTIME ??= 'node';
  values.AZURE_FUNCTIONS_ENVIRONMENT ??= 'Development';
  Object.assign(values, fn.settings ?? {});
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (!isKeyVaultReference(value)) continue;
    const parsed = parseKeyVaultReference(value);
    if (!parsed.ok) throw new SettingsError(`The app setting ${name} is not a valid Key Vault reference: ${parsed.message}`);
    const { secretName, version } = parsed.reference;
    const secret = readLocalSecret(env.store, secretName, version, env.vaultUri);
    if (!secret.ok) throw new SettingsError(`The app setting ${name} refers to Key Vault secret "${secretName}", which ${secret.why}`);
    values[name] = secret.value;
    secrets.push(secret.value);
  }
  return { values, secrets: secrets.filter((s) => s.length >= 4) };
}
