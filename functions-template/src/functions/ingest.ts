// The ingest function: on a timer, fetch the REST source's new records and send them to Event Hubs.
// Configuration is app settings only (see src/lib/settings.ts); the same build runs in Azure and locally.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { EventHubProducerClient } from '@azure/event-hubs';
import { runIngest, type IngestRunSummary } from '../lib/ingest';
import { IngestError, readConfig, readHubConnection, SETTING, type HubConnection } from '../lib/settings';
import { BlobWatermarkStore, FileWatermarkStore, type WatermarkStore } from '../lib/watermark';

// Kept across invocations, as the Functions host keeps this module loaded: one AMQP connection, not one per run.
let cached: { key: string; producer: EventHubProducerClient } | undefined;

async function producerFor(connection: HubConnection, hubName: string): Promise<EventHubProducerClient> {
  const key = `${JSON.stringify(connection)}|${hubName}`;
  if (cached?.key === key) return cached.producer;
  if (cached) await cached.producer.close().catch(() => undefined);
  const retryOptions = { maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 4000, timeoutInMs: 15_000 };
  let producer: EventHubProducerClient;
  if (connection.kind === 'identity') {
    const { DefaultAzureCredential } = await import('@azure/identity');
    producer = new EventHubProducerClient(connection.fullyQualifiedNamespace, hubName, new DefaultAzureCredential({ managedIdentityClientId: connection.clientId }), { retryOptions });
  } else {
    producer = new EventHubProducerClient(connection.connectionString, hubName, { retryOptions });
  }
  cached = { key, producer };
  return producer;
}

/** Closes the Event Hubs client kept between runs (tests, and hosts that unload the module). */
export async function closeClients(): Promise<void> {
  const old = cached;
  cached = undefined;
  await old?.producer.close();
}

/** A file in a folder when INGEST_WATERMARK_DIR is set (Eventline's local runner), else a blob in AzureWebJobsStorage. */
async function watermarkStore(env: NodeJS.ProcessEnv): Promise<WatermarkStore> {
  const dir = env[SETTING.watermarkDir];
  if (dir) return new FileWatermarkStore(dir);
  const containerName = env[SETTING.watermarkContainer] || 'eventline-watermarks';
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const cs = env.AzureWebJobsStorage;
  if (cs) return new BlobWatermarkStore(BlobServiceClient.fromConnectionString(cs).getContainerClient(containerName));
  const account = env.AzureWebJobsStorage__accountName;
  const serviceUri = env.AzureWebJobsStorage__blobServiceUri ?? (account ? `https://${account}.blob.core.windows.net` : undefined);
  if (serviceUri) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    const credential = new DefaultAzureCredential({ managedIdentityClientId: env.AzureWebJobsStorage__clientId });
    return new BlobWatermarkStore(new BlobServiceClient(serviceUri, credential).getContainerClient(containerName));
  }
  throw new IngestError(`Nowhere to keep the watermark: set AzureWebJobsStorage (or AzureWebJobsStorage__blobServiceUri with a managed identity), or ${SETTING.watermarkDir} for a local folder.`);
}

/**
 * The timer handler, exported as a plain function so tests and Eventline's local runner can call it with
 * `@azure/functions`' own InvocationContext. Returns the run's counts; throws an IngestError (with the counts in
 * `summary`) when the run fails, so the Functions host records a failed invocation.
 */
export async function ingest(timer: Timer, context: InvocationContext): Promise<IngestRunSummary> {
  const log = { info: (m: string) => context.log(m), warn: (m: string) => context.warn(m), error: (m: string) => context.error(m) };
  if (timer.isPastDue) log.warn('ingest: this run is late (the timer is past due)');
  let summary: IngestRunSummary;
  try {
    const config = readConfig(process.env);
    const store = await watermarkStore(process.env);
    const producer = await producerFor(readHubConnection(process.env), config.hubName);
    summary = await runIngest({
      config,
      producer,
      watermarks: store,
      watermarkKey: `${context.functionName}/${config.source.name}`,
      log,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.error(`ingest failed: ${message}`);
    if (!(e instanceof IngestError) && cached) {
      // An unexpected failure may leave the client in a bad state: the next run starts a new one.
      const old = cached.producer;
      cached = undefined;
      await old.close().catch(() => undefined);
    }
    throw e;
  }
  log.info(`ingest ${summary.source} finished: fetched=${summary.recordsFetched} sent=${summary.eventsSent} pages=${summary.pages} retries=${summary.retries} skipped=${summary.recordsSkipped} durationMs=${summary.durationMs}${summary.watermark !== undefined ? ` watermark=${summary.watermark}` : ''}`);
  return summary;
}

app.timer('ingest', {
  // The schedule lives in the app setting (NCRONTAB, six fields, UTC), so changing it needs no rebuild.
  schedule: `%${SETTING.schedule}%`,
  runOnStartup: false,
  handler: ingest,
});
