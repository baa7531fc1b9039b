import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { HostToView, TailState, ViewToHost } from '../protocol/tailProtocol';
import type { RingBuffer } from '../core/tail/ringBuffer';
import { eventHubConsumerClient, type EventHubTarget } from '../azure/clients';
import { Disposable } from '../common/disposable';
import { prompts } from '../common/prompt';
import { bodyDetail } from '../core/tail/body';
import { isUserCancelled } from '../core/errors';
import { FLUSH_MS, TailFeed, tailHtml, type TailRecord } from './tailFeed';
import { TailSession, type StartPosition } from './tailSession';

export interface TailTarget {
  title: string;
  target: EventHubTarget;
  consumerGroup: string;
  start: StartPosition;
  startLabel: string;
  partitions?: string[];
  /** For a hub of the local pipeline: its address now, read at each reconnect (a restart can move it). */
  current?: () => EventHubTarget;
}

/** One live tail panel: a TailSession feeding a ring buffer, flushed to the webview in batches. */
export class TailPanel extends Disposable {
  private readonly feed: TailFeed;
  private readonly session: TailSession;
  private state: TailState = 'connecting';
  private stateDetail: string | undefined;
  /** Why reconnectIfLocal last asked this tail to reconnect (the integration suite checks it was the restart). */
  reconnectedFor: string | undefined;

  constructor(readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, readonly spec: TailTarget, bufferSize: number, log: vscode.LogOutputChannel) {
    super();
    this.feed = new TailFeed({
      bufferSize,
      post: (m) => this.post(m),
      stats: () => this.session.stats,
      state: () => ({ state: this.state, detail: this.stateDetail }),
    });
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')] };
    panel.webview.html = this.html(panel.webview);
    this.register(panel.webview.onDidReceiveMessage((m: ViewToHost) => {
      // A pause that cannot read the partitions' positions, a save that cannot write: say so, don't drop it.
      this.onMessage(m).catch((e: unknown) => {
        const message = `Tail of ${spec.title}: ${m.type} failed: ${e instanceof Error ? e.message : String(e)}`;
        log.error(message);
        void vscode.window.showErrorMessage(message);
      });
    }));
    this.register(panel.onDidDispose(() => this.dispose()));
    this.session = new TailSession({
      // A tail is watched by a person: retry briefly and often (the SDK's default waits 30 s between tries), and
      // let TailSession start over from the last event once the SDK gives up.
      client: () => eventHubConsumerClient(spec.current?.() ?? spec.target, spec.consumerGroup, { retryOptions: { maxRetries: 4, retryDelayInMs: 300, maxRetryDelayInMs: 3000 } }),
      start: spec.start,
      partitions: spec.partitions,
      onEvents: (events) => this.feed.push(events),
      onState: (state, detail) => { this.state = state; this.stateDetail = detail; },
    });
    const timer = setInterval(() => this.feed.flush(), FLUSH_MS);
    this.register({ dispose: () => clearInterval(timer) });
    this.register({ dispose: () => { void this.session.stop(); } });
    this.session.start().catch((e: unknown) => {
      this.state = 'stopped';
      this.stateDetail = e instanceof Error ? e.message : String(e);
      log.error(`Tail of ${spec.title} failed: ${this.stateDetail}`);
    });
  }

  /** The rows the panel holds (newest last). */
  get buffer(): RingBuffer<TailRecord> { return this.feed.buffer; }

  /** Events received by the host so far (exact, whatever the buffer dropped). */
  get received(): number { return this.buffer.total; }

  private post(message: HostToView): void {
    void this.panel.webview.postMessage(message);
  }

  /** Stops reading; resume() continues after the last event received, so nothing sent meanwhile is missed. */
  pause(): Promise<void> { return this.session.pause(); }
  resume(): Promise<void> { return this.session.resume(); }
  get sessionState(): TailState { return this.state; }

  /** Reconnects at once when this tail reads a hub of the local pipeline (which has just restarted). */
  reconnectIfLocal(reason: string): void {
    if (!this.spec.current) return;
    this.reconnectedFor = reason;
    this.session.reconnectNow(reason);
  }

  private async onMessage(m: ViewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'init', title: this.spec.title, consumerGroup: this.spec.consumerGroup, start: this.spec.startLabel, bufferSize: this.buffer.capacity, restore: { hub: this.spec.title, consumerGroup: this.spec.consumerGroup, partitions: this.spec.partitions } });
        this.feed.viewReady();
        break;
      case 'pause': await this.pause(); break;
      case 'resume': await this.resume(); break;
      case 'clear':
        this.feed.clear();
        this.post({ type: 'cleared' });
        break;
      case 'ack': this.feed.ack(); break;
      case 'filter': this.feed.setFilter(m.filter); break;
      case 'details': this.post({ type: 'details', key: m.key, details: this.feed.details(m.key) }); break;
      case 'copy': {
        const d = this.feed.details(m.key);
        if (d) await vscode.env.clipboard.writeText(JSON.stringify({ ...d.row, body: d.detail, properties: d.properties, systemProperties: d.systemProperties }, null, 2));
        break;
      }
      case 'save': await this.save(m.filtered); break;
    }
  }

  /** Writes the shown (or all buffered) events as NDJSON envelopes that "Replay Events from File" reads back. */
  async save(filtered: boolean, target?: vscode.Uri): Promise<number> {
    const rows = filtered ? this.feed.matching() : this.buffer.toArray();
    let uri = target;
    try {
      uri ??= await prompts.saveFile({ title: `Save ${rows.length} events`, filters: { 'NDJSON events': ['ndjson'] }, defaultUri: vscode.Uri.file(`${this.spec.title}-events.ndjson`) });
    } catch (e) {
      if (isUserCancelled(e)) return 0;
      throw e;
    }
    const lines = rows.map(({ row, body, json, properties, systemProperties }) => JSON.stringify({
      body: row.bodyKind === 'json' ? json : bodyDetail(body), properties, partitionKey: row.partitionKey,
      partition: row.partitionId, sequenceNumber: row.sequenceNumber, offset: row.offset, enqueuedTime: row.enqueuedTime, systemProperties,
    }));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(lines.length ? `${lines.join('\n')}\n` : ''));
    return rows.length;
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews', 'tail.js'));
    return tailHtml({ nonce, cspSource: webview.cspSource, scriptUri: script.toString() });
  }
}
