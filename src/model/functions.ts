// The ingest functions and their sources, as the active profile sees them: the manifest's `functions` entries and
// `sources`, with live state from the local pipeline's function runner in the local profile (state, last run, next
// run, each source's last fetch). Runs on demand and the runner's log lines go through here too.
import { Emitter } from '../core/emitter';
import { ServiceError } from '../core/errors';
import type { FunctionDef, Source } from '../core/manifest';
import { describeNcrontab, parseNcrontab } from '../core/ncrontab';
import type { FunctionInfo, FunctionList, FunctionLogPage, FunctionProblem, FunctionRunResult, SourceFetch, SourceList } from '../protocol/controlApi';
import { requireSnapshot, type ModelHost } from './host';
import { LocalControlClient } from './localControl';
import type { FunctionRef, SourceRef } from './refs';

export interface FunctionRow {
  ref: FunctionRef;
  def: FunctionDef;
  /** "every 30 seconds", or what is wrong with the schedule. */
  schedulePreview: string;
  where: 'local' | 'azure';
  /** Local profile: what the runner says about it; absent when the runner does not have this entry. */
  info?: FunctionInfo;
  /** Local profile: why the runner could not be asked (the rows still show what eventline.json says). */
  unavailable?: string;
}

export interface FunctionsOverview {
  rows: FunctionRow[];
  /** The runner's problem with the manifest's functions as a whole (e.g. it does not parse). */
  problem?: FunctionProblem;
}

export interface SourceRow {
  ref: SourceRef;
  source: Source;
  /** Local profile: the last fetch by a local run. */
  lastFetch?: SourceFetch;
}

/** A run could not start because one is going: runs never overlap. */
export class FunctionBusyError extends Error {
  readonly isFunctionBusy = true;
}

const NOT_RUNNING = 'The local pipeline is not running: Run Now or "Eventline: Start Local Pipeline" starts it.';

export function schedulePreview(schedule: string | undefined): string {
  if (typeof schedule !== 'string') return 'no schedule';
  const r = parseNcrontab(schedule);
  return r.ok ? describeNcrontab(r.schedule) : `invalid schedule: ${r.error.message}`;
}

export class FunctionsModel {
  private readonly changed = new Emitter<void>();
  /** Fires when a function's state may have changed (a run ended, a reload): views re-read. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly host: ModelHost) {}

  /** Something (a run, a poll that saw a new run) changed the functions' state. */
  notifyChanged(): void {
    this.changed.fire();
  }

  /** The manifest's functions entries that carry a name (the schema reports the rest). */
  defs(): FunctionDef[] {
    const list: unknown = this.host.snapshot()?.manifest.functions;
    return Array.isArray(list) ? list.filter((f): f is FunctionDef => typeof f === 'object' && f !== null && typeof (f as FunctionDef).name === 'string') : [];
  }

  private isLocal(): boolean {
    return requireSnapshot(this.host, 'the ingest functions').profile.kind === 'local';
  }

  private async control(): Promise<LocalControlClient> {
    const ready = await this.host.ensureLocal();
    return new LocalControlClient(ready.control, this.host.timeoutMs());
  }

  /** The running pipeline's control client, without starting one. */
  private running(): LocalControlClient | undefined {
    const ready = this.host.localReady();
    return ready ? new LocalControlClient(ready.control, this.host.timeoutMs()) : undefined;
  }

