// Messages between the dashboard custom editor (src/dashboards) and its webview (src/webviews/dashboard).
// vscode- and DOM-free: both sides import it.
import type { AutoRefresh, Dashboard, TilePosition, TimePreset } from '../core/dashboards/format';
import type { KqlTable, KqlVisualization } from './kqlResult';

export interface TileResult { tables: KqlTable[]; visualization?: KqlVisualization; elapsedMs: number; rowCount: number; truncated?: boolean }

export type TileStatus =
  | { state: 'idle' }
  // The host keeps `previous`; the view gets `refreshing` instead (it still shows the last result it drew).
  | { state: 'loading'; since: number; previous?: TileResult; refreshing?: boolean; refreshedAt?: number }
  | { state: 'done'; result: TileResult; refreshedAt: number }
  | { state: 'error'; message: string; refreshedAt: number };

export interface ParameterChoices { variable: string; choices?: string[]; error?: string }
export interface ProblemLine { line: number; column: number; path: string; message: string }

export type DashboardHostToView =
  | { type: 'dashboard'; dashboard: Dashboard; page: number; timeRange?: TimePreset; selected: Record<string, string | string[] | undefined>; autoRefresh: AutoRefresh }
  | { type: 'invalid'; file: string; problems: ProblemLine[] }
  | { type: 'tile'; id: string; status: TileStatus }
  | { type: 'choices'; choices: ParameterChoices[] };

export type DashboardViewToHost =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'refreshTile'; id: string }
  | { type: 'autoRefresh'; value: AutoRefresh }
  | { type: 'timeRange'; value: TimePreset }
  | { type: 'select'; variable: string; value: string | string[] }
  | { type: 'page'; index: number }
  | { type: 'move'; id: string; position: TilePosition }
  | { type: 'editQuery'; id: string }
  | { type: 'jumpToQuery'; id: string }
  | { type: 'openAsText' }
  | { type: 'tileAction'; id: string; action: 'powerBi' | 'copyQueryUri' | 'remove' };
