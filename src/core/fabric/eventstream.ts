// The Fabric Eventstream for the manifest's hub → table connections: an Azure Event Hubs source (its consumer group,
// JSON input) → the default stream `<name>-stream` → one Eventhouse destination per table (workspace, KQL DATABASE
// item id, table, JSON input, processed ingestion). Field names from fabric-rest-api-specs eventstream/definitions
// (source.json, destination.json, serialization.json) and the Learn eventstream-definition page; see
// functions-fabric-activator.md §4. Updating keeps what the user added in Fabric: only Eventline's own nodes (names
// starting with "Eventline") are replaced, and existing nodes keep their ids.
import type { Connection, Manifest } from '../manifest';
import { decodeJsonPart, encodePart, type FabricDefinition, type FabricDefinitionPart } from './definition';

export const EVENTSTREAM_PART = 'eventstream.json';
export const EVENTSTREAM_PROPERTIES_PART = 'eventstreamProperties.json';
export const PLATFORM_PART = '.platform';
/** Every node Eventline writes is named with this prefix, so an update can tell its nodes from the user's. */
export const NODE_PREFIX = 'Eventline';

export interface EventstreamNode {
  id?: string;
  name: string;
  type: string;
  properties: Record<string, unknown>;
  inputNodes?: { name: string; id?: string }[];
  [other: string]: unknown;
}

export interface EventstreamTopology {
  sources: EventstreamNode[];
  destinations: EventstreamNode[];
  streams: EventstreamNode[];
  operators: EventstreamNode[];
  compatibilityLevel: string;
  [other: string]: unknown;
}

/** One Eventstream item: the connections that read one hub with one consumer group. */
export interface EventstreamPlan {
  name: string;
  hub: string;
  consumerGroup: string;
  connections: (Connection & { name: string })[];
}

export interface EventstreamTarget {
  workspaceId: string;
  /** The KQL database item id (not the Eventhouse's: Fabric cannot find the cluster from an Eventhouse id). */
  kqlDatabaseItemId: string;
  databaseName: string;
  /** The Fabric cloud connection the Event Hubs source reads the hub through. */
  dataConnectionId: string;
}

const JSON_INPUT = { type: 'Json', properties: { encoding: 'UTF8' } };
// eventstreamProperties.json for a new item: the documented defaults (retention 1–90 days; throughput Low/Medium/High).
const NEW_ITEM_PROPERTIES = { retentionTimeInDays: 1, eventThroughputLevel: 'Low' };

