// The app settings an ingest function project (functions-template/) reads, computed from the manifest. One
// contract for three writers: the scaffold (local.settings.json), the local function runner (the run's
// environment) and the deploy (the Function App's settings). The template reads them in src/lib/settings.ts.
import { formatKeyVaultReference, secretOfRef } from './keyVaultReference';
import type { FunctionDef, Manifest, Source } from './manifest';
import { parseNcrontab, shortestInterval } from './ncrontab';

export const INGEST_SETTING = {
  source: 'INGEST_SOURCE',
  apiKey: 'INGEST_SOURCE_API_KEY',
  hub: 'INGEST_EVENTHUB_NAME',
  partitionKey: 'INGEST_PARTITION_KEY_FIELD',
  schedule: 'INGEST_SCHEDULE',
  maxRunSeconds: 'INGEST_MAX_RUN_SECONDS',
  requestTimeoutSeconds: 'INGEST_REQUEST_TIMEOUT_SECONDS',
  maxRetries: 'INGEST_MAX_RETRIES',
  watermarkDir: 'INGEST_WATERMARK_DIR',
  watermarkContainer: 'INGEST_WATERMARK_CONTAINER',
  /** Connection string (locally); in Azure `EventHubConnection__fullyQualifiedNamespace` (managed identity). */
  hubConnection: 'EventHubConnection',
  hubNamespace: 'EventHubConnection__fullyQualifiedNamespace',
} as const;

/** What the template's INGEST_SOURCE holds: the manifest's source without the secret reference. */
export interface IngestSourceSetting extends Omit<Source, 'auth' | 'schedule' | 'hub'> {
  auth?: { header?: string; query?: string; prefix?: string; secretName?: string };
}

export function sourceSetting(source: Source): IngestSourceSetting {
  const { auth, schedule: _schedule, hub: _hub, ...rest } = source;
  const out: IngestSourceSetting = { ...rest };
  if (auth) {
    const secret = secretOfRef(auth.secret);
    out.auth = { header: auth.header, query: auth.query, prefix: auth.prefix, secretName: secret?.secretName };
  }
  return out;
}

/**
 * A run's time budget: 90% of the shortest gap between two ticks (so a run ends before the next is due), at most
 * 90% of the function timeout, at least 5 s.
 */
export function maxRunSeconds(schedule: string, functionTimeoutSeconds = 300): number {
  const r = parseNcrontab(schedule);
  const interval = r.ok ? shortestInterval(r.schedule) / 1000 : functionTimeoutSeconds;
  return Math.max(5, Math.floor(Math.min(interval, functionTimeoutSeconds) * 0.9));
}

export interface IngestSettingsOptions {
  /** The vault the key reference names: the local Key Vault's URI locally, `https://<name>.vault.azure.net/` in Azure. */
  vaultUri: string;
  /** host.json functionTimeout in seconds (default 300, the Consumption plan's default). */
  functionTimeoutSeconds?: number;
}

/**
 * The settings for one functions entry. Throws when the entry names a source that is not declared (the manifest's
 * own checks report that first). Connection settings (EventHubConnection…, AzureWebJobsStorage) are not included:
 * they depend on where it runs.
 */
export function ingestAppSettings(manifest: Manifest, fn: FunctionDef, opts: IngestSettingsOptions): Record<string, string> {
  const source = manifest.sources?.find((s) => s.name === fn.source);
  if (!source) throw new Error(`Function "${fn.name}" polls source "${fn.source}", which is not declared under "sources".`);
  const settings: Record<string, string> = {
    [INGEST_SETTING.schedule]: fn.schedule,
    [INGEST_SETTING.source]: JSON.stringify(sourceSetting(source)),
    [INGEST_SETTING.hub]: fn.hub,
    [INGEST_SETTING.maxRunSeconds]: String(maxRunSeconds(fn.schedule, opts.functionTimeoutSeconds)),
  };
  if (fn.partitionKey) settings[INGEST_SETTING.partitionKey] = fn.partitionKey;
  const secret = source.auth ? secretOfRef(source.auth.secret) : undefined;
  if (secret) settings[INGEST_SETTING.apiKey] = formatKeyVaultReference(secret.vaultUri ?? opts.vaultUri, secret.secretName, secret.version);
  return settings;
}

/**
 * The local.settings.json the scaffold writes: the Functions defaults plus the ingest settings. It holds no secret:
 * the key is a Key Vault reference. Connections are left out: the local runner provides the local hub, and the
 * deploy sets EventHubConnection__fullyQualifiedNamespace (managed identity).
 */
export function localSettingsJson(manifest: Manifest, fn: FunctionDef, opts: IngestSettingsOptions): { IsEncrypted: false; Values: Record<string, string> } {
  return { IsEncrypted: false, Values: { AzureWebJobsStorage: 'UseDevelopmentStorage=true', FUNCTIONS_WORKER_RUNTIME: 'node', ...ingestAppSettings(manifest, fn, opts) } };
}

/** Files of functions-template/ the scaffold copies: never its node_modules or build output (present in a dev checkout). */
export function isTemplateFile(relativePath: string): boolean {
  return !/^(node_modules|dist)([\\/]|$)/.test(relativePath);
}
