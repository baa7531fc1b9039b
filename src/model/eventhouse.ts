import type { TokenCredential } from '@azure/core-auth';
import type { Client as KustoClient } from 'azure-kusto-data';
import { fabricClient, kustoClient } from '../azure/clients';
import { listDatabases, listFunctions, listMappings, listTables, tableColumns, type KustoFunctionInfo, type KustoMappingInfo } from '../azure/kustoSchema';
import { LOCAL_CLUSTER, sameCluster } from '../core/kql/connect';
import type { KqlConnectionRef } from '../core/kql/schemaSource';
import { createTableScript, type KustoColumn } from '../core/kustoNames';
import { requireSnapshot, type ModelHost, type PipelineSnapshot } from './host';
import { KustoCommandSession } from './kustoCommands';
import type { DatabaseRef, EventhouseItemRef, FabricWorkspaceRef, TableRef } from './refs';

/** A connection turned into something a Kusto client can use. */
export interface ResolvedKusto {
  ref: KqlConnectionRef;
  /** The query URI requests go to (the `local` alias replaced by the running pipeline's URI). */
  uri: string;
  /** Undefined for the local Eventhouse, which needs no auth. */
  credential: TokenCredential | undefined;
  isLocal: boolean;
}

export interface DatabaseRow { ref: DatabaseRef; description?: string }
export interface TableRow { ref: TableRef; rowCount?: number; sizeBytes?: number }
export interface EventhouseRow { ref: EventhouseItemRef; databases: DatabaseRow[] }

export function databaseRef(cluster: string, database: string): DatabaseRef {
  return { kind: 'database', cluster, database };
}

/** KQL databases of the active profile: the local Eventhouse, a configured cluster, Fabric workspaces. */
export class EventhouseModel {
  constructor(private readonly host: ModelHost) {}

  private snapshot(): PipelineSnapshot {
    return requireSnapshot(this.host, 'the databases');
  }

  /** The first level: databases known directly, and (cloud) the Fabric workspaces to look in. */
  async roots(signal?: AbortSignal): Promise<{ databases: DatabaseRow[]; workspaces: FabricWorkspaceRef[] }> {
    const { manifest, profile } = this.snapshot();
    if (profile.kind === 'local') {
      const client = await this.client(databaseRef(LOCAL_CLUSTER, 'NetDefaultDB'));
      const names = await listDatabases(client);
      return { databases: names.map((db) => ({ ref: databaseRef(LOCAL_CLUSTER, db), description: 'local Eventhouse' })), workspaces: [] };
    }
    const databases: DatabaseRow[] = [];
    const uri = profile.profile.eventhouseQueryUri ?? manifest.eventhouse?.queryUri;
    const database = manifest.eventhouse?.database;
    if (uri && database) databases.push({ ref: databaseRef(uri, database) });
    const fabric = fabricClient((a, s) => this.host.token(a, s), this.host.cloud, this.host.timeoutMs());
    const wanted = profile.profile.fabricWorkspaceId ?? manifest.eventhouse?.workspaceId;
    const workspaces: FabricWorkspaceRef[] = [];
    for (const ws of await fabric.listWorkspaces(signal)) {
      if (wanted && ws.id !== wanted) continue;
      workspaces.push({ kind: 'fabricWorkspace', workspaceId: ws.id, displayName: ws.displayName });
    }
    return { databases, workspaces };
  }

  /** A Fabric workspace's Eventhouses, each with its KQL databases. */
  async eventhouses(ws: FabricWorkspaceRef, signal?: AbortSignal): Promise<EventhouseRow[]> {
    const fabric = fabricClient((a, s) => this.host.token(a, s), this.host.cloud, this.host.timeoutMs());
    const [houses, dbs] = await Promise.all([fabric.listEventhouses(ws.workspaceId, signal), fabric.listKqlDatabases(ws.workspaceId, signal)]);
    return houses.map((h) => ({
      ref: { kind: 'eventhouse', workspaceId: ws.workspaceId, itemId: h.id, displayName: h.displayName },
      databases: dbs
        .filter((d) => d.properties?.parentEventhouseItemId === h.id && d.properties.queryServiceUri)
        .map((d) => ({ ref: databaseRef(d.properties!.queryServiceUri!, d.displayName), description: 'KQL database' })),
    }));
  }

