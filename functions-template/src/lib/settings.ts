// The function's configuration comes from app settings only (local.settings.json locally, the Function App's
// settings in Azure), so the same build runs in both places. Secrets arrive as settings whose values are Key Vault
// references in Azure (resolved by the platform) and are resolved by Eventline's local runner locally.

/** How the source pages. */
export type Paging =
  | { style: 'none' }
  | { style: 'nextLink'; nextLinkPath?: string }
  | { style: 'linkHeader' }
  | { style: 'page'; pageParam: string; pageSizeParam?: string; pageSize?: number; firstPage?: number }
  | { style: 'offset'; offsetParam: string; limitParam?: string; limit?: number };

/** The REST source, as the app setting INGEST_SOURCE holds it (JSON). */
export interface SourceSettings {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  query?: Record<string, string>;
  paging?: Paging;
  watermark?: { param: string; field?: string; initial?: string };
  /** JSON path of the records array; "$" or absent: the body is the array. */
  recordsPath?: string;
  idField?: string;
  timeField?: string;
  /** Where the key goes; its value is the app setting INGEST_SOURCE_API_KEY. secretName is for messages only. */
  auth?: { header?: string; query?: string; prefix?: string; secretName?: string };
}

export interface IngestConfig {
  source: SourceSettings;
  apiKey?: string;
  hubName: string;
  partitionKeyField?: string;
  maxRunMs: number;
  requestTimeoutMs: number;
  maxRetries: number;
}

/** A failure a person can act on; `summary` carries the counts of the run so far. */
export class IngestError extends Error {
  summary?: unknown;
  constructor(message: string) {
    super(message);
    this.name = 'IngestError';
  }
}

export const SETTING = {
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
} as const;

/** True for an app setting the platform left as the literal reference text: it could not read the secret. */
export function isUnresolvedReference(value: string | undefined): boolean {
  return value !== undefined && value.trimStart().startsWith('@Microsoft.KeyVault(');
}

function unresolved(name: string, value: string): IngestError {
  const secret = /SecretName=([^;)]+)|\/secrets\/([^/)]+)/.exec(value);
  const which = secret ? ` (secret "${secret[1] ?? secret[2]}")` : '';
  return new IngestError(`The app setting ${name} is still a Key Vault reference${which}: the platform could not read the secret. Check that the secret exists and that the Function App's managed identity has the "Key Vault Secrets User" role on the vault (Azure portal → Function App → Environment variables shows the reference's status).`);
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new IngestError(`The app setting ${name} must be a number ≥ 0, not "${text}".`);
  return n;
}

/** Reads and checks the settings; every message names the setting to fix. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const text = env[SETTING.source];
  if (!text) throw new IngestError(`The app setting ${SETTING.source} is missing: it holds the REST source as JSON ({"name", "url", "paging", "recordsPath", …}); Eventline's scaffold writes it into local.settings.json.`);
  let source: SourceSettings;
  try {
    source = JSON.parse(text) as SourceSettings;
  } catch (e) {
    throw new IngestError(`The app setting ${SETTING.source} is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
  }
  if (typeof source !== 'object' || source === null || typeof source.name !== 'string' || typeof source.url !== 'string') {
    throw new IngestError(`The app setting ${SETTING.source} must be a JSON object with at least "name" and "url".`);
  }
  try {
    const u = new URL(source.url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
  } catch {
    throw new IngestError(`Source "${source.name}": url "${source.url}" in ${SETTING.source} is not an http(s) URL.`);
  }
  const apiKey = env[SETTING.apiKey];
  if (source.auth && (source.auth.header || source.auth.query)) {
    if (!apiKey) {
      const name = source.auth.secretName ? ` (Key Vault secret "${source.auth.secretName}")` : '';
      throw new IngestError(`Source "${source.name}" needs an API key, but the app setting ${SETTING.apiKey}${name} is empty or missing. Set it to a Key Vault reference, @Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>), and put the key in that secret (in VS Code: Eventline: Set Secret).`);
    }
    if (isUnresolvedReference(apiKey)) throw unresolved(SETTING.apiKey, apiKey);
  }
  const hubName = env[SETTING.hub];
  if (!hubName) throw new IngestError(`The app setting ${SETTING.hub} is missing: it names the event hub to send to.`);
  return {
    source,
    apiKey: source.auth ? apiKey : undefined,
    hubName,
    partitionKeyField: env[SETTING.partitionKey] || undefined,
    maxRunMs: number(env, SETTING.maxRunSeconds, 240) * 1000,
    requestTimeoutMs: number(env, SETTING.requestTimeoutSeconds, 30) * 1000,
    maxRetries: number(env, SETTING.maxRetries, 4),
  };
}

/** The Event Hubs connection: managed identity in Azure, a connection string locally. */
export type HubConnection = { kind: 'identity'; fullyQualifiedNamespace: string; clientId?: string } | { kind: 'connectionString'; connectionString: string };

export function readHubConnection(env: NodeJS.ProcessEnv = process.env): HubConnection {
  const fqns = env.EventHubConnection__fullyQualifiedNamespace;
  if (fqns) return { kind: 'identity', fullyQualifiedNamespace: fqns, clientId: env.EventHubConnection__clientId || undefined };
  const cs = env.EventHubConnection;
  if (cs) {
    if (isUnresolvedReference(cs)) throw unresolved('EventHubConnection', cs);
    return { kind: 'connectionString', connectionString: cs };
  }
  throw new IngestError('No Event Hubs connection: set EventHubConnection__fullyQualifiedNamespace (<namespace>.servicebus.windows.net, managed identity — in Azure) or EventHubConnection (a connection string — locally; Eventline\'s local runner sets it for you).');
}
