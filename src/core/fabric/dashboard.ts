// A `.kqldash` dashboard as a Fabric Real-Time Dashboard (item type KQLDashboard): the `RealTimeDashboard.json`
// definition part (schema 52: top-level queries[] that tiles reference), built from the file alone.
//
// Ids are derived from the dashboard's title and each element's own id, so deploying the same file again updates
// the same pages, tiles and queries instead of creating new ones.
//
// What is confirmed (specs/functions-fabric-activator.md §7.1): the skeleton, `kusto-trident` data sources, the
// `duration` parameter with _startTime/_endTime, the tile layout and queryRef, and the visual types table,
// timechart, line, column, bar, pie, stat, anomalychart. UNCONFIRMED and so reported in `notes` when used: the
// spelling of area/scatter/card visuals, the select parameter's JSON, the autoRefresh interval strings, and
// whether `database` wants the KQL database's id or its name (the id is sent, as in the Learn example).
import { createHash } from 'node:crypto';
import {
  END_TIME, START_TIME, TIME_PRESET_MS, referencedVariables, parameterVariables,
  type Dashboard, type DashboardParameter, type TileVisual, type TimePreset,
} from '../dashboards/format';
import { encodePart, type FabricDefinition } from './definition';

export const RTD_PART = 'RealTimeDashboard.json';
export const RTD_SCHEMA_VERSION = '52';

export interface DashboardTarget {
  workspaceId: string;
  kqlDatabaseItemId: string;
  databaseName: string;
  /** The Eventhouse's query service URI. */
  queryServiceUri: string;
}

const VISUALS: Record<TileVisual, { type: string; confirmed: boolean }> = {
  table: { type: 'table', confirmed: true },
  stat: { type: 'stat', confirmed: true },
  card: { type: 'stat', confirmed: true },
  timechart: { type: 'timechart', confirmed: true },
  linechart: { type: 'line', confirmed: true },
  columnchart: { type: 'column', confirmed: true },
  barchart: { type: 'bar', confirmed: true },
  piechart: { type: 'pie', confirmed: true },
  anomalychart: { type: 'anomalychart', confirmed: true },
  areachart: { type: 'area', confirmed: false },
  scatterchart: { type: 'scatter', confirmed: false },
};

/** A stable GUID-shaped id from a key (the same dashboard and key always give the same id). */
export function stableId(...key: string[]): string {
  const hex = createHash('sha256').update(key.join('\u0000')).digest('hex');
  // Version nibble 5 and the RFC 4122 variant, so the id reads as a name-based UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function durationOf(preset: TimePreset): { kind: 'dynamic'; count: number; unit: 'minutes' | 'hours' | 'days' } {
  const ms = TIME_PRESET_MS[preset];
  if (ms % 86_400_000 === 0 && ms >= 86_400_000 * 3) return { kind: 'dynamic', count: ms / 86_400_000, unit: 'days' };
  if (ms % 3_600_000 === 0) return { kind: 'dynamic', count: ms / 3_600_000, unit: 'hours' };
  return { kind: 'dynamic', count: ms / 60_000, unit: 'minutes' };
}

const PARAMETER_KIND = { string: 'string', long: 'int64', real: 'double', bool: 'bool' } as const;

export interface RealTimeDashboardJson {
  schema_version: string;
  title: string;
  autoRefresh: { enabled: boolean; defaultInterval?: string; minInterval?: string };
  baseQueries: unknown[];
  dataSources: { id: string; name: string; kind: 'kusto-trident'; scopeId: 'kusto-trident'; clusterUri: string; database: string; workspace: string }[];
  pages: { id: string; name: string }[];
  parameters: Record<string, unknown>[];
  queries: { id: string; dataSource: { kind: 'inline'; dataSourceId: string }; text: string; usedVariables: string[] }[];
  tiles: { id: string; title: string; visualType: string; pageId: string; layout: { x: number; y: number; width: number; height: number }; queryRef: { kind: 'query'; queryId: string }; visualOptions: Record<string, unknown> }[];
}

/**
 * The Real-Time Dashboard for a dashboard file. Every data source (`local` and the manifest's database) maps to
 * the one KQL database of the target, which is where the deployed pipeline's tables are.
 */
