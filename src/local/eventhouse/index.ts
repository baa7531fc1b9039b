import type { ServiceContext, StartedService } from '../service';

/** The local Eventhouse (Kusto REST over DuckDB). Placeholder until issue 4 lands. */
export function startEventhouse(ctx: ServiceContext): Promise<StartedService> {
  return Promise.resolve({
    ready: { uri: `http://127.0.0.1:${ctx.options.kustoPort}`, database: 'NetDefaultDB' },
    stop: () => Promise.resolve(),
  });
}
