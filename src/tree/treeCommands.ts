import * as vscode from 'vscode';
import { profileNames } from '../core/profiles';
import { UserCancelledError } from '../core/errors';
import { bracket } from '../core/kustoNames';
import { registerCommand } from '../common/registerCommand';
import type { ManifestStore } from '../manifest/manifestStore';
import type { ProfileState } from '../manifest/profileState';
import type { LocalPipeline } from '../localPipeline/localPipeline';
import { hubOfNode, type HubNode } from './eventHubsNodes';
import { TableNode } from './eventhouseNodes';
import type { PipelineTreeProvider } from './pipelineTree';
import { ErrorNode, TreeNode } from './treeNode';

const CONSUMER_GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

function hubOf(node: unknown): HubNode {
  const hub = hubOfNode(node);
  if (!hub) throw new Error('Run this from an Event Hub in the Eventline tree.');
  return hub;
}

async function openKql(content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'kql', content });
  await vscode.window.showTextDocument(doc, { preview: false });
}

export function registerTreeCommands(tree: PipelineTreeProvider, manifests: ManifestStore, profiles: ProfileState, local: LocalPipeline, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand('eventline.refresh', log, (node?: TreeNode) => {
      if (node instanceof TreeNode) tree.refresh(node);
      else { void manifests.reload(); tree.refresh(); }
    }),
    registerCommand('eventline.retry', log, (node?: TreeNode) => tree.refresh(node instanceof ErrorNode ? node.retryTarget : node)),
    registerCommand('eventline.selectProfile', log, async () => {
      const state = manifests.state;
      if (state.kind !== 'loaded' || !state.ok) throw new Error('Fix or create eventline.json first: profiles are declared there.');
      const current = profiles.current()?.name;
      const picked = await vscode.window.showQuickPick(profileNames(state.manifest).map((name) => {
        const p = state.manifest.profiles?.[name];
        const kind = p?.kind ?? (name === 'local' ? 'local' : 'azure');
        return { label: name, description: `${kind === 'local' ? 'local pipeline' : 'Azure and Fabric'}${name === current ? ' (active)' : ''}` };
      }), { title: 'Eventline: Select Profile', placeHolder: 'Where should Eventline look for the pipeline?' });
      if (!picked) throw new UserCancelledError();
      await profiles.pick(picked.label);
    }),
    registerCommand('eventline.copyConnectionInfo', log, async (node?: TreeNode) => {
      const hub = hubOf(node);
      const choices = [{ label: 'Host and hub name', description: 'no key', withKey: false }];
      if (hub.location.kind === 'local') choices.push({ label: 'Connection string with key', description: 'local pipeline only', withKey: true });
      const picked = choices.length === 1 ? choices[0] : await vscode.window.showQuickPick(choices, { title: `Copy connection info for ${hub.hub}` });
      if (!picked) throw new UserCancelledError();
      await vscode.env.clipboard.writeText(hub.connectionInfo(picked.withKey));
      void vscode.window.showInformationMessage(`Copied ${picked.label.toLowerCase()} for ${hub.hub}.`);
    }),
    registerCommand('eventline.createConsumerGroup', log, async (node?: TreeNode, nameArg?: string) => {
      const hub = hubOf(node);
      const name = nameArg ?? await vscode.window.showInputBox({
        title: `New consumer group on ${hub.hub}`,
        prompt: 'A dedicated group keeps tools like the tail from taking one of the 5 reader slots of $Default.',
        value: 'eventline-tail',
        validateInput: (v) => (CONSUMER_GROUP_NAME.test(v) ? undefined : 'Use 1-50 letters, digits, ".", "_" or "-", starting with a letter or digit.'),
      });
      if (!name) throw new UserCancelledError();
      if (!CONSUMER_GROUP_NAME.test(name)) throw new Error(`"${name}" is not a valid consumer group name: use 1-50 letters, digits, ".", "_" or "-".`);
      await hub.createConsumerGroup(name);
      tree.refresh(hub);
    }),
    registerCommand('eventline.queryTable', log, async (node?: TreeNode) => {
      if (!(node instanceof TableNode)) throw new Error('Run this from a table in the Eventline tree.');
      // A KQL notebook bound to the table's database, with the query already run.
      await vscode.commands.executeCommand('eventline.newKqlNotebook', node.db, `${bracket(node.table)}\n| take 100`, { run: true });
    }),
    registerCommand('eventline.showTableSchema', log, async (node?: TreeNode) => {
      if (!(node instanceof TableNode)) throw new Error('Run this from a table in the Eventline tree.');
      await openKql(`// ${node.db.database} on ${node.db.target.uri}\n${await node.createScript()}\n`);
    }),
    registerCommand('eventline.startLocalPipeline', log, async () => {
      const state = manifests.state;
      const ready = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Eventline: starting the local pipeline…' },
        () => local.start(state.kind === 'loaded' ? state.uri.fsPath : undefined));
      void vscode.window.showInformationMessage(`Local pipeline running: Eventhouse ${ready.eventhouse.uri}.`);
    }),
    registerCommand('eventline.stopLocalPipeline', log, () => local.stop()),
  );
}
