import * as fs from 'node:fs';
import type { LocalReady } from '../protocol/localReady';
import { startConnector } from './connector';
import { ControlServer } from './control';
import { startEventHubs } from './eventhubs';
import { startEventhouse } from './eventhouse';
import { applyWorkspaceSchema } from './eventhouse/workspaceSchema';
import { startFunctionRunner } from './functions';
import { startSampleApi } from './sampleApi';
import { startKeyVault } from './vault';
import { startAlertRunner } from './alerts';
import { startSmtp } from './smtp';
import type { PipelineOptions, ServiceContext, StartedService } from './service';

export interface RunningPipeline {
  readonly ready: LocalReady;
  stop(): Promise<void>;
}

/** Starts every part of the local pipeline in this process; stops the started ones again if any part fails. */
export async function startPipeline(options: PipelineOptions, log: (m: string) => void): Promise<RunningPipeline> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const control = new ControlServer();
  const ctx: ServiceContext = { dataDir: options.dataDir, configPath: options.configPath, options, control, log };
  const started: StartedService[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) {
      try { await s.stop(); } catch (e) { log(`error while stopping: ${e instanceof Error ? e.message : String(e)}`); }
    }
    await control.close();
  };
  try {
    const eventHubs = await startEventHubs(ctx);
    started.push(eventHubs);
    const eventhouse = await startEventhouse(ctx);
    started.push(eventhouse);
    // Before the connector starts, so the tables and mappings its connections name exist.
    if (!options.noSchema) {
      try {
        await applyWorkspaceSchema(eventhouse.engine, eventhouse.ready.database, ctx.configPath, (m) => ctx.log(m));
      } catch (e) {
        ctx.log(`eventhouse: the kql/ schema was not applied: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const keyVault = await startKeyVault(ctx);
    started.push(keyVault);
    const sampleApi = await startSampleApi(ctx, keyVault.store);
    started.push(sampleApi);
    // The hub → table hop (the local Eventstream); it stops before the stores, so its last batch still reaches both.
    const connector = await startConnector(ctx, { namespace: eventHubs.namespace, engine: eventhouse.engine, database: eventhouse.ready.database, hubConnectionString: eventHubs.ready.connectionString });
    started.push(connector);
    const functions = await startFunctionRunner(ctx, { store: keyVault.store, vaultUri: keyVault.ready.uri, hubConnectionString: eventHubs.ready.connectionString });
    started.push(functions);
    // Alerts read the Eventhouse and mail through the local SMTP server; they stop before both.
    const smtp = await startSmtp(ctx);
    started.push(smtp);
    const alerts = await startAlertRunner(ctx, { engine: eventhouse.engine, database: eventhouse.ready.database, smtp: { host: smtp.ready.host, port: smtp.ready.port, ...smtp.credentials }, vault: { store: keyVault.store, uri: keyVault.ready.uri } });
    started.push(alerts);
    const controlPort = await control.listen(options.controlPort);
    const ready: LocalReady = {
      ready: true,
      eventHubs: eventHubs.ready,
      eventhouse: eventhouse.ready,
      control: `http://127.0.0.1:${controlPort}`,
      keyVault: keyVault.ready,
      sampleApi: sampleApi.ready,
      smtp: smtp.ready,
    };
    return { ready, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
