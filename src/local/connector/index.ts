// The hub → table connector: the local stand-in for a Fabric Eventstream with an Event Hubs source and an
// Eventhouse destination. One runner per connection of the config file's `connections[]`; the control API lists
// them with their metrics and takes a new set without a restart.
import { ConfigError, loadLocalConfig } from '../config';
import { ControlError, type ControlServer } from '../control';
import type { Engine } from '../eventhouse/engine';
import type { Namespace } from '../eventhubs/namespace';
import type { ServiceContext, StartedService } from '../service';
import type { ConnectionFailure, ConnectionFailureList, ConnectionList, ConnectionStatus } from '../../protocol/controlApi';
import { connectionDef, connectionDefs, DefinitionError, sameDef, type ConnectionDef } from './definition';
import { ConnectionRunner, type RunnerContext } from './runner';
import { ensureCheckpointTable, latestFailures, pruneFailures } from './store';

export interface ConnectorDeps {
  namespace: Namespace;
  engine: Engine;
  /** The database connections write to unless they name one: the config's eventhouse.database. */
  database: string;
  /** The hub's connection string (its endpoint names each row's SourceLocation). */
  hubConnectionString: string;
}

/** A connection of the config file that cannot run as written: listed with its problem. */
interface Broken { name: string; hub: string; table: string; message: string }

export class Connector {
  private readonly runners = new Map<string, ConnectionRunner>();
  private broken: Broken[] = [];
  /** PUTs apply one at a time. */
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: RunnerContext, private readonly database: string) {
    ctx.namespace.onRemoved((hub, group) => { for (const r of this.runners.values()) r.invalidate(hub, group); });
  }

  list(): ConnectionStatus[] {
    const since = new Date().toISOString();
    return [
      ...[...this.runners.values()].map((r) => r.status()),
      ...this.broken.map((b): ConnectionStatus => ({
        name: b.name, hub: b.hub, consumerGroup: '', database: this.database, table: b.table, format: 'json', state: 'error',
        error: { message: b.message, since }, eventsIngested: 0, rowsIngested: 0, batches: 0, failures: 0, updatePolicyFailures: 0,
        eventsExpired: 0, lag: 0, partitions: [], latencyMs: { p50: null, p95: null, samples: 0 }, commitMs: { p50: null, p95: null, samples: 0 }, lastIngestedAt: null,
      })),
    ];
  }

  get(name: string): ConnectionRunner | undefined {
    return this.runners.get(name.toLowerCase());
  }

  /** Makes `defs` the running set: unchanged ones keep running, changed ones restart, others stop. */
  apply(defs: ConnectionDef[], broken: Broken[] = []): Promise<void> {
    const run = async () => {
      const wanted = new Map(defs.map((d) => [d.name.toLowerCase(), d]));
      const stopping: Promise<void>[] = [];
      for (const [key, r] of this.runners) {
        const d = wanted.get(key);
        if (d && sameDef(d, r.def)) { wanted.delete(key); continue; }
        this.runners.delete(key);
        stopping.push(r.stop());
      }
      await Promise.all(stopping);
      for (const [key, d] of wanted) {
        const r = new ConnectionRunner(d, this.ctx);
        this.runners.set(key, r);
        r.start();
      }
      this.broken = broken;
    };
    const p = this.applying.then(run, run);
    this.applying = p.catch(() => undefined);
    return p;
  }

  async put(def: ConnectionDef): Promise<boolean> {
    const others = [...this.runners.values()].map((r) => r.def).filter((d) => d.name.toLowerCase() !== def.name.toLowerCase());
    const created = !this.get(def.name);
    await this.apply([...others, def], this.broken.filter((b) => b.name.toLowerCase() !== def.name.toLowerCase()));
    return created;
  }

  async remove(name: string): Promise<void> {
    await this.apply([...this.runners.values()].map((r) => r.def).filter((d) => d.name.toLowerCase() !== name.toLowerCase()), this.broken.filter((b) => b.name.toLowerCase() !== name.toLowerCase()));
  }

  async stop(): Promise<void> {
    await this.apply([]);
  }
}

/** The config file's connections; an entry that can't run is kept as a broken one (the others still run). */
function configured(ctx: ServiceContext, database: string): { defs: ConnectionDef[]; broken: Broken[] } {
  if (!ctx.configPath) return { defs: [], broken: [] };
  const raw = loadLocalConfig(ctx.configPath).raw.connections;
  if (raw === undefined) return { defs: [], broken: [] };
  if (!Array.isArray(raw)) throw new ConfigError(`${ctx.configPath}: connections must be an array.`);
  const defs: ConnectionDef[] = [];
  const broken: Broken[] = [];
  raw.forEach((c: unknown, i) => {
    try {
      const d = connectionDef(c, i, `${ctx.configPath}: connections`, database);
      if (defs.some((x) => x.name.toLowerCase() === d.name.toLowerCase())) throw new DefinitionError(`${ctx.configPath}: connections[${i}]: the name "${d.name}" is used twice; connection names must be unique.`);
      defs.push(d);
    } catch (e) {
      if (!(e instanceof DefinitionError)) throw e;
      const o = (c ?? {}) as Record<string, unknown>;
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      broken.push({ name: text(o.name) || `connection-${i + 1}`, hub: text(o.hub), table: text(o.table), message: e.message });
    }
  });
  return { defs, broken };
}

