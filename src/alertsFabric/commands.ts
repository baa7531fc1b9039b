// "Deploy Alerts to Fabric", "Import Alerts from Fabric" and "Open Alert in Fabric": the manifest's alert rules as
// the pipeline's Activator item in the cloud profile's workspace, and back.
import * as vscode from 'vscode';
import { progress } from '../common/progress';
import { prompts } from '../common/prompt';
import type { ImportedRules } from '../core/fabric/activatorImport';
import { upsertAlertEntries } from '../core/manifestEdits';
import type { FabricItem } from '../azure/fabric';
import type { ManifestStore } from '../manifest/manifestStore';
import type { PipelineModel } from '../model/pipelineModel';
import { refOf } from '../model/refs';
import { activatorName, ActivatorItems, type DeployOutcome } from './activatorItem';

export interface AlertsFabricDeps {
  model: PipelineModel;
  manifests: ManifestStore;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
}

export interface ImportOutcome extends ImportedRules {
  item: FabricItem;
  url: string;
  added: string[];
  replaced: string[];
}

function cloudSnapshot(model: PipelineModel, what: string) {
  const snapshot = model.snapshot();
  if (!snapshot) throw new Error('Create or fix eventline.json first: its alerts are what gets deployed.');
  if (snapshot.profile.kind === 'local') {
    throw new Error(`"${what}" works with Fabric from a cloud profile; "${snapshot.profile.name}" is the local pipeline, where eventline-local runs the alerts. Pick a cloud profile with "Eventline: Select Profile".`);
  }
  return snapshot;
}

async function workspaceOf(model: PipelineModel, title: string): Promise<string> {
  return model.fabric.workspaceId() ?? prompts.pick<string>(model.fabric.workspaces().then((ws) => ws.map((w) => ({ label: w.displayName, description: w.id, value: w.id }))), {
    title, placeHolder: 'Set "fabricWorkspaceId" in the profile to skip this question',
  });
}

/** The KQL database the sources query: the profile's kqlDatabaseItemId, else the one named eventhouse.database. */
async function kqlDatabaseOf(model: PipelineModel, workspaceId: string): Promise<string> {
  const snapshot = model.snapshot()!;
  const itemId = snapshot.profile.profile.kqlDatabaseItemId;
  if (itemId) return itemId;
  const wanted = snapshot.manifest.eventhouse?.database;
  const dbs = await model.fabric.kqlDatabases(workspaceId);
  const named = wanted ? dbs.filter((d) => d.displayName === wanted) : dbs;
  if (!named.length) {
    throw new Error(wanted
      ? `Workspace ${workspaceId} has no KQL database named "${wanted}" (eventhouse.database), which the alerts' sources query. Create it, or set "kqlDatabaseItemId" in profile "${snapshot.profile.name}".`
      : `Workspace ${workspaceId} has no KQL database for the alerts' sources to query. Create an Eventhouse there first.`);
  }
  if (named.length === 1) return named[0].id;
  return prompts.pick(named.map((d) => ({ label: d.displayName, description: d.id, value: d.id })), { title: 'KQL database the alerts query' });
}

export async function deployAlerts(deps: AlertsFabricDeps): Promise<DeployOutcome> {
  const { model, log } = deps;
  const snapshot = cloudSnapshot(model, 'Deploy Alerts to Fabric');
  const items = new ActivatorItems(model);
  const workspaceId = await workspaceOf(model, 'Fabric workspace for the alerts');
  const kqlDatabaseItemId = await kqlDatabaseOf(model, workspaceId);
  const plan = items.plan(snapshot.manifest, { workspaceId, kqlDatabaseItemId });
  const notes = [
    ...plan.skipped.map((s) => `Not deployed: "${s.rule}": ${s.reason}`),
    ...plan.problems.map((p) => `Not deployed: ${p}`),
    ...plan.warnings.map((w) => `Activator limit: ${w}`),
  ];
  await prompts.confirm(`Deploy ${plan.rules.length} alert${plan.rules.length === 1 ? '' : 's'} to Activator "${plan.name}"?`, {
    detail: [
      `Workspace ${workspaceId}, KQL database item ${kqlDatabaseItemId}. The item is created if it does not exist, else its Eventline rules are replaced (rules made in the portal stay).`,
      `Rules: ${plan.rules.join(', ')}.`,
      'Activator emails only recipients inside your tenant (or its verified domains).',
      ...notes,
    ].join('\n'),
    buttons: ['Deploy'],
  });
  const out = await progress.run(`Eventline: deploying alerts to Activator "${plan.name}"`, (signal, report) => items.deploy(plan, { signal, onStatus: (message) => report({ message }) }));
  for (const n of notes) log.warn(n);
  if (out.status === 'rejected') {
    log.error(out.message!);
    void vscode.window.showErrorMessage(out.message!, 'Show Log').then((c) => { if (c) log.show(); });
    return out;
  }
  log.info(`Activator "${plan.name}" ${out.status}: item ${out.item!.id} in workspace ${workspaceId}, ${plan.rules.length} rule(s) (${out.url}).`);
  void vscode.window.showInformationMessage(`Alerts ${out.status === 'created' ? 'deployed to new' : 'updated in'} Activator "${plan.name}".${notes.length ? ` ${notes.length} note${notes.length === 1 ? '' : 's'} in the log.` : ''}`, 'Open in Fabric').then(async (c) => {
    if (c) await vscode.env.openExternal(vscode.Uri.parse(out.url!));
  });
  return out;
}

