// Per-hop health of the pipeline at a glance: each hop (source, ingest function, hub, Eventhouse, alerts) is
// healthy, lagging, failing or idle, with a short description, from what the local pipeline's control API already
// reports (source last fetch, function last run, hub sequence numbers, connection lag, table row counts, alert
// states). Pure: the tree and the status bar render it; the numbers come in, nothing is fetched here.
import type { AlertInfo, ConnectionStatus, FunctionInfo, HubInfo, SourceList } from '../protocol/controlApi';

export type HealthLevel = 'healthy' | 'lagging' | 'failing' | 'idle';
export type Hop = 'Sources' | 'Ingest function' | 'Event Hubs' | 'Eventhouse' | 'Alerts';
export const HOPS: readonly Hop[] = ['Sources', 'Ingest function', 'Event Hubs', 'Eventhouse', 'Alerts'];

export interface HopHealth {
  level: HealthLevel;
  /** One line for the tree row's description, e.g. "fetched 12 s ago". */
  description: string;
}

export interface HealthInput {
  now: number;
  /** Undefined: not known (the request failed or is not made); that hop is left out. */
  sources?: SourceList['sources'];
  functions?: FunctionInfo[];
  hubs?: HubInfo[];
  connections?: ConnectionStatus[];
  /** Row counts of the tables the connections fill. */
  tables?: { name: string; rowCount: number }[];
  alerts?: AlertInfo[];
}

/** What the previous classification saw, for rates. */
export interface HealthSample { at: number; hubEvents: Record<string, number> }

export interface PipelineHealth {
  hops: Partial<Record<Hop, HopHealth>>;
  /** The worst hop: failing > lagging > healthy > idle. */
  overall: HealthLevel;
  sample: HealthSample;
}

