// Shared helpers for the local Eventhouse tests: the unchanged azure-kusto-data Client against a started pipeline.
import { Client, type KustoResponseDataSet } from 'azure-kusto-data';
import { StreamingIngestClient } from 'azure-kusto-ingest';
import { startLocalPipeline, type LocalPipeline } from '../pipeline';

export interface Kql {
  pipeline: LocalPipeline;
  client: Client;
  uri: string;
  /** Query or command; returns the primary table with wire values (datetimes and timespans as the service's strings). */
  run(csl: string, db?: string): Promise<{ columns: string[]; rows: unknown[][]; raw: KustoResponseDataSet }>;
  /** The Kusto error JSON of a failing request (fails the test if the request succeeds). */
  error(csl: string, db?: string): Promise<{ status: number; error: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function startKql(opts: { dataDir?: string } = {}): Promise<Kql> {
  const pipeline = await startLocalPipeline({ dataDir: opts.dataDir });
  const uri = pipeline.ready.eventhouse.uri;
  const client = new Client(uri);
  const run = async (csl: string, db = 'NetDefaultDB') => {
    const raw = csl.trim().startsWith('.') ? await client.executeMgmt(db, csl) : await client.execute(db, csl);
    const t = raw.primaryResults[0];
    t.dateTimeParser = (s: string | null) => s;
    t.timeSpanParser = (s: string | null) => s;
    const rows: unknown[][] = [];
    for (const r of t.rows()) rows.push(t.columns.map((c) => (r as unknown as Record<string, unknown>)[c.name as string]));
    return { columns: t.columns.map((c) => `${c.name}:${c.type}`), rows, raw };
  };
  const error = async (csl: string, db = 'NetDefaultDB') => {
    try {
      await run(csl, db);
    } catch (e) {
      const resp = (e as { response?: { status: number; data: { error: Record<string, unknown> } } }).response;
      if (resp) return { status: resp.status, error: resp.data.error };
      throw e;
    }
    throw new Error(`expected an error from: ${csl}`);
  };
  return {
    pipeline, client, uri, run, error,
    async stop() { client.close(); await pipeline.stop(); },
  };
}

/**
 * One pipeline for the enclosing describe block, with a StreamingIngestClient on it: started in before(), stopped
 * in after(); `use` receives both once started.
 */
export function useKql(use: (kql: Kql, ingest: InstanceType<typeof StreamingIngestClient>) => void): void {
  let kql: Kql | undefined;
  let ingest: InstanceType<typeof StreamingIngestClient> | undefined;
  before(async () => {
    kql = await startKql();
    ingest = new StreamingIngestClient(kql.uri);
    use(kql, ingest);
  });
  after(async () => {
    ingest?.close();
    await kql?.stop();
  });
}
