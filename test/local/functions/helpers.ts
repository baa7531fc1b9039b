// A workspace with the real function template (copied without node_modules: the runner's shipped packages serve
// it) and an eventline.json, the local pipeline started on it, and small clients for the control API.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { earliestEventPosition, EventHubConsumerClient, type ReceivedEventData } from '@azure/event-hubs';
import { SecretClient } from '@azure/keyvault-secrets';
import { LocalVaultCredential } from '../../../src/core/localVaultToken';
import { sampleApiSource, type Manifest } from '../../../src/core/manifest';
import type { FunctionInfo, FunctionLogPage, FunctionRunResult, SampleApiFault, SampleApiInfo, SourceList } from '../../../src/protocol/controlApi';
import { startLocalPipeline, tempDataDir, type LocalPipeline } from '../pipeline';

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- the harness is plain CommonJS shared with the runner */
const { freePort: rangePort } = require('../../harness/codeserver') as typeof import('../../harness/codeserver');

export const TEMPLATE = path.resolve(__dirname, '../../../functions-template');

export function copyTemplate(to: string): void {
  for (const f of ['host.json', 'package.json', 'tsconfig.json', 'local.settings.json', 'src']) {
    fs.cpSync(path.join(TEMPLATE, f), path.join(to, f), { recursive: true });
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Workspace { dir: string; manifestFile: string; apiPort: number; write(m: Manifest): void }

export function manifestFor(apiPort: number, over: { schedule?: string; functionPath?: string; sourceOver?: Record<string, unknown>; settings?: Record<string, string>; hub?: string; enabled?: boolean } = {}): Manifest {
  return {
    version: 1,
    name: 'fn-test',
    sources: [{ ...sampleApiSource(apiPort), query: { pageSize: '200' }, ...over.sourceOver }],
    eventHubs: [{ name: 'telemetry', partitions: 4 }, { name: 'other', partitions: 2 }],
    functions: [{
      name: 'ingest', path: over.functionPath ?? 'ingest-function', source: 'sample-api', hub: over.hub ?? 'telemetry',
      schedule: over.schedule ?? '0 0 0 1 1 *', partitionKey: 'siteId', ...(over.settings ? { settings: over.settings } : {}), ...(over.enabled === false ? { enabled: false } : {}),
    }],
  };
}

export async function workspace(manifest?: (apiPort: number) => Manifest): Promise<Workspace> {
  const dir = tempDataDir('eventline-fn-ws-');
  fs.mkdirSync(path.join(dir, 'ingest-function'));
  copyTemplate(path.join(dir, 'ingest-function'));
  // The manifest names this port and a restart listens on it again, while the pipeline's other servers take
  // port 0: from the kernel's ephemeral range (32768-60999 here), a restarted Eventhouse once got the port the
  // sample API had just let go of (EADDRINUSE in a full run). Below that range the kernel hands out none.
  const apiPort = await rangePort(20000, 32767);
  const manifestFile = path.join(dir, 'eventline.json');
  const write = (m: Manifest) => fs.writeFileSync(manifestFile, JSON.stringify(m, null, 2));
  write((manifest ?? manifestFor)(apiPort));
  return { dir, manifestFile, apiPort, write };
}

export async function startOn(ws: Workspace, dataDir?: string, env?: NodeJS.ProcessEnv): Promise<LocalPipeline> {
  // The test owns the sample API's port: the manifest names it.
  return startLocalPipeline({ dataDir, args: ['--config', ws.manifestFile, '--api-port', String(ws.apiPort)], env: { EVENTLINE_VAULT_PENDING_MS: '200', ...env } });
}

export class Control {
  constructor(readonly base: string) {}
  async call<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  async run(name = 'ingest'): Promise<FunctionRunResult> {
    const r = await this.call<FunctionRunResult>('POST', `/api/functions/${name}/run`);
    if (r.status !== 200) throw new Error(`run answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
  async fn(name = 'ingest'): Promise<FunctionInfo> { return (await this.call<FunctionInfo>('GET', `/api/functions/${name}`)).body; }
  async logs(name = 'ingest', after = 0): Promise<FunctionLogPage> { return (await this.call<FunctionLogPage>('GET', `/api/functions/${name}/logs?after=${after}`)).body; }
  async sources(): Promise<SourceList> { return (await this.call<SourceList>('GET', '/api/sources')).body; }
  async api(): Promise<SampleApiInfo> { return (await this.call<SampleApiInfo>('GET', '/api/sample-api')).body; }
  async fault(f: SampleApiFault | undefined): Promise<void> {
    if (f) await this.call('PUT', '/api/sample-api/fault', f);
    else await this.call('DELETE', '/api/sample-api/fault');
  }
  async dataset(d: { intervalMs?: number; historySeconds?: number; recordBytes?: number }): Promise<SampleApiInfo> { return (await this.call<SampleApiInfo>('PUT', '/api/sample-api/dataset', d)).body; }
  async reload(): Promise<void> { await this.call('POST', '/api/functions/reload'); }
}

export function vaultClient(p: LocalPipeline): SecretClient {
  const v = p.ready.keyVault as { uri: string; caCertificate: string; tokenKeyFile: string };
  return new SecretClient(v.uri, new LocalVaultCredential(v.tokenKeyFile), { disableChallengeResourceVerification: true, tlsOptions: { ca: fs.readFileSync(v.caCertificate, 'utf8') } });
}

/** Every event of a hub from the start, read until `count` arrived or `idleMs` passed without a new one. */
export async function readAll(connectionString: string, hub: string, opts: { count?: number; idleMs?: number } = {}): Promise<ReceivedEventData[]> {
  const consumer = new EventHubConsumerClient('$Default', connectionString, hub);
  const got: ReceivedEventData[] = [];
  try {
    await new Promise<void>((resolve) => {
      let idle: NodeJS.Timeout = setTimeout(() => done(), opts.idleMs ?? 3000);
      const sub = consumer.subscribe({
        processEvents: async (events) => {
          got.push(...events);
          clearTimeout(idle);
          if (opts.count !== undefined && got.length >= opts.count) return done();
          idle = setTimeout(() => done(), opts.idleMs ?? 3000);
        },
        processError: async () => undefined,
      }, { startPosition: earliestEventPosition, maxBatchSize: 500 });
      let finished = false;
      function done() { if (finished) return; finished = true; clearTimeout(idle); void sub.close().then(() => resolve()); }
    });
  } finally {
    await consumer.close();
  }
  return got;
}

export const idOf = (e: ReceivedEventData) => (e.body as { id: string }).id;
