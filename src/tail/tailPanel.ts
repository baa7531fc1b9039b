import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { HostToView, TailRow, ViewToHost } from '../shared/tailProtocol';
import { RingBuffer } from '../core/tail/ringBuffer';
import { eventHubConsumerClient, type EventHubTarget } from '../azure/clients';
import { Disposable } from '../common/disposable';
import { TailSession, type StartPosition, type TailEvent } from './tailSession';

/** At most this often the host posts events to the webview (~10 posts/s), whatever the event rate. */
const FLUSH_MS = 100;

export interface TailTarget {
  title: string;
  target: EventHubTarget;
  consumerGroup: string;
  start: StartPosition;
  startLabel: string;
  partitions?: string[];
}

function toRow(e: TailEvent): TailRow {
  const b = e.body;
  return {
    key: `${e.partitionId}:${e.sequenceNumber}`,
    partitionId: e.partitionId,
    sequenceNumber: e.sequenceNumber,
    offset: e.offset,
    enqueuedTime: e.enqueuedTime.toISOString(),
    partitionKey: e.partitionKey,
    preview: b.preview,
    bodyKind: b.kind,
    detail: b.kind === 'json' ? b.pretty : b.kind === 'text' ? b.text : `hex:\n${b.hex}\n\nbase64:\n${b.base64}`,
    json: b.kind === 'json' ? b.value : undefined,
    properties: e.properties,
    systemProperties: e.systemProperties,
  };
}

/** One live tail panel: a TailSession feeding a ring buffer, flushed to the webview in batches. */
export class TailPanel extends Disposable {
  readonly buffer: RingBuffer<TailRow>;
  private pending: TailRow[] = [];
  private ready = false;
  private readonly session: TailSession;
  private state = 'connecting';
  private stateDetail: string | undefined;

  constructor(readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, readonly spec: TailTarget, bufferSize: number, log: vscode.LogOutputChannel) {
    super();
    this.buffer = new RingBuffer<TailRow>(bufferSize);
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')] };
    panel.webview.html = this.html(panel.webview);
    this.register(panel.webview.onDidReceiveMessage((m: ViewToHost) => { void this.onMessage(m); }));
    this.register(panel.onDidDispose(() => this.dispose()));
    this.session = new TailSession({
      client: () => eventHubConsumerClient(spec.target, spec.consumerGroup),
      start: spec.start,
      partitions: spec.partitions,
      onEvents: (events) => {
        for (const e of events) {
          const row = toRow(e);
          this.buffer.push(row);
          this.pending.push(row);
        }
      },
      onState: (state, detail) => { this.state = state; this.stateDetail = detail; },
    });
    const timer = setInterval(() => this.flush(), FLUSH_MS);
    this.register({ dispose: () => clearInterval(timer) });
    this.register({ dispose: () => { void this.session.stop(); } });
    this.session.start().catch((e: unknown) => {
      this.state = 'stopped';
      this.stateDetail = e instanceof Error ? e.message : String(e);
      log.error(`Tail of ${spec.title} failed: ${this.stateDetail}`);
    });
  }

  /** Events received by the host so far (exact, whatever the buffer dropped). */
  get received(): number { return this.buffer.total; }

  private post(message: HostToView): void {
    void this.panel.webview.postMessage(message);
  }

  private ticks = 0;

  private flush(): void {
    if (!this.ready) return;
    // Rows go out as soon as there are any; counters alone twice a second.
    if (this.pending.length === 0 && ++this.ticks % 5 !== 0) return;
    // Only what the buffer still holds is worth drawing; counts stay exact.
    const rows = this.pending.length > this.buffer.capacity ? this.pending.slice(-this.buffer.capacity) : this.pending;
    this.pending = [];
    const now = Date.now();
    this.post({
      type: 'update', rows, total: this.buffer.total, dropped: this.buffer.dropped, state: this.state, detail: this.stateDetail,
      partitions: [...this.session.stats].map(([partitionId, s]) => ({ partitionId, received: s.received, rate: s.rate(now), lag: s.lag })),
    });
  }

