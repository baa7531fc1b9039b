// The Dry Run view: per object, a uPlot chart of the property with the threshold lines and a marker at each time
// the rule would have fired, the count, and the emails that would have been sent. All text from the data goes in
// with textContent; the only script is this bundle (nonce), the only style the nonce'd element it adds.
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import type { DryRunFromView, DryRunToView, DryRunView } from '../../protocol/dryRunView';

declare function acquireVsCodeApi(): { postMessage(m: DryRunFromView): void };
const vscode = acquireVsCodeApi();
const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce ?? '';

const CSS = `${uplotCss}
body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);background:var(--vscode-editor-background);padding:8px 14px}
h1{font-size:1.3em;margin:4px 0}h2{font-size:1.1em;margin:14px 0 4px}
.muted{opacity:.75}.warn{color:var(--vscode-editorWarning-foreground)}
.object{border-top:1px solid var(--vscode-panel-border);padding:6px 0}
.email{border:1px solid var(--vscode-panel-border);padding:6px;margin:6px 0}
.email pre{white-space:pre-wrap;font-family:var(--vscode-editor-font-family);margin:4px 0 0}
.u-legend{color:var(--vscode-foreground)}`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function color(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function render(v: DryRunView): void {
  const root = document.getElementById('root')!;
  root.replaceChildren();
  root.append(el('h1', `Dry run: ${v.rule}`));
  root.append(el('div', `${v.condition} · ${iso(v.from)} → ${iso(v.to)} · ${v.database}`, 'muted'));
  root.append(el('div', `${v.firings} firing${v.firings === 1 ? '' : 's'} over ${v.series.length} object${v.series.length === 1 ? '' : 's'}${v.suppressed ? ` (${v.suppressed} held back by the cooldown)` : ''} · ${v.rows.toLocaleString()} row${v.rows === 1 ? '' : 's'} from one query in ${v.queryMs} ms${v.windowMs ? ` (${v.windowMs / 60_000} min windows)` : ''}`));
  for (const w of v.warnings) root.append(el('div', w, 'warn'));
  const line = color('--vscode-charts-blue', '#3794ff');
  const red = color('--vscode-charts-red', '#f14c4c');
  const orange = color('--vscode-charts-orange', '#d18616');
  const width = Math.max(300, root.clientWidth - 10);
  let points = 0;
  let markers = 0;
  let charts = 0;
  for (const s of v.series) {
    const box = el('div', undefined, 'object');
    box.append(el('h2', `${s.object} — fired ${s.fired.length} time${s.fired.length === 1 ? '' : 's'}`));
    root.append(box);
    const values = new Map<number, number | null>(s.points);
    const xs = [...new Set([...s.points.map((p) => p[0]), ...s.fired])].sort((a, b) => a - b);
    if (!xs.length || !s.points.some((p) => p[1] !== null)) {
      box.append(el('div', s.points.length ? 'No numeric values to chart.' : 'No values in the span.', 'muted'));
      markers += s.fired.length;
      continue;
    }
    const ys = xs.map((x) => values.get(x) ?? null);
    const fired = new Set(s.fired);
    let carry: number | null = null;
    const marks = xs.map((x, i) => { if (ys[i] !== null) carry = ys[i]; return fired.has(x) ? (ys[i] ?? carry ?? v.thresholds[0] ?? 0) : null; });
    const data: uPlot.AlignedData = [xs.map((x) => x / 1000), ys, ...v.thresholds.map(() => xs.map(() => null as number | null)), marks];
    v.thresholds.forEach((t, i) => { (data[2 + i] as (number | null)[]).fill(t); });
    const opts: uPlot.Options = {
      width, height: 220,
      scales: { x: { time: true } },
      axes: [{ stroke: color('--vscode-foreground', '#ccc') }, { stroke: color('--vscode-foreground', '#ccc') }],
      series: [
        {},
        { label: 'value', stroke: line, width: 1.5, spanGaps: true },
        ...v.thresholds.map((_, i) => ({ label: v.thresholds.length > 1 ? (i === 0 ? 'low' : 'high') : 'threshold', stroke: orange, dash: [6, 4], width: 1, points: { show: false } })),
        { label: 'fired', stroke: red, width: 0, paths: () => null, points: { show: true, size: 9, fill: red, stroke: red } },
      ],
    };
    const chart = el('div');
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-label', `${s.object}: ${s.points.length} values, fired ${s.fired.length} times`);
    box.append(chart);
    new uPlot(opts, data, chart);
    charts++;
    points += s.points.length;
    markers += marks.filter((m) => m !== null).length;
  }
  root.append(el('h2', `Emails that would have been sent (${v.emails.length + v.moreEmails})`));
  if (!v.emails.length) root.append(el('div', v.firings ? 'The rule has no email action.' : 'None.', 'muted'));
  if (v.teams?.length) root.append(el('div', `Each firing also posts a Teams message to ${v.teams.join(', ')} once the rule is deployed to Fabric (${v.firings} here); Activator posts it, the local runner does not.`, 'muted'));
  for (const m of v.emails) {
    const box = el('div', undefined, 'email');
    box.append(el('div', `${iso(m.time)} · ${m.object} · ${m.reason}`, 'muted'));
    box.append(el('div', `To: ${m.to.join(', ')}${m.cc.length ? ` · Cc: ${m.cc.join(', ')}` : ''}`));
    box.append(el('strong', m.subject));
    box.append(el('pre', m.text));
    root.append(box);
  }
  if (v.moreEmails) root.append(el('div', `…and ${v.moreEmails} more.`, 'muted'));
  vscode.postMessage({ type: 'rendered', objects: v.series.length, points, markers, emails: v.emails.length, charts });
}

const style = document.createElement('style');
style.nonce = nonce;
style.textContent = CSS;
document.head.append(style);
window.addEventListener('message', (e: MessageEvent<DryRunToView>) => {
  if (e.data?.type === 'result') render(e.data.view);
});
vscode.postMessage({ type: 'ready' });
