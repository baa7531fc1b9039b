// The mailbox page: what the local SMTP server received, newest first. Text is set as text; an HTML body is shown
// only in a srcdoc frame with `sandbox=""` (no scripts, no forms, no top navigation, an opaque origin) and a CSP
// of its own that forbids scripts, so a hostile email can neither run code nor load anything.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostToMailbox, MailboxToHost, MailSummary } from '../../protocol/alertsUi';

declare function acquireVsCodeApi(): { postMessage(message: MailboxToHost): void };
const vscode = acquireVsCodeApi();

const CSS = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); margin: 0; }
#bar { display: flex; gap: 8px; align-items: center; padding: 6px 8px; border-bottom: 1px solid var(--vscode-panel-border); }
#status { flex: 1; opacity: .85; }
#status.error { color: var(--vscode-errorForeground); opacity: 1; }
#main { display: flex; height: calc(100vh - 44px); }
#list { width: 45%; overflow: auto; border-right: 1px solid var(--vscode-panel-border); margin: 0; padding: 0; list-style: none; }
#list li { padding: 4px 8px; cursor: pointer; border-bottom: 1px solid var(--vscode-panel-border); }
#list li:hover { background: var(--vscode-list-hoverBackground); }
#list li[aria-selected=true] { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
#list li:focus-visible, :focus-visible { outline: 1px solid var(--vscode-focusBorder); }
.subject { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.meta { opacity: .8; font-size: .92em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#detail { flex: 1; overflow: auto; padding: 8px 12px; }
#headers div { margin-bottom: 2px; }
#html { width: 100%; height: 50vh; border: 1px solid var(--vscode-panel-border); background: #fff; }
#text { white-space: pre-wrap; font-family: var(--vscode-editor-font-family); }
h2 { font-size: 1.15em; }
`;
const sheet = new CSSStyleSheet();
sheet.replaceSync(CSS);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const root = document.getElementById('root')!;
const bar = h('div', { id: 'bar' });
const status = h('div', { id: 'status', role: 'status', 'aria-live': 'polite' }, 'Loading…');
const refresh = document.createElement('vscode-button');
refresh.id = 'refresh';
refresh.textContent = 'Refresh';
const start = document.createElement('vscode-button');
start.id = 'start-local';
start.textContent = 'Start Local Pipeline';
start.hidden = true;
bar.append(status, start, refresh);
const main = h('div', { id: 'main' });
const list = h('ul', { id: 'list', role: 'listbox', 'aria-label': 'Emails, newest first', tabindex: '0' });
const detail = h('section', { id: 'detail', 'aria-label': 'Selected email' }, 'Select an email to read it.');
main.append(list, detail);
root.append(bar, main);

let messages: MailSummary[] = [];
let selected: string | undefined;

function renderList(): void {
  list.replaceChildren(...messages.map((m) => {
    const li = h('li', { role: 'option', 'data-id': m.id, 'aria-selected': String(m.id === selected), id: `mail-${m.id}` });
    li.append(h('div', { class: 'subject' }, m.subject || '(no subject)'), h('div', { class: 'meta' }, `${m.from} → ${m.to.join(', ')}`), h('div', { class: 'meta' }, new Date(m.date).toLocaleString()));
    li.addEventListener('click', () => choose(m.id));
    return li;
  }));
  if (selected) list.setAttribute('aria-activedescendant', `mail-${selected}`);
}

function choose(id: string): void {
  selected = id;
  renderList();
  vscode.postMessage({ type: 'select', id });
}

list.addEventListener('keydown', (e) => {
  const i = messages.findIndex((m) => m.id === selected);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const next = messages[Math.min(messages.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next) choose(next.id);
  }
});

/** The frame's own page: its CSP allows no script and nothing remote (inline styles and data: images only). */
function framed(html: string): string {
  return `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:"></head><body>${html}</body></html>`;
}

window.addEventListener('message', (event: MessageEvent<HostToMailbox>) => {
  const m = event.data;
  if (m.type === 'list') {
    messages = m.messages;
    start.hidden = !m.canStartLocal;
    status.className = m.error ? 'error' : '';
    status.textContent = m.error ?? (messages.length ? `${messages.length} email${messages.length === 1 ? '' : 's'} received by the local SMTP server` : 'No emails yet: alerts that fire in the local pipeline send them here.');
    if (selected && !messages.some((x) => x.id === selected)) selected = undefined;
    renderList();
  } else if (m.type === 'message') {
    const msg = m.message;
    const headers = h('div', { id: 'headers' });
    const line = (k: string, v: string) => { const d = h('div'); d.append(h('strong', {}, `${k}: `), document.createTextNode(v)); return d; };
    headers.append(line('From', msg.from), line('To', msg.to.join(', ')), ...(msg.cc.length ? [line('Cc', msg.cc.join(', '))] : []), line('Date', msg.date ?? msg.receivedAt));
    const parts: HTMLElement[] = [h('h2', { id: 'subject' }, msg.subject || '(no subject)'), headers];
    if (msg.html) {
      const frame = h('iframe', { id: 'html', sandbox: '', title: 'HTML body of the email', referrerpolicy: 'no-referrer' });
      frame.srcdoc = framed(msg.html);
      parts.push(frame);
    }
    parts.push(h('h3', {}, 'Text'), h('pre', { id: 'text' }, msg.text));
    detail.replaceChildren(...parts);
  }
});

refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
start.addEventListener('click', () => vscode.postMessage({ type: 'startLocal' }));
vscode.postMessage({ type: 'ready' });