  /** One row per functions entry, in manifest order; in the local profile with the running runner's live state. */
  async list(signal?: AbortSignal): Promise<FunctionsOverview> {
    const defs = this.defs();
    const local = this.isLocal();
    const base = (def: FunctionDef): FunctionRow => ({ ref: { kind: 'function', name: def.name }, def, schedulePreview: schedulePreview(def.schedule), where: local ? 'local' : 'azure' });
    if (!local || defs.length === 0) return { rows: defs.map(base) };
    // Looking never starts the local pipeline (Run Now does): without it the entries show what eventline.json says.
    const control = this.running();
    if (!control) return { rows: defs.map((def) => ({ ...base(def), unavailable: NOT_RUNNING })) };
    let live: FunctionList;
    try {
      live = await control.listFunctions(signal);
    } catch (e) {
      // The entries still show (with what stopped the live state), so Run Now and Deploy stay one click away.
      if (signal?.aborted || (e as { name?: string }).name === 'AbortError') throw e;
      const unavailable = e instanceof Error ? e.message : String(e);
      return { rows: defs.map((def) => ({ ...base(def), unavailable })) };
    }
    return {
      rows: defs.map((def) => ({ ...base(def), info: live.functions.find((f) => f.name === def.name) })),
      problem: live.problem,
    };
  }

  /** The runner's list, only when the local pipeline already runs (for polling: never starts it). */
  async poll(signal?: AbortSignal): Promise<FunctionList | undefined> {
    if (this.host.snapshot()?.profile.kind !== 'local') return undefined;
    return this.running()?.listFunctions(signal);
  }

  /** Log lines of a function after `after`, only when the local pipeline already runs. */
  async logs(name: string, after: number, signal?: AbortSignal): Promise<FunctionLogPage | undefined> {
    return this.running()?.functionLogs(name, after, signal);
  }

  /** Sources of the manifest; in the local profile with their last fetch when the local pipeline runs. */
  async sources(signal?: AbortSignal): Promise<SourceRow[]> {
    const sources = requireSnapshot(this.host, 'the sources').manifest.sources ?? [];
    const rows = sources.map<SourceRow>((source) => ({ ref: { kind: 'source', name: source.name }, source }));
    if (!this.isLocal() || rows.length === 0) return rows;
    const control = this.running();
    if (!control) return rows;
    let live: SourceList;
    try {
      live = await control.listSources(signal);
    } catch (e) {
      // The last fetch is extra: without the local pipeline the sources are still what the manifest says.
      if ((e as { name?: string }).name === 'AbortError') throw e;
      return rows;
    }
    for (const row of rows) row.lastFetch = live.sources.find((s) => s.name === row.source.name)?.lastFetch;
    return rows;
  }

  /**
   * Runs a function now in the local pipeline and waits for the result (a failed run is a result, not an error).
   * The run itself is bounded by the function's timeout (host.json) in the runner; `signal` only stops waiting.
   */
  async run(ref: FunctionRef, signal?: AbortSignal): Promise<FunctionRunResult> {
    if (!this.isLocal()) {
      throw new Error(`"${ref.name}" runs on its schedule in Azure once deployed; Run Now runs functions in the local pipeline. Pick the local profile (Eventline: Select Profile) to run it here.`);
    }
    if (!this.defs().some((d) => d.name === ref.name)) throw new Error(`eventline.json has no functions entry "${ref.name}". Run "Eventline: Scaffold Ingest Function" first.`);
    const control = await this.control();
    try {
      // The runner reads eventline.json when it changes; a reload first makes a just-saved entry count.
      await control.reloadFunctions(signal);
      const live = await control.listFunctions(signal);
      if (!live.functions.some((f) => f.name === ref.name)) {
        throw new Error(`The local pipeline does not have "${ref.name}": it was started with another eventline.json${live.problem ? ` or cannot use this one (${live.problem.message})` : ''}. Restart it (Eventline: Stop Local Pipeline, then Start Local Pipeline).`);
      }
      return await control.runFunction(ref.name, signal);
    } catch (e) {
      if (e instanceof ServiceError && e.status === 409) throw new FunctionBusyError(`"${ref.name}" is already running (runs never overlap). Its result shows in the tree when it ends.`);
      throw e;
    } finally {
      this.changed.fire();
    }
  }

  /** Has the local pipeline read eventline.json again (after the scaffold changed it); no-op when it is not running. */
  async reload(signal?: AbortSignal): Promise<void> {
    if (this.host.snapshot()?.profile.kind !== 'local') return;
    await this.running()?.reloadFunctions(signal);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
