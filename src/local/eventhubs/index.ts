import type { ServiceContext, StartedService } from '../service';

/** The local Event Hubs (AMQP 1.0). Placeholder until issue 3 lands. */
export function startEventHubs(ctx: ServiceContext): Promise<StartedService> {
  const { amqpPort, keyName, key } = ctx.options;
  return Promise.resolve({
    ready: {
      connectionString: `Endpoint=sb://127.0.0.1:${amqpPort};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true`,
    },
    stop: () => Promise.resolve(),
  });
}