  /** Every database of the active profile, reported as found (Fabric workspaces are walked too). */
  async allDatabases(found: (row: DatabaseRow) => void, signal?: AbortSignal): Promise<void> {
    const { databases, workspaces } = await this.roots(signal);
    databases.forEach(found);
    for (const ws of workspaces) {
      if (signal?.aborted) return;
      for (const house of await this.eventhouses(ws, signal)) house.databases.forEach(found);
    }
  }

  async tables(db: DatabaseRef): Promise<TableRow[]> {
    const tables = await listTables(await this.client(db), db.database);
    return tables.map((t) => ({ ref: { kind: 'table', database: db, name: t.name }, rowCount: t.rowCount, sizeBytes: t.sizeBytes }));
  }

  async functions(db: DatabaseRef): Promise<KustoFunctionInfo[]> {
    return listFunctions(await this.client(db), db.database);
  }

  async columns(table: TableRef): Promise<KustoColumn[]> {
    return tableColumns(await this.client(table.database), table.database.database, table.name);
  }

  async mappings(table: TableRef): Promise<KustoMappingInfo[]> {
    return listMappings(await this.client(table.database), table.database.database, table.name);
  }

  /** The table as a `.create table` command. */
  async createTableScript(table: TableRef): Promise<string> {
    return createTableScript(table.name, await this.columns(table));
  }

  /** Where requests for a connection go and with which credential; starts the local pipeline when `local` needs it. */
  async resolve(ref: KqlConnectionRef): Promise<ResolvedKusto> {
    if (ref.cluster === LOCAL_CLUSTER) {
      const ready = await this.host.ensureLocal();
      return { ref, uri: ready.eventhouse.uri, credential: undefined, isLocal: true };
    }
    const localUri = this.host.localReady()?.eventhouse.uri;
    if ((localUri && sameCluster(ref.cluster, localUri)) || isLoopback(ref.cluster)) {
      return { ref, uri: ref.cluster, credential: undefined, isLocal: true };
    }
    const tenant = this.host.snapshot()?.profile.profile.tenantId;
    return { ref, uri: ref.cluster, credential: this.host.credential(tenant), isLocal: false };
  }

  /** The shared (cached per cluster) client for short requests. */
  async client(ref: KqlConnectionRef): Promise<KustoClient> {
    const resolved = await this.resolve(ref);
    return kustoClient(resolved.uri, resolved.credential);
  }

  /** The active profile's database: the manifest's (or NetDefaultDB) on the local Eventhouse, or the cloud profile's query URI and database. */
  defaultDatabase(): DatabaseRef | undefined {
    const s = this.host.snapshot();
    if (!s) return undefined;
    if (s.profile.kind === 'local') return databaseRef(LOCAL_CLUSTER, s.manifest.eventhouse?.database ?? this.host.localReady()?.eventhouse.database ?? 'NetDefaultDB');
    const uri = s.profile.profile.eventhouseQueryUri ?? s.manifest.eventhouse?.queryUri;
    const database = s.manifest.eventhouse?.database;
    return uri && database ? databaseRef(uri, database) : undefined;
  }

  /** A session for running management commands one by one; closing it aborts the one in flight. */
  async commandSession(ref: DatabaseRef): Promise<KustoCommandSession> {
    // Schema commands can take longer than a tree level may (a materialized view, a busy cluster): at least a minute.
    return KustoCommandSession.open(await this.resolve(ref), Math.max(this.host.timeoutMs(), 60_000));
  }

  /** The local Eventhouse's URI becomes the `local` alias, so a saved reference survives a pipeline restart. */
  canonical<T extends KqlConnectionRef>(ref: T): T {
    const localUri = this.host.localReady()?.eventhouse.uri;
    return localUri && sameCluster(ref.cluster, localUri) ? { ...ref, cluster: LOCAL_CLUSTER } : ref;
  }
}

function isLoopback(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && /^(127\.0\.0\.1|localhost|\[::1\])$/i.test(u.hostname);
  } catch {
    return false;
  }
}
