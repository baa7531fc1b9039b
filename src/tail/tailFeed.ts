// What the tail panel's host does per event, without vscode: turn events into rows, keep them in the ring
// buffer, and post them to the view in batches. The panel (tailPanel.ts) and the benchmark share it, so the
// benchmark measures the code users run.
import type { HostToView, TailDetails, TailRow, TailState } from '../protocol/tailProtocol';
import { bodyDetail, type DecodedBody } from '../core/tail/body';
import { compileFilter, type CompiledFilter } from '../core/tail/filter';
import { RingBuffer } from '../core/tail/ringBuffer';
import type { PartitionStats } from '../core/tail/stats';
import type { TailEvent } from './tailSession';

/** At most this often the host posts events to the webview (~10 posts/s), whatever the event rate. */
export const FLUSH_MS = 100;
/** An update the view has not acknowledged within this time is taken as lost (a reloaded or hidden view). */
const ACK_TIMEOUT_MS = 5000;
/**
 * Rows per update at most (~400 KB of rows). A view that fell behind got everything pending in one update, up to
 * the whole buffer: taking in 10,000 rows at once was one long task (structured clone and the GC after it) that
 * froze the panel; a backlog now goes as several updates, the next one as soon as the view acknowledges.
 */
export const MAX_ROWS_PER_UPDATE = 2000;

/** What the host keeps per event: the list row plus everything the details pane, the filter and Save need. */
export interface TailRecord {
  row: TailRow;
  body: DecodedBody;
  /** The JSON body for path filters and for saving; absent for text and binary bodies. */
  json?: unknown;
  properties: Record<string, unknown>;
  systemProperties: Record<string, unknown>;
}

export function toRecord(e: TailEvent): TailRecord {
  const b = e.body;
  return {
    row: {
      key: `${e.partitionId}:${e.sequenceNumber}`,
      partitionId: e.partitionId,
      sequenceNumber: e.sequenceNumber,
      offset: e.offset,
      enqueuedTime: e.enqueuedTime.toISOString(),
      partitionKey: e.partitionKey,
      preview: b.preview,
      bodyKind: b.kind,
    },
    body: b,
    json: b.kind === 'json' ? b.value : undefined,
    properties: e.properties,
    systemProperties: e.systemProperties,
  };
}

/** The text a plain (non-path) filter searches: what the row shows plus the application properties. */
function searchable(r: TailRecord): { json: unknown; text: string } {
  const props = Object.keys(r.properties).length ? ` ${JSON.stringify(r.properties)}` : '';
  return { json: r.json, text: `${r.row.preview} ${r.row.partitionKey ?? ''}${props}` };
}

export interface TailFeedOptions {
  bufferSize: number;
  post(message: HostToView): void;
  stats(): Iterable<[string, PartitionStats]>;
  state(): { state: TailState; detail?: string };
}

const SHOW_ALL = compileFilter('') as Extract<CompiledFilter, { ok: true }>;

export class TailFeed {
  readonly buffer: RingBuffer<TailRecord>;
  private pending: TailRow[] = [];
  private ready = false;
  private ticks = 0;
  /** When the update the view has not acknowledged yet was posted: one in flight at a time, so a slow view
   * makes batches larger (and older rows drop from view) instead of queuing messages without bound. */
  private inFlightSince: number | undefined;
  /** Always a compiled one: a filter that does not compile shows everything, as an empty one does. */
  private filter: Extract<CompiledFilter, { ok: true }> = SHOW_ALL;

  constructor(private readonly opts: TailFeedOptions) {
    this.buffer = new RingBuffer<TailRecord>(opts.bufferSize);
  }

  private matches(r: TailRecord): boolean {
    return this.filter.kind === 'all' || this.filter.test(searchable(r));
  }

  push(events: readonly TailEvent[]): void {
    for (const e of events) {
      const r = toRecord(e);
      this.buffer.push(r);
      if (this.matches(r)) this.pending.push(r.row);
    }
    // Between flushes only what the buffer can still hold is worth keeping for the view; counts stay exact.
    if (this.pending.length > 2 * this.buffer.capacity) this.pending = this.pending.slice(-this.buffer.capacity);
  }

  /** The view (re)announced itself: it gets every buffered row that matches its filter. */
  viewReady(): void {
    this.ready = true;
    this.inFlightSince = undefined;
    // A new view starts with an empty filter box.
    this.filter = SHOW_ALL;
    this.pending = this.matching().map((r) => r.row);
    this.flush();
  }

  /** A new filter from the view: answers with all buffered rows that match; later updates carry only matches. */
  setFilter(text: string): void {
    const compiled = compileFilter(text);
    this.filter = compiled.ok ? compiled : SHOW_ALL;
    this.pending = [];
    this.opts.post({ type: 'filtered', filter: text, rows: this.matching().map((r) => r.row), error: compiled.ok ? undefined : compiled.error });
  }

  /** Buffered records the current filter shows, oldest first. */
  matching(): TailRecord[] {
    return this.buffer.toArray().filter((r) => this.matches(r));
  }

  find(key: string): TailRecord | undefined {
    for (let i = this.buffer.size - 1; i >= 0; i--) {
      const r = this.buffer.at(i);
      if (r?.row.key === key) return r;
    }
    return undefined;
  }

  details(key: string): TailDetails | undefined {
    const r = this.find(key);
    return r && { row: r.row, detail: bodyDetail(r.body), properties: r.properties, systemProperties: r.systemProperties };
  }

  clear(): void {
    this.buffer.clear();
    this.pending = [];
  }

  /** The view has taken in the last update. */
  ack(): void {
    this.inFlightSince = undefined;
    // Catching up: a full update is waiting, so it goes now rather than at the next tick.
    if (this.pending.length >= MAX_ROWS_PER_UPDATE) this.flush();
  }

  /** Called every FLUSH_MS. */
  flush(): void {
    if (!this.ready) return;
    const now = Date.now();
    if (this.inFlightSince !== undefined && now - this.inFlightSince < ACK_TIMEOUT_MS) return;
    // Rows go out as soon as there are any; counters alone twice a second.
    if (this.pending.length === 0 && ++this.ticks % 5 !== 0) return;
    // Of a backlog, only what the buffer can hold is drawn (oldest first), at most MAX_ROWS_PER_UPDATE at a time.
    const backlog = this.pending.length > this.buffer.capacity ? this.pending.slice(-this.buffer.capacity) : this.pending;
    const rows = backlog.length > MAX_ROWS_PER_UPDATE ? backlog.slice(0, MAX_ROWS_PER_UPDATE) : backlog;
    this.pending = rows === backlog ? [] : backlog.slice(MAX_ROWS_PER_UPDATE);
    this.inFlightSince = now;
    const { state, detail } = this.opts.state();
    this.opts.post({
      type: 'update', rows, total: this.buffer.total, dropped: this.buffer.dropped, state, detail,
      partitions: [...this.opts.stats()].map(([partitionId, s]) => ({ partitionId, received: s.received, rate: s.rate(now), lag: s.lag })),
    });
  }
}

/** The panel's page. Every piece of event content reaches it later through textContent, never through this HTML. */
export function tailHtml(o: { nonce: string; cspSource: string; scriptUri: string }): string {
  const nonce = o.nonce;
  const csp = [`default-src 'none'`, `style-src ${o.cspSource} 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, `img-src ${o.cspSource} data:`, `font-src ${o.cspSource}`].join('; ');
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
<script nonce="${nonce}" src="${o.scriptUri}"></script>
</body></html>`;
}
