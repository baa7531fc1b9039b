// Starts the real local-pipeline CLI (dist/local.js) as a child process, the way users and the extension do.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

export interface ReadyLine {
  ready: true;
  eventHubs: { connectionString: string; amqpsPort?: number; caCertificate?: string; [k: string]: unknown };
  eventhouse: { uri: string; database: string; [k: string]: unknown };
  control: string;
  [k: string]: unknown;
}

export interface LocalPipeline {
  readonly ready: ReadyLine;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** stderr so far, for error messages in failing tests. */
  readonly logs: () => string;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as in a crash. */
  kill(): Promise<void>;
}

export const CLI = path.resolve(__dirname, '../../dist/local.js');

// Every folder tempDataDir makes is removed when the process exits: a full `npm test` left about 70 of them (96 MB)
// in the temp folder, run after run. EVENTLINE_KEEP_TEMP=1 keeps them, to look at after a failure.
const made = new Set<string>();

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    // A child that outlived its test may still be writing there; the folder stays, the run's result does not change.
    process.stderr.write(`could not remove ${dir}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

function removeMade(): void {
  for (const dir of made) removeDir(dir);
}

export function tempDataDir(prefix = 'eventline-local-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (!process.env.EVENTLINE_KEEP_TEMP) {
    if (!made.size) process.once('exit', removeMade);
    made.add(dir);
  }
  return dir;
}

/**
 * Removes a folder tempDataDir made, now (unless EVENTLINE_KEEP_TEMP is set): for tests in the VS Code extension host,
 * which is stopped without the exit event that removes the rest.
 */
export function removeTempDataDir(dir: string): void {
  if (made.delete(dir)) removeDir(dir);
}

/** Starts `eventline-local start --json` on free ports (or the ones given in extraArgs). */
export async function startLocalPipeline(opts: { dataDir?: string; args?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<LocalPipeline> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "node esbuild.js" first.`);
  const dataDir = opts.dataDir ?? tempDataDir();
  const args = opts.args ?? [];
  const ports = ['--amqp-port', '--amqps-port', '--control-port', '--kusto-port', '--vault-port', '--api-port'].flatMap((f) => (args.includes(f) ? [] : [f, '0']));
  const child = spawn(process.execPath, [CLI, 'start', '--json', '--data', dataDir, ...ports, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`local pipeline not ready after ${opts.timeoutMs ?? 60000} ms:\n${stderr}`)); }, opts.timeoutMs ?? 60000);
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try { resolve(JSON.parse(line) as ReadyLine); } catch { reject(new Error(`ready line is not JSON: ${line}\n${stderr}`)); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`local pipeline exited with ${code} before ready:\n${stderr}`)); });
  });
  return {
    ready,
    dataDir,
    process: child,
    logs: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