/** Letters and digits only, each word capitalised: node names must be ≥3 letters or digits. */
export function pascal(text: string): string {
  return text.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/** A Fabric display name from a pipeline and hub name (letters, digits, `_` and `-`). */
export function eventstreamNameFor(pipeline: string, hub: string): string {
  return `${pipeline}-${hub}`.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'eventline-stream';
}

/**
 * The Eventstreams the manifest's connections make: connections that read the same hub with the same consumer
 * group share one (its source reads the hub once; each table is a destination). `connections[].eventstream`
 * names it; otherwise `<pipeline>-<hub>`.
 */
export function eventstreamPlans(manifest: Manifest): { plans: EventstreamPlan[]; problems: string[] } {
  const plans = new Map<string, EventstreamPlan>();
  const problems: string[] = [];
  (manifest.connections ?? []).forEach((c, i) => {
    const named = { ...c, name: c.name ?? `connection-${i + 1}` };
    const consumerGroup = c.consumerGroup ?? '$Default';
    if (c.format === 'csv') {
      problems.push(`Connection "${named.name}" reads CSV; Eventline deploys Eventstreams for JSON events only. Set its "format" to "json" (or "multijson"), or build this Eventstream in Fabric.`);
      return;
    }
    const name = c.eventstream ?? eventstreamNameFor(manifest.name, c.hub);
    const plan = plans.get(name);
    if (!plan) {
      plans.set(name, { name, hub: c.hub, consumerGroup, connections: [named] });
      return;
    }
    if (plan.hub !== c.hub || plan.consumerGroup !== consumerGroup) {
      problems.push(`Connection "${named.name}" reads ${c.hub}/${consumerGroup} but shares Eventstream "${name}" with "${plan.connections[0].name}", which reads ${plan.hub}/${plan.consumerGroup}. An Eventstream has one default stream: give the connection its own "eventstream" name.`);
      return;
    }
    plan.connections.push(named);
  });
  return { plans: [...plans.values()], problems };
}

/** What the user should know about a plan that does not stop the deploy. */
export function eventstreamNotes(plan: EventstreamPlan): string[] {
  return plan.connections.filter((c) => c.mapping).map((c) =>
    `Connection "${c.name}" names mapping "${c.mapping}": Eventstream's processed ingestion matches JSON fields to columns by name and takes no mapping (the local connector and direct ingestion use it). Name the table's columns as the events' fields.`);
}

export function sourceNodeName(hub: string): string {
  return `${NODE_PREFIX}${pascal(hub) || 'Hub'}Source`;
}

/** The Eventstream topology Eventline wants for a plan, before it meets an existing item. */
export function buildTopology(plan: EventstreamPlan, target: EventstreamTarget): EventstreamTopology {
  const source = sourceNodeName(plan.hub);
  const stream = `${plan.name}-stream`;
  const used = new Set<string>([source]);
  const destinations = plan.connections.map<EventstreamNode>((c) => {
    let name = `${NODE_PREFIX}To${pascal(c.table) || 'Table'}`;
    for (let n = 2; used.has(name); n++) name = `${NODE_PREFIX}To${pascal(c.table) || 'Table'}${n}`;
    used.add(name);
    return {
      name,
      type: 'Eventhouse',
      properties: {
        dataIngestionMode: 'ProcessedIngestion',
        workspaceId: target.workspaceId,
        itemId: target.kqlDatabaseItemId,
        databaseName: target.databaseName,
        tableName: c.table,
        inputSerialization: JSON_INPUT,
      },
      inputNodes: [{ name: stream }],
    };
  });
  return {
    sources: [{ name: source, type: 'AzureEventHub', properties: { dataConnectionId: target.dataConnectionId, consumerGroupName: plan.consumerGroup, inputSerialization: JSON_INPUT } }],
    streams: [{ name: stream, type: 'DefaultStream', properties: {}, inputNodes: [{ name: source }] }],
    operators: [],
    destinations,
    compatibilityLevel: '1.0',
  };
}

const ours = (n: { name: string }) => n.name.startsWith(NODE_PREFIX);

/**
 * The built topology laid over an existing item's: the user's own nodes, operators and derived streams stay; Eventline's
 * nodes are replaced (and ones it no longer wants removed); a node that existed keeps its id (updates need them).
 * UNCONFIRMED: whether a node added by an update may come without an id (the definition page says ids are optional
 * on create and required on update; Eventline sends none for new nodes).
 */
export function mergeTopology(existing: EventstreamTopology | undefined, built: EventstreamTopology): EventstreamTopology {
  if (!existing) return built;
  const withId = (node: EventstreamNode, from: EventstreamNode[]): EventstreamNode => {
    const prior = from.find((p) => p.name === node.name);
    return prior?.id ? { ...node, id: prior.id } : node;
  };
  const builtStream = built.streams.find((s) => s.type === 'DefaultStream')!;
  const priorDefault = (existing.streams ?? []).find((s) => s.type === 'DefaultStream');
  // Exactly one default stream: an existing one keeps its name and id, and the user's inputs into it.
  const streamName = priorDefault?.name ?? builtStream.name;
  const defaultStream: EventstreamNode = {
    ...(priorDefault ?? builtStream),
    name: streamName,
    inputNodes: [...(priorDefault?.inputNodes ?? []).filter((i) => !ours(i)), ...(builtStream.inputNodes ?? [])],
  };
  const retarget = (d: EventstreamNode): EventstreamNode => ({ ...d, inputNodes: (d.inputNodes ?? []).map((i) => (i.name === builtStream.name ? { name: streamName } : i)) });
  return {
    ...existing,
    sources: [...(existing.sources ?? []).filter((n) => !ours(n)), ...built.sources.map((n) => withId(n, existing.sources ?? []))],
    streams: [defaultStream, ...(existing.streams ?? []).filter((s) => s !== priorDefault)],
    operators: existing.operators ?? [],
    destinations: [...(existing.destinations ?? []).filter((n) => !ours(n)), ...built.destinations.map((n) => withId(retarget(n), existing.destinations ?? []))],
    compatibilityLevel: existing.compatibilityLevel ?? built.compatibilityLevel,
  };
}

/** The definition to create an item with. */
export function newEventstreamDefinition(topology: EventstreamTopology): FabricDefinition {
  return { parts: [encodePart(EVENTSTREAM_PART, topology), encodePart(EVENTSTREAM_PROPERTIES_PART, NEW_ITEM_PROPERTIES)] };
}

/**
 * The definition to update an item with: its parts as read, eventstream.json replaced. `.platform` is left out
 * because updateDefinition applies it only with updateMetadata=true, which Eventline does not ask for.
 */
export function updatedEventstreamDefinition(existing: FabricDefinition, topology: EventstreamTopology): FabricDefinition {
  const kept = existing.parts.filter((p) => p.path !== EVENTSTREAM_PART && p.path !== PLATFORM_PART);
  return { ...(existing.format ? { format: existing.format } : {}), parts: [encodePart(EVENTSTREAM_PART, topology), ...kept] };
}

/** The topology in a definition read back from Fabric (undefined when the item has none yet). */
export function topologyOf(definition: FabricDefinition): EventstreamTopology | undefined {
  const part = definition.parts.find((p: FabricDefinitionPart) => p.path === EVENTSTREAM_PART);
  return part ? decodeJsonPart<EventstreamTopology>(part) : undefined;
}