export interface HealthThresholds {
  /** A source not fetched for this long while its function is enabled is lagging. */
  staleMs: number;
  /** A connection this many events behind its hub is lagging. */
  lagEvents: number;
  /** A connection whose p95 enqueue→commit latency is above this is lagging. */
  latencyMs: number;
  /** A hub without events for this long is idle. */
  quietMs: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { staleMs: 5 * 60_000, lagEvents: 1000, latencyMs: 30_000, quietMs: 5 * 60_000 };

const RANK: Record<HealthLevel, number> = { idle: 0, healthy: 1, lagging: 2, failing: 3 };

export function worst(levels: HealthLevel[]): HealthLevel {
  return levels.reduce<HealthLevel>((w, l) => (RANK[l] > RANK[w] ? l : w), 'idle');
}

/** "12 s ago", "3 min ago", "2 h ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function sources(list: SourceList['sources'], now: number, t: HealthThresholds): HopHealth {
  if (list.length === 0) return { level: 'idle', description: 'no source' };
  const failing = list.filter((s) => s.lastFetch?.status === 'error');
  if (failing.length) return { level: 'failing', description: `${failing[0].name}: ${failing[0].lastFetch?.error ?? 'the last fetch failed'}` };
  const fetched = list.filter((s) => s.lastFetch).map((s) => ({ name: s.name, at: Date.parse(s.lastFetch!.time), records: s.lastFetch!.records }));
  if (fetched.length === 0) return { level: 'idle', description: 'not fetched yet' };
  const oldest = fetched.reduce((a, b) => (b.at < a.at ? b : a));
  if (now - oldest.at > t.staleMs) return { level: 'lagging', description: `${oldest.name} last fetched ${ago(now - oldest.at)}` };
  const latest = fetched.reduce((a, b) => (b.at > a.at ? b : a));
  return { level: 'healthy', description: `fetched ${latest.records} ${ago(now - latest.at)}` };
}

function functions(list: FunctionInfo[], now: number): HopHealth {
  const enabled = list.filter((f) => f.enabled && f.state !== 'disabled');
  if (enabled.length === 0) return { level: 'idle', description: list.length ? 'disabled' : 'no function' };
  const broken = enabled.find((f) => f.state === 'error');
  if (broken) return { level: 'failing', description: `${broken.name}: ${broken.problem?.message ?? 'does not build or load'}` };
  const failed = enabled.find((f) => f.lastRun && f.lastRun.status !== 'succeeded');
  if (failed) return { level: 'failing', description: `${failed.name}: last run ${failed.lastRun!.status}${failed.lastRun!.error ? ` (${failed.lastRun!.error.message})` : ''}` };
  const late = enabled.find((f) => f.skippedTicks > 0 || (f.nextRun !== undefined && now - Date.parse(f.nextRun) > 60_000));
  if (late) return { level: 'lagging', description: late.skippedTicks > 0 ? `${late.name}: ${late.skippedTicks} ticks skipped (runs take longer than the schedule)` : `${late.name}: overdue since ${ago(now - Date.parse(late.nextRun!))}` };
  const ran = enabled.filter((f) => f.lastRun).map((f) => f.lastRun!);
  if (ran.length === 0) return { level: 'idle', description: enabled.some((f) => f.state === 'building') ? 'building' : 'waiting for its first run' };
  const last = ran.reduce((a, b) => (Date.parse(b.end) > Date.parse(a.end) ? b : a));
  return { level: 'healthy', description: `ran ${ago(now - Date.parse(last.end))}: ${count(last.eventsSent)} events` };
}

/** Events ever enqueued in a hub (sequence numbers start at 0 per partition). */
function hubEvents(h: HubInfo): number {
  return h.partitions.reduce((n, p) => n + Math.max(0, p.lastEnqueuedSequenceNumber + 1), 0);
}

function hubs(list: HubInfo[], now: number, previous: HealthSample | undefined, t: HealthThresholds): HopHealth {
  if (list.length === 0) return { level: 'idle', description: 'no hub' };
  let rate: number | undefined;
  if (previous && now > previous.at) {
    let delta = 0;
    for (const h of list) delta += Math.max(0, hubEvents(h) - (previous.hubEvents[h.name] ?? hubEvents(h)));
    rate = (delta * 1000) / (now - previous.at);
  }
  const times = list.flatMap((h) => h.partitions.map((p) => (p.lastEnqueuedTimeUtc ? Date.parse(p.lastEnqueuedTimeUtc) : NaN))).filter((x) => Number.isFinite(x));
  if (times.length === 0) return { level: 'idle', description: 'no events yet' };
  const last = Math.max(...times);
  if (rate !== undefined && rate > 0) return { level: 'healthy', description: `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} events/s` };
  if (now - last > t.quietMs) return { level: 'idle', description: `quiet, last event ${ago(now - last)}` };
  return { level: 'healthy', description: `last event ${ago(now - last)}` };
}

function eventhouse(conns: ConnectionStatus[], tables: { name: string; rowCount: number }[] | undefined, t: HealthThresholds): HopHealth {
  const rows = tables?.length ? ` · ${tables.map((x) => `${x.name} ${count(x.rowCount)} rows`).join(', ')}` : '';
  if (conns.length === 0) return { level: tables?.some((x) => x.rowCount > 0) ? 'healthy' : 'idle', description: `no connection${rows}` };
  const broken = conns.find((c) => c.state === 'error');
  if (broken) return { level: 'failing', description: `${broken.name}: ${broken.error?.message ?? 'not ingesting'}${rows}` };
  const lag = conns.reduce((n, c) => n + c.lag, 0);
  const slow = conns.find((c) => (c.latencyMs.p95 ?? 0) > t.latencyMs);
  if (lag > t.lagEvents) return { level: 'lagging', description: `lag ${count(lag)} events${rows}` };
  if (slow) return { level: 'lagging', description: `${slow.name}: p95 ${Math.round(slow.latencyMs.p95! / 1000)} s to commit${rows}` };
  if (conns.some((c) => c.failures > 0 || c.updatePolicyFailures > 0)) {
    const f = conns.reduce((n, c) => n + c.failures + c.updatePolicyFailures, 0);
    return { level: 'lagging', description: `${count(f)} ingestion failures${rows}` };
  }
  if (conns.every((c) => c.lastIngestedAt === null) && !tables?.some((x) => x.rowCount > 0)) return { level: 'idle', description: `lag ${count(lag)}, nothing ingested yet${rows}` };
  return { level: 'healthy', description: `lag ${count(lag)}${rows}` };
}

function alerts(list: AlertInfo[]): HopHealth {
  if (list.length === 0) return { level: 'idle', description: 'no alert' };
  const broken = list.filter((a) => a.state === 'error');
  if (broken.length) return { level: 'failing', description: `${broken[0].name}: ${broken[0].error?.message ?? 'cannot be evaluated'}` };
  const active = list.filter((a) => a.enabled);
  if (active.length === 0) return { level: 'idle', description: 'all disabled' };
  const firing = active.filter((a) => a.state === 'firing');
  // A firing alert is the pipeline working: the hop is healthy, the description says what fired.
  if (firing.length) return { level: 'healthy', description: `firing: ${firing.map((a) => a.name).join(', ')}` };
  const fired = active.reduce((n, a) => n + a.firings24h, 0);
  return { level: 'healthy', description: `${active.length} watching${fired ? `, ${fired} fired in 24 h` : ''}` };
}

export function classifyPipeline(input: HealthInput, previous?: HealthSample, t: HealthThresholds = DEFAULT_THRESHOLDS): PipelineHealth {
  const hops: Partial<Record<Hop, HopHealth>> = {};
  if (input.sources) hops['Sources'] = sources(input.sources, input.now, t);
  if (input.functions) hops['Ingest function'] = functions(input.functions, input.now);
  if (input.hubs) hops['Event Hubs'] = hubs(input.hubs, input.now, previous, t);
  if (input.connections) hops['Eventhouse'] = eventhouse(input.connections, input.tables, t);
  if (input.alerts) hops['Alerts'] = alerts(input.alerts);
  const sample: HealthSample = { at: input.now, hubEvents: Object.fromEntries((input.hubs ?? []).map((h) => [h.name, hubEvents(h)])) };
  return { hops, overall: worst(Object.values(hops).map((h) => h.level)), sample };
}

/** The codicon for a level (the tree's group rows and the status bar). */
export const HEALTH_ICONS: Record<HealthLevel, string> = { healthy: 'pass', lagging: 'warning', failing: 'error', idle: 'circle-outline' };
export const HEALTH_COLORS: Record<HealthLevel, string | undefined> = { healthy: 'testing.iconPassed', lagging: 'list.warningForeground', failing: 'errorForeground', idle: undefined };

/** The status bar's tooltip: one line per hop, in pipeline order. */
export function healthLines(h: PipelineHealth): string[] {
  return HOPS.filter((hop) => h.hops[hop]).map((hop) => `${hop}: ${h.hops[hop]!.level} — ${h.hops[hop]!.description}`);
}
