// Fabric item definitions: parts with base64 payloads (`InlineBase64`), the shape every item type's
// create/getDefinition/updateDefinition call carries (Eventstream, KQL database, Reflex, KQL dashboard).

export interface FabricDefinitionPart { path: string; payload: string; payloadType: 'InlineBase64' }
export interface FabricDefinition { format?: string; parts: FabricDefinitionPart[] }

/** A part from text or a JSON value (written with 2-space indentation, as Fabric's own exports are). */
export function encodePart(path: string, content: string | object): FabricDefinitionPart {
  const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
  return { path, payload: Buffer.from(text, 'utf8').toString('base64'), payloadType: 'InlineBase64' };
}

export function decodePart(part: FabricDefinitionPart): string {
  if (part.payloadType !== 'InlineBase64') throw new Error(`Part ${part.path} has payload type ${String(part.payloadType)}; Eventline reads InlineBase64 parts.`);
  return Buffer.from(part.payload, 'base64').toString('utf8');
}

/** A part's JSON, or a message naming the part when it is not JSON. */
export function decodeJsonPart<T>(part: FabricDefinitionPart): T {
  const text = decodePart(part);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`Part ${part.path} of the item's definition is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
