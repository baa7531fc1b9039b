import * as path from 'node:path';
import { loadLocalConfig, type HubConfig } from '../config';
import type { LocalReady } from '../../protocol/localReady';
import type { ServiceContext, StartedService } from '../service';
import { registerControlRoutes } from './control';
import { Namespace } from './namespace';
import { EventHubsServer } from './server';
import { ensureTls } from '../tls';

const DEFAULT_HUBS: HubConfig[] = [{ name: 'telemetry', partitionCount: 4, consumerGroups: [] }];

/**
 * The local Event Hubs: AMQP 1.0 on --amqp-port (plain, SAS) and --amqps-port (TLS, SAS or jwt), hubs and their
 * partition logs under `<data>/eventhubs/`, and the hub/consumer-group routes of the control API.
 */
export async function startEventHubs(ctx: ServiceContext): Promise<StartedService<LocalReady['eventHubs']> & { namespace: Namespace }> {
  const { amqpPort, amqpsPort, keyName, key } = ctx.options;
  const root = path.join(ctx.dataDir, 'eventhubs');
  const configured = ctx.configPath ? loadLocalConfig(ctx.configPath).eventHubs : undefined;
  const ns = new Namespace(root);
  // The default hub is only created in a fresh data folder without a config; later runs keep what exists.
  ns.open(configured ?? [], (m) => ctx.log(m), configured ? [] : DEFAULT_HUBS);
  const tls = await ensureTls(path.join(root, 'tls'));
  const server = new EventHubsServer(ns, { keyName, key, log: (m) => ctx.log(m) });
  let retentionTimer: NodeJS.Timeout | undefined;
  try {
    const ports = await server.listen(amqpPort, { port: amqpsPort, key: tls.key, cert: tls.cert });
    registerControlRoutes(ctx.control, ns);
    ctx.control.addHealthCheck('eventHubs', () => server.serving);
    const tick = () => {
      try { ns.enforceRetention(Date.now()); } catch (e) { ctx.log(`retention check failed: ${e instanceof Error ? e.message : String(e)}`); }
      retentionTimer = setTimeout(tick, retentionInterval(ns));
      retentionTimer.unref();
    };
    retentionTimer = setTimeout(tick, retentionInterval(ns));
    retentionTimer.unref();
    ctx.log(`event hubs: ${ns.list().map((h) => `${h.def.name} (${h.def.partitionCount} partitions)`).join(', ') || 'none'} on amqp://127.0.0.1:${ports.amqpPort} and amqps://127.0.0.1:${ports.amqpsPort}`);
    return {
      ready: {
        connectionString: `Endpoint=sb://127.0.0.1:${ports.amqpPort};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true`,
        amqpsPort: ports.amqpsPort,
        caCertificate: tls.caCertificate,
      },
      // The hub connector reads the partition logs in this process (src/local/connector).
      namespace: ns,
      async stop() {
        if (retentionTimer) clearTimeout(retentionTimer);
        await server.close();
        ns.close();
      },
    };
  } catch (e) {
    if (retentionTimer) clearTimeout(retentionTimer);
    await server.close();
    ns.close();
    throw e;
  }
}

/**
 * Checks every second, or at a quarter of the shortest retention age when that is shorter (at least 0.2 s), so a
 * retention change through the control API takes effect without a restart. A check only compares segment times.
 */
function retentionInterval(ns: Namespace): number {
  let ms = 1000;
  for (const h of ns.list()) ms = Math.min(ms, h.retention.ms / 4);
  return Math.max(200, ms);
}
