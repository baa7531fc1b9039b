// "Dry Run" on an alert: the rule over a span of history (1 h, 24 h, 7 d or a custom span), with ONE query against
// the active profile's database (local Eventhouse or cloud) and the runner's own evaluator over its result, shown
// in a webview with a chart per object, the firings and the emails they would have sent.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { progress } from '../common/progress';
import { prompts } from '../common/prompt';
import { ruleQueryErrorMessage } from '../core/alerts/alertDraft';
import { dryRunQuery, evaluateDryRun, type DryRunResult } from '../core/alerts/dryRun';
import { kqlErrorOf } from '../core/kql/queryError';
import { historyLimitWarnings } from '../core/alerts/limits';
import { formatDuration, normalizeAlerts, parseDuration, type AlertRule } from '../core/alerts/rule';
import { refOf } from '../model/refs';
import type { DryRunFromView, DryRunView } from '../protocol/dryRunView';
import type { AlertsFabricDeps } from './commands';

const HOUR = 3_600_000;
/** The emails listed in the view; the rest are counted. */
const MAX_EMAILS = 200;
const TRUNCATION_ROWS = 500_000;

export interface DryRunOutcome {
  result: DryRunResult;
  query: string;
  view: DryRunView;
  /** Settles when the webview has drawn the result, with what it drew. */
  rendered: Promise<Extract<DryRunFromView, { type: 'rendered' }>>;
}

function describeCondition(rule: AlertRule): string {
  const c = rule.condition;
  const col = rule.property ? (rule.property.aggregation ? `${rule.property.aggregation.op} of ${rule.property.column} over ${formatDuration(rule.property.aggregation.windowMs)}` : rule.property.column) : 'row';
  const detail = Object.entries(c).filter(([k]) => k !== 'kind').map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ');
  const occ = rule.occurrence.kind === 'staysFor' ? `, stays for ${formatDuration(rule.occurrence.periodMs)}` : rule.occurrence.kind === 'times' ? `, ${rule.occurrence.n} times within ${formatDuration(rule.occurrence.withinMs)}` : '';
  return `${col} ${c.kind}${detail ? ` (${detail})` : ''}${occ}${rule.object ? ` per ${rule.object}` : ''}`;
}

async function pickRule(deps: AlertsFabricDeps, arg: unknown): Promise<AlertRule> {
  const snapshot = deps.model.snapshot();
  if (!snapshot) throw new Error('Create or fix eventline.json first: its alerts are what a dry run tries.');
  const { rules, problems } = normalizeAlerts(snapshot.manifest.alerts);
  const ref = refOf(arg);
  const name = ref?.kind === 'alert' ? ref.name : typeof arg === 'string' ? arg : undefined;
  if (name !== undefined) {
    const rule = rules.find((r) => r.name === name);
    if (!rule) throw new Error(problems.find((p) => p.message.startsWith(`Alert "${name}"`))?.message ?? `eventline.json has no alert "${name}" any more.`);
    return rule;
  }
  if (!rules.length) throw new Error(problems[0]?.message ?? 'eventline.json has no alerts: add one under "alerts" to dry-run it.');
  return prompts.pick(rules.map((r) => ({ label: r.name, description: describeCondition(r), value: r })), { title: 'Eventline: Dry Run Alert', placeHolder: 'Which alert?' });
}

async function pickSpan(): Promise<number> {
  const choice = await prompts.pick<number | 'custom'>([
    { label: 'Last 24 hours', value: 24 * HOUR },
    { label: 'Last hour', value: HOUR },
    { label: 'Last 7 days', value: 7 * 24 * HOUR },
    { label: 'Custom…', description: 'e.g. 36h or 3d', value: 'custom' },
  ], { title: 'Dry run over how much history?' });
  if (choice !== 'custom') return choice;
  const text = await prompts.input({
    title: 'Dry run span', prompt: 'How far back from now: a whole number and a unit (m, h or d), e.g. 36h', value: '24h',
    validate: (v) => { try { parseDuration(v, 'The span'); return undefined; } catch (e) { return (e as Error).message; } },
  });
  return parseDuration(text, 'The span');
}

