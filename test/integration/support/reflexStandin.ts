// What the Fabric stand-in checks in an Activator (Reflex) definition before it accepts it, written from the wiring
// rules of functions-fabric-activator.md §6.2 (skills-for-fabric authoring.md) independently of Eventline's own
// validator: ReflexEntities.json decoded from its base64 part, an array of {uniqueIdentifier, type, payload}, every
// parentContainer/parentObject/entityId resolving inside the array, instance a JSON string with step ids, one row in
// each ActStep, and the KQL sources pointing at a KQL database the workspace has. The first problem becomes the
// error the service gives (FailedToResolveEntity / InvalidTemplateInstance) naming the entity.
import type { FabricDefinition } from '../../../src/core/fabric/definition';

export interface ReflexRejection { errorCode: string; message: string }
interface Entity { uniqueIdentifier?: unknown; type?: unknown; payload?: Record<string, unknown> }

export function decodeReflexEntities(def: FabricDefinition): Entity[] {
  const part = def.parts.find((p) => p.path === 'ReflexEntities.json');
  if (!part || part.payloadType !== 'InlineBase64') throw new Error(`no InlineBase64 ReflexEntities.json part: ${def.parts.map((p) => p.path).join(', ')}`);
  return JSON.parse(Buffer.from(part.payload, 'base64').toString('utf8')) as Entity[];
}

function ids(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => ids(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.name === 'entityId' && typeof o.value === 'string') out.push(o.value);
    Object.values(o).forEach((x) => ids(x, out));
  }
  return out;
}

/** The rejection the service would give, or undefined when the definition is consistent. */
export function checkReflexDefinition(def: FabricDefinition, kqlDatabases: string[]): ReflexRejection | undefined {
  let entities: Entity[];
  try { entities = decodeReflexEntities(def); } catch (e) { return { errorCode: 'CorruptedPayload', message: String(e) }; }
  if (!Array.isArray(entities)) return { errorCode: 'CorruptedPayload', message: 'ReflexEntities.json is not an array' };
  const known = new Set(entities.map((e) => e.uniqueIdentifier));
  for (const e of entities) {
    const id = String(e.uniqueIdentifier);
    if (typeof e.uniqueIdentifier !== 'string' || typeof e.type !== 'string' || !e.payload) return { errorCode: 'CorruptedPayload', message: `entity ${id} lacks uniqueIdentifier, type or payload` };
    const p = e.payload;
    for (const key of ['parentContainer', 'parentObject']) {
      const target = (p[key] as { targetUniqueIdentifier?: string } | undefined)?.targetUniqueIdentifier;
      if (target !== undefined && !known.has(target)) return { errorCode: 'FailedToResolveEntity', message: `Entity ${id}: ${key} ${target} could not be resolved. DocumentType timeSeriesView not found.` };
    }
    if (e.type === 'kqlSource-v1') {
      const item = p.eventhouseItem as { itemId?: string; itemType?: string } | undefined;
      if (!item?.itemId || !kqlDatabases.includes(item.itemId)) return { errorCode: 'FailedToResolveEntity', message: `Entity ${id}: KQL database item ${item?.itemId ?? '(none)'} could not be resolved.` };
      if (!Array.isArray(p.queryParameters) || !p.metadata) return { errorCode: 'InvalidTemplateInstance', message: `Entity ${id}: kqlSource-v1 needs queryParameters and metadata.` };
    }
    const d = p.definition as { type?: string; instance?: unknown } | undefined;
    if (e.type !== 'timeSeriesView-v1' || !d || d.type === 'Object') continue;
    if (typeof d.instance !== 'string') return { errorCode: 'InvalidTemplateInstance', message: `Entity ${id}: instance must be a string.` };
    const t = JSON.parse(d.instance) as { templateId?: string; steps?: { name: string; id?: string; rows?: unknown[] }[] };
    for (const s of t.steps ?? []) {
      if (!s.id) return { errorCode: 'InvalidTemplateInstance', message: `Entity ${id}: step ${s.name} has no id.` };
      if (s.name === 'ActStep' && s.rows?.length !== 1) return { errorCode: 'RowCountMismatch', message: `Entity ${id}: ActStep needs exactly one row.` };
      if (s.name === 'ActStep') {
        // The bindings' argument lists as Learn's reflex-definition sample gives them (functions-fabric-activator.md §6.4).
        const row = s.rows![0] as { kind?: string; arguments?: { name?: string }[] };
        const want = row.kind === 'TeamsMessage' ? ['messageLocale', 'recipients', 'headline', 'optionalMessage', 'additionalInformation']
          : row.kind === 'EmailMessage' ? ['messageLocale', 'sentTo', 'copyTo', 'bCCTo', 'subject', 'headline', 'optionalMessage', 'additionalInformation'] : undefined;
        if (want && JSON.stringify((row.arguments ?? []).map((x) => x.name)) !== JSON.stringify(want)) return { errorCode: 'InvalidTemplateInstance', message: `Entity ${id}: ${row.kind} takes the arguments ${want.join(', ')}.` };
      }
      for (const ref of ids(s.rows)) if (!known.has(ref)) return { errorCode: 'FailedToResolveEntity', message: `Entity ${id}: ${ref} could not be resolved. DocumentType timeSeriesView not found.` };
    }
  }
  return undefined;
}
