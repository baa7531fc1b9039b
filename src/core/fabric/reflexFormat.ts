// The shapes of an Activator (Reflex) item's `ReflexEntities.json` that Eventline writes and reads, and the facts
// about them that are not confirmed by a published schema (functions-fabric-activator.md §6 and §9.5). Every
// UNCONFIRMED fact is a constant here, so correcting one is a one-line change.

/** The definition part that holds the entities (Learn "Reflex definition"). */
export const REFLEX_PART = 'ReflexEntities.json';
/** The item type in the Fabric REST API (fabric-rest-api-specs ItemType enum). */
export const REFLEX_ITEM_TYPE = 'Reflex';
// UNCONFIRMED (§9.5): which minimum templateVersion the service enforces for EmailMessage; skills-for-fabric
// hand-authors 1.2.4, the Learn sample and Eventstream-made readbacks use 1.1.
export const TEMPLATE_VERSION = '1.2.4';
/** The container type for KQL-query sources (§6.2). */
export const CONTAINER_TYPE = 'kqlQueries';
// UNCONFIRMED (§9.5): Learn's table says eventhouseItem.targetUniqueIdentifier; readbacks use itemId/workspaceId/itemType.
export const EVENTHOUSE_ITEM_TYPE = 'KustoDatabase';
// UNCONFIRMED: the query parameter values a kqlSource is stored with; the service sets the window on each run.
export const PARAMETER_PLACEHOLDER_START = '2026-01-01T00:00:00Z';
export const PARAMETER_PLACEHOLDER_END = '2026-01-01T00:05:00Z';
export const MESSAGE_LOCALE = 'en-us';
// UNCONFIRMED: the portal address of an Activator item (Learn links items as /groups/<workspace>/<type>/<id>).
export const REFLEX_PORTAL_SEGMENT = 'reflexes';

/** Row operators by Eventline's names (skills-for-fabric authoring/rule-conditions.md, §6.3). */
export const IS_OPS = { greaterThan: 'IsGreaterThan', greaterThanOrEqual: 'IsGreaterThanOrEqualTo', lessThan: 'IsLessThan', lessThanOrEqual: 'IsLessThanOrEqualTo', equal: 'IsEqualTo', notEqual: 'IsNotEqualTo' } as const;
export const BECOMES_OPS = { greaterThan: 'BecomesGreaterThan', greaterThanOrEqual: 'BecomesGreaterThanOrEqualTo', lessThan: 'BecomesLessThan', lessThanOrEqual: 'BecomesLessThanOrEqualTo' } as const;
export const TREND_OPS = { increasesBy: 'IncreasesByAtLeast', decreasesBy: 'DecreasesByAtLeast', changesBy: 'ChangesByAtLeast' } as const;
// UNCONFIRMED: the spec names IsEqualTo, Contains and BeginsWith ("…" for the rest); the others follow that pattern.
export const TEXT_OPS = { textEquals: 'IsEqualTo', textNotEquals: 'IsNotEqualTo', textContains: 'Contains', textBeginsWith: 'BeginsWith', textEndsWith: 'EndsWith' } as const;
export const SUMMARY_OPS = { average: 'Average', sum: 'Sum', min: 'Min', max: 'Max', count: 'Count' } as const;

export interface EntityRef { targetUniqueIdentifier: string }

export interface ReflexEntity {
  uniqueIdentifier: string;
  type: string;
  payload: {
    name?: string;
    parentContainer?: EntityRef;
    parentObject?: EntityRef;
    definition?: { type: string; instance?: string; settings?: { shouldRun?: boolean; shouldApplyRuleOnUpdate?: boolean } };
    [field: string]: unknown;
  };
}

/** One argument of a row: a scalar, an array of content parts, or a nested reference. */
export interface Arg {
  name?: string;
  kind?: string;
  type: string;
  value?: unknown;
  values?: Arg[];
  arguments?: Arg[];
}
export interface Row { name: string; kind: string; arguments: Arg[] }
export interface Step { name: string; id: string; rows: Row[] }
export interface Template { templateId: string; templateVersion: string; steps: Step[] }

export const str = (name: string, value: string): Arg => ({ name, type: 'string', value });
export const num = (name: string, value: number): Arg => ({ name, type: 'number', value });
export const bool = (name: string, value: boolean): Arg => ({ name, type: 'boolean', value });
export const span = (name: string, ms: number): Arg => ({ name, type: 'timeSpan', value: ms });
export const ref = (kind: 'AttributeReference' | 'EventReference', name: string, entityId: string): Arg => ({ kind, type: 'complex', name, arguments: [str('entityId', entityId)] });

export function argValue(row: Row | undefined, name: string): unknown {
  return row?.arguments.find((a) => a.name === name)?.value;
}

/** The entity ids a row refers to (any `entityId` argument, at any depth). */
export function referencedIds(args: Arg[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.name === 'entityId' && typeof a.value === 'string') out.push(a.value);
    if (a.arguments) out.push(...referencedIds(a.arguments));
    if (a.values) out.push(...referencedIds(a.values));
  }
  return out;
}

export function parseTemplate(e: ReflexEntity): Template | undefined {
  const raw = e.payload.definition?.instance;
  if (typeof raw !== 'string') return undefined;
  try {
    const t = JSON.parse(raw) as Template;
    return t && Array.isArray(t.steps) ? t : undefined;
  } catch {
    return undefined;
  }
}

export function describeEntity(e: ReflexEntity): string {
  const kind = e.payload.definition?.type ?? e.type;
  return `${kind} "${e.payload.name ?? '(no name)'}" (${e.uniqueIdentifier})`;
}

export function reflexUrl(portal: string, workspaceId: string, itemId: string): string {
  return `${portal}/groups/${encodeURIComponent(workspaceId)}/${REFLEX_PORTAL_SEGMENT}/${encodeURIComponent(itemId)}?experience=fabric-developer`;
}
