// The alert editor page. The host validates every change with the rule model and checks the query against the live
// schema; this page builds the form with @vscode-elements/elements (theme aware, keyboard accessible), sends the
// draft on each edit, and shows each message at its field. User values are only ever set as properties or text.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { conditionFields } from '../../core/alerts/alertDraft';
import type { AlertDraft, DraftField, DraftIssue, EditorToHost, HostToEditor, SchemaCheck } from '../../protocol/alertsUi';
import { CSS } from './styles';

declare function acquireVsCodeApi(): { postMessage(message: EditorToHost): void; setState(state: unknown): void; getState(): unknown };
const vscode = acquireVsCodeApi();

type Input = HTMLElement & { value: string; invalid?: boolean; checked?: boolean };
type Kind = 'text' | 'area' | 'code' | 'check' | { options: [string, string][] };
interface FieldSpec { field: DraftField; label: string; kind: Kind; hint?: string; placeholder?: string }

const OPS: [string, string][] = [['greaterThan', 'greater than'], ['greaterThanOrEqual', 'greater than or equal to'], ['lessThan', 'less than'], ['lessThanOrEqual', 'less than or equal to'], ['equal', 'equal to'], ['notEqual', 'not equal to']];
const KIND_LABELS: Record<string, string> = {
  is: 'is (state)', becomes: 'becomes (transition)', insideRange: 'is inside range', outsideRange: 'is outside range', entersRange: 'enters range', leavesRange: 'leaves range',
  changes: 'changes', changesFrom: 'changes from', changesTo: 'changes to', changesFromTo: 'changes from … to', increasesBy: 'increases by at least', decreasesBy: 'decreases by at least', changesBy: 'changes by at least',
  textEquals: 'text equals', textNotEquals: 'text does not equal', textContains: 'text contains', textBeginsWith: 'text begins with', textEndsWith: 'text ends with',
  noDataFor: 'no data for (heartbeat)', firstDataAfter: 'first data after silence', everyValue: 'every value (each row fires)',
};

