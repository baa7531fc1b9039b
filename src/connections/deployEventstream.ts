// "Eventline: Deploy Eventstream": the manifest's hub → table connections as a Fabric Eventstream in the cloud
// profile's workspace, created or updated (read, modify, write), with progress that Cancel really aborts.
import * as vscode from 'vscode';
import { applyEdits, modify } from 'jsonc-parser';
import { progress } from '../common/progress';
import { prompts, type Choice } from '../common/prompt';
import { UserCancelledError } from '../core/errors';
import { eventstreamNotes, type EventstreamPlan, type EventstreamTarget } from '../core/fabric/eventstream';
import type { FabricConnection } from '../azure/fabric';
import type { ManifestStore } from '../manifest/manifestStore';
import { FABRIC_CONNECTIONS_PAGE, type EventstreamDeployment } from '../model/fabric';
import type { PipelineModel } from '../model/pipelineModel';
import { refOf } from '../model/refs';

export interface ConnectionsDeps {
  model: PipelineModel;
  manifests: ManifestStore;
  log: vscode.LogOutputChannel;
  /** Something in Fabric changed: the tree redraws the connection rows. */
  onDeployed(): void;
}

export interface EventstreamOutcome extends EventstreamDeployment {
  plan: EventstreamPlan;
  target: EventstreamTarget;
  notes: string[];
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function howToCreateConnection(hub: string, namespace: string | undefined): string {
  return [
    `Create a Fabric cloud connection to ${namespace ? `${namespace}/` : ''}${hub}:`,
    '1. In the Event Hubs namespace (Azure portal → Shared access policies), add a policy with Listen on the hub (or use one that has it).',
    '2. In Fabric: Settings (gear) → Manage connections and gateways → New → Cloud; connection type "Azure Event Hubs";',
    `   Event Hub namespace "${namespace ?? '<namespace>'}", Event Hub "${hub}", authentication "Shared Access Key" with the policy's name and key.`,
    '   (Adding an Azure Event Hubs source in an Eventstream\'s editor creates the same connection.)',
    '3. Run "Deploy Eventstream" again and pick it, or enter its id (Manage connections and gateways → the connection → Settings).',
    'Eventline does not create it through the API: the connection type\'s parameters are not documented, and it would need the SAS key.',
  ].join('\n');
}

/** Remembers the connection id for the hub in the active profile of eventline.json (formatting kept). */
async function rememberConnection(deps: ConnectionsDeps, profile: string, hub: string, id: string): Promise<void> {
  const uri = deps.manifests.manifestUri();
  if (!uri) return;
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const edits = modify(text, ['profiles', profile, 'eventHubConnections', hub], id, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(applyEdits(text, edits)));
  await deps.manifests.reload();
}

async function pickPlan(deps: ConnectionsDeps, arg: unknown): Promise<EventstreamPlan> {
  const { plans, problems } = deps.model.fabric.plans();
  const ref = refOf(arg);
  if (ref?.kind === 'connection') {
    const plan = plans.find((p) => p.connections.some((c) => c.name === ref.name));
    if (!plan) throw new Error(problems.find((p) => p.includes(`"${ref.name}"`)) ?? `Connection "${ref.name}" is not in eventline.json any more.`);
    return plan;
  }
  if (!plans.length) throw new Error(problems[0] ?? 'eventline.json has no connections: add one under "connections" (a hub, a table) to deploy it as an Eventstream.');
  if (plans.length === 1) return plans[0];
  return prompts.pick(plans.map((p) => ({ label: p.name, description: `${p.hub} → ${p.connections.map((c) => c.table).join(', ')}`, value: p })), { title: 'Eventline: Deploy Eventstream', placeHolder: 'Which Eventstream?' });
}

export async function deployEventstream(deps: ConnectionsDeps, arg: unknown): Promise<EventstreamOutcome> {
  const { model } = deps;
  const snapshot = model.snapshot();
  if (!snapshot) throw new Error('Create or fix eventline.json first: its connections are what gets deployed.');
  const profile = snapshot.profile;
  if (profile.kind === 'local') {
    throw new Error(`"Deploy Eventstream" deploys to Fabric from a cloud profile; "${profile.name}" is the local pipeline, where the local connector carries the connections. Pick a cloud profile with "Eventline: Select Profile".`);
  }
  const plan = await pickPlan(deps, arg);

  // Where: workspace, KQL database item, and the connection the source reads the hub through.
  const workspaceId: string = model.fabric.workspaceId() ?? await prompts.pick<string>(model.fabric.workspaces().then((ws) => ws.map((w) => ({ label: w.displayName, description: w.id, value: w.id }))), {
    title: `Fabric workspace for Eventstream "${plan.name}"`, placeHolder: 'Set "fabricWorkspaceId" in the profile to skip this question',
  });
  const wanted = snapshot.manifest.eventhouse?.database;
  let database: { id: string; name: string };
  const itemId = profile.profile.kqlDatabaseItemId;
  const dbs = await model.fabric.kqlDatabases(workspaceId);
  if (itemId) {
    const found = dbs.find((d) => d.id === itemId);
    if (!found && !wanted) throw new Error(`The profile's kqlDatabaseItemId ${itemId} is not a KQL database in workspace ${workspaceId}.`);
    database = { id: itemId, name: found?.displayName ?? wanted! };
  } else {
    const named = wanted ? dbs.filter((d) => d.displayName === wanted) : dbs;
    if (!named.length) {
      throw new Error(wanted
        ? `Workspace ${workspaceId} has no KQL database named "${wanted}" (eventhouse.database). Create it in an Eventhouse there, or set "kqlDatabaseItemId" in profile "${profile.name}".`
        : `Workspace ${workspaceId} has no KQL database. Create an Eventhouse there first.`);
    }
    database = named.length === 1
      ? { id: named[0].id, name: named[0].displayName }
      : await prompts.pick(named.map((d) => ({ label: d.displayName, description: d.id, value: { id: d.id, name: d.displayName } })), { title: `KQL database for Eventstream "${plan.name}"` });
  }

  const address = model.fabric.hubAddress(plan.hub);
  let dataConnectionId = profile.profile.eventHubConnections?.[plan.hub];
  if (!dataConnectionId) {
    const choices = await progress.run(`Eventline: looking for Fabric connections to ${plan.hub}…`, (signal) => model.fabric.eventHubConnections(address, signal));
    const describe = (c: FabricConnection) => c.connectionDetails?.path ?? c.connectionDetails?.type ?? '';
    type Pick = { kind: 'connection'; id: string; name: string } | { kind: 'enter' } | { kind: 'help' };
    const items: Choice<Pick>[] = [
      ...choices.matching.map((c) => ({ label: c.displayName ?? c.id, description: `points at ${describe(c)}`, detail: c.id, value: { kind: 'connection' as const, id: c.id, name: c.displayName ?? c.id } })),
      ...choices.otherEventHubs.map((c) => ({ label: c.displayName ?? c.id, description: `another Event Hubs connection: ${describe(c)}`, detail: c.id, value: { kind: 'connection' as const, id: c.id, name: c.displayName ?? c.id } })),
      { label: 'Enter a connection id…', description: 'a connection made elsewhere', value: { kind: 'enter' } },
      { label: 'How do I create one?', value: { kind: 'help' } },
    ];
    if (!choices.matching.length && !choices.otherEventHubs.length) {
      const answer = await prompts.confirm(`No Fabric cloud connection points at ${address.namespace ? `${address.namespace}/` : ''}${plan.hub}. The Eventstream's source needs one.`, {
        detail: howToCreateConnection(plan.hub, address.namespace), buttons: ['Enter Connection Id…', 'Open Fabric'],
      });
      if (answer === 'Open Fabric') {
        await vscode.env.openExternal(vscode.Uri.parse(FABRIC_CONNECTIONS_PAGE));
        throw new UserCancelledError();
      }
      items.splice(0, items.length, items.find((i) => i.value.kind === 'enter')!);
    }
    let picked: Pick = items.length === 1 ? items[0].value : await prompts.pick(items, { title: `Fabric connection for hub ${plan.hub}`, placeHolder: 'The Eventstream\'s Azure Event Hubs source reads the hub through this connection' });
    if (picked.kind === 'help') {
      void vscode.window.showInformationMessage(howToCreateConnection(plan.hub, address.namespace), { modal: true });
      throw new UserCancelledError();
    }
    if (picked.kind === 'enter') {
      const id = await prompts.input({ title: `Fabric connection id for hub ${plan.hub}`, prompt: 'The connection\'s id (a GUID): Manage connections and gateways → the connection → Settings', validate: (v) => (GUID.test(v.trim()) ? undefined : 'A connection id is a GUID such as 0a1b2c3d-0000-1111-2222-333344445555.') });
      picked = { kind: 'connection', id: id.trim(), name: id.trim() };
    }
    dataConnectionId = picked.id;
    const remember = await prompts.confirm(`Remember connection "${picked.name}" for hub ${plan.hub} in profile "${profile.name}"?`, {
      detail: `Eventline writes profiles.${profile.name}.eventHubConnections.${plan.hub} in eventline.json (an id, not a secret), so the next deploy does not ask.`,
      buttons: ['Remember', 'Not Now'],
    });
    if (remember === 'Remember') await rememberConnection(deps, profile.name, plan.hub, dataConnectionId);
  }

  const target: EventstreamTarget = { workspaceId, kqlDatabaseItemId: database.id, databaseName: database.name, dataConnectionId };
  const notes = eventstreamNotes(plan);
  await prompts.confirm(`Deploy Eventstream "${plan.name}" to Fabric?`, {
    detail: [
      `Workspace ${workspaceId}; created if it does not exist there, else updated (nodes you added in Fabric are kept).`,
      `Source: Azure Event Hubs ${plan.hub}, consumer group ${plan.consumerGroup}, JSON, through connection ${dataConnectionId}.`,
      ...plan.connections.map((c) => `Destination: KQL database ${database.name} (${database.id}), table ${c.table}, processed ingestion.`),
      ...notes,
    ].join('\n'),
    buttons: ['Deploy'],
  });
  const result = await progress.run(`Eventline: deploying Eventstream "${plan.name}"`, (signal, report) =>
    model.fabric.deployEventstream(plan, target, { signal, onStatus: (message) => report({ message }) }));
  deps.log.info(`Eventstream "${plan.name}" ${result.created ? 'created' : 'updated'}: item ${result.item.id} in workspace ${workspaceId} (${result.url}).`);
  for (const n of notes) deps.log.warn(n);
  deps.onDeployed();
  void vscode.window.showInformationMessage(`Eventstream "${plan.name}" ${result.created ? 'created' : 'updated'} in Fabric.${notes.length ? ` ${notes.length} note${notes.length === 1 ? '' : 's'} in the log.` : ''}`, 'Open in Fabric').then(async (c) => {
    if (c) await vscode.env.openExternal(vscode.Uri.parse(result.url));
  });
  return { ...result, plan, target, notes };
}
