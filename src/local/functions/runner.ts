import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionDef, Manifest } from '../../core/manifest';
import { describeNcrontab, parseNcrontab } from '../../core/ncrontab';
import type { FunctionInfo, FunctionLogLine, FunctionLogPage, FunctionProblem, FunctionRunResult, FunctionState, SourceFetch } from '../../protocol/controlApi';
import { ProjectBuild, type BuildState } from './build';
import { HostClient, type InvokeOutcome } from './hostClient';
import type { LogLevel, TimerInfo } from './hostProtocol';
import { Scheduler, type Tick } from './scheduler';
import { functionTimeoutMs, resolveSettings, SettingsError, type RunnerEnvironment } from './settings';

const LOG_LINES = 1000;

export interface RunnerOptions {
  dataDir: string;
  /** The folder eventline.json is in: functions entries' paths are relative to it. */
  manifestDir: string;
  hostFile: string;
  vendorFile: string;
  env: Omit<RunnerEnvironment, 'watermarkDir'>;
  log: (message: string) => void;
}

/** One project folder: its build and its host process (shared by the functions it registers). */
interface Project {
  dir: string;
  build: ProjectBuild;
  host?: HostClient;
  registered?: string[];
}

interface Fn {
  def: FunctionDef;
  project: Project;
  scheduler?: Scheduler;
  running?: Promise<FunctionRunResult>;
  runningSince?: Date;
  lastRun?: FunctionRunResult;
  runs: number;
  skippedTicks: number;
  problem?: FunctionProblem;
  logs: FunctionLogLine[];
  seq: number;
  secrets: string[];
}

interface Persisted { functions: Record<string, { lastRun?: FunctionRunResult; runs: number; skippedTicks: number }>; sources: Record<string, SourceFetch> }

/**
 * Runs the manifest's ingest functions: builds each project (and rebuilds it on change), fires each function on
 * its NCRONTAB schedule without overlapping runs, runs it on demand, and keeps the last run, the log lines and
 * each source's last fetch. A function that throws, hangs past host.json's functionTimeout, exits or crashes
 * ends that run with an error; the pipeline goes on.
 */
export class FunctionRunner {
  private manifest: Manifest | undefined;
  private readonly fns = new Map<string, Fn>();
  private readonly projects = new Map<string, Project>();
  private problem: FunctionProblem | undefined;
  private persisted: Persisted;
  private readonly stateFile: string;

  constructor(private readonly opts: RunnerOptions) {
    this.stateFile = path.join(opts.dataDir, 'functions', 'state.json');
    try {
      this.persisted = JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as Persisted;
    } catch {
      this.persisted = { functions: {}, sources: {} };
    }
  }

  /** Applies a (re)loaded manifest: new functions start, removed ones stop, changed ones restart their schedule. */
  async apply(manifest: Manifest | undefined, problem?: FunctionProblem): Promise<void> {
    this.manifest = manifest;
    this.problem = problem;
    const wanted = new Map((manifest?.functions ?? []).map((f) => [f.name, f]));
    for (const [name, fn] of this.fns) {
      if (!wanted.has(name)) {
        fn.scheduler?.stop();
        this.fns.delete(name);
      }
    }
    for (const def of wanted.values()) {
      const dir = path.resolve(this.opts.manifestDir, def.path);
      const existing = this.fns.get(def.name);
      const project = await this.project(dir);
      if (existing) {
        existing.scheduler?.stop();
        existing.def = def;
        existing.project = project;
      } else {
        const saved = this.persisted.functions[def.name];
        this.fns.set(def.name, { def, project, runs: saved?.runs ?? 0, skippedTicks: saved?.skippedTicks ?? 0, lastRun: saved?.lastRun, logs: [], seq: 0, secrets: [] });
      }
      this.schedule(this.fns.get(def.name)!);
    }
    for (const [dir, p] of this.projects) {
      if (![...this.fns.values()].some((f) => f.project.dir === dir)) {
        this.projects.delete(dir);
        await p.build.dispose();
        await p.host?.stop();
      }
    }
  }

