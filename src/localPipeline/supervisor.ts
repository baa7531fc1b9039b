import * as vscode from 'vscode';
import { spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import { Disposable } from '../common/disposable';
import { parseReady, portsOf, type PortFlag } from '../core/localReady';
import type { LocalReady } from '../protocol/localReady';

/**
 * Supervises the `eventline-local` process the local profile talks to: one started by Eventline as a child
 * process (never inside the extension host: DuckDB and the Kusto parser are heavy, and a crash there must not
 * take the editor down), or one already running that Eventline attaches to (`npm start` passes its ready line in
 * EVENTLINE_LOCAL_READY).
 */
export class LocalPipelineSupervisor extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private ready: LocalReady | undefined;
  private child: ChildProcess | undefined;
  private starting: Promise<LocalReady> | undefined;
  /** Ports of the last pipeline Eventline ran: a restart reuses them so open tails and clients reconnect. */
  private lastPorts: Partial<Record<PortFlag, number>> | undefined;

  /** `manifestPath` gives the workspace's eventline.json (the pipeline's --config) when there is one. */
  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel, private readonly manifestPath: () => string | undefined = () => undefined) {
    super();
    const fromEnv = process.env.EVENTLINE_LOCAL_READY;
    if (fromEnv) {
      try { this.ready = parseReady(fromEnv); } catch (e) { log.warn(`EVENTLINE_LOCAL_READY ignored: ${String(e)}`); }
    }
    this.register({ dispose: () => { void this.stopChild(); } });
  }

  private heldByUser = false;

  get current(): LocalReady | undefined { return this.ready; }

  get startedByEventline(): boolean { return this.child !== undefined; }

  attach(ready: LocalReady): void {
    this.ready = ready;
    this.changed.fire();
  }

  /**
   * The running pipeline; when none runs, starts one if the user allows it (`eventline.local.autoStart`), else
   * says how to start it. Every feature that needs the local pipeline goes through here.
   */
  ensureRunning(): Promise<LocalReady> {
    if (this.ready) return Promise.resolve(this.ready);
    // Stopped on purpose: a tree refresh or a query must not start it again behind the user's back.
    if (this.heldByUser) return Promise.reject(new Error('The local pipeline is not running: it was stopped with "Eventline: Stop Local Pipeline". Run "Eventline: Start Local Pipeline" to start it again.'));
    if (vscode.workspace.getConfiguration('eventline.local').get<boolean>('autoStart') === false) {
      return Promise.reject(new Error('The local pipeline is not running. Run "Eventline: Start Local Pipeline".'));
    }
    return this.start();
  }

  /** Starts `eventline-local` with the workspace's manifest as its config, on free ports (or the last run's). */
  start(configPath: string | undefined = this.manifestPath()): Promise<LocalReady> {
    this.heldByUser = false;
    if (this.ready) return Promise.resolve(this.ready);
    this.starting ??= (async () => {
      const ports = this.lastPorts;
      if (!ports) return this.spawnPipeline(configPath, {});
      try {
        return await this.spawnPipeline(configPath, ports);
      } catch (e) {
        // Most likely another program took one of the ports meanwhile.
        this.log.warn(`The local pipeline did not start on its previous ports (${e instanceof Error ? e.message : String(e)}); trying free ports.`);
        return this.spawnPipeline(configPath, {});
      }
    })().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  /**
   * Stops the pipeline Eventline started and waits until it has exited, so its ports are free again. `byUser`
   * (the Stop command): nothing starts it again by itself until an explicit start.
   */
  async stop(opts: { byUser?: boolean } = {}): Promise<void> {
    if (opts.byUser) this.heldByUser = true;
    const exited = this.stopChild();
    this.ready = undefined;
    this.changed.fire();
    await exited;
  }

  private stopChild(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    // It flushes its data on SIGTERM; one that hangs must still not keep its ports.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    return exited.finally(() => clearTimeout(timer));
  }

  private spawnPipeline(configPath: string | undefined, ports: Partial<Record<PortFlag, number>>): Promise<LocalReady> {
    const cli = vscode.workspace.getConfiguration('eventline.local').get<string>('cliPath') || this.context.asAbsolutePath('dist/local.js');
    const dataDir = vscode.Uri.joinPath(this.context.globalStorageUri, 'local-pipeline').fsPath;
    // Free ports (0) for what Eventline finds through the ready line; the sample API keeps its documented port
    // (the starter manifest's source names it) unless the last run had to take another.
    const wanted: Partial<Record<PortFlag, number>> = { '--amqp-port': 0, '--amqps-port': 0, '--control-port': 0, '--kusto-port': 0, '--vault-port': 0, ...ports };
    const args = [cli, 'start', '--json', '--data', dataDir, ...Object.entries(wanted).flatMap(([f, p]) => [f, String(p)])];
    // In VS Code the workspace's kql/ schema reaches a database through "Deploy Eventhouse Schema", a plan the user
    // reviews; the pipeline applies it by itself only when started outside VS Code (npm start, the CLI).
    if (configPath) args.push('--config', configPath, '--no-schema');
    this.log.info(`Starting the local pipeline: ${args.join(' ')}`);
    // In desktop VS Code execPath is Electron; ELECTRON_RUN_AS_NODE makes it a plain Node.
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr = (stderr + s).slice(-4000);
      for (const line of s.split('\n')) if (line.trim()) this.log.info(`[local] ${line}`);
    });
    return new Promise<LocalReady>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.once('line', (line) => {
        try {
          this.ready = parseReady(line);
          this.lastPorts = portsOf(this.ready);
          this.changed.fire();
          resolve(this.ready);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      child.once('exit', (code) => {
        const wasReady = this.ready !== undefined && this.child === child;
        if (this.child === child) this.child = undefined;
        if (wasReady) {
          this.log.warn(`The local pipeline exited (${code}).`);
          this.ready = undefined;
          this.changed.fire();
        }
        reject(new Error(`The local pipeline exited (${code}) before it was ready: ${stderr.trim().split('\n').slice(-3).join(' ') || 'no output'}`));
      });
      child.once('error', (e) => reject(new Error(`Could not start the local pipeline (${cli}): ${e.message}`)));
    });
  }
}