export async function dryRunAlert(deps: AlertsFabricDeps, arg: unknown, panels: DryRunPanels): Promise<DryRunOutcome> {
  const rule = await pickRule(deps, arg);
  const spanMs = await pickSpan();
  const db = deps.model.eventhouse.defaultDatabase();
  if (!db) throw new Error('The active profile names no database to dry-run against: set eventhouse.database (and the profile\'s eventhouseQueryUri for a cloud profile).');
  // Whole seconds: a window boundary falls where the runner's would.
  const to = Math.floor(Date.now() / 1000) * 1000;
  const from = to - spanMs;
  const query = dryRunQuery(rule, from, to);
  const { result, queryMs } = await progress.run(`Eventline: dry run of "${rule.name}" over ${formatDuration(spanMs)}`, async (signal) => {
    const client = await deps.model.eventhouse.client(db);
    const started = performance.now();
    const res = await raceAbort(client.execute(db.database, query.text), signal);
    const ms = Math.round(performance.now() - started);
    const table = res.primaryResults[0];
    const columns = table.columns.map((c) => c.name ?? '');
    const rows = (table as unknown as { _rows: unknown[][] })._rows;
    return { result: evaluateDryRun(rule, query, columns, rows, from, to), queryMs: ms };
  }).catch((e: unknown) => {
    // The service's own words, at the line and column of the rule's query (the dry run puts one line before it).
    const info = kqlErrorOf(e);
    if (info) {
      const lines = rule.source.query.replace(/[\s;]+$/, '').split('\n').length;
      throw new Error(`${ruleQueryErrorMessage(info, `Dry run of "${rule.name}": its query does not run against ${db.database}`, lines)}. Fix the alert's source.query (Edit Alert, or eventline.json).`);
    }
    throw new Error(`Dry run of "${rule.name}": ${e instanceof Error ? e.message : String(e)}`);
  });
  const warnings = historyLimitWarnings(result.emails.map((m) => ({ rule: rule.name, time: m.time, to: m.email.to, cc: m.email.cc }))).map((w) => w.message);
  // Kusto cuts a result at 500,000 rows by default; a raw (not aggregated) rule over a long span can reach it.
  if (result.rows >= TRUNCATION_ROWS) warnings.unshift(`The query returned ${result.rows.toLocaleString('en-US')} rows, which is where results are cut: later rows may be missing. Choose a shorter span, or give the rule an aggregation over a window.`);
  const view: DryRunView = {
    rule: rule.name, condition: describeCondition(rule), database: `${db.database} (${db.cluster})`, from, to, windowMs: result.windowMs,
    rows: result.rows, firings: result.firings, suppressed: result.suppressed, queryMs, series: result.series, thresholds: result.thresholds,
    teams: rule.teams?.to,
    emails: result.emails.slice(0, MAX_EMAILS).map((m) => ({ object: m.object, time: m.time, reason: m.reason, to: m.email.to, cc: m.email.cc, subject: m.email.subject, text: m.email.text })),
    moreEmails: Math.max(0, result.emails.length - MAX_EMAILS), warnings,
  };
  deps.log.info(`Dry run of "${rule.name}" over ${formatDuration(spanMs)}: ${result.firings} firing(s), ${result.rows} row(s) from one query in ${queryMs} ms.`);
  for (const w of warnings) deps.log.warn(w);
  const rendered = panels.show(view);
  rendered.catch(() => undefined); // a closed panel is not an error anyone waits on
  return { result, query: query.text, view, rendered };
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('Cancelled'), { name: 'AbortError' }));
    if (signal.aborted) { onAbort(); return; }
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** One panel per rule: a second dry run of the same rule reuses it. */
export class DryRunPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(view: DryRunView): Promise<Extract<DryRunFromView, { type: 'rendered' }>> {
    let panel = this.panels.get(view.rule);
    const title = `Dry Run: ${view.rule}`;
    if (!panel) {
      panel = vscode.window.createWebviewPanel('eventline.dryRun', title, vscode.ViewColumn.Active, {
        enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews')],
      });
      this.panels.set(view.rule, panel);
      const p = panel;
      p.onDidDispose(() => { if (this.panels.get(view.rule) === p) this.panels.delete(view.rule); });
    }
    const target = panel;
    target.title = title;
    return new Promise((resolve, reject) => {
      const sub = target.webview.onDidReceiveMessage((m: DryRunFromView) => {
        if (m.type === 'ready') void target.webview.postMessage({ type: 'result', view });
        else if (m.type === 'rendered') { sub.dispose(); gone.dispose(); resolve(m); }
      });
      const gone = target.onDidDispose(() => { sub.dispose(); reject(new Error('The dry run panel was closed before it drew the result.')); });
      // A fresh page each time: the script says ready once it listens, then gets the result.
      target.webview.html = dryRunHtml(randomBytes(16).toString('base64'), target.webview.cspSource, target.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews', 'dryRun.js')).toString(), view.rule);
    });
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** The page: a nonce'd script and nothing else; the data arrives as a message and goes in as text. */
export function dryRunHtml(nonce: string, cspSource: string, scriptUri: string, rule: string): string {
  const csp = [`default-src 'none'`, `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, `img-src ${cspSource} data:`, `font-src ${cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Dry Run: ${escapeHtml(rule)}</title>
</head>
<body><main id="root" aria-live="polite">Running…</main>
<script nonce="${nonce}" src="${escapeHtml(scriptUri)}"></script>
</body></html>`;
}