  private async project(dir: string): Promise<Project> {
    const existing = this.projects.get(dir);
    if (existing) return existing;
    const id = crypto.createHash('sha1').update(dir).digest('hex').slice(0, 12);
    const project: Project = { dir, build: undefined as unknown as ProjectBuild };
    project.build = new ProjectBuild(dir, path.join(this.opts.dataDir, 'functions', 'build', id), this.opts.vendorFile, (state) => this.onBuild(project, state));
    this.projects.set(dir, project);
    await project.build.start();
    return project;
  }

  private onBuild(project: Project, state: BuildState): void {
    for (const fn of this.fns.values()) {
      if (fn.project !== project) continue;
      if (state.status === 'error') this.line(fn, 'error', `build failed: ${state.problem.message}`);
      else if (state.status === 'ok') this.line(fn, 'information', `built ${path.basename(project.dir)} (build ${state.version})`);
    }
    if (state.status === 'ok' && project.host) {
      // The next run loads the new build in a fresh host; a run in progress keeps the old one.
      const old = project.host;
      project.host = undefined;
      const running = [...this.fns.values()].filter((f) => f.project === project).map((f) => f.running).filter((r): r is Promise<FunctionRunResult> => r !== undefined);
      void Promise.all(running).then(() => old.stop());
    }
  }

  private schedule(fn: Fn): void {
    const parsed = parseNcrontab(fn.def.schedule);
    if (!parsed.ok) {
      fn.problem = { message: `The schedule "${fn.def.schedule}" is not valid NCRONTAB: ${parsed.error.message}` };
      return;
    }
    fn.problem = undefined;
    if (fn.def.enabled === false) return;
    fn.scheduler = new Scheduler(parsed.schedule, (tick) => this.onTick(fn, tick));
    fn.scheduler.start();
  }