async function pickItem(items: ActivatorItems, workspaceId: string, preferred: string, title: string): Promise<FabricItem> {
  const all = await progress.run('Eventline: looking for Activator items…', (signal) => items.list(workspaceId, signal));
  if (!all.length) throw new Error(`Workspace ${workspaceId} has no Activator item. "Deploy Alerts to Fabric" creates "${preferred}".`);
  const own = all.find((i) => i.displayName === preferred);
  if (all.length === 1) return all[0];
  return prompts.pick(
    [...(own ? [own] : []), ...all.filter((i) => i !== own)].map((i) => ({ label: i.displayName, description: i === own ? 'this pipeline\'s' : i.id, value: i })),
    { title },
  );
}

export async function importAlerts(deps: AlertsFabricDeps): Promise<ImportOutcome | undefined> {
  const { model, manifests, log } = deps;
  const snapshot = cloudSnapshot(model, 'Import Alerts from Fabric');
  const items = new ActivatorItems(model);
  const workspaceId = await workspaceOf(model, 'Fabric workspace to import alerts from');
  const item = await pickItem(items, workspaceId, activatorName(snapshot.manifest), 'Import alerts from which Activator item?');
  const read = await progress.run(`Eventline: reading Activator "${item.displayName}"`, (signal) => items.read(workspaceId, item, signal));
  const url = items.url(workspaceId, item.id);
  for (const o of read.others) log.info(`Activator "${item.displayName}": rule "${o.name}" stays in the portal (${o.reason}) ${url}`);
  if (!read.alerts.length) {
    void vscode.window.showInformationMessage(`Activator "${item.displayName}" has no rule Eventline can edit${read.others.length ? ` (${read.others.length} stay in the portal; see the log)` : ''}.`, 'Open in Fabric').then(async (c) => {
      if (c) await vscode.env.openExternal(vscode.Uri.parse(url));
    });
    return { ...read, item, url, added: [], replaced: [] };
  }
  const existing = new Set((snapshot.manifest.alerts ?? []).map((a) => a.name));
  const chosen = await prompts.pickMany(read.alerts.map((a) => ({ label: a.name, description: existing.has(a.name) ? 'replaces the alert of that name' : 'new', picked: true, value: a })), {
    title: `Import alerts from Activator "${item.displayName}"`,
    placeHolder: read.others.length ? `${read.others.length} other rule(s) stay read-only in the portal: ${read.others.map((o) => `${o.name} (${o.reason})`).join('; ')}` : 'Written to eventline.json',
  });
  const uri = manifests.manifestUri();
  if (!uri) throw new Error('eventline.json is gone; create it again first.');
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const edit = upsertAlertEntries(text, chosen);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(edit.text));
  await manifests.reload();
  log.info(`Imported from Activator "${item.displayName}": added ${edit.added.join(', ') || 'none'}; replaced ${edit.replaced.join(', ') || 'none'}.`);
  const others = read.others.length ? ` ${read.others.length} rule${read.others.length === 1 ? '' : 's'} stay in the portal: ${read.others.map((o) => `"${o.name}"`).join(', ')}.` : '';
  void vscode.window.showInformationMessage(`Imported ${chosen.length} alert${chosen.length === 1 ? '' : 's'} into eventline.json.${others}`, ...(others ? ['Open in Fabric'] : [])).then(async (c) => {
    if (c) await vscode.env.openExternal(vscode.Uri.parse(url));
  });
  return { ...read, alerts: chosen, item, url, added: edit.added, replaced: edit.replaced };
}

/** Opens the pipeline's Activator item in the Fabric portal (the rule is inside it). */
export async function openAlertInFabric(deps: AlertsFabricDeps, arg: unknown): Promise<string> {
  const { model } = deps;
  const snapshot = cloudSnapshot(model, 'Open in Fabric');
  const items = new ActivatorItems(model);
  const workspaceId = await workspaceOf(model, 'Fabric workspace of the alerts');
  const name = activatorName(snapshot.manifest);
  const item = await progress.run('Eventline: looking for the Activator item…', (signal) => items.find(workspaceId, name, signal));
  const ref = refOf(arg);
  if (!item) throw new Error(`Workspace ${workspaceId} has no Activator "${name}"${ref?.kind === 'alert' ? ` with alert "${ref.name}"` : ''}: run "Deploy Alerts to Fabric" first.`);
  const url = items.url(workspaceId, item.id);
  // Not awaited: VS Code may first ask whether to open the site, and the command does not wait on that answer.
  void Promise.resolve(vscode.env.openExternal(vscode.Uri.parse(url))).catch((e: unknown) => deps.log.warn(`Open in Fabric: ${e instanceof Error ? e.message : String(e)}`));
  return url;
}
