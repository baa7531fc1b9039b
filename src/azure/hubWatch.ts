// The verification's receiver: counts events that reach a hub from a point in time on, on every partition, with a
// consumer client that never sets an owner level (it must not take a production reader's place).
import type { SubscribeOptions } from '@azure/event-hubs';
import { eventHubConsumerClient, type EventHubTarget } from './clients';
import type { HubWatch } from './functionDeploy';

/** Clocks differ between this machine and the service: start a little before `from`. */
const CLOCK_SLACK_MS = 2000;

export async function watchHub(target: EventHubTarget, from: Date, signal: AbortSignal, consumerGroup = '$Default'): Promise<HubWatch> {
  const client = await eventHubConsumerClient(target, consumerGroup);
  let count = 0;
  let error: string | undefined;
  const subscription = client.subscribe({
    processEvents: async (events) => { count += events.length; },
    processError: async (err) => { error ??= err instanceof Error ? err.message : String(err); },
  }, { startPosition: { enqueuedOn: new Date(from.getTime() - CLOCK_SLACK_MS) }, maxWaitTimeInSeconds: 1 } satisfies SubscribeOptions);
  const close = async () => {
    await subscription.close().catch(() => undefined);
    await client.close().catch(() => undefined);
  };
  signal.addEventListener('abort', () => { void close(); }, { once: true });
  return { count: () => count, error: () => error, close };
}
