import { fork, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import type { FromHost, LogLevel, RegisteredFunction, SerializedError, TimerInfo, ToHost } from './hostProtocol';

export type InvokeOutcome =
  | { kind: 'done'; result: unknown }
  | { kind: 'failed'; error: SerializedError }
  | { kind: 'timedOut' }
  | { kind: 'crashed'; message: string };

export type LoadOutcome = { ok: true; functions: RegisteredFunction[] } | { ok: false; error: SerializedError };

/**
 * One function host child process (dist/functionHost.js) for one build of a project and one set of app settings
 * (its environment). The runner replaces it when either changes, and after a crash or a timeout.
 */
export class HostClient {
  private child: ChildProcess | undefined;
  private pending = new Map<string, { resolve: (o: InvokeOutcome) => void }>();
  private loadWaiter: ((o: LoadOutcome) => void) | undefined;
  private exited = false;
  private stderrTail: string[] = [];

  constructor(
    private readonly hostFile: string,
    readonly key: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onLog: (level: LogLevel, message: string, invocationId?: string) => void,
  ) {}

  get alive(): boolean { return !!this.child && !this.exited; }

  async load(bundle: string): Promise<LoadOutcome> {
    const child = fork(this.hostFile, [], { env: this.env, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    this.child = child;
    const lines = (level: LogLevel) => (d: Buffer) => {
      for (const line of d.toString().split('\n').filter((l) => l.trim() !== '')) {
        if (level === 'error') this.stderrTail = [...this.stderrTail, line].slice(-10);
        this.onLog(level, line);
      }
    };
    child.stdout?.on('data', lines('information'));
    child.stderr?.on('data', lines('error'));
    child.on('message', (msg: FromHost) => this.onMessage(msg));
    child.on('exit', (code, signal) => {
      this.exited = true;
      const why = `the function host exited (${signal ?? `code ${code}`})${this.stderrTail.length ? `: ${this.stderrTail.join(' | ')}` : ''}`;
      this.loadWaiter?.({ ok: false, error: { name: 'Error', message: why } });
      this.loadWaiter = undefined;
      for (const [, p] of this.pending) p.resolve({ kind: 'crashed', message: why });
      this.pending.clear();
    });
    const outcome = new Promise<LoadOutcome>((resolve) => { this.loadWaiter = resolve; });
    this.post({ type: 'load', bundle });
    return outcome;
  }

  private post(msg: ToHost): void {
    if (this.alive) this.child!.send(msg);
  }

  private onMessage(msg: FromHost): void {
    switch (msg.type) {
      case 'loaded': this.loadWaiter?.({ ok: true, functions: msg.functions }); this.loadWaiter = undefined; break;
      case 'loadFailed': this.loadWaiter?.({ ok: false, error: msg.error }); this.loadWaiter = undefined; break;
      case 'log': this.onLog(msg.level, msg.message, msg.id); break;
      case 'done': this.settle(msg.id, { kind: 'done', result: msg.result }); break;
      case 'failed': this.settle(msg.id, { kind: 'failed', error: msg.error }); break;
      case 'crash': {
        const message = `the function crashed: ${msg.error.stack ?? `${msg.error.name}: ${msg.error.message}`}`;
        this.loadWaiter?.({ ok: false, error: { name: 'Error', message } });
        this.loadWaiter = undefined;
        for (const [id] of this.pending) this.settle(id, { kind: 'crashed', message });
        break;
      }
    }
  }

  private settle(id: string, outcome: InvokeOutcome): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.resolve(outcome);
  }

  /** Invokes a function; a run that outlives `timeoutMs` ends with the host killed (as the Functions host does). */
  async invoke(name: string, timer: TimerInfo, timeoutMs: number, id: string = crypto.randomUUID()): Promise<InvokeOutcome> {
    if (!this.alive) return { kind: 'crashed', message: 'the function host is not running' };
    const outcome = new Promise<InvokeOutcome>((resolve) => this.pending.set(id, { resolve }));
    this.post({ type: 'invoke', id, name, timer });
    let timer_: NodeJS.Timeout | undefined;
    const timeout = new Promise<InvokeOutcome>((resolve) => {
      timer_ = setTimeout(() => {
        this.pending.delete(id);
        resolve({ kind: 'timedOut' });
        this.kill();
      }, timeoutMs);
    });
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer_);
    }
  }

  kill(): void {
    if (this.alive) this.child!.kill('SIGKILL');
  }

  /** Ends the host and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }
}
