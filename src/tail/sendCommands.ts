import * as vscode from 'vscode';
import type { EventHubProducerClient } from '@azure/event-hubs';
import { eventHubProducerClient } from '../azure/clients';
import { UserCancelledError } from '../core/errors';
import { paceDelay, parseNdjson, type OutgoingEvent } from '../core/tail/ndjson';
import { prompts } from '../common/prompt';
import { registerCommand } from '../common/registerCommand';
import type { PipelineModel } from '../model/pipelineModel';
import { hubOf, refOf, type HubRef } from '../model/refs';
import { pickHub } from './tailManager';

async function hubArg(model: PipelineModel, arg: unknown, title: string): Promise<HubRef> {
  return hubOf(refOf(arg)) ?? pickHub(model, title);
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

export function registerSendCommands(model: PipelineModel, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand('eventline.sendTestEvent', log, async (node?: unknown) => {
      const ref = refOf(node);
      const hub = await hubArg(model, node, 'Send Test Event: to which hub?');
      const text = await prompts.input({ title: `Send a test event to ${hub.name}`, prompt: 'The event body: JSON, or plain text', value: `{"siteId": "A", "temperature": 21.5, "timestamp": "${new Date().toISOString()}"}` });
      let body: unknown;
      try { body = JSON.parse(text); } catch { body = text; }
      let partitionKey: string | undefined;
      let partitionId = ref?.kind === 'partition' ? ref.partitionId : undefined;
      if (partitionId === undefined) {
        const route = await prompts.pick([
          { label: 'Let the hub choose a partition', value: 'any' },
          { label: 'By partition key…', description: 'events with one key keep their order on one partition', value: 'key' },
          { label: 'To a partition…', value: 'id' },
        ], { title: `Send a test event to ${hub.name}: routing` });
        if (route === 'key') {
          partitionKey = await prompts.input({ title: 'Partition key', validate: (v) => (v ? undefined : 'Enter a key.') });
        } else if (route === 'id') {
          partitionId = await prompts.pick((await model.eventHubs.partitionIds(hub)).map((p) => ({ label: `Partition ${p}`, value: p })), { title: 'Send to partition' });
        }
      }
      const propsText = await prompts.input({
        title: 'Application properties (optional)', prompt: 'A JSON object such as {"source": "test"}; leave empty for none',
        validate: (v) => (!v.trim() || isObjectJson(v) ? undefined : 'Enter a JSON object, or leave it empty.'),
      });
      const properties = propsText.trim() ? JSON.parse(propsText) as Record<string, unknown> : undefined;
      const producer = await eventHubProducerClient(await model.eventHubs.target(hub));
      try {
        await sendAll(producer, [{ body, properties, partitionKey, partitionId }]);
      } finally {
        await producer.close();
      }
      void vscode.window.showInformationMessage(`Sent a test event to ${hub.name}${partitionId ? ` partition ${partitionId}` : ''}.`);
      return 1;
    }),
    registerCommand('eventline.replayFile', log, async (node?: unknown) => {
      const hub = await hubArg(model, node, 'Replay Events from File: into which hub?');
      const file = await prompts.openFile({ title: `Replay events into ${hub.name}`, filters: { 'NDJSON events': ['ndjson', 'jsonl', 'json'] } });
      const parsed = parseNdjson(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
      if (parsed.errors.length) {
        const first = parsed.errors.slice(0, 3).map((e) => `line ${e.line}: ${e.message}`).join('; ');
        throw new Error(`${vscode.workspace.asRelativePath(file)} has ${parsed.errors.length} bad line(s) (${first}). Fix them and replay again; nothing was sent.`);
      }
      const perSecond = Number((await prompts.input({ title: 'Replay rate', prompt: 'Events per second (0 = as fast as possible)', value: '100', validate: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'Enter a whole number.') })).trim());
      const producer = await eventHubProducerClient(await model.eventHubs.target(hub));
      try {
        const sent = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Replaying ${parsed.events.length} events into ${hub.name}`, cancellable: true }, (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let last = 0;
          return sendAll(producer, parsed.events, {
            perSecond, signal: controller.signal,
            onProgress: (n) => { progress.report({ increment: ((n - last) / parsed.events.length) * 100, message: `${n} / ${parsed.events.length}` }); last = n; },
          });
        });
        void vscode.window.showInformationMessage(`Replayed ${sent} events into ${hub.name}.`);
        return sent;
      } finally {
        await producer.close();
      }
    }),
  );
}
