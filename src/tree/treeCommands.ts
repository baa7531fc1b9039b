import * as vscode from 'vscode';
import { consumerGroupNameProblem } from '../core/eventHubsNames';
import { profileNames } from '../core/profiles';
import { bracket } from '../core/kustoNames';
import { prompts } from '../common/prompt';
import { registerCommand } from '../common/registerCommand';
import type { ManifestStore } from '../manifest/manifestStore';
import type { ProfileState } from '../manifest/profileState';
import type { LocalPipelineSupervisor } from '../localPipeline/supervisor';
import type { PipelineModel } from '../model/pipelineModel';
import { hubOf, refOf, type HubRef, type TableRef } from '../model/refs';
import type { PipelineTreeProvider } from './pipelineTree';
import { ErrorNode, TreeNode } from './treeNode';

function hubArg(arg: unknown): HubRef {
  const hub = hubOf(refOf(arg));
  if (!hub) throw new Error('Run this from an Event Hub in the Eventline tree.');
  return hub;
}

function tableArg(arg: unknown): TableRef {
  const ref = refOf(arg);
  if (ref?.kind !== 'table') throw new Error('Run this from a table in the Eventline tree.');
  return ref;
}

async function openKql(content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'kql', content });
  await vscode.window.showTextDocument(doc, { preview: false });
}

export interface TreeCommandDeps {
  tree: PipelineTreeProvider;
  model: PipelineModel;
  manifests: ManifestStore;
  profiles: ProfileState;
  local: LocalPipelineSupervisor;
  log: vscode.LogOutputChannel;
}

export function registerTreeCommands({ tree, model, manifests, profiles, local, log }: TreeCommandDeps): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand('eventline.refresh', log, (node?: TreeNode) => {
      if (node instanceof TreeNode) tree.refresh(node);
      else { void manifests.reload(); tree.refresh(); }
      model.refresh();
    }),
    registerCommand('eventline.retry', log, (node?: TreeNode) => tree.refresh(node instanceof ErrorNode ? node.retryTarget : node)),
    registerCommand('eventline.selectProfile', log, async () => {
      const state = manifests.state;
      if (state.kind !== 'loaded' || !state.ok) throw new Error('Fix or create eventline.json first: profiles are declared there.');
      const current = profiles.current()?.name;
      const picked = await prompts.pick(profileNames(state.manifest).map((name) => {
        const p = state.manifest.profiles?.[name];
        const kind = p?.kind ?? (name === 'local' ? 'local' : 'azure');
        return { label: name, description: `${kind === 'local' ? 'local pipeline' : 'Azure and Fabric'}${name === current ? ' (active)' : ''}`, value: name };
      }), { title: 'Eventline: Select Profile', placeHolder: 'Where should Eventline look for the pipeline?' });
      await profiles.pick(picked);
    }),
    registerCommand('eventline.copyConnectionInfo', log, async (node?: unknown) => {
      const hub = hubArg(node);
      const choices = [{ label: 'Host and hub name', description: 'no key', value: false }];
      if (hub.location.kind === 'local') choices.push({ label: 'Connection string with key', description: 'local pipeline only', value: true });
      const withKey = choices.length === 1 ? false : await prompts.pick(choices, { title: `Copy connection info for ${hub.name}` });
      await vscode.env.clipboard.writeText(await model.eventHubs.connectionInfo(hub, withKey));
      void vscode.window.showInformationMessage(`Copied ${withKey ? 'the connection string with key' : 'host and hub name'} for ${hub.name}.`);
    }),
    registerCommand('eventline.createConsumerGroup', log, async (node?: unknown) => {
      const hub = hubArg(node);
      const name = await prompts.input({
        title: `New consumer group on ${hub.name}`,
        prompt: 'A dedicated group keeps tools like the tail from taking one of the 5 reader slots of $Default.',
        value: 'eventline-tail',
        validate: consumerGroupNameProblem,
      });
      await model.eventHubs.createConsumerGroup(hub, name);
      tree.refresh(node instanceof TreeNode ? node : undefined);
    }),
    registerCommand('eventline.queryTable', log, async (node?: unknown) => {
      const table = tableArg(node);
      // The table's own KQL notebook (reused on the next Query Table), bound to its database, with the query run.
      await vscode.commands.executeCommand('eventline.newKqlNotebook', table.database, `${bracket(table.name)}\n| take 100`, { run: true, table: table.name });
    }),
    registerCommand('eventline.showTableSchema', log, async (node?: unknown) => {
      const table = tableArg(node);
      await openKql(`// ${table.database.database} on ${table.database.cluster}\n${await model.eventhouse.createTableScript(table)}\n`);
    }),
    registerCommand('eventline.startLocalPipeline', log, async () => {
      const ready = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Eventline: starting the local pipeline…' }, () => local.start());
      // The sample API's URL too: a source must name it, and it is not on its documented port when that was taken.
      void vscode.window.showInformationMessage(`Local pipeline running: Eventhouse ${ready.eventhouse.uri}${ready.sampleApi ? `; sample API ${ready.sampleApi.url}` : ''}.`);
    }),
    registerCommand('eventline.stopLocalPipeline', log, () => local.stop({ byUser: true })),
  );
}
