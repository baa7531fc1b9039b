// The dashboard webview: a toolbar (pages, parameters, auto-refresh, refresh), and a 24-column grid of tiles.
// Tiles draw with the notebook renderer's own grid and charts (../renderer); every piece of user data (titles,
// queries, results, error messages) reaches the DOM as text through h(), never as markup.
import uplotCss from 'uplot/dist/uPlot.min.css';
import { GRID_COLUMNS, TIME_PRESETS, AUTO_REFRESH, type Dashboard, type SelectParameter, type Tile, type TilePosition } from '../../core/dashboards/format';
import type { DashboardHostToView, DashboardViewToHost, ParameterChoices, TileResult, TileStatus } from '../../protocol/dashboard';
import rendererCss from '../renderer/styles.css';
import { h } from '../renderer/dom';
import css from './styles.css';
import { TileView, ROW_PX, GAP_PX } from './tile';

declare function acquireVsCodeApi(): { postMessage(message: DashboardViewToHost): void };
const vscode = acquireVsCodeApi();
const post = (m: DashboardViewToHost): void => vscode.postMessage(m);

// The CSP allows styles only with this page's nonce: the style element takes the nonce the script was loaded with.
const nonce = document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce ?? '';
const style = h('style', { text: `${uplotCss}\n${rendererCss}\n${css}` });
style.nonce = nonce;
document.head.append(style);

const app = document.getElementById('app') as HTMLDivElement;
const toolbar = h('div', { class: 'el-dash-toolbar', attrs: { role: 'toolbar' } });
const problemsBox = h('div', { class: 'el-dash-problems', attrs: { role: 'alert', hidden: '' } });
const grid = h('div', { class: 'el-dash-grid' });
grid.style.gridTemplateColumns = `repeat(${GRID_COLUMNS}, minmax(0, 1fr))`;
grid.style.gridAutoRows = `${ROW_PX}px`;
grid.style.gap = `${GAP_PX}px`;
app.replaceChildren(toolbar, problemsBox, grid);

let dashboard: Dashboard | undefined;
let state: Extract<DashboardHostToView, { type: 'dashboard' }> | undefined;
let choices = new Map<string, ParameterChoices>();
const tiles = new Map<string, TileView>();
const statuses = new Map<string, TileStatus>();

window.addEventListener('message', (e: MessageEvent<DashboardHostToView>) => {
  const m = e.data;
  switch (m.type) {
    case 'dashboard': state = m; dashboard = m.dashboard; problemsBox.hidden = true; grid.hidden = false; renderToolbar(); renderTiles(); break;
    case 'invalid': showProblems(m.file, m.problems); break;
    case 'tile': statuses.set(m.id, m.status); tiles.get(m.id)?.setStatus(m.status); break;
    case 'choices': choices = new Map(m.choices.map((c) => [c.variable, c])); renderToolbar(); break;
  }
});

function showProblems(file: string, problems: { line: number; column: number; path: string; message: string }[]): void {
  dashboard = undefined;
  grid.hidden = true;
  toolbar.replaceChildren();
  const open = h('button', { text: 'Open as Text', attrs: { type: 'button', 'data-action': 'openAsText' } });
  open.addEventListener('click', () => post({ type: 'openAsText' }));
  problemsBox.replaceChildren(
    h('div', { class: 'el-dash-problems-title', text: `${file} is not a valid dashboard, so it cannot be shown. Fix these and it reloads:` }),
    h('ul', {}, ...problems.map((p) => h('li', { text: `Line ${p.line}, column ${p.column}${p.path ? ` (${p.path})` : ''}: ${p.message}` }))),
    open,
  );
  problemsBox.hidden = false;
}

