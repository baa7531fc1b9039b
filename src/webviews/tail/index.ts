// The live tail webview: a virtualized event list, a filter, a details pane. Every piece of event content is
// set through textContent (never innerHTML), so payloads like <script> or <img onerror> render as text.
// The host filters (it holds the bodies); this side compiles the filter only to highlight matches and to show
// syntax errors as the user types.
import { compileFilter, type CompiledFilter } from '../../core/tail/filter';
import type { HostToView, PartitionLine, TailDetails, TailRow, ViewToHost } from '../../protocol/tailProtocol';
import { statusLine } from './statusLine';

declare function acquireVsCodeApi(): { postMessage(message: ViewToHost): void; setState(state: unknown): void };
const vscode = acquireVsCodeApi();

const ROW_HEIGHT = 22;
const el = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = el<HTMLDivElement>('list');
const spacer = el<HTMLDivElement>('spacer');
const details = el<HTMLDivElement>('details');
const status = el<HTMLDivElement>('status');
const errorBox = el<HTMLDivElement>('error');
const filterInput = el<HTMLInputElement>('filter');
const pauseButton = el<HTMLButtonElement>('pause');

/** The rows the host says match the current filter, oldest first, at most the buffer size. */
let shown: TailRow[] = [];
let filter: CompiledFilter = compileFilter('');
let selected: string | undefined;
let paused = false;
let total = 0;
let dropped = 0;
let capacity = 10000;
let header = '';
let state = 'Connecting…';
let stateDetail: string | undefined;
let partitions: PartitionLine[] = [];
let follow = true;

let filterTimer: ReturnType<typeof setTimeout> | undefined;
let scheduled = false;

/** Coalesces redraws to one per frame, however many updates arrive. */
function scheduleRender(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; render(); });
}

function appendHighlighted(parent: HTMLElement, text: string, needle: string | undefined): void {
  if (!needle) { parent.append(text); return; }
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(n); i >= 0 && n; i = lower.indexOf(n, at)) {
    parent.append(text.slice(at, i));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(i, i + n.length);
    parent.append(mark);
    at = i + n.length;
  }
  parent.append(text.slice(at));
}

function rowElement(r: TailRow, needle: string | undefined): HTMLElement {
  const div = document.createElement('div');
  div.setAttribute('role', 'listitem');
  div.dataset.key = r.key;
  for (const [text, cls] of [[r.enqueuedTime.replace('T', ' ').replace('Z', ''), 'muted'], [`p${r.partitionId}`, ''], [`#${r.sequenceNumber}`, 'muted'], [r.partitionKey ? `key ${r.partitionKey}` : '', 'muted']] as const) {
    if (!text) continue;
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    div.append(s);
  }
  const body = document.createElement('span');
  body.className = 'body';
  appendHighlighted(body, r.preview, needle);
  div.append(body);
  return div;
}

/**
 * The rows on screen, each with the row it was drawn from. A drawing keeps the element of every row still in view:
 * an update (counters twice a second when idle, every frame on a busy hub) then makes only the rows it brought into
 * view, leaves the list alone when it brought none, and a row under the mouse stays one element from press to release.
 */
let drawn = new Map<string, { row: TailRow; el: HTMLElement }>();
let drawnNeedle: string | undefined;

function render(): void {
  spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
  if (follow) list.scrollTop = list.scrollHeight;
  const first = Math.max(0, Math.floor(list.scrollTop / ROW_HEIGHT) - 5);
  const last = Math.min(shown.length, first + Math.ceil(list.clientHeight / ROW_HEIGHT) + 10);
  const needle = filter.ok ? filter.highlight : undefined;
  if (needle !== drawnNeedle) {
    drawn = new Map();
    drawnNeedle = needle;
  }
  const next = new Map<string, { row: TailRow; el: HTMLElement }>();
  const nodes: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    const r = shown[i];
    const old = drawn.get(r.key);
    // The same key with another row object (a filter's answer, a hub recreated) is drawn anew from that row.
    const el = old?.row === r ? old.el : rowElement(r, needle);
    const cls = r.key === selected ? 'row sel' : 'row';
    if (el.className !== cls) el.className = cls;
    const top = `${i * ROW_HEIGHT}px`;
    if (el.style.top !== top) el.style.top = top;
    next.set(r.key, { row: r, el });
    nodes.push(el);
  }
  drawn = next;
  const current = spacer.children;
  if (nodes.length !== current.length || nodes.some((n, i) => n !== current[i])) spacer.replaceChildren(...nodes);
  const matches = filter.ok && filter.kind !== 'all' ? shown.length : undefined;
  status.textContent = statusLine({ header, state, detail: stateDetail, partitions, paused, total, dropped, capacity, matches });
}

