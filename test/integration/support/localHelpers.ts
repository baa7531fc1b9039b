import * as assert from 'node:assert/strict';
import { EventHubProducerClient } from '@azure/event-hubs';
import type { EventlineApi } from '../../../src/extension';
import type { LocalReady } from '../../../src/protocol/localReady';
import { manifestUri, writeManifest } from './treeHelpers';

/** Writes a local-profile manifest and has Eventline start its local pipeline (as a child process) with it. */
export async function startLocalProfile(a: EventlineApi, manifest: Record<string, unknown>): Promise<LocalReady> {
  await writeManifest(a, { version: 1, profiles: { local: { kind: 'local' } }, activeProfile: 'local', ...manifest });
  const ready = await a.local.start(manifestUri().fsPath);
  assert.ok(a.local.startedByEventline, 'Eventline started the pipeline as its own child process');
  return ready;
}

/** Sends bodies in one SDK batch to one partition of a local hub. */
export async function sendEvents(ready: LocalReady, hub: string, partitionId: string, bodies: unknown[], properties?: Record<string, unknown>): Promise<void> {
  const producer = new EventHubProducerClient(ready.eventHubs.connectionString, hub);
  try {
    const batch = await producer.createBatch({ partitionId });
    for (const body of bodies) assert.ok(batch.tryAdd({ body, properties }), 'the event fits in the batch');
    await producer.sendBatch(batch);
  } finally {
    await producer.close();
  }
}
