import * as vscode from 'vscode';
import { DEFAULT_CONSUMER_GROUP } from '../core/eventHubsNames';
import { parseWhen } from '../core/tail/when';
import { prompts, type Choice } from '../common/prompt';
import { registerCommand } from '../common/registerCommand';
import type { PipelineModel } from '../model/pipelineModel';
import { describeHubLocation, hubKey, hubOf, refOf, type HubRef } from '../model/refs';
import type { LocalReady } from '../protocol/localReady';
import type { TailRestoreState } from '../protocol/tailProtocol';
import type { StartPosition } from './tailSession';
import { TailPanel } from './tailPanel';

const CREATE = Symbol('create');

async function pickStart(): Promise<{ start: StartPosition; label: string }> {
  const choice = await prompts.pick<string>([
    { label: 'Latest', description: 'only events that arrive from now on', value: 'latest' },
    { label: 'Earliest', description: 'everything the hub retains', value: 'earliest' },
    { label: '15 minutes ago', value: '15m' },
    { label: 'An enqueued time…', description: 'a date, or "30 minutes ago"', value: 'time' },
    { label: 'A sequence number…', value: 'seq' },
    { label: 'An offset…', value: 'offset' },
  ], { title: 'Tail: start from' });
  switch (choice) {
    case 'latest': return { start: { kind: 'latest' }, label: 'latest' };
    case 'earliest': return { start: { kind: 'earliest' }, label: 'earliest' };
    case '15m': return { start: { kind: 'enqueuedTime', time: new Date(Date.now() - 15 * 60_000) }, label: '15 minutes ago' };
    case 'time': {
      const text = await prompts.input({ title: 'Start at enqueued time', prompt: 'An ISO date (2026-11-27T10:00:00Z) or "N minutes|hours ago"', validate: (v) => (parseWhen(v) ? undefined : 'Use an ISO date or "N minutes ago".') });
      const when = parseWhen(text)!;
      return { start: { kind: 'enqueuedTime', time: when }, label: when.toISOString() };
    }
    default: {
      const isSeq = choice === 'seq';
      const text = (await prompts.input({ title: isSeq ? 'Start at sequence number' : 'Start at offset', validate: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'Enter a whole number.') })).trim();
      return isSeq ? { start: { kind: 'sequence', sequenceNumber: Number(text) }, label: `sequence ${text}` } : { start: { kind: 'offset', offset: text }, label: `offset ${text}` };
    }
  }
}

/** All partitions (Enter) or some of them; undefined means all, so new partitions are tailed too. */
async function pickPartitions(model: PipelineModel, hub: HubRef): Promise<string[] | undefined> {
  const ids = await model.eventHubs.partitionIds(hub);
  if (ids.length <= 1) return undefined;
  const picked = await prompts.pickMany(ids.map((id) => ({ label: `Partition ${id}`, value: id, picked: true })), {
    title: `Tail ${hub.name}: partitions`, placeHolder: 'Enter tails every partition; untick the ones to leave out',
  });
  return picked.length === ids.length ? undefined : picked;
}

async function pickConsumerGroup(model: PipelineModel, hub: HubRef): Promise<string> {
  const groups = (await model.eventHubs.consumerGroups(hub)).map((g) => g.name);
  const choices: Choice<string | typeof CREATE>[] = [...groups.filter((g) => g !== DEFAULT_CONSUMER_GROUP), DEFAULT_CONSUMER_GROUP]
    .map((g) => ({ label: g, description: g === DEFAULT_CONSUMER_GROUP ? 'shared with production readers' : undefined, value: g }));
  choices.push({ label: '$(add) Create a dedicated consumer group…', value: CREATE });
  const choice = await prompts.pick(choices, { title: `Tail ${hub.name}: consumer group` });
  if (choice === CREATE) {
    const name = await prompts.input({ title: 'New consumer group', value: 'eventline-tail' });
    await model.eventHubs.createConsumerGroup(hub, name);
    return name;
  }
  if (choice === DEFAULT_CONSUMER_GROUP) {
    await prompts.confirm('Event Hubs allows 5 readers per consumer group; a tail on $Default can take a production reader\'s slot. A dedicated group (e.g. eventline-tail) is safer.', { buttons: ['Use $Default anyway'] });
  }
  return choice;
}

/** A hub of the active profile, picked from every hub the model finds (through namespaces in a cloud profile). */
export async function pickHub(model: PipelineModel, title: string): Promise<HubRef> {
  const hubs = await model.eventHubs.allHubs();
  if (hubs.length === 0) throw new Error('No Event Hubs in the active profile. Check the Pipeline tree for errors.');
  return prompts.pick(hubs.map((h) => ({ label: h.name, description: describeHubLocation(h), value: h })), { title });
}

