// The sample source's data: sensor readings from a few sites, computed from the time alone (no storage), so any
// time range always answers with the same records — the source is stable, which makes "every record once"
// checkable. Per-site daily cycles and noise, an occasional anomaly burst, and one site that sometimes goes quiet.

export interface Reading {
  id: string;
  siteId: string;
  timestamp: string;
  temperature: number;
  humidity: number;
  pressure: number;
  battery: number;
  status: 'ok' | 'anomaly';
  /** Only when the dataset asks for bigger records (recordBytes). */
  note?: string;
}

export interface Dataset {
  /** Time of the first reading slot (ms). */
  epochMs: number;
  /** One reading per site every intervalMs. */
  intervalMs: number;
  /** Pads each record's JSON to about this many bytes (0: no padding). */
  recordBytes: number;
  /**
   * A heat burst at one site (city-lab, +15 °C) for the first half of every period, at most 30 s: a demo's alert
   * then fires on a known rhythm instead of waiting for the rare random anomaly. Absent or 0: none.
   */
  burstEveryMs?: number;
}

/** The site the periodic burst heats. */
export const BURST_SITE = 2;

/** Whether time t falls in a periodic burst of the dataset (any reading slot at or after the burst's start). */
export function inPeriodicBurst(ds: Dataset, t: number): boolean {
  const every = ds.burstEveryMs ?? 0;
  if (every <= 0) return false;
  const into = ((t % every) + every) % every;
  return into < Math.min(30_000, every / 2);
}

interface Site { id: string; baseTemp: number; amplitude: number; baseHumidity: number; hourOffset: number; quietProne: boolean }

export const SITES: Site[] = [
  { id: 'harbor', baseTemp: 14, amplitude: 3, baseHumidity: 80, hourOffset: 0, quietProne: false },
  { id: 'north-field', baseTemp: 9, amplitude: 7, baseHumidity: 62, hourOffset: 1, quietProne: false },
  { id: 'city-lab', baseTemp: 21, amplitude: 1.5, baseHumidity: 45, hourOffset: 0, quietProne: false },
  { id: 'ridge', baseTemp: 4, amplitude: 6, baseHumidity: 55, hourOffset: 2, quietProne: true },
];

/** A deterministic value in [0, 1) from integers (a small avalanche hash). */
function unit(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h ^ Math.floor(p / 4294967296), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4294967296;
}
const noise = (...parts: number[]) => unit(...parts) * 2 - 1;
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Slot k of site s: quiet (no reading) while the site is in a quiet spell. */
export function isQuiet(siteIndex: number, t: number): boolean {
  if (!SITES[siteIndex].quietProne) return false;
  const window = Math.floor(t / 1_800_000);
  const into = t - window * 1_800_000;
  return unit(siteIndex, window, 7) < 0.3 && into >= 300_000 && into < 900_000;
}

/** Flat padding strings by length: a fresh 'x'.repeat(n) per record is a rope that every serializer flattens. */
const pads = new Map<number, string>();
function pad(n: number): string {
  let p = pads.get(n);
  if (p === undefined) {
    p = Buffer.alloc(n, 'x').toString('latin1');
    if (pads.size < 4096) pads.set(n, p);
  }
  return p;
}

const NOTE_OVERHEAD = ',"note":""'.length;

export function reading(ds: Dataset, siteIndex: number, slot: number): Reading {
  const r = unpadded(ds, siteIndex, slot);
  if (ds.recordBytes > 0) {
    // Every field is ASCII, so characters are bytes.
    const size = JSON.stringify(r).length + NOTE_OVERHEAD;
    if (size < ds.recordBytes) r.note = pad(ds.recordBytes - size);
  }
  return r;
}

/**
 * The same reading as JSON text, exactly what JSON.stringify(reading(…)) gives. The API writes pages from these
 * strings, so a 1 MiB page is serialized once, record by record, instead of stringifying each record (for its
 * size) and then the whole page again.
 */
export function readingJson(ds: Dataset, siteIndex: number, slot: number): string {
  const text = JSON.stringify(unpadded(ds, siteIndex, slot));
  const size = text.length + NOTE_OVERHEAD;
  if (ds.recordBytes <= 0 || size >= ds.recordBytes) return text;
  return `${text.slice(0, -1)},"note":"${pad(ds.recordBytes - size)}"}`;
}