function renderToolbar(): void {
  if (!dashboard || !state) return;
  const d = dashboard;
  // A multi select being picked from stays open across the redraw its own change causes.
  const open = new Set([...toolbar.querySelectorAll<HTMLDetailsElement>('details[open]')].map((e) => e.dataset.parameter));
  const items: HTMLElement[] = [h('span', { class: 'el-dash-title', text: d.title })];
  if (d.pages.length > 1) {
    const tabs = h('span', { class: 'el-tabs', attrs: { role: 'tablist' } });
    d.pages.forEach((p, i) => {
      const b = h('button', { class: `el-tab${i === state?.page ? ' active' : ''}`, text: p.name, attrs: { type: 'button', role: 'tab', 'aria-selected': String(i === state?.page) } });
      b.addEventListener('click', () => post({ type: 'page', index: i }));
      tabs.append(b);
    });
    items.push(tabs);
  }
  for (const p of d.parameters) {
    if (p.kind === 'timeRange') {
      const sel = select(TIME_PRESETS.map((t) => [t, `Last ${t}`]), state.timeRange ?? p.default, p.name);
      sel.dataset.parameter = '_startTime';
      sel.addEventListener('change', () => post({ type: 'timeRange', value: sel.value as typeof TIME_PRESETS[number] }));
      items.push(label(p.name, sel));
    } else items.push(selectParameter(p));
  }
  const spacer = h('span', { class: 'el-dash-spacer' });
  const refreshSel = select(AUTO_REFRESH.map((a) => [a, a === 'off' ? 'Off' : `Every ${a}`]), state.autoRefresh, 'Auto-refresh');
  refreshSel.dataset.action = 'autoRefresh';
  refreshSel.addEventListener('change', () => post({ type: 'autoRefresh', value: refreshSel.value as typeof AUTO_REFRESH[number] }));
  const refresh = h('button', { text: 'Refresh', attrs: { type: 'button', 'data-action': 'refresh', title: 'Run every tile again (a tile still running is cancelled first)' } });
  refresh.addEventListener('click', () => post({ type: 'refresh' }));
  items.push(spacer, label('Auto-refresh', refreshSel), refresh);
  toolbar.replaceChildren(...items);
  for (const e of toolbar.querySelectorAll<HTMLDetailsElement>('details')) if (open.has(e.dataset.parameter)) e.open = true;
}

function selectParameter(p: SelectParameter): HTMLElement {
  const c = choices.get(p.variable);
  const current = state?.selected[p.variable];
  const options = c?.choices ?? p.values ?? [];
  if (c?.error) return label(p.name, h('span', { class: 'el-status el-failed', text: c.error, attrs: { title: c.error } }));
  if (!p.multi) {
    const sel = select(options.map((o) => [o, o || '(empty)']), typeof current === 'string' ? current : options[0] ?? '', p.name);
    sel.dataset.parameter = p.variable;
    sel.addEventListener('change', () => post({ type: 'select', variable: p.variable, value: sel.value }));
    return label(p.name, sel);
  }
  const picked = new Set(Array.isArray(current) ? current : current ? [current] : []);
  const summary = h('summary', { text: picked.size ? [...picked].join(', ') : 'All' });
  const list = h('div', { class: 'el-dash-multi-list' }, ...options.map((o) => {
    const box = h('input', { attrs: { type: 'checkbox', value: o } });
    box.checked = picked.has(o);
    box.addEventListener('change', () => {
      if (box.checked) picked.add(o); else picked.delete(o);
      post({ type: 'select', variable: p.variable, value: [...picked] });
    });
    return h('label', {}, box, o || '(empty)');
  }));
  const details = h('details', { class: 'el-dash-multi', attrs: { 'data-parameter': p.variable } }, summary, list);
  return label(p.name, details);
}

function select(options: [string, string][], value: string, title: string): HTMLSelectElement {
  const sel = h('select', { attrs: { 'aria-label': title } }, ...options.map(([v, text]) => { const o = h('option', { text, attrs: { value: v } }); return o; }));
  sel.value = value;
  return sel;
}

function label(text: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'el-dash-param' }, h('span', { text }), control);
}

function renderTiles(): void {
  if (!dashboard || !state) return;
  const page = dashboard.pages[state.page];
  const shown = new Set<string>();
  for (const t of page?.tiles ?? []) {
    shown.add(t.id);
    let view = tiles.get(t.id);
    if (!view) {
      view = new TileView(t, { post, grid, onMove: (tile: Tile, position: TilePosition) => post({ type: 'move', id: tile.id, position }) });
      tiles.set(t.id, view);
      grid.append(view.element);
      const s = statuses.get(t.id);
      if (s) view.setStatus(s);
    } else view.update(t);
  }
  for (const [id, v] of tiles) if (!shown.has(id)) { v.dispose(); v.element.remove(); tiles.delete(id); }
  if (!page?.tiles.length) grid.replaceChildren(h('div', { class: 'el-dash-empty', text: 'This page has no tiles yet. Run a query in a KQL notebook and use "Pin to Dashboard" on its cell.' }));
  else grid.querySelector('.el-dash-empty')?.remove();
}

export type { TileResult };
post({ type: 'ready' });