function tailKey(hub: HubRef, consumerGroup: string, partitions: string[] | undefined): string {
  return `${hubKey(hub)}|${consumerGroup}|${partitions?.join(',') ?? '*'}`;
}

/** "Eventline: Tail Event Hub": one panel per hub, consumer group and set of partitions. */
export class TailManager implements vscode.Disposable {
  readonly panels = new Map<string, TailPanel>();
  private readonly disposable: vscode.Disposable;

  constructor(private readonly extensionUri: vscode.Uri, private readonly model: PipelineModel, private readonly log: vscode.LogOutputChannel) {
    const serializer = vscode.window.registerWebviewPanelSerializer('eventline.tail', { deserializeWebviewPanel: (panel, state) => this.restore(panel, state) });
    this.disposable = vscode.Disposable.from(serializer, registerCommand('eventline.tailEventHub', log, async (node?: unknown) => {
      const ref = refOf(node);
      const hub = hubOf(ref) ?? await pickHub(model, 'Tail Event Hub');
      const consumerGroup = ref?.kind === 'consumerGroup' ? ref.name : await pickConsumerGroup(model, hub);
      const { start, label } = await pickStart();
      // A partition row names its partition.
      const partitions = ref?.kind === 'partition' ? [ref.partitionId] : await pickPartitions(model, hub);
      return this.open(hub, consumerGroup, start, label, partitions);
    }));
  }

  async open(hub: HubRef, consumerGroup: string, start: StartPosition, startLabel: string, partitions?: string[]): Promise<TailPanel> {
    const key = tailKey(hub, consumerGroup, partitions);
    const existing = this.panels.get(key);
    if (existing) { existing.panel.reveal(); return existing; }
    const title = `Tail: ${hub.name}${partitions ? ` p${partitions.join(',')}` : ''}`;
    const webview = vscode.window.createWebviewPanel('eventline.tail', title, vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    return this.attach(webview, key, hub, consumerGroup, start, startLabel, partitions);
  }

  private async attach(webview: vscode.WebviewPanel, key: string, hub: HubRef, consumerGroup: string, start: StartPosition, startLabel: string, partitions: string[] | undefined): Promise<TailPanel> {
    const bufferSize = Math.max(100, vscode.workspace.getConfiguration('eventline.tail').get<number>('bufferSize') ?? 10000);
    const target = await this.model.eventHubs.target(hub);
    const panel = new TailPanel(webview, this.extensionUri, { title: hub.name, target, consumerGroup, start, startLabel, partitions, current: this.model.eventHubs.localTarget(hub) }, bufferSize, this.log);
    this.panels.set(key, panel);
    webview.onDidDispose(() => this.panels.delete(key));
    return panel;
  }

  /** Brings a tail panel back after a window reload, from the hub name kept in the webview's state. */
  async restore(webview: vscode.WebviewPanel, state: unknown): Promise<void> {
    const s = state as Partial<TailRestoreState> | undefined;
    let hub: HubRef | undefined;
    try {
      hub = s?.hub ? (await this.model.eventHubs.allHubs()).find((h) => h.name === s.hub) : undefined;
    } catch (e) {
      this.log.warn(`Could not list the hubs to restore a tail: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!hub || !s?.consumerGroup) {
      // The panel says so and stays until the user closes it: disposing it here, while the workbench is still
      // opening its editor, made the workbench throw "OverlayWebview has been disposed".
      webview.title = `Tail: ${s?.hub ?? 'Event Hub'} (not restored)`;
      webview.webview.html = notRestoredHtml(s?.hub);
      return;
    }
    await this.attach(webview, tailKey(hub, s.consumerGroup, s.partitions), hub, s.consumerGroup, { kind: 'latest' }, 'latest (restored)', s.partitions);
  }

  /**
   * Tails of a local pipeline reconnect as soon as it is back after a restart, rather than when the SDK or the
   * stall watchdog notices (15 s of silence). A pipeline counts as back when its ready line is new.
   */
  followLocal(local: { readonly current: LocalReady | undefined; readonly onDidChange: vscode.Event<void> }): vscode.Disposable {
    let last = local.current;
    return local.onDidChange(() => {
      const now = local.current;
      if (now && now !== last) {
        for (const p of this.panels.values()) p.reconnectIfLocal('the local pipeline restarted; reconnecting');
      }
      last = now;
    });
  }

  dispose(): void {
    this.disposable.dispose();
    for (const p of this.panels.values()) p.panel.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A static page (no script) for a tail whose hub is not in the active profile any more. */
function notRestoredHtml(hub: string | undefined): string {
  const name = hub ? `"${escapeHtml(hub)}"` : 'an Event Hub';
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"></head>`
    + `<body style="font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 1em">`
    + `<p>The tail of ${name} could not be restored: the hub is not in the active profile.</p>`
    + '<p>Close this tab and open the tail again with <strong>Eventline: Tail Event Hub</strong>.</p></body></html>';
}