const SECTIONS: { title: string; fields: FieldSpec[] }[] = [
  { title: 'Rule', fields: [
    { field: 'name', label: 'Name', kind: 'text', placeholder: 'hot-sites' },
    { field: 'enabled', label: 'Enabled', kind: 'check' },
    { field: 'muted', label: 'Muted (evaluates, sends nothing)', kind: 'check' },
    { field: 'cooldown', label: 'Cooldown', kind: 'text', placeholder: '15m', hint: 'Least time between two emails for one object (local runner).' },
  ] },
  { title: 'Source', fields: [
    { field: 'source.query', label: 'KQL query', kind: 'code', hint: 'Runs every interval over the window since the last run: use startTime and endTime.', placeholder: 'Readings | where Timestamp between (startTime .. endTime)' },
    { field: 'source.every', label: 'Every', kind: 'text', placeholder: '1m' },
    { field: 'source.eventTimeColumn', label: 'Event-time column', kind: 'text', placeholder: 'Timestamp' },
    { field: 'source.delay', label: 'Ingestion delay allowance', kind: 'text', placeholder: '30s' },
  ] },
  { title: 'Object and property', fields: [
    { field: 'object', label: 'Object column (what is watched)', kind: 'text', placeholder: 'Site' },
    { field: 'property.column', label: 'Property column', kind: 'text', placeholder: 'Value' },
    { field: 'property.aggregation', label: 'Aggregation', kind: { options: [['', 'none: the column\'s value'], ['average', 'average'], ['min', 'min'], ['max', 'max'], ['sum', 'sum'], ['count', 'count']] } },
    { field: 'property.window', label: 'Tumbling window', kind: 'text', placeholder: '5m' },
  ] },
  { title: 'Condition', fields: [
    { field: 'condition.kind', label: 'Condition', kind: { options: [] } },
    { field: 'condition.op', label: 'Comparison', kind: { options: OPS } },
    { field: 'condition.value', label: 'Value', kind: 'text' },
    { field: 'condition.low', label: 'Low', kind: 'text' },
    { field: 'condition.high', label: 'High', kind: 'text' },
    { field: 'condition.includeLow', label: 'Include low', kind: 'check' },
    { field: 'condition.includeHigh', label: 'Include high', kind: 'check' },
    { field: 'condition.from', label: 'From', kind: 'text', hint: 'A number, true/false or text; quote a number to mean text ("42").' },
    { field: 'condition.to', label: 'To', kind: 'text' },
    { field: 'condition.by', label: 'By at least', kind: 'text' },
    { field: 'condition.percent', label: 'Percent', kind: 'check' },
    { field: 'condition.ignoreCase', label: 'Ignore case', kind: 'check' },
    { field: 'condition.duration', label: 'Duration', kind: 'text', placeholder: '10m' },
  ] },
  { title: 'Options', fields: [
    { field: 'options.kind', label: 'Fire', kind: { options: [['everyTime', 'every time the condition is met'], ['staysFor', 'when it stays met for…'], ['times', 'when met N times within…']] } },
    { field: 'options.staysFor', label: 'Stays for', kind: 'text', placeholder: '5m' },
    { field: 'options.times', label: 'Times', kind: 'text', placeholder: '3' },
    { field: 'options.within', label: 'Within', kind: 'text', placeholder: '10m' },
  ] },
  { title: 'Action: email', fields: [
    { field: 'action.email.to', label: 'To', kind: 'text', placeholder: 'ops@contoso.com, lead@contoso.com' },
    { field: 'action.email.cc', label: 'Cc', kind: 'text' },
    { field: 'action.email.subject', label: 'Subject', kind: 'text', placeholder: 'Eventline alert {rule}: {object}' },
    { field: 'action.email.headline', label: 'Headline', kind: 'text', placeholder: '{rule} fired for {object}' },
    { field: 'action.email.message', label: 'Message', kind: 'area', hint: 'Placeholders: {rule}, {object}, {value}, {previous}, {time} and any {Column} of the row.' },
    { field: 'action.email.fields', label: 'Additional fields (columns)', kind: 'text', placeholder: 'Site, Value' },
  ] },
  { title: 'Action: Teams message (posted by Fabric Activator once deployed; not sent locally)', fields: [
    { field: 'action.teams.to', label: 'Recipients', kind: 'text', placeholder: 'oncall@contoso.com', hint: 'People in your tenant, by their Microsoft Entra email address.' },
    { field: 'action.teams.headline', label: 'Headline', kind: 'text', placeholder: '{rule} fired for {object}' },
    { field: 'action.teams.message', label: 'Message', kind: 'area', hint: 'Placeholders: {rule}, {object}, {value} and any {Column} of the row.' },
    { field: 'action.teams.fields', label: 'Additional fields (columns)', kind: 'text', placeholder: 'Site, Value' },
  ] },
];

const inputs = new Map<DraftField, Input>();
const rows = new Map<DraftField, HTMLElement>();
const messages = new Map<DraftField, HTMLElement>();
let draft: AlertDraft | undefined;
let ruleIssues: DraftIssue[] = [];
let schema: SchemaCheck | undefined;
let changeTimer: ReturnType<typeof setTimeout> | undefined;