function failureOut(f: Awaited<ReturnType<typeof latestFailures>>[number]): ConnectionFailure {
  let body: string;
  let bodyEncoding: ConnectionFailure['bodyEncoding'] = 'utf8';
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(f.body);
  } catch {
    body = Buffer.from(f.body).toString('base64');
    bodyEncoding = 'base64';
  }
  return {
    partition: f.partition, sequenceNumber: f.seq, enqueuedTime: new Date(f.enqueued).toISOString(), failedOn: new Date(f.failedOn).toISOString(),
    errorCode: f.code, reason: f.reason, body, bodyEncoding, bodyBytes: f.bodyBytes,
  };
}

function registerRoutes(control: ControlServer, connector: Connector, engine: Engine, database: string): void {
  const find = (name: string) => {
    const r = connector.get(name);
    if (!r) throw new ControlError(404, `Connection "${name}" does not exist. GET /api/connections lists them.`);
    return r;
  };
  const guard = <T>(f: () => T): T => {
    try { return f(); } catch (e) { if (e instanceof DefinitionError) throw new ControlError(400, e.message); throw e; }
  };
  control.route('GET', /^\/api\/connections\/?$/, () => ({ status: 200, body: { connections: connector.list() } satisfies ConnectionList }));
  control.route('PUT', /^\/api\/connections\/?$/, async (_req, _params, body) => {
    const list = (body as { connections?: unknown } | undefined)?.connections;
    if (!Array.isArray(list)) throw new ControlError(400, 'The body must be {"connections": [{"hub": "...", "table": "...", ...}, ...]}, the whole set of connections.');
    await connector.apply(guard(() => connectionDefs(list, 'connections', database)));
    return { status: 200, body: { connections: connector.list() } satisfies ConnectionList };
  });
  control.route('GET', /^\/api\/connections\/([^/]+)\/?$/, (_req, [name]) => ({ status: 200, body: find(name).status() }));
  control.route('PUT', /^\/api\/connections\/([^/]+)\/?$/, async (_req, [name], body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ControlError(400, 'The body must be a connection: {"hub": "...", "table": "...", ...}.');
    const given = (body as { name?: unknown }).name;
    if (given !== undefined && given !== name) throw new ControlError(400, `The body names the connection ${JSON.stringify(given)} but the path names "${name}".`);
    const def = guard(() => connectionDef({ ...body, name }, 0, 'connection', database));
    const created = await connector.put(def);
    return { status: created ? 201 : 200, body: find(name).status() };
  });
  control.route('DELETE', /^\/api\/connections\/([^/]+)\/?$/, async (_req, [name]) => {
    find(name);
    await connector.remove(name);
    return { status: 204 };
  });
  control.route('GET', /^\/api\/connections\/([^/]+)\/failures\/?$/, async (req, [name]) => {
    find(name);
    const limit = Number(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('limit') ?? 100);
    if (!Number.isFinite(limit) || limit < 1) throw new ControlError(400, 'limit must be a number from 1 to 1000.');
    const failures = (await latestFailures(engine, name, limit)).map(failureOut);
    return { status: 200, body: { failures } satisfies ConnectionFailureList };
  });
}

export async function startConnector(ctx: ServiceContext, deps: ConnectorDeps): Promise<StartedService<undefined> & { connector: Connector }> {
  const endpoint = /Endpoint=(sb:\/\/[^;]+?)\/?;/.exec(deps.hubConnectionString)?.[1] ?? 'sb://127.0.0.1';
  const { defs, broken } = configured(ctx, deps.database);
  await ensureCheckpointTable(deps.engine);
  await pruneFailures(deps.engine);
  const connector = new Connector({ namespace: deps.namespace, engine: deps.engine, endpoint: `${endpoint}/`, log: (m) => ctx.log(m) }, deps.database);
  registerRoutes(ctx.control, connector, deps.engine, deps.database);
  await connector.apply(defs, broken);
  for (const b of broken) ctx.log(`connector: ${b.message}`);
  if (defs.length) ctx.log(`connector: ${defs.map((d) => `${d.name} (${d.hub}/${d.consumerGroup} → ${d.database}.${d.table})`).join(', ')}`);
  const prune = setInterval(() => { pruneFailures(deps.engine).catch((e: unknown) => ctx.log(`connector: pruning failure records failed: ${e instanceof Error ? e.message : String(e)}`)); }, 10 * 60_000);
  prune.unref();
  return {
    ready: undefined,
    connector,
    async stop() {
      clearInterval(prune);
      await connector.stop();
    },
  };
}