function unpadded(ds: Dataset, siteIndex: number, slot: number): Reading {
  const site = SITES[siteIndex];
  const t = ds.epochMs + slot * ds.intervalMs;
  const day = (((t / 1000 + site.hourOffset * 3600) % 86400) + 86400) % 86400 / 86400;
  let temperature = site.baseTemp + site.amplitude * Math.sin(2 * Math.PI * (day - 0.375)) + noise(siteIndex, slot, 1) * 0.4;
  const burstWindow = Math.floor(t / 600_000);
  const periodic = siteIndex === BURST_SITE && inPeriodicBurst(ds, t);
  const anomaly = periodic || (unit(siteIndex, burstWindow, 3) < 0.05 && t - burstWindow * 600_000 < 90_000);
  if (periodic) temperature += 15 + noise(siteIndex, slot, 4);
  else if (anomaly) temperature += 12 + noise(siteIndex, slot, 4) * 3;
  const humidity = Math.min(100, Math.max(5, site.baseHumidity - 1.5 * (temperature - site.baseTemp) + noise(siteIndex, slot, 2) * 2));
  const pressure = 1013 + 6 * Math.sin((2 * Math.PI * t) / (3 * 86_400_000)) + noise(siteIndex, slot, 5) * 0.3;
  const battery = 100 - ((((t - ds.epochMs) / 3_600_000) * 0.5 + siteIndex * 13) % 60);
  const r: Reading = {
    id: `${site.id}-${t}`,
    siteId: site.id,
    timestamp: new Date(t).toISOString(),
    temperature: round(temperature, 2),
    humidity: round(humidity, 1),
    pressure: round(pressure, 1),
    battery: round(battery, 1),
    status: anomaly ? 'anomaly' : 'ok',
  };
  return r;
}

/** A position in the ordered stream of readings: slot, then site. */
export interface Position { slot: number; site: number }

/** The first slot whose time is at or after `sinceMs` (0 for none). */
export function firstSlot(ds: Dataset, sinceMs: number | undefined): number {
  if (sinceMs === undefined) return 0;
  return Math.max(0, Math.ceil((sinceMs - ds.epochMs) / ds.intervalMs));
}

/** The last slot at or before `nowMs` (-1 when the dataset starts later). */
export function lastSlot(ds: Dataset, nowMs: number): number {
  return Math.floor((nowMs - ds.epochMs) / ds.intervalMs);
}

/**
 * Up to `count` readings from `from` (skipping `skip` first), never past slot `until`; returns them and the
 * position after the last one, or undefined when the stream up to `until` is exhausted.
 */
export function readRange(ds: Dataset, from: Position, until: number, count: number, skip = 0): { items: Reading[]; next: Position | undefined } {
  return range(ds, from, until, count, skip, reading);
}

/** readRange with each reading as its JSON text (readingJson). */
export function readRangeJson(ds: Dataset, from: Position, until: number, count: number, skip = 0): { items: string[]; next: Position | undefined } {
  return range(ds, from, until, count, skip, readingJson);
}

/** How many readings there are from the start up to slot `until`, without making them. */
export function countReadings(ds: Dataset, until: number): number {
  let n = 0;
  for (let slot = 0; slot <= until; slot++) {
    for (let site = 0; site < SITES.length; site++) if (!isQuiet(site, ds.epochMs + slot * ds.intervalMs)) n++;
  }
  return n;
}

function range<T>(ds: Dataset, from: Position, until: number, count: number, skip: number, make: (ds: Dataset, site: number, slot: number) => T): { items: T[]; next: Position | undefined } {
  const items: T[] = [];
  let { slot, site } = from;
  while (slot <= until) {
    if (!isQuiet(site, ds.epochMs + slot * ds.intervalMs)) {
      if (skip > 0) skip--;
      else if (items.length < count) items.push(make(ds, site, slot));
      else return { items, next: { slot, site } };
    }
    site++;
    if (site >= SITES.length) { site = 0; slot++; }
  }
  return { items, next: undefined };
}