const idOf = (f: string) => `f-${f.replace(/\./g, '-')}`;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function custom(tag: string, attrs: Record<string, string> = {}): Input {
  const e = document.createElement(tag) as Input;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const sheet = new CSSStyleSheet();
sheet.replaceSync(CSS);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

const root = document.getElementById('root')!;
const heading = h('h1', {}, 'Alert');
const summary = h('div', { id: 'summary', role: 'alert' });
const schemaLine = h('div', { id: 'schema', role: 'status', 'aria-live': 'polite' });
const checkButton = custom('vscode-button', { id: 'check', secondary: '' });
checkButton.textContent = 'Check query';
const startButton = custom('vscode-button', { id: 'start-local', secondary: '', hidden: '' });
startButton.textContent = 'Start Local Pipeline';
const saveButton = custom('vscode-button', { id: 'save' });
saveButton.textContent = 'Save';
const saveState = h('span', { id: 'save-state', role: 'status', 'aria-live': 'polite' });
const form = h('form', { id: 'form', novalidate: '' });

function build(kinds: string[]): void {
  for (const section of SECTIONS) {
    const fs = h('fieldset', { 'data-section': section.title });
    fs.append(h('legend', {}, section.title));
    for (const spec of section.fields) {
      const id = idOf(spec.field);
      const row = h('div', { class: 'row', 'data-field': spec.field });
      let input: Input;
      if (spec.kind === 'check') {
        input = custom('vscode-checkbox', { id, label: spec.label });
        row.append(input);
      } else {
        row.append(Object.assign(custom('vscode-label', { for: id }), { textContent: spec.label }));
        if (spec.kind === 'area' || spec.kind === 'code') {
          input = custom('vscode-textarea', { id, rows: spec.kind === 'code' ? '6' : '3', resize: 'vertical' });
          if (spec.kind === 'code') input.setAttribute('monospace', '');
        } else if (spec.kind === 'text') {
          input = custom('vscode-textfield', { id });
        } else {
          input = custom('vscode-single-select', { id });
          const options = spec.field === 'condition.kind' ? kinds.map((k): [string, string] => [k, KIND_LABELS[k] ?? k]) : spec.kind.options;
          for (const [value, label] of options) {
            const o = custom('vscode-option', { value });
            o.textContent = label;
            input.append(o);
          }
        }
        if (spec.placeholder) input.setAttribute('placeholder', spec.placeholder);
        row.append(input);
      }
      const msg = h('div', { class: 'message', id: `${id}-message`, 'aria-live': 'polite' });
      input.setAttribute('aria-describedby', `${id}-message`);
      row.append(msg);
      if (spec.hint) row.append(h('div', { class: 'hint' }, spec.hint));
      const onEdit = () => { readInto(spec.field, input); onChange(spec.field); };
      input.addEventListener(spec.kind === 'check' || typeof spec.kind === 'object' ? 'change' : 'input', onEdit);
      inputs.set(spec.field, input);
      rows.set(spec.field, row);
      messages.set(spec.field, msg);
      fs.append(row);
    }
    if (section.title === 'Source') {
      // The live-schema check sits with the query it is about.
      const bar = h('div', { class: 'schema-bar' });
      bar.append(schemaLine, checkButton, startButton);
      fs.append(bar);
    }
    form.append(fs);
  }
}

function readInto(field: DraftField, input: Input): void {
  if (!draft) return;
  const d = draft as unknown as Record<string, unknown>;
  d[field] = typeof d[field] === 'boolean' ? input.checked === true : input.value;
}

function fill(d: AlertDraft): void {
  for (const [field, input] of inputs) {
    const v = d[field];
    if (typeof v === 'boolean') input.checked = v;
    else input.value = v;
  }
}

/** Shows only the parameters the chosen condition, aggregation and option take. */
function layout(): void {
  if (!draft) return;
  const wanted = new Set<string>(conditionFields(draft['condition.kind']));
  for (const [field, row] of rows) {
    let visible = true;
    if (field.startsWith('condition.') && field !== 'condition.kind') visible = wanted.has(field);
    if (field === 'property.window') visible = draft['property.aggregation'] !== '';
    if (field === 'options.staysFor') visible = draft['options.kind'] === 'staysFor';
    if (field === 'options.times' || field === 'options.within') visible = draft['options.kind'] === 'times';
    row.hidden = !visible;
  }
}

function onChange(field: DraftField): void {
  layout();
  saveState.textContent = 'Unsaved changes';
  vscode.setState(draft);
  clearTimeout(changeTimer);
  // Type-ahead stays smooth: the draft goes to the host once the user pauses (a select or checkbox goes at once).
  const delay = field === 'source.query' || inputs.get(field)?.tagName === 'VSCODE-TEXTFIELD' ? 150 : 0;
  changeTimer = setTimeout(() => { if (draft) vscode.postMessage({ type: 'change', draft: { ...draft } }); }, delay);
}

function showIssues(): void {
  const all = [...ruleIssues, ...(schema?.issues ?? [])];
  for (const [field, msg] of messages) {
    const mine = all.filter((i) => i.field === field);
    msg.textContent = mine.map((i) => i.message).join(' ');
    msg.className = `message${mine.some((i) => i.severity === 'error') ? ' error' : mine.length ? ' warning' : ''}`;
    const input = inputs.get(field)!;
    input.invalid = mine.some((i) => i.severity === 'error');
    // A message at a hidden field would never be seen: show the row.
    if (mine.length) rows.get(field)!.hidden = false;
  }
  const general = all.filter((i) => i.field === '');
  const errors = all.filter((i) => i.severity === 'error').length;
  summary.textContent = [errors ? `${errors} problem${errors === 1 ? '' : 's'} to fix before saving.` : '', ...general.map((i) => i.message)].filter(Boolean).join(' ');
}

function showSchema(): void {
  startButton.hidden = !schema?.canStartLocal;
  if (!schema) { schemaLine.textContent = ''; return; }
  const cols = schema.columns?.map((c) => `${c.name}: ${c.type}`).join(', ');
  schemaLine.textContent = schema.state === 'checking' ? `Checking the query against ${schema.target ?? 'the database'}…`
    : schema.state === 'ok' ? `The query runs against ${schema.target}; its columns: ${cols || 'none'}.`
      : schema.state === 'problems' ? `Checked against ${schema.target}${cols ? `; its columns: ${cols}` : ''}.`
        : schema.message ?? '';
  schemaLine.className = schema.state;
}

const save = () => {
  if (!draft) return;
  clearTimeout(changeTimer);
  saveState.textContent = 'Saving…';
  vscode.postMessage({ type: 'save', draft: { ...draft } });
};

window.addEventListener('message', (event: MessageEvent<HostToEditor>) => {
  const m = event.data;
  switch (m.type) {
    case 'init': {
      if (!inputs.size) build(m.conditionKinds);
      // A page reloaded by VS Code keeps the user's unsaved edits.
      const kept = vscode.getState() as AlertDraft | undefined;
      draft = kept && typeof kept === 'object' && 'source.query' in kept ? kept : m.draft;
      heading.textContent = m.isNew ? 'New alert' : `Alert ${m.draft.name}`;
      fill(draft);
      layout();
      if (kept && draft !== m.draft) vscode.postMessage({ type: 'change', draft: { ...draft } });
      break;
    }
    case 'validation': ruleIssues = m.issues; showIssues(); break;
    case 'schema': schema = m.check; showSchema(); showIssues(); break;
    case 'saved':
      heading.textContent = `Alert ${m.name}`;
      saveState.textContent = `Saved to eventline.json.`;
      saveState.className = 'ok';
      break;
    case 'saveFailed':
      saveState.textContent = m.message;
      saveState.className = 'error';
      break;
  }
});

checkButton.addEventListener('click', () => { if (draft) vscode.postMessage({ type: 'checkQuery', draft: { ...draft } }); });
startButton.addEventListener('click', () => vscode.postMessage({ type: 'startLocal' }));
saveButton.addEventListener('click', save);
window.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') { e.preventDefault(); save(); }
});

const actions = h('div', { class: 'actions' });
actions.append(saveButton, saveState);
root.append(heading, summary, form, actions);
vscode.postMessage({ type: 'ready' });
