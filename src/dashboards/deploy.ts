// "Export to Fabric" (eventline.deployDashboard): a dashboard file as a Real-Time Dashboard (KQLDashboard item) in
// the cloud profile's workspace, created when none of that name exists, else its definition replaced (the file is
// the truth; ids are stable, so the same tiles are updated). Long-running operations are followed to the end, and
// Cancel on the progress aborts the request in flight.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { progress } from '../common/progress';
import { prompts } from '../common/prompt';
import { DASHBOARD_EXTENSION } from '../core/dashboards/format';
import { dashboardDefinition, realTimeDashboard, type DashboardTarget, type RealTimeDashboardJson } from '../core/fabric/dashboard';
import type { FabricItem, OperationState } from '../azure/fabric';
import type { PipelineModel } from '../model/pipelineModel';
import { FABRIC_PORTAL } from '../model/fabric';
import { readDashboard } from './documents';
import { isTileArg } from './targets';

export const KQL_DASHBOARD_TYPE = 'KQLDashboard';

// UNCONFIRMED: the portal's address of a Real-Time Dashboard; Learn links items as /groups/<ws>/<type>/<id>.
export function dashboardUrl(workspaceId: string, itemId: string): string {
  return `${FABRIC_PORTAL}/groups/${encodeURIComponent(workspaceId)}/kustodashboards/${encodeURIComponent(itemId)}?experience=fabric-developer`;
}

export interface DashboardDeployment { item: FabricItem; created: boolean; url: string; json: RealTimeDashboardJson; notes: string[]; target: DashboardTarget }

export interface DeployDeps { model: PipelineModel; log: vscode.LogOutputChannel }

async function dashboardUri(arg: unknown): Promise<vscode.Uri> {
  if (arg instanceof vscode.Uri) return arg;
  if (isTileArg(arg)) return arg.dashboard;
  const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = active instanceof vscode.TabInputCustom || active instanceof vscode.TabInputText ? active.uri : undefined;
  if (uri?.path.endsWith(DASHBOARD_EXTENSION)) return uri;
  const files = await vscode.workspace.findFiles(`**/*${DASHBOARD_EXTENSION}`, '**/node_modules/**', 200);
  if (!files.length) throw new Error('The workspace has no dashboard (dashboards/*.kqldash): pin a notebook cell to make one.');
  if (files.length === 1) return files[0];
  return prompts.pick(files.map((f) => ({ label: path.basename(f.path, DASHBOARD_EXTENSION), description: vscode.workspace.asRelativePath(f), value: f })), { title: 'Export to Fabric', placeHolder: 'Which dashboard?' });
}

export async function deployDashboard(deps: DeployDeps, arg: unknown): Promise<DashboardDeployment> {
  const { model } = deps;
  const uri = await dashboardUri(arg);
  const d = readDashboard(await vscode.workspace.openTextDocument(uri));
  const snapshot = model.snapshot();
  if (!snapshot) throw new Error('Create or fix eventline.json first: the Fabric workspace and KQL database come from its cloud profile.');
  const profile = snapshot.profile;
  if (profile.kind === 'local') {
    throw new Error(`"Export to Fabric" deploys from a cloud profile; "${profile.name}" is the local pipeline. Pick a cloud profile with "Eventline: Select Profile".`);
  }
  const workspaceId: string = model.fabric.workspaceId() ?? await prompts.pick<string>(model.fabric.workspaces().then((ws) => ws.map((w) => ({ label: w.displayName, description: w.id, value: w.id }))), {
    title: `Fabric workspace for dashboard "${d.title}"`, placeHolder: 'Set "fabricWorkspaceId" in the profile to skip this question',
  });
  const wanted = snapshot.manifest.eventhouse?.database;
  const dbs = await progress.run('Eventline: reading the workspace\'s KQL databases…', (signal) => model.fabric.kqlDatabases(workspaceId, signal));
  const itemId = profile.profile.kqlDatabaseItemId;
  const db = itemId ? dbs.find((x) => x.id === itemId) : dbs.find((x) => x.displayName === wanted);
  if (!db) {
    throw new Error(itemId
      ? `The profile's kqlDatabaseItemId ${itemId} is not a KQL database in workspace ${workspaceId}.`
      : `Workspace ${workspaceId} has no KQL database named "${wanted ?? '(eventhouse.database is not set)'}". Create it in an Eventhouse there (or deploy the schema), or set "kqlDatabaseItemId" in profile "${profile.name}".`);
  }
  const queryServiceUri = db.properties?.queryServiceUri ?? profile.profile.eventhouseQueryUri ?? snapshot.manifest.eventhouse?.queryUri;
  if (!queryServiceUri) throw new Error(`KQL database "${db.displayName}" reports no query URI; set "eventhouseQueryUri" in profile "${profile.name}".`);
  const target: DashboardTarget = { workspaceId, kqlDatabaseItemId: db.id, databaseName: db.displayName, queryServiceUri };
  const { json, notes } = realTimeDashboard(d, target);
  const tiles = json.tiles.length;
  await prompts.confirm(`Export dashboard "${d.title}" to Fabric?`, {
    detail: [
      `Workspace ${workspaceId}: a Real-Time Dashboard "${d.title}" is created, or its definition replaced if one of that name exists.`,
      `${json.pages.length} page${json.pages.length === 1 ? '' : 's'}, ${tiles} tile${tiles === 1 ? '' : 's'}, ${json.parameters.length} parameter${json.parameters.length === 1 ? '' : 's'}, on KQL database ${db.displayName} (${queryServiceUri}).`,
      ...notes,
    ].join('\n'),
    buttons: ['Export'],
  });
  const definition = dashboardDefinition(json);
  const result = await progress.run(`Eventline: exporting dashboard "${d.title}" to Fabric`, async (signal, report) => {
    const fabric = model.fabric.client();
    const onOperation = (s: OperationState): void => report({ message: `Fabric operation ${s.status}${s.percentComplete !== undefined ? ` (${s.percentComplete}%)` : ''}` });
    const existing = (await fabric.listItems(workspaceId, KQL_DASHBOARD_TYPE, signal)).find((i) => i.displayName === d.title);
    if (!existing) {
      report({ message: 'creating the Real-Time Dashboard' });
      const item = await fabric.createItem(workspaceId, { displayName: d.title, type: KQL_DASHBOARD_TYPE, description: `Deployed by Eventline from ${vscode.workspace.asRelativePath(uri)}`, definition }, { signal, onOperation });
      return { item, created: true };
    }
    report({ message: 'updating the Real-Time Dashboard' });
    await fabric.updateItemDefinition(workspaceId, existing.id, definition, { signal, onOperation });
    return { item: existing, created: false };
  });
  const url = dashboardUrl(workspaceId, result.item.id);
  deps.log.info(`Dashboard "${d.title}" ${result.created ? 'created' : 'updated'} in Fabric: item ${result.item.id} in workspace ${workspaceId}.`);
  for (const n of notes) deps.log.warn(`Dashboard "${d.title}": ${n}`);
  void vscode.window.showInformationMessage(`Dashboard "${d.title}" ${result.created ? 'created' : 'updated'} in Fabric.${notes.length ? ` ${notes.length} note${notes.length === 1 ? '' : 's'} in the log.` : ''}`, 'Open in Fabric').then(async (c) => {
    if (c) await vscode.env.openExternal(vscode.Uri.parse(url));
  });
  return { ...result, url, json, notes, target };
}
