/** One event to send: a body, and optionally application properties and a partition key or id. */
export interface OutgoingEvent { body: unknown; properties?: Record<string, unknown>; partitionKey?: string; partitionId?: string }

export interface ParsedNdjson { events: OutgoingEvent[]; errors: { line: number; message: string }[] }

/**
 * Reads an NDJSON file of events. A line that is an object with a `body` key is taken as an event envelope
 * (body, properties, partitionKey/partitionId), as the tail's "Save" writes them; any other JSON value is the
 * body itself. Blank lines are skipped; bad lines are reported with their number, never silently dropped.
 */
export function parseNdjson(text: string): ParsedNdjson {
  const events: OutgoingEvent[] = [];
  const errors: { line: number; message: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      errors.push({ line: i + 1, message: `not JSON (${e instanceof Error ? e.message : String(e)})` });
      return;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'body' in v) {
      const env = v as { body: unknown; properties?: unknown; partitionKey?: unknown; partitionId?: unknown };
      if (env.properties !== undefined && (typeof env.properties !== 'object' || env.properties === null || Array.isArray(env.properties))) {
        errors.push({ line: i + 1, message: '"properties" must be an object' });
        return;
      }
      events.push({
        body: env.body,
        properties: env.properties as Record<string, unknown> | undefined,
        partitionKey: typeof env.partitionKey === 'string' ? env.partitionKey : undefined,
        partitionId: typeof env.partitionId === 'string' ? env.partitionId : undefined,
      });
    } else {
      events.push({ body: v });
    }
  });
  return { events, errors };
}

/** How long to wait before sending event number `sent` so that the overall rate stays at `perSecond`. */
export function paceDelay(sent: number, perSecond: number, startedAt: number, now: number): number {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) return 0;
  return Math.max(0, startedAt + (sent / perSecond) * 1000 - now);
}
