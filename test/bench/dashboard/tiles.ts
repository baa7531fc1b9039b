// The bench's dashboard: 12 tiles of the kinds an operations dashboard has (stats, time charts, a breakdown per
// region and status, the busiest devices, and two tables) over one Events table, every tile filtered by the time
// range (_startTime/_endTime) and most by a multi-select region parameter, as Real-Time Dashboards write them.
import type { Dashboard, Tile } from '../../../src/core/dashboards/format';

const scope = 'Events\n| where Timestamp between (_startTime .. _endTime)\n| where array_length(_region) == 0 or Region in (_region)';
const at = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });

const tiles: Tile[] = [
  { id: 'events', title: 'Events', visual: 'stat', position: at(0, 0, 6, 3), query: `${scope}\n| summarize Events = count()` },
  { id: 'devices', title: 'Devices reporting', visual: 'stat', position: at(6, 0, 6, 3), query: `${scope}\n| summarize Devices = dcount(Device)` },
  { id: 'latency', title: 'Mean latency (ms)', visual: 'stat', position: at(12, 0, 6, 3), query: `${scope}\n| summarize Latency = round(avg(LatencyMs), 1)` },
  { id: 'errors', title: 'Errors', visual: 'card', position: at(18, 0, 6, 3), query: `${scope}\n| summarize Errors = countif(Status == "error")` },
  { id: 'rate', title: 'Events per hour', visual: 'timechart', position: at(0, 3, 12, 7), query: `${scope}\n| summarize Events = count() by bin(Timestamp, 1h)\n| order by Timestamp asc` },
  { id: 'value-by-region', title: 'Mean value per region', visual: 'timechart', position: at(12, 3, 12, 7), query: `${scope}\n| summarize Value = avg(Value) by bin(Timestamp, 1h), Region\n| order by Timestamp asc` },
  { id: 'regions', title: 'Events per region', visual: 'columnchart', position: at(0, 10, 8, 6), query: `${scope}\n| summarize Events = count() by Region\n| order by Region asc` },
  { id: 'status', title: 'Status', visual: 'piechart', position: at(8, 10, 8, 6), query: `${scope}\n| summarize Events = count() by Status` },
  { id: 'busiest', title: 'Busiest devices', visual: 'barchart', position: at(16, 10, 8, 6), query: `${scope}\n| summarize Events = count() by Device\n| top 10 by Events desc` },
  { id: 'latency-trend', title: 'Latency per hour', visual: 'linechart', position: at(0, 16, 12, 7), query: 'Events\n| where Timestamp between (_startTime .. _endTime)\n| summarize Mean = avg(LatencyMs), Max = max(LatencyMs) by bin(Timestamp, 1h)\n| order by Timestamp asc' },
  { id: 'device-table', title: 'Devices', visual: 'table', position: at(12, 16, 12, 7), query: `${scope}\n| summarize Events = count(), MeanValue = avg(Value), MaxLatency = max(LatencyMs), Last = max(Timestamp) by Device, Region\n| top 100 by Events desc` },
  { id: 'recent-errors', title: 'Latest errors', visual: 'table', position: at(0, 23, 24, 8), query: `${scope}\n| where Status == "error"\n| top 200 by Timestamp desc\n| project Timestamp, Device, Region, LatencyMs, Value` },
].map((t) => ({ ...t, dataSource: 'local' }) as Tile);

export const REGIONS = ['westeurope', 'northeurope', 'eastus', 'westus', 'japaneast', 'australiaeast'];

export const benchDashboard: Dashboard = {
  version: 1,
  title: 'Operations (bench)',
  autoRefresh: 'off',
  parameters: [
    { kind: 'timeRange', name: 'Time range', default: '7d' },
    { kind: 'select', name: 'Region', variable: '_region', type: 'string', multi: true, values: REGIONS },
  ],
  pages: [{ name: 'Overview', tiles }],
};

/**
 * The table and its rows, made by the Eventhouse itself (`.set-or-append` of a `range`): `rows` readings spread
 * evenly over the 7 days before now, from 500 devices in 6 regions, about 2 % of them errors.
 */
export function loadCommands(rows: number): string[] {
  const step = Math.floor((7 * 86_400_000) / rows);
  return [
    '.create table Events (Timestamp:datetime, Device:string, Region:string, Status:string, Value:real, LatencyMs:long)',
    `.set-or-append Events <| range i from 0 to ${rows - 1} step 1
      | extend Timestamp = now() - 7d + i * ${step}ms
      | extend Device = strcat("dev-", tostring(i % 500))
      | extend r = i % 6
      | extend Region = iff(r == 0, "${REGIONS[0]}", iff(r == 1, "${REGIONS[1]}", iff(r == 2, "${REGIONS[2]}", iff(r == 3, "${REGIONS[3]}", iff(r == 4, "${REGIONS[4]}", "${REGIONS[5]}")))))
      | extend Status = iff(i % 50 == 7, "error", iff(i % 10 == 3, "warn", "ok"))
      | extend Value = toreal((i * 7919) % 10000) / 100.0
      | extend LatencyMs = (i * 31) % 997
      | project Timestamp, Device, Region, Status, Value, LatencyMs`,
  ];
}
