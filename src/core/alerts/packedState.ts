// How a rule's per-object state is laid out in its file: one array per field across the objects, with times as
// offsets from the rule's watermark, rather than one JSON object per object with every key spelled out and every
// time as a 13-digit number (not a small integer, so slow to print). The runner writes every rule's state each cycle:
// for bench:alerts' 100 rules over 1,000 objects the state was 6.0 MB and 44 ms of JSON.stringify nested, 2.3 MB and
// 22 ms packed, and its files 8.0 MB a cycle with the outbox, now 4.8 MB. Files written nested are still read.
import type { ObjectState, RuleState } from './evaluate';
import type { Scalar } from './rule';

type Row = Record<string, unknown>;
/** An open tumbling window: start (offset), count, sum, min, max, its last row. */
type PackedWindow = [number, number, number, number, number, Row];

/** The columns; a field no object has is left out. `null` where one object has no value for it. */
export interface PackedObjects {
  /** Times are offsets from it (the watermark, or 0). */
  base: number;
  keys: string[];
  lastTime?: (number | null)[];
  lastValue?: (Scalar | null)[];
  lastRow?: (Row | null)[];
  lastSeen?: (number | null)[];
  trueSince?: (number | null)[];
  runFired?: (boolean | null)[];
  hits?: (number[] | null)[];
  lastFired?: (number | null)[];
  silenceFired?: (boolean | null)[];
  win?: (PackedWindow | null)[];
}

export type PackedRuleState = Omit<RuleState, 'objects'> & { packed: PackedObjects };

const COLUMNS = ['lastTime', 'lastValue', 'lastRow', 'lastSeen', 'trueSince', 'runFired', 'hits', 'lastFired', 'silenceFired', 'win'] as const;
type Column = (typeof COLUMNS)[number];

export function packState(state: RuleState): PackedRuleState {
  const { objects, ...rest } = state;
  const base = state.watermark ?? 0;
  const keys = Object.keys(objects);
  const n = keys.length;
  const packed: PackedObjects = { base, keys };
  // A column is made when the first object that has the field is met, with nulls for the objects before it.
  const column = <K extends Column>(name: K): NonNullable<PackedObjects[K]> =>
    (packed[name] ??= new Array(n).fill(null) as NonNullable<PackedObjects[K]>);
  for (let i = 0; i < n; i++) {
    const o = objects[keys[i]];
    if (o.lastTime !== undefined) {
      column('lastTime')[i] = o.lastTime - base;
      column('lastValue')[i] = o.lastValue ?? null;
      if (o.lastRow) column('lastRow')[i] = o.lastRow;
    }
    if (o.lastSeen !== undefined) column('lastSeen')[i] = o.lastSeen - base;
    if (o.trueSince !== undefined) column('trueSince')[i] = o.trueSince - base;
    if (o.runFired !== undefined) column('runFired')[i] = o.runFired;
    if (o.hits) column('hits')[i] = o.hits.map((h) => h - base);
    if (o.lastFired !== undefined) column('lastFired')[i] = o.lastFired - base;
    if (o.silenceFired !== undefined) column('silenceFired')[i] = o.silenceFired;
    if (o.win) column('win')[i] = [o.win.start - base, o.win.count, o.win.sum, o.win.min, o.win.max, o.win.row];
  }
  return { ...rest, packed };
}

/** The state packState() was given; a malformed one throws (the store then sets the file aside). */
export function unpackState(state: PackedRuleState): RuleState {
  const { packed: p, ...rest } = state;
  if (!p || typeof p.base !== 'number' || !Array.isArray(p.keys)) throw new Error('packed alert state without base and keys');
  const n = p.keys.length;
  for (const name of COLUMNS) {
    const col = p[name];
    if (col !== undefined && (!Array.isArray(col) || col.length !== n)) throw new Error(`packed alert state: ${name} has ${Array.isArray(col) ? col.length : 'no'} entries for ${n} objects`);
  }
  const base = p.base;
  const objects = Object.create(null) as Record<string, ObjectState>;
  for (let i = 0; i < n; i++) {
    const o: ObjectState = {};
    const time = p.lastTime?.[i];
    if (time !== undefined && time !== null) {
      o.lastTime = time + base;
      o.lastValue = p.lastValue?.[i] ?? null;
      const row = p.lastRow?.[i];
      if (row) o.lastRow = row;
    }
    const at = (col: (number | null)[] | undefined) => (col?.[i] === undefined || col[i] === null ? undefined : col[i]! + base);
    const lastSeen = at(p.lastSeen);
    if (lastSeen !== undefined) o.lastSeen = lastSeen;
    const trueSince = at(p.trueSince);
    if (trueSince !== undefined) o.trueSince = trueSince;
    const runFired = p.runFired?.[i];
    if (runFired !== undefined && runFired !== null) o.runFired = runFired;
    const hits = p.hits?.[i];
    if (hits) o.hits = hits.map((h) => h + base);
    const lastFired = at(p.lastFired);
    if (lastFired !== undefined) o.lastFired = lastFired;
    const silenceFired = p.silenceFired?.[i];
    if (silenceFired !== undefined && silenceFired !== null) o.silenceFired = silenceFired;
    const w = p.win?.[i];
    if (w) o.win = { start: w[0] + base, count: w[1], sum: w[2], min: w[3], max: w[4], row: w[5] };
    objects[p.keys[i]] = o;
  }
  return { ...rest, objects };
}

export function isPacked(state: RuleState | PackedRuleState | NestedRuleState): state is PackedRuleState {
  return 'packed' in state;
}

/** An object's state as files written before 452f1fd hold it: the last value as an object of its own. */
export type NestedObjectState = Omit<ObjectState, 'lastTime' | 'lastValue' | 'lastRow'> & { last?: { time: number; value: Scalar | null; row?: Row } };
export type NestedRuleState = Omit<RuleState, 'objects'> & { objects: Record<string, NestedObjectState> };

/** A state in the nested form, as the evaluator keeps it now. */
export function unnestState(state: NestedRuleState): RuleState {
  const objects = Object.create(null) as Record<string, ObjectState>;
  for (const [key, { last, ...rest }] of Object.entries(state.objects ?? {})) {
    const o: ObjectState = rest;
    if (last) {
      o.lastTime = last.time;
      o.lastValue = last.value;
      if (last.row) o.lastRow = last.row;
    }
    objects[key] = o;
  }
  return { ...state, objects };
}