  private async onMessage(m: ViewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'init', title: this.spec.title, consumerGroup: this.spec.consumerGroup, start: this.spec.startLabel, bufferSize: this.buffer.capacity, restore: { hub: this.spec.title, consumerGroup: this.spec.consumerGroup, partitions: this.spec.partitions } });
        this.pending = this.buffer.toArray();
        this.flush();
        break;
      case 'pause': await this.session.pause(); break;
      case 'resume': await this.session.resume(); break;
      case 'clear':
        this.buffer.clear();
        this.pending = [];
        this.post({ type: 'cleared' });
        break;
      case 'copy': await vscode.env.clipboard.writeText(m.text); break;
      case 'save': await this.save(m.shownKeys); break;
    }
  }

  /** Writes the shown (or all buffered) events as NDJSON envelopes that "Replay Events from File" reads back. */
  async save(shownKeys?: string[], target?: vscode.Uri): Promise<number> {
    const keys = shownKeys ? new Set(shownKeys) : undefined;
    const rows = this.buffer.toArray().filter((r) => !keys || keys.has(r.key));
    const uri = target ?? await vscode.window.showSaveDialog({ title: `Save ${rows.length} events`, filters: { 'NDJSON events': ['ndjson'] }, defaultUri: vscode.Uri.file(`${this.spec.title}-events.ndjson`) });
    if (!uri) return 0;
    const lines = rows.map((r) => JSON.stringify({
      body: r.bodyKind === 'json' ? r.json : r.detail, properties: r.properties, partitionKey: r.partitionKey,
      partition: r.partitionId, sequenceNumber: r.sequenceNumber, offset: r.offset, enqueuedTime: r.enqueuedTime, systemProperties: r.systemProperties,
    }));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(lines.length ? `${lines.join('\n')}\n` : ''));
    return rows.length;
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews', 'tail.js'));
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource} 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, `img-src ${webview.cspSource} data:`, `font-src ${webview.cspSource}`].join('; ');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Tail</title>
<style nonce="${nonce}">
body{padding:0;margin:0;font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);background:var(--vscode-editor-background)}
#bar{display:flex;gap:6px;align-items:center;padding:6px;border-bottom:1px solid var(--vscode-panel-border)}
#bar input{flex:1;background:var(--vscode-input-background);color:var(--vscode-input-foreground);border:1px solid var(--vscode-input-border,transparent);padding:3px 6px}
button{background:var(--vscode-button-secondaryBackground);color:var(--vscode-button-secondaryForeground);border:none;padding:3px 10px;cursor:pointer}
#status{padding:3px 6px;font-size:90%;opacity:.85;border-bottom:1px solid var(--vscode-panel-border);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#error{color:var(--vscode-errorForeground);padding:0 6px}
#main{display:flex;height:calc(100vh - 70px)}
#list{flex:1;overflow-y:auto;position:relative;font-family:var(--vscode-editor-font-family);font-size:var(--vscode-editor-font-size)}
#spacer{position:relative}
.row{position:absolute;left:0;right:0;height:22px;line-height:22px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding:0 6px;cursor:pointer}
.row:hover{background:var(--vscode-list-hoverBackground)}
.row.sel{background:var(--vscode-list-activeSelectionBackground);color:var(--vscode-list-activeSelectionForeground)}
.row span{margin-right:10px}.muted{opacity:.7}
mark{background:var(--vscode-editor-findMatchHighlightBackground);color:inherit}
#details{width:40%;border-left:1px solid var(--vscode-panel-border);overflow:auto;padding:6px;white-space:pre-wrap;font-family:var(--vscode-editor-font-family)}
</style></head>
<body>
<div id="bar"><input id="filter" placeholder="Filter: text, or $.temperature > 30" aria-label="Filter events"><button id="pause">Pause</button><button id="clear">Clear</button><button id="copy">Copy event</button><button id="save">Save…</button></div>
<div id="error" role="alert"></div>
<div id="status" role="status" aria-live="polite">Connecting…</div>
<div id="main"><div id="list" role="list" tabindex="0"><div id="spacer"></div></div><div id="details" aria-label="Event details">Select an event to see its body and properties.</div></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body></html>`;
  }
}