  private onTick(fn: Fn, tick: Tick): void {
    if (fn.running) {
      fn.skippedTicks++;
      this.line(fn, 'warning', `skipped the run due at ${tick.scheduled.toISOString()}: the run started at ${fn.runningSince?.toISOString()} is still going (${fn.skippedTicks} skipped so far)`);
      this.save();
      return;
    }
    const timer: TimerInfo = {
      isPastDue: tick.lateMs > 1000,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: (tick.last ?? tick.scheduled).toISOString(), next: (tick.next ?? tick.scheduled).toISOString(), lastUpdated: new Date().toISOString() },
    };
    void this.run(fn, 'schedule', timer);
  }

  has(name: string): boolean { return this.fns.has(name); }
  isRunning(name: string): boolean { return !!this.fns.get(name)?.running; }

  /** Runs now and resolves with the result (never rejects: a failure is a result with an error). */
  run(fnOrName: Fn | string, trigger: FunctionRunResult['trigger'] = 'manual', timer?: TimerInfo): Promise<FunctionRunResult> {
    const fn = typeof fnOrName === 'string' ? this.fns.get(fnOrName)! : fnOrName;
    if (fn.running) return fn.running;
    const now = new Date().toISOString();
    fn.runningSince = new Date();
    fn.running = this.runOnce(fn, trigger, timer ?? { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: now, next: fn.scheduler?.nextDue?.toISOString() ?? now, lastUpdated: now } })
      .finally(() => { fn.running = undefined; fn.runningSince = undefined; });
    return fn.running;
  }

  private async runOnce(fn: Fn, trigger: FunctionRunResult['trigger'], timer: TimerInfo): Promise<FunctionRunResult> {
    const runId = crypto.randomUUID();
    const start = new Date();
    const finish = (status: FunctionRunResult['status'], counts: Partial<FunctionRunResult>, error?: FunctionProblem): FunctionRunResult => {
      const end = new Date();
      const result: FunctionRunResult = {
        runId, trigger, start: start.toISOString(), end: end.toISOString(), durationMs: end.getTime() - start.getTime(), status,
        recordsFetched: counts.recordsFetched ?? 0, eventsSent: counts.eventsSent ?? 0, pages: counts.pages ?? 0, retries: counts.retries ?? 0, recordsSkipped: counts.recordsSkipped ?? 0,
        ...(error ? { error: { ...error, message: this.mask(fn, error.message) } } : {}),
      };
      fn.lastRun = result;
      fn.runs++;
      this.line(fn, status === 'succeeded' ? 'information' : 'error', `run ${status} in ${result.durationMs} ms: fetched ${result.recordsFetched}, sent ${result.eventsSent}, pages ${result.pages}, retries ${result.retries}${result.error ? ` — ${result.error.message}` : ''}`, runId);
      this.persisted.sources[fn.def.source] = { time: result.end, records: result.recordsFetched, status: status === 'succeeded' ? 'ok' : 'error', ...(result.error ? { error: result.error.message } : {}), functionName: fn.def.name };
      this.save();
      return result;
    };
    this.line(fn, 'information', `run started (${trigger})`, runId);
    const build = await fn.project.build.settled();
    if (build.status !== 'ok') return finish('failed', {}, build.status === 'error' ? build.problem : { message: 'the project is not built' });
    if (fn.problem) return finish('failed', {}, fn.problem);
    let settings;
    let timeoutMs: number;
    try {
      settings = resolveSettings(this.manifest!, fn.def, fn.project.dir, { ...this.opts.env, watermarkDir: path.join(this.opts.dataDir, 'functions', 'watermarks') });
      timeoutMs = functionTimeoutMs(fn.project.dir);
    } catch (e) {
      if (e instanceof SettingsError) return finish('failed', {}, { message: e.message });
      throw e;
    }
    fn.secrets = settings.secrets;
    const key = `${build.version}|${crypto.createHash('sha256').update(JSON.stringify(settings.values)).digest('hex')}`;
    const project = fn.project;
    if (!project.host?.alive || project.host.key !== key) {
      await project.host?.stop();
      // The platform's environment (in desktop VS Code that includes ELECTRON_RUN_AS_NODE, without which the fork
      // would start Electron), without the pipeline's own settings, under the app settings.
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EVENTLINE_')));
      const env: NodeJS.ProcessEnv = { ...base, ...settings.values };
      const host = new HostClient(this.opts.hostFile, key, env, (level, message, id) => {
        for (const f of this.fns.values()) if (f.project === project && (!id || f.def.name === this.nameOfInvocation(id))) this.line(f, level, message, id);
      });
      project.host = host;
      const loaded = await host.load(build.bundle);
      if (!loaded.ok) {
        project.host = undefined;
        await host.stop();
        return finish('failed', {}, { message: `The project failed to load: ${loaded.error.stack ?? loaded.error.message}` });
      }
      project.registered = loaded.functions.map((f) => f.name);
    }
    if (!project.registered?.includes(fn.def.name)) {
      return finish('failed', {}, { message: `The project in ${project.dir} registers no function named "${fn.def.name}" (it registers ${project.registered?.map((n) => `"${n}"`).join(', ') || 'none'}). The functions entry's name must be the name given to app.timer.` });
    }
    this.invocations.set(runId, fn.def.name);
    let outcome: InvokeOutcome;
    try {
      outcome = await project.host.invoke(fn.def.name, timer, timeoutMs, runId);
    } finally {
      this.invocations.delete(runId);
    }
    switch (outcome.kind) {
      case 'done': return finish('succeeded', counts(outcome.result));
      case 'failed': return finish('failed', counts(outcome.error.summary), { message: outcome.error.message });
      case 'timedOut':
        project.host = undefined;
        return finish('timedOut', {}, { message: `The run did not finish within ${Math.round(timeoutMs / 1000)} s (functionTimeout in host.json) and was stopped; the next run starts a fresh host.` });
      case 'crashed':
        project.host = undefined;
        return finish('crashed', {}, { message: `${outcome.message.slice(0, 2000)}. The next run starts a fresh host.` });
    }
  }

  private readonly invocations = new Map<string, string>();
  private nameOfInvocation(id: string): string | undefined { return this.invocations.get(id); }

  private mask(fn: Fn, text: string): string {
    let out = text;
    for (const s of fn.secrets) out = out.split(s).join('***');
    return out;
  }

  private line(fn: Fn, level: LogLevel, message: string, runId?: string): void {
    const masked = this.mask(fn, message);
    fn.logs.push({ seq: ++fn.seq, time: new Date().toISOString(), level, runId, message: masked });
    if (fn.logs.length > LOG_LINES) fn.logs.splice(0, fn.logs.length - LOG_LINES);
    this.opts.log(`[function ${fn.def.name}] ${level === 'information' ? '' : `${level}: `}${masked}`);
  }

  private save(): void {
    for (const fn of this.fns.values()) this.persisted.functions[fn.def.name] = { lastRun: fn.lastRun, runs: fn.runs, skippedTicks: fn.skippedTicks };
    try {
      fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
      fs.writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(this.persisted));
      fs.renameSync(`${this.stateFile}.tmp`, this.stateFile);
    } catch (e) {
      this.opts.log(`could not save the function runner's state: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  info(name: string): FunctionInfo | undefined {
    const fn = this.fns.get(name);
    if (!fn) return undefined;
    const build = fn.project.build.current;
    const parsed = parseNcrontab(fn.def.schedule);
    const problem = fn.problem ?? (build.status === 'error' ? build.problem : undefined);
    const state: FunctionState = fn.running ? 'running' : problem ? 'error' : build.status === 'building' ? 'building' : fn.def.enabled === false ? 'disabled' : 'idle';
    return {
      name: fn.def.name, project: fn.project.dir, source: fn.def.source, hub: fn.def.hub, schedule: fn.def.schedule,
      schedulePreview: parsed.ok ? describeNcrontab(parsed.schedule) : 'invalid schedule',
      enabled: fn.def.enabled !== false, state, ...(problem ? { problem } : {}), ...(fn.lastRun ? { lastRun: fn.lastRun } : {}),
      ...(fn.scheduler?.nextDue && !problem ? { nextRun: fn.scheduler.nextDue.toISOString() } : {}),
      skippedTicks: fn.skippedTicks, runs: fn.runs,
    };
  }

  list(): { functions: FunctionInfo[]; problem?: FunctionProblem } {
    return { functions: [...this.fns.keys()].map((n) => this.info(n)!), ...(this.problem ? { problem: this.problem } : {}) };
  }

  logs(name: string, after: number): FunctionLogPage | undefined {
    const fn = this.fns.get(name);
    if (!fn) return undefined;
    return { lines: fn.logs.filter((l) => l.seq > after), lastSeq: fn.seq };
  }

  sources(): { name: string; url: string; lastFetch?: SourceFetch }[] {
    return (this.manifest?.sources ?? []).map((s) => ({ name: s.name, url: s.url, ...(this.persisted.sources[s.name] ? { lastFetch: this.persisted.sources[s.name] } : {}) }));
  }

  /** Waits for runs in progress (up to `graceMs`), then stops hosts and builds. */
  async stop(graceMs = 5000): Promise<void> {
    for (const fn of this.fns.values()) fn.scheduler?.stop();
    const running = [...this.fns.values()].map((f) => f.running).filter((p): p is Promise<FunctionRunResult> => !!p);
    if (running.length) await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, graceMs))]);
    for (const p of this.projects.values()) {
      await p.host?.stop();
      await p.build.dispose();
    }
    this.projects.clear();
  }
}

function counts(v: unknown): Partial<FunctionRunResult> {
  if (!v || typeof v !== 'object') return {};
  const o = v as Record<string, unknown>;
  const n = (k: string) => (typeof o[k] === 'number' ? o[k] : undefined);
  return { recordsFetched: n('recordsFetched'), eventsSent: n('eventsSent'), pages: n('pages'), retries: n('retries'), recordsSkipped: n('recordsSkipped') };
}