function showDetails(d: TailDetails | undefined, key?: string): void {
  if (!d) {
    details.textContent = key ? 'This event is no longer in the buffer.' : 'Select an event to see its body and properties.';
    return;
  }
  const r = d.row;
  details.textContent = `partition ${r.partitionId} · sequence ${r.sequenceNumber} · offset ${r.offset}\nenqueued ${r.enqueuedTime}${r.partitionKey ? `\npartition key ${r.partitionKey}` : ''}\n\nbody (${r.bodyKind}):\n${d.detail}\n\nproperties:\n${JSON.stringify(d.properties, null, 2)}\n\nsystem properties:\n${JSON.stringify(d.systemProperties, null, 2)}`;
}

list.addEventListener('scroll', () => {
  follow = list.scrollTop + list.clientHeight >= list.scrollHeight - ROW_HEIGHT;
  render();
});
// Selected on the press, not on click: a row scrolled by a busy hub between press and release is under the mouse no
// more at the release, so the click would land on its neighbour or nowhere.
list.addEventListener('mousedown', (e) => {
  if (e.button !== 0) return;
  const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
  if (!row) return;
  selected = row.dataset.key;
  if (selected) vscode.postMessage({ type: 'details', key: selected });
  render();
});
filterInput.addEventListener('input', () => {
  filter = compileFilter(filterInput.value);
  errorBox.textContent = filter.ok ? '' : filter.error;
  // Typing fast should cost the host one re-filter, not one per key.
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => vscode.postMessage({ type: 'filter', filter: filterInput.value }), 120);
});
pauseButton.addEventListener('click', () => {
  paused = !paused;
  pauseButton.textContent = paused ? 'Resume' : 'Pause';
  vscode.postMessage({ type: paused ? 'pause' : 'resume' });
  render();
});
el<HTMLButtonElement>('clear').addEventListener('click', () => vscode.postMessage({ type: 'clear' }));
el<HTMLButtonElement>('save').addEventListener('click', () => {
  vscode.postMessage({ type: 'save', filtered: filter.ok && filter.kind !== 'all' });
});
el<HTMLButtonElement>('copy').addEventListener('click', () => {
  if (selected) vscode.postMessage({ type: 'copy', key: selected });
});

window.addEventListener('message', (ev: MessageEvent<HostToView>) => {
  const m = ev.data;
  switch (m.type) {
    case 'init':
      header = `${m.title} · ${m.consumerGroup} · from ${m.start}`;
      capacity = m.bufferSize;
      vscode.setState(m.restore);
      break;
    case 'update': {
      // Acknowledged once taken in (drawing follows on the next frame): the host keeps one update in flight, so
      // messages never queue up here, and a hidden panel, whose frames are throttled, still keeps its counts.
      vscode.postMessage({ type: 'ack' });
      for (const r of m.rows) shown.push(r);
      if (shown.length > capacity) shown = shown.slice(shown.length - capacity);
      total = m.total;
      dropped = m.dropped;
      state = m.state;
      stateDetail = m.detail;
      partitions = m.partitions;
      break;
    }
    case 'filtered':
      // An answer to an older filter is dropped; the newer one is on its way.
      if (m.filter !== filterInput.value) return;
      shown = m.rows;
      if (m.error) errorBox.textContent = m.error;
      break;
    case 'details':
      if (m.key === selected) showDetails(m.details, m.key);
      return;
    case 'cleared':
      shown = [];
      selected = undefined;
      showDetails(undefined);
      break;
  }
  scheduleRender();
});

vscode.postMessage({ type: 'ready' });
