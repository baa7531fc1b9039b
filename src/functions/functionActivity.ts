import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import type { PipelineModel } from '../model/pipelineModel';
import type { FunctionList, FunctionLogLine } from '../protocol/controlApi';

export const CHANNEL_NAME = 'Eventline: Ingest Function';
const POLL_MS = 2000;
/** After a run started here ends, keep polling this long for its last lines. */
const AFTER_RUN_MS = 5000;
/** After the channel was shown from a message, count it as in use this long. */
const SHOWN_MS = 10 * 60_000;
const MAX_LINES = 2000;

/**
 * Follows the local function runner while someone looks: its log lines go to the "Eventline: Ingest Function"
 * channel, and a new run, state or problem refreshes the tree. It polls (`/api/functions`, then
 * `/logs?after=<seq>` per function) only while the local pipeline runs and the Pipeline view or the channel is
 * visible, or a run started from Eventline is going; each poll can be aborted and nothing polls after dispose.
 */
export class FunctionActivity extends Disposable {
  readonly channel = this.register(vscode.window.createOutputChannel(CHANNEL_NAME));
  /** The last lines written to the channel (what tests and "Show Log" callers can read back). */
  readonly lines: string[] = [];
  private readonly seqs = new Map<string, number>();
  private pipeline: string | undefined;
  private signature: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: AbortController | undefined;
  private runs = 0;
  private busyUntil = 0;
  private stopped = false;

  constructor(private readonly model: PipelineModel, local: LocalPipelineSupervisor, private readonly view: vscode.TreeView<unknown>, private readonly log: vscode.LogOutputChannel) {
    super();
    const wake = () => this.schedule(0);
    this.register(view.onDidChangeVisibility(wake));
    this.register(vscode.window.onDidChangeVisibleTextEditors(wake));
    this.register(local.onDidChange(wake));
    this.register({ dispose: () => this.stop() });
    this.schedule(0);
  }

  /** The channel is on screen (an output channel's editor is visible while the Output panel shows it). */
  private channelVisible(): boolean {
    return vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'output' && decodeURIComponent(e.document.uri.toString()).includes(CHANNEL_NAME));
  }

  private active(): boolean {
    if (this.stopped || this.model.snapshot()?.profile.kind !== 'local' || !this.model.host.localReady()) return false;
    if (this.model.functions.defs().length === 0) return false;
    return this.view.visible || this.channelVisible() || this.runs > 0 || Date.now() < this.busyUntil;
  }

  append(line: string): void {
    this.channel.appendLine(line);
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
  }

  /** Shows the channel and keeps it fed for a while. */
  show(): void {
    this.busyUntil = Math.max(this.busyUntil, Date.now() + SHOWN_MS);
    this.channel.show(true);
    this.schedule(0);
  }

  /** Polls while a run started from Eventline goes on, and a little after it. */
  beginRun(): vscode.Disposable {
    this.runs++;
    this.schedule(0);
    return { dispose: () => { this.runs--; this.busyUntil = Math.max(this.busyUntil, Date.now() + AFTER_RUN_MS); } };
  }

  private schedule(delay: number): void {
    if (this.timer || this.polling || !this.active()) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.tick(); }, delay);
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.polling?.abort();
  }

  private async tick(): Promise<void> {
    const controller = new AbortController();
    this.polling = controller;
    try {
      await this.poll(controller.signal);
    } catch (e) {
      // The pipeline stopping or restarting mid-poll is normal; the next poll (if any) starts over.
      if (!controller.signal.aborted) this.log.debug(`Function activity poll: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.polling = undefined;
    }
    this.schedule(POLL_MS);
  }

  private async poll(signal: AbortSignal): Promise<void> {
    const ready = this.model.host.localReady();
    if (!ready) return;
    if (this.pipeline !== ready.control) {
      // Another pipeline (a restart): its sequence numbers start over.
      this.pipeline = ready.control;
      this.seqs.clear();
    }
    const list = await this.model.functions.poll(signal);
    if (!list) return;
    const signature = signatureOf(list);
    if (this.signature !== undefined && signature !== this.signature) this.model.functions.notifyChanged();
    this.signature = signature;
    for (const fn of list.functions) {
      let after = this.seqs.get(fn.name) ?? 0;
      let page = await this.model.functions.logs(fn.name, after, signal);
      if (page && page.lastSeq < after) {
        after = 0;
        page = await this.model.functions.logs(fn.name, 0, signal);
      }
      if (!page) return;
      for (const line of page.lines) this.append(formatLine(fn.name, line));
      this.seqs.set(fn.name, Math.max(after, page.lastSeq));
    }
  }
}

/** What a view shows of the runner's state: a change in it means the tree is stale. */
function signatureOf(list: FunctionList): string {
  return JSON.stringify([list.problem?.message, list.functions.map((f) => [f.name, f.state, f.lastRun?.runId, f.problem?.message, f.enabled])]);
}

export function formatLine(name: string, line: FunctionLogLine): string {
  const level = line.level === 'information' ? 'info' : line.level;
  return `${line.time} [${level}] ${name}${line.runId ? ` ${line.runId.slice(0, 8)}` : ''}: ${line.message}`;
}
