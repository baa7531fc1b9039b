import * as assert from 'node:assert/strict';
import { decodeJsonPart, decodePart, encodePart } from '../../src/core/fabric/definition';
import {
  buildTopology, eventstreamNotes, eventstreamPlans, mergeTopology, newEventstreamDefinition, topologyOf, updatedEventstreamDefinition,
  type EventstreamTopology,
} from '../../src/core/fabric/eventstream';
import type { Manifest } from '../../src/core/manifest';

const TARGET = { workspaceId: 'ws-1', kqlDatabaseItemId: 'db-item-1', databaseName: 'TelemetryDB', dataConnectionId: '11111111-2222-3333-4444-555555555555' };

function manifest(connections: Manifest['connections']): Manifest {
  return { version: 1, name: 'sample-pipeline', eventHubs: [{ name: 'telemetry' }, { name: 'orders' }], connections };
}

describe('Eventstream definition', () => {
  it('makes one Eventstream per hub and consumer group, named <pipeline>-<hub> unless the connection names one', () => {
    const { plans, problems } = eventstreamPlans(manifest([
      { name: 'raw', hub: 'telemetry', table: 'RawReadings', mapping: 'RawReadingsMapping' },
      { name: 'archive', hub: 'telemetry', table: 'Archive' },
      { hub: 'orders', consumerGroup: 'fabric', table: 'Orders', eventstream: 'orders-stream' },
    ]));
    assert.deepEqual(problems, []);
    assert.deepEqual(plans.map((p) => [p.name, p.hub, p.consumerGroup, p.connections.map((c) => c.name)]), [
      ['sample-pipeline-telemetry', 'telemetry', '$Default', ['raw', 'archive']],
      ['orders-stream', 'orders', 'fabric', ['connection-3']],
    ]);
    assert.match(eventstreamNotes(plans[0])[0], /Connection "raw" names mapping "RawReadingsMapping": Eventstream's processed ingestion matches JSON fields to columns by name/);
  });

  it('refuses connections that would share a default stream across hubs, and CSV', () => {
    const { plans, problems } = eventstreamPlans(manifest([
      { name: 'a', hub: 'telemetry', table: 'A', eventstream: 'shared' },
      { name: 'b', hub: 'orders', table: 'B', eventstream: 'shared' },
      { name: 'c', hub: 'orders', table: 'C', format: 'csv' },
    ]));
    assert.equal(plans.length, 1);
    assert.match(problems[0], /Connection "b" reads orders\/\$Default but shares Eventstream "shared" with "a", which reads telemetry\/\$Default/);
    assert.match(problems[1], /Connection "c" reads CSV/);
  });

  it('builds Event Hubs source → default stream <name>-stream → one Eventhouse destination per table (processed ingestion, KQL database item id)', () => {
    const [plan] = eventstreamPlans(manifest([{ name: 'raw', hub: 'telemetry', table: 'RawReadings' }, { name: 'raw2', hub: 'telemetry', table: 'raw-readings' }])).plans;
    const t = buildTopology(plan, TARGET);
    assert.deepEqual(t, {
      sources: [{ name: 'EventlineTelemetrySource', type: 'AzureEventHub', properties: { dataConnectionId: TARGET.dataConnectionId, consumerGroupName: '$Default', inputSerialization: { type: 'Json', properties: { encoding: 'UTF8' } } } }],
      streams: [{ name: 'sample-pipeline-telemetry-stream', type: 'DefaultStream', properties: {}, inputNodes: [{ name: 'EventlineTelemetrySource' }] }],
      operators: [],
      destinations: [
        { name: 'EventlineToRawReadings', type: 'Eventhouse', properties: { dataIngestionMode: 'ProcessedIngestion', workspaceId: 'ws-1', itemId: 'db-item-1', databaseName: 'TelemetryDB', tableName: 'RawReadings', inputSerialization: { type: 'Json', properties: { encoding: 'UTF8' } } }, inputNodes: [{ name: 'sample-pipeline-telemetry-stream' }] },
        { name: 'EventlineToRawReadings2', type: 'Eventhouse', properties: { dataIngestionMode: 'ProcessedIngestion', workspaceId: 'ws-1', itemId: 'db-item-1', databaseName: 'TelemetryDB', tableName: 'raw-readings', inputSerialization: { type: 'Json', properties: { encoding: 'UTF8' } } }, inputNodes: [{ name: 'sample-pipeline-telemetry-stream' }] },
      ],
      compatibilityLevel: '1.0',
    });
  });

  it('encodes the new item\'s parts as base64 JSON that decodes back', () => {
    const [plan] = eventstreamPlans(manifest([{ hub: 'telemetry', table: 'RawReadings' }])).plans;
    const def = newEventstreamDefinition(buildTopology(plan, TARGET));
    assert.deepEqual(def.parts.map((p) => [p.path, p.payloadType]), [['eventstream.json', 'InlineBase64'], ['eventstreamProperties.json', 'InlineBase64']]);
    assert.deepEqual(decodeJsonPart(def.parts[1]), { retentionTimeInDays: 1, eventThroughputLevel: 'Low' });
    assert.equal(topologyOf(def)?.sources[0].name, 'EventlineTelemetrySource');
    assert.equal(decodePart(encodePart('x.txt', 'héllo')), 'héllo');
    assert.throws(() => decodeJsonPart(encodePart('eventstream.json', '{nope')), /Part eventstream\.json of the item's definition is not JSON/);
  });

  it('updates an existing item: keeps the user\'s nodes and the ids of Eventline\'s, drops Eventline nodes it no longer wants, leaves out .platform', () => {
    const existing: EventstreamTopology = {
      compatibilityLevel: '1.1',
      sources: [
        { id: 'src-1', name: 'EventlineTelemetrySource', type: 'AzureEventHub', properties: { dataConnectionId: 'old', consumerGroupName: '$Default', inputSerialization: {} } },
        { id: 'src-user', name: 'SampleData', type: 'SampleData', properties: { type: 'Bicycles' } },
      ],
      streams: [
        { id: 'stream-1', name: 'renamed-stream', type: 'DefaultStream', properties: {}, inputNodes: [{ name: 'EventlineTelemetrySource', id: 'src-1' }, { name: 'SampleData', id: 'src-user' }] },
        { id: 'derived-1', name: 'Hot', type: 'DerivedStream', properties: { inputSerialization: {} }, inputNodes: [{ name: 'FilterHot' }] },
      ],
      operators: [{ id: 'op-1', name: 'FilterHot', type: 'Filter', properties: {}, inputNodes: [{ name: 'renamed-stream' }] }],
      destinations: [
        { id: 'dst-1', name: 'EventlineToRawReadings', type: 'Eventhouse', properties: { tableName: 'RawReadings' }, inputNodes: [{ name: 'renamed-stream' }] },
        { id: 'dst-old', name: 'EventlineToTelemetry', type: 'Eventhouse', properties: { tableName: 'Telemetry' }, inputNodes: [{ name: 'renamed-stream' }] },
        { id: 'dst-user', name: 'HotAlerts', type: 'Activator', properties: {}, inputNodes: [{ name: 'Hot' }] },
      ],
      someFutureField: { keep: true },
    };
    const [plan] = eventstreamPlans(manifest([{ hub: 'telemetry', table: 'RawReadings' }])).plans;
    const merged = mergeTopology(existing, buildTopology(plan, TARGET));
    assert.deepEqual(merged.sources.map((n) => [n.name, n.id, n.properties.dataConnectionId]), [['SampleData', 'src-user', undefined], ['EventlineTelemetrySource', 'src-1', TARGET.dataConnectionId]]);
    assert.deepEqual(merged.streams.map((n) => [n.name, n.id, (n.inputNodes ?? []).map((i) => i.name)]), [['renamed-stream', 'stream-1', ['SampleData', 'EventlineTelemetrySource']], ['Hot', 'derived-1', ['FilterHot']]]);
    assert.deepEqual(merged.operators, existing.operators);
    assert.deepEqual(merged.destinations.map((n) => [n.name, n.id, (n.inputNodes ?? []).map((i) => i.name)]), [['HotAlerts', 'dst-user', ['Hot']], ['EventlineToRawReadings', 'dst-1', ['renamed-stream']]]);
    assert.equal(merged.compatibilityLevel, '1.1');
    assert.deepEqual(merged.someFutureField, { keep: true });
    const read = { parts: [encodePart('eventstream.json', existing), encodePart('eventstreamProperties.json', { retentionTimeInDays: 7, eventThroughputLevel: 'Medium' }), encodePart('.platform', { metadata: {} })] };
    const updated = updatedEventstreamDefinition(read, merged);
    assert.deepEqual(updated.parts.map((p) => p.path), ['eventstream.json', 'eventstreamProperties.json']);
    assert.deepEqual(decodeJsonPart(updated.parts[1]), { retentionTimeInDays: 7, eventThroughputLevel: 'Medium' });
    assert.deepEqual(topologyOf(updated), merged);
  });
});
