// Why the KQL translator runs on a thread of its own: the official parser (Kusto.Language on Bridge.NET) holds about
// 36 MB of JS heap for as long as it is loaded. On the pipeline's main thread that heap was marked by every full
// garbage collection of the process, which also hosts the Event Hubs hub: collections started every 1–2 s of traffic
// and paused the hub's links for 5–140 ms each (docs/local-eventhubs.md). A worker thread has a heap of its own, so
// the main thread's collections stay small, and a long parse no longer holds up the hub's links or other requests.
// One thread per process serves every engine in it (tests open many); it keeps nothing a request needs but the
// catalog, which it is sent again whenever the engine's schema version changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatabaseDef, FunctionDef } from './parser';
import { BagUnpackNeedsSchema } from './translate';
import { KustoUserError } from './types';
import type { KqlRequest, KqlResponse, Translated, WireError } from './kqlWorker';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** The bundled worker next to this bundle (dist/local.js) or one folder up (dist/bench/*.js); else the source under tsx. */
function spawnWorker(): Worker {
  for (const f of [path.join(__dirname, 'kqlWorker.js'), path.join(__dirname, '..', 'kqlWorker.js')]) {
    if (fs.existsSync(f)) return new Worker(f);
  }
  const source = path.join(__dirname, 'kqlWorker.ts');
  if (!fs.existsSync(source)) throw new Error(`The KQL translator's worker script was not found next to ${__dirname}; rebuild with 'node esbuild.js'.`);
  // Only from source, where tsx is installed (a name in a variable, so the bundler does not try to bundle it).
  const loader = 'tsx/cjs';
  return new Worker(`require(${JSON.stringify(require.resolve(loader))}); require(${JSON.stringify(source)});`, { eval: true });
}

function fromWire(e: WireError): Error {
  if (e.type === 'kusto') return new KustoUserError(e.kind, e.message, e.position);
  if (e.type === 'bag') return new BagUnpackNeedsSchema(e.site);
  const err = new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}

class KqlThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The schema version each engine last sent to the current worker (a new worker has seen none). */
  private readonly sent = new Map<number, number>();

  request<T>(msg: WithoutId<KqlRequest>): Promise<T> {
    let w: Worker;
    try { w = this.worker ?? this.start(); } catch (e) { return Promise.reject(e instanceof Error ? e : new Error(String(e))); }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // Only a request in flight keeps the process alive: an idle translator must not hold up its exit.
      if (this.pending.size === 1) w.ref();
      try {
        w.postMessage({ ...msg, id });
      } catch (e) {
        this.take(w, id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** The request `id` leaves the pending ones; the thread is let go when none is left. */
  private take(w: Worker, id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) w.unref();
    return p;
  }

  /** Whether `engine`'s catalog at `version` has to go with its next request. */
  needsCatalog(engine: number, version: number): boolean {
    if (this.worker && this.sent.get(engine) === version) return false;
    this.sent.set(engine, version);
    return true;
  }

  forget(engine: number): void {
    this.sent.delete(engine);
    if (this.worker) this.request({ op: 'forget', engine }).catch(() => undefined);
  }

  private start(): Worker {
    const w = spawnWorker();
    this.worker = w;
    w.unref();
    w.on('message', (res: KqlResponse) => {
      const p = this.take(w, res.id);
      if (res.ok) p?.resolve(res.value); else p?.reject(fromWire(res.error));
    });
    const stopped = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      // Another engine's request may start the next thread before this engine's next needsCatalog().
      this.sent.clear();
      const err = new Error(`The local Eventhouse's KQL translator stopped (${why}); run the query again, which starts a new one.`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (e) => stopped(e.message));
    w.on('exit', (code) => stopped(`exit code ${code}`));
    return w;
  }
}

let shared: KqlThread | undefined;

/** One engine's view of the shared translator thread: its catalog goes along whenever its schema version moves. */
export class KqlTranslator {
  private static nextEngine = 1;
  private readonly engine = KqlTranslator.nextEngine++;
  private readonly thread = (shared ??= new KqlThread());

  constructor(private readonly catalog: { version(): number; defs(): DatabaseDef[] }) {}

  translate(db: string, text: string, opts: { overrides?: Record<string, string>; nowNs?: bigint } = {}): Promise<Translated> {
    const version = this.catalog.version();
    const withDefs = this.thread.needsCatalog(this.engine, version) ? this.catalog.defs() : undefined;
    return this.thread.request<Translated>({ op: 'translate', engine: this.engine, version, defs: withDefs, db, text, ...opts });
  }

  parameters(f: FunctionDef): Promise<Record<string, unknown>[]> {
    return this.thread.request({ op: 'parameters', f });
  }

  close(): void {
    this.thread.forget(this.engine);
  }
}
