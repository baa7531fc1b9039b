import type { HubInfo, HubInput as HubInputBody, HubList } from '../../protocol/controlApi';
import { ControlError, type ControlServer } from '../control';
import { NamespaceError, type Hub, type HubInput, type Namespace } from './namespace';

/** The hub as the control API shows it (the extension's tree reads this in the local profile). */
export function describeHub(hub: Hub): HubInfo {
  return {
    name: hub.def.name,
    partitionCount: hub.def.partitionCount,
    consumerGroups: hub.def.consumerGroups,
    retentionHours: hub.def.retentionHours,
    retentionBytes: hub.def.retentionBytes,
    createdAt: hub.def.createdAt,
    partitions: hub.partitions.map((log, i) => ({
      id: String(i),
      beginSequenceNumber: log.nextSeq === 0 ? -1 : log.firstSeq,
      lastEnqueuedSequenceNumber: log.nextSeq - 1,
      lastEnqueuedOffset: String(log.lastOffset),
      lastEnqueuedTimeUtc: log.lastTime > 0 ? new Date(log.lastTime).toISOString() : null,
      isEmpty: log.isEmpty,
      sizeBytes: log.sizeBytes,
    })),
  };
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NamespaceError) throw new ControlError(e.status, e.message);
    throw e;
  }
}

function hubInput(body: unknown): HubInput & HubInputBody {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ControlError(400, 'The body must be a JSON object like {"partitionCount": 4, "consumerGroups": ["reader"]}.');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!['partitionCount', 'consumerGroups', 'retentionHours', 'retentionBytes'].includes(k)) {
      throw new ControlError(400, `Unknown field "${k}"; a hub takes partitionCount, consumerGroups, retentionHours and retentionBytes.`);
    }
  }
  return b;
}

/**
 * GET /api/eventhubs; PUT/DELETE /api/eventhubs/{hub} (PUT body optional: partitionCount, consumerGroups,
 * retentionHours, retentionBytes); PUT/DELETE /api/eventhubs/{hub}/consumergroups/{group}.
 */
export function registerControlRoutes(control: ControlServer, ns: Namespace): void {
  control.route('GET', /^\/api\/eventhubs\/?$/, () => ({ status: 200, body: { eventHubs: ns.list().map(describeHub) } satisfies HubList }));
  control.route('GET', /^\/api\/eventhubs\/([^/]+)\/?$/, (_req, [name]) => {
    const hub = ns.get(name);
    if (!hub) throw new ControlError(404, `Event hub "${name}" does not exist.`);
    return { status: 200, body: describeHub(hub) };
  });
  control.route('PUT', /^\/api\/eventhubs\/([^/]+)\/?$/, (_req, [name], body) => {
    const { hub, created } = guard(() => ns.put(name, hubInput(body)));
    return { status: created ? 201 : 200, body: describeHub(hub) };
  });
  control.route('DELETE', /^\/api\/eventhubs\/([^/]+)\/?$/, (_req, [name]) => {
    guard(() => ns.delete(name));
    return { status: 204 };
  });
  control.route('PUT', /^\/api\/eventhubs\/([^/]+)\/consumergroups\/([^/]+)\/?$/, (_req, [name, group]) => {
    const created = guard(() => ns.putConsumerGroup(name, group));
    return { status: created ? 201 : 200, body: describeHub(ns.get(name)!) };
  });
  control.route('DELETE', /^\/api\/eventhubs\/([^/]+)\/consumergroups\/([^/]+)\/?$/, (_req, [name, group]) => {
    guard(() => ns.deleteConsumerGroup(name, group));
    return { status: 204 };
  });
}
