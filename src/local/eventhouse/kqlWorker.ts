// The KQL translator's thread: the official parser and the translator run here, not on the pipeline's main thread
// (kqlThread.ts says why). It keeps, per engine, the catalog it was last sent and the parser's GlobalState for each
// database of it, and answers translations and function signatures; every answer is plain data.
import { parentPort } from 'node:worker_threads';
import { functionParameters, globalStateFor, type DatabaseDef, type FunctionDef, type KNode } from './parser';
import { BagUnpackNeedsSchema, translateQuery, type BagUnpackSite, type Translation } from './translate';
import { KustoUserError, tableSqlName } from './types';

export type KqlRequest =
  | {
    id: number; op: 'translate'; engine: number;
    /** The engine's schema version; `defs` comes with it whenever this thread has not seen that version yet. */
    version: number; defs?: DatabaseDef[];
    db: string; text: string;
    /** SQL for tables that are not the database's own (an ingestion's stage table, a policy's source). */
    overrides?: Record<string, string>;
    nowNs?: bigint;
  }
  | { id: number; op: 'parameters'; f: FunctionDef }
  | { id: number; op: 'forget'; engine: number };

/** A translation and the names of the current database's tables its SQL reads. */
export interface Translated { tr: Translation; read: string[] }

export type WireError =
  | { type: 'kusto'; kind: KustoUserError['kind']; message: string; position?: { line: number; column: number } }
  | { type: 'bag'; site: BagUnpackSite }
  | { type: 'error'; message: string; stack?: string };

export type KqlResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

interface Catalog { version: number; defs: DatabaseDef[]; globals: Map<string, KNode> }
const catalogs = new Map<number, Catalog>();

function translate(req: Extract<KqlRequest, { op: 'translate' }>): Translated {
  let cat = catalogs.get(req.engine);
  if (!cat || cat.version !== req.version) {
    if (!req.defs) throw new Error(`the translator thread has no catalog for schema version ${req.version}`);
    cat = { version: req.version, defs: req.defs, globals: new Map() };
    catalogs.set(req.engine, cat);
  }
  let globals = cat.globals.get(req.db);
  if (!globals) {
    globals = globalStateFor(cat.defs, req.db);
    cat.globals.set(req.db, globals);
  }
  const read = new Set<string>();
  const tr = translateQuery(req.text, globals, {
    tableSql: (name) => {
      const own = req.overrides?.[name];
      if (own !== undefined) return own;
      read.add(name);
      return tableSqlName(req.db, name);
    },
    functionBodies: cat.defs.find((d) => d.name === req.db)?.functions.map((f) => f.body) ?? [],
    nowNs: req.nowNs,
  });
  return { tr, read: [...read] };
}

function wireError(e: unknown): WireError {
  if (e instanceof BagUnpackNeedsSchema) return { type: 'bag', site: e.site };
  if (e instanceof KustoUserError) return { type: 'kusto', kind: e.kind, message: e.message, position: e.position };
  return { type: 'error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
}

function answer(req: KqlRequest): unknown {
  switch (req.op) {
    case 'translate': return translate(req);
    case 'parameters': return functionParameters(req.f);
    case 'forget': catalogs.delete(req.engine); return null;
  }
}

const port = parentPort;
if (port) {
  port.on('message', (req: KqlRequest) => {
    let res: KqlResponse;
    try {
      res = { id: req.id, ok: true, value: answer(req) };
    } catch (e) {
      res = { id: req.id, ok: false, error: wireError(e) };
    }
    port.postMessage(res);
  });
}
