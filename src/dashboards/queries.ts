// Runs a tile's (or a parameter's) query through the same connection service and runner the notebooks use, with
// an AbortSignal: aborting closes that run's client (the HTTP request drops) and asks the service to cancel it.
import * as vscode from 'vscode';
import { LOCAL_CLUSTER } from '../core/kql/connect';
import { LOCAL_DATA_SOURCE } from '../core/dashboards/format';
import type { KqlConnectionRef } from '../core/kql/schemaSource';
import { runKql, type KqlConnections } from '../notebook';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import type { PipelineModel } from '../model/pipelineModel';
import type { TileResult } from '../protocol/dashboard';

export interface DashboardQueryDeps {
  connections: KqlConnections;
  model: PipelineModel;
  local: LocalPipelineSupervisor;
  log: vscode.LogOutputChannel;
}

export class AbortedError extends Error {
  constructor() { super('The request was cancelled.'); this.name = 'AbortError'; }
}

export class DashboardQueries {
  constructor(private readonly deps: DashboardQueryDeps) {}

  /** The data source names a dashboard may use besides `local`, or undefined while no manifest is loaded. */
  dataSources(): string[] | undefined {
    const snapshot = this.deps.model.snapshot();
    if (!snapshot) return undefined;
    const db = snapshot.manifest?.eventhouse?.database;
    return db ? [db] : [];
  }

  /**
   * `local`: the local Eventhouse's database. A manifest database: that database on the active profile's
   * Eventhouse (the local one in the local profile, the cloud one otherwise), so one dashboard follows the profile.
   */
  connectionOf(dataSource: string): KqlConnectionRef {
    const snapshot = this.deps.model.snapshot();
    const manifestDb = snapshot?.manifest?.eventhouse?.database;
    if (dataSource === LOCAL_DATA_SOURCE) {
      return { cluster: LOCAL_CLUSTER, database: manifestDb ?? this.deps.local.current?.eventhouse.database ?? 'NetDefaultDB' };
    }
    const active = this.deps.connections.defaultConnection();
    if (active && active.database === dataSource) return active;
    if (manifestDb === dataSource) {
      throw new Error(`Data source "${dataSource}" has no Eventhouse in the active profile: set eventhouse.queryUri in eventline.json (or the profile's eventhouseQueryUri), or use "local".`);
    }
    throw new Error(`Unknown data source "${dataSource}": use "local"${manifestDb ? ` or "${manifestDb}" (the manifest's eventhouse.database)` : ''}.`);
  }

  async run(dataSource: string, query: string, signal: AbortSignal): Promise<TileResult> {
    if (signal.aborted) throw new AbortedError();
    const ref = this.connectionOf(dataSource);
    const cts = new vscode.CancellationTokenSource();
    const onAbort = (): void => cts.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await runKql(this.deps.connections, ref, query, { token: cts.token, timeoutSeconds: timeoutSeconds(), log: this.deps.log });
      if (outcome.kind === 'cancelled') throw new AbortedError();
      const out = outcome.result.output;
      return { tables: out.tables, ...(out.visualization ? { visualization: out.visualization } : {}), elapsedMs: out.info.elapsedMs, rowCount: out.info.rowCount, ...(out.info.truncated ? { truncated: true } : {}) };
    } finally {
      signal.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }
}

function timeoutSeconds(): number {
  return Math.max(5, vscode.workspace.getConfiguration('eventline.query').get<number>('timeoutSeconds') ?? 240);
}