export function realTimeDashboard(d: Dashboard, target: DashboardTarget): { json: RealTimeDashboardJson; notes: string[] } {
  const notes: string[] = [];
  const key = (...k: string[]): string => stableId('eventline-dashboard', d.title, ...k);
  const dataSourceId = key('dataSource', target.kqlDatabaseItemId);
  const declared = new Set(d.parameters.flatMap(parameterVariables));
  const queries: RealTimeDashboardJson['queries'] = [];
  const query = (id: string, text: string): string => {
    queries.push({ id, dataSource: { kind: 'inline', dataSourceId }, text, usedVariables: referencedVariables(text, declared) });
    return id;
  };
  const sources = new Set([...d.pages.flatMap((p) => p.tiles.map((t) => t.dataSource)), ...d.parameters.flatMap((p) => (p.kind === 'select' && p.query ? [p.dataSource ?? 'local'] : []))]);
  if (sources.has('local')) notes.push(`Tiles on the "local" data source query KQL database "${target.databaseName}" in Fabric.`);

  const parameters = d.parameters.map((p) => parameter(p, key, query, notes));
  const pages = d.pages.map((p, i) => ({ id: key('page', String(i), p.name), name: p.name }));
  const tiles: RealTimeDashboardJson['tiles'] = [];
  d.pages.forEach((p, i) => {
    for (const t of p.tiles) {
      const visual = VISUALS[t.visual];
      if (!visual.confirmed) notes.push(`Tile "${t.title || t.id}": the Real-Time Dashboard spelling of ${t.visual} ("${visual.type}") is not confirmed; if Fabric shows it as a table, pick the visual there.`);
      tiles.push({
        id: key('tile', t.id), title: t.title || t.id, visualType: visual.type, pageId: pages[i].id,
        layout: { x: t.position.x, y: t.position.y, width: t.position.width, height: t.position.height },
        queryRef: { kind: 'query', queryId: query(key('query', 'tile', t.id), t.query) },
        visualOptions: {},
      });
    }
  });
  const autoRefresh = d.autoRefresh === 'off' ? { enabled: false } : { enabled: true, defaultInterval: d.autoRefresh, minInterval: d.autoRefresh };
  if (d.autoRefresh !== 'off') notes.push(`Auto-refresh "${d.autoRefresh}": the interval strings Fabric accepts are not confirmed; check the dashboard's auto-refresh setting after the deploy.`);
  return {
    json: {
      schema_version: RTD_SCHEMA_VERSION,
      title: d.title,
      autoRefresh,
      baseQueries: [],
      dataSources: [{ id: dataSourceId, name: target.databaseName, kind: 'kusto-trident', scopeId: 'kusto-trident', clusterUri: target.queryServiceUri, database: target.kqlDatabaseItemId, workspace: target.workspaceId }],
      pages, parameters, queries, tiles,
    },
    notes,
  };
}

function parameter(p: DashboardParameter, key: (...k: string[]) => string, query: (id: string, text: string) => string, notes: string[]): Record<string, unknown> {
  if (p.kind === 'timeRange') {
    return {
      kind: 'duration', id: key('parameter', START_TIME), displayName: p.name, description: '',
      beginVariableName: START_TIME, endVariableName: END_TIME, defaultValue: durationOf(p.default), showOnPages: { kind: 'all' },
    };
  }
  notes.push(`Parameter "${p.name}": the JSON of a Real-Time Dashboard select parameter is not confirmed; check it in Fabric after the deploy.`);
  const def = p.default;
  const defaultValue = def === undefined || (Array.isArray(def) && !def.length)
    ? (p.multi ? { kind: 'all' } : p.values?.length ? { kind: 'value', value: p.values[0] } : { kind: 'all' })
    : Array.isArray(def) ? { kind: 'values', values: def } : { kind: 'value', value: def };
  return {
    kind: PARAMETER_KIND[p.type], id: key('parameter', p.variable), displayName: p.name, description: '',
    variableName: p.variable, selectionType: p.multi ? 'array' : 'scalar', includeAllOption: p.multi, defaultValue,
    dataSource: p.query
      ? { kind: 'query', queryRef: { kind: 'query', queryId: query(key('query', 'parameter', p.variable), p.query) }, columns: {} }
      : { kind: 'static', values: (p.values ?? []).map((value) => ({ value })) },
    showOnPages: { kind: 'all' },
  };
}

/** The KQLDashboard item's definition: one part, RealTimeDashboard.json. */
export function dashboardDefinition(json: RealTimeDashboardJson): FabricDefinition {
  return { parts: [encodePart(RTD_PART, json)] };
}
