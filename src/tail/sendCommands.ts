import * as vscode from 'vscode';
import type { EventHubProducerClient } from '@azure/event-hubs';
import { eventHubProducerClient } from '../azure/clients';
import { UserCancelledError } from '../core/errors';
import { paceDelay, parseNdjson, type OutgoingEvent } from '../core/tail/ndjson';
import { registerCommand } from '../common/registerCommand';
import { hubOfNode, hubTarget, PartitionNode, type HubNode } from '../tree/eventHubsNodes';
import type { PipelineTreeProvider } from '../tree/pipelineTree';
import { hubFromPalette } from './tailCommands';

async function hubOf(node: unknown, tree: PipelineTreeProvider, title: string): Promise<HubNode> {
  return hubOfNode(node) ?? hubFromPalette(tree, title);
}

/** Sends events in SDK batches, each batch to one partition key or id; returns how many were sent. */
async function sendAll(producer: EventHubProducerClient, events: OutgoingEvent[], opts: { perSecond?: number; signal?: AbortSignal; onProgress?: (sent: number) => void } = {}): Promise<number> {
  const started = Date.now();
  let sent = 0;
  let i = 0;
  while (i < events.length) {
    if (opts.signal?.aborted) throw new UserCancelledError();
    const first = events[i];
    const batch = await producer.createBatch(first.partitionId ? { partitionId: first.partitionId } : first.partitionKey ? { partitionKey: first.partitionKey } : {});
    // A batch holds events for one destination, and with a rate set, only what is due within ~100 ms.
    const due = opts.perSecond ? Math.max(1, Math.ceil(opts.perSecond / 10)) : Number.MAX_SAFE_INTEGER;
    let n = 0;
    while (i < events.length && n < due) {
      const e = events[i];
      if (e.partitionId !== first.partitionId || e.partitionKey !== first.partitionKey) break;
      if (!batch.tryAdd({ body: e.body, properties: e.properties })) {
        if (n === 0) throw new Error(`Event ${i + 1} is larger than the hub accepts (${batch.maxSizeInBytes} bytes per batch).`);
        break;
      }
      i++;
      n++;
    }
    const wait = paceDelay(sent, opts.perSecond ?? 0, started, Date.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await producer.sendBatch(batch, { abortSignal: opts.signal });
    sent += n;
    opts.onProgress?.(sent);
  }
  return sent;
}

function isObjectJson(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

export interface SendArgs { body?: unknown; properties?: Record<string, unknown>; partitionKey?: string; partitionId?: string }
export interface ReplayArgs { file?: vscode.Uri; perSecond?: number }

export function registerSendCommands(tree: PipelineTreeProvider, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand('eventline.sendTestEvent', log, async (node?: unknown, args: SendArgs = {}) => {
      const hub = await hubOf(node, tree, 'Send Test Event: to which hub?');
      let body = args.body;
      if (body === undefined) {
        // ignoreFocusOut on every step: the tail this is usually sent to sits beside it, and a click there must not
        // throw away the answers given so far.
        const text = await vscode.window.showInputBox({
          title: `Send a test event to ${hub.hub}`, prompt: 'The event body: JSON, or plain text', value: '{"temperature": 21.5, "site": "A"}', ignoreFocusOut: true,
        });
        if (text === undefined) throw new UserCancelledError();
        try { body = JSON.parse(text); } catch { body = text; }
      }
      let partitionKey = args.partitionKey;
      let partitionId = args.partitionId ?? (node instanceof PartitionNode ? node.partitionId : undefined);
      let properties = args.properties;
      if (args.body === undefined && partitionKey === undefined && partitionId === undefined) {
        const route = await vscode.window.showQuickPick([
          { label: 'Let the hub choose a partition', id: 'any' },
          { label: 'By partition key…', description: 'events with one key keep their order on one partition', id: 'key' },
          { label: 'To a partition…', id: 'id' },
        ], { title: `Send a test event to ${hub.hub}: routing`, ignoreFocusOut: true });
        if (!route) throw new UserCancelledError();
        if (route.id === 'key') {
          partitionKey = await vscode.window.showInputBox({ title: 'Partition key', ignoreFocusOut: true, validateInput: (v) => (v ? undefined : 'Enter a key.') });
          if (!partitionKey) throw new UserCancelledError();
        } else if (route.id === 'id') {
          const id = await vscode.window.showQuickPick((await hub.partitionIds()).map((p) => ({ label: `Partition ${p}`, id: p })), { title: 'Send to partition', ignoreFocusOut: true });
          if (!id) throw new UserCancelledError();
          partitionId = id.id;
        }
      }
      if (args.body === undefined && properties === undefined) {
        const text = await vscode.window.showInputBox({
          title: 'Application properties (optional)', ignoreFocusOut: true, prompt: 'A JSON object such as {"source": "test"}; leave empty for none',
          validateInput: (v) => (!v.trim() || isObjectJson(v) ? undefined : 'Enter a JSON object, or leave it empty.'),
        });
        if (text === undefined) throw new UserCancelledError();
        properties = text.trim() ? JSON.parse(text) as Record<string, unknown> : undefined;
      }
      const producer = await eventHubProducerClient(hubTarget(hub.ctx, hub.location, hub.hub));
      try {
        await sendAll(producer, [{ body, properties, partitionKey, partitionId }]);
      } finally {
        await producer.close();
      }
      void vscode.window.showInformationMessage(`Sent a test event to ${hub.hub}${partitionId ? ` partition ${partitionId}` : ''}.`);
      return 1;
    }),
    registerCommand('eventline.replayFile', log, async (node?: unknown, args: ReplayArgs = {}) => {
      const hub = await hubOf(node, tree, 'Replay Events from File: into which hub?');
      const file = args.file ?? (await vscode.window.showOpenDialog({ title: `Replay events into ${hub.hub}`, filters: { 'NDJSON events': ['ndjson', 'jsonl', 'json'] }, canSelectMany: false }))?.[0];
      if (!file) throw new UserCancelledError();
      const parsed = parseNdjson(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
      if (parsed.errors.length) {
        const first = parsed.errors.slice(0, 3).map((e) => `line ${e.line}: ${e.message}`).join('; ');
        throw new Error(`${vscode.workspace.asRelativePath(file)} has ${parsed.errors.length} bad line(s) (${first}). Fix them and replay again; nothing was sent.`);
      }
      let perSecond = args.perSecond;
      if (perSecond === undefined) {
        const text = await vscode.window.showInputBox({ title: 'Replay rate', ignoreFocusOut: true, prompt: 'Events per second (0 = as fast as possible)', value: '100', validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'Enter a whole number.') });
        if (text === undefined) throw new UserCancelledError();
        perSecond = Number(text);
      }
      const producer = await eventHubProducerClient(hubTarget(hub.ctx, hub.location, hub.hub));
      try {
        const sent = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Replaying ${parsed.events.length} events into ${hub.hub}`, cancellable: true }, (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let last = 0;
          return sendAll(producer, parsed.events, {
            perSecond, signal: controller.signal,
            onProgress: (n) => { progress.report({ increment: ((n - last) / parsed.events.length) * 100, message: `${n} / ${parsed.events.length}` }); last = n; },
          });
        });
        void vscode.window.showInformationMessage(`Replayed ${sent} events into ${hub.hub}.`);
        return sent;
      } finally {
        await producer.close();
      }
    }),
  );
}
