// Picking the target Function App, or creating a Flex Consumption one with each resource named and previewed
// before anything is created.
import * as vscode from 'vscode';
import { NODE_VERSIONS } from '../../core/deploy/constants';
import { appNameProblem, defaultFlexNames, describeCreation, resourceGroupNameProblem, storageAccountNameProblem, type FlexCreation } from '../../core/deploy/names';
import { PLAN_LABEL, unsupportedReason, type FunctionAppInfo } from '../../core/deploy/site';
import { prompts, type Choice } from '../../common/prompt';
import { subscriptionClient } from '../../azure/clients';
import { ArmResources } from '../../azure/armResources';
import { createFlexApp } from '../../azure/flexCreate';
import type { DeployEnv, FunctionDeployer } from '../../azure/functionDeploy';
import type { DeployLog } from './deployLog';

/** The profile's subscription, or one the user picks. */
export async function chooseSubscription(env: DeployEnv, wanted: string | undefined, signal: AbortSignal): Promise<string> {
  if (wanted) return wanted;
  const client = await subscriptionClient(env.credential, env.cloud);
  const items = (async () => {
    const out: Choice<string>[] = [];
    for await (const s of client.subscriptions.list({ abortSignal: signal })) out.push({ label: s.displayName ?? s.subscriptionId ?? '', description: s.subscriptionId, value: s.subscriptionId ?? '' });
    if (!out.length) throw new Error('This account sees no Azure subscription: pick another tenant (Eventline: Select Tenant) or account.');
    return out;
  })();
  return prompts.pick(items, { title: 'Deploy Ingest Function: subscription', placeHolder: 'Where is (or should be) the Function App?' });
}

type AppChoice = { kind: 'create' } | { kind: 'app'; app: FunctionAppInfo };

/** An existing Node.js Function App of the subscription, or a new Flex Consumption one. */
export async function pickOrCreateApp(deployer: FunctionDeployer, env: DeployEnv, suggestedName: string, log: DeployLog, run: AbortController): Promise<FunctionAppInfo> {
  const signal = run.signal;
  const items = (async (): Promise<Choice<AppChoice>[]> => {
    const apps = await deployer.apps.list(signal);
    return [
      { label: '$(add) Create a new Function App (Flex Consumption)…', description: 'resource group, storage, plan and app, previewed first', value: { kind: 'create' } },
      ...apps.filter((a) => !a.runtime || a.runtime === 'node').map<Choice<AppChoice>>((a) => ({
        label: a.name, description: `${PLAN_LABEL[a.plan]} · ${a.location} · ${a.resourceGroup}`,
        detail: unsupportedReason(a) ?? (a.runtime ? `Node.js ${a.runtimeVersion ?? ''}`.trim() : 'runtime not stated by the site'),
        value: { kind: 'app', app: a },
      })),
    ];
  })();
  const choice = await prompts.pick(items, { title: 'Deploy Ingest Function: Function App', placeHolder: 'Pick the Function App to deploy to', matchOnDescription: true });
  if (choice.kind === 'app') return choice.app;
  return createApp(deployer, env, suggestedName, log, run);
}

async function createApp(deployer: FunctionDeployer, env: DeployEnv, suggestedName: string, log: DeployLog, run: AbortController): Promise<FunctionAppInfo> {
  const signal = run.signal;
  const arm = new ArmResources(env.credential, env.cloud, deployer.subscriptionId);
  let name = '';
  for (let attempt = 0; ; attempt++) {
    name = await prompts.input({ title: 'New Function App (1/4): name', prompt: 'Becomes https://<name>.azurewebsites.net; 2–60 letters, digits and hyphens.', value: attempt === 0 ? suggestedName : name, validate: appNameProblem });
    const free = await deployer.apps.nameAvailable(name, signal);
    if (free.available) break;
    if (attempt >= 4) throw new Error(`"${name}" is not available${free.message ? `: ${free.message}` : ''}.`);
    void vscode.window.showWarningMessage(`"${name}" is not available${free.message ? `: ${free.message}` : ''}. Pick another name.`);
  }
  const names = defaultFlexNames(name);

  const groups = arm.resourceGroups(signal);
  const rg = await prompts.pick(groups.then((gs) => [
    { label: `$(add) New resource group ${names.resourceGroup}`, description: 'created with the app', value: { create: true, name: names.resourceGroup, location: '' } },
    ...gs.map((g) => ({ label: g.name, description: g.location, value: { create: false, name: g.name, location: g.location } })),
  ]), { title: 'New Function App (2/4): resource group' });
  if (rg.create) {
    rg.name = await prompts.input({ title: 'New Function App: resource group name', value: names.resourceGroup, validate: resourceGroupNameProblem });
  }

  const regions = deployer.apps.flexRegions(signal).then((rs) => {
    if (!rs.length) throw new Error('No region offers Flex Consumption to this subscription.');
    const first = rs.filter((r) => r.name === rg.location);
    return [...first, ...rs.filter((r) => r.name !== rg.location)].map((r) => ({ label: r.displayName, description: r.name === rg.location ? `${r.name} (the resource group's region)` : r.name, value: r.name }));
  });
  const location = await prompts.pick(regions, { title: 'New Function App (3/4): region (Flex Consumption regions)', matchOnDescription: true });
  const nodeVersion = await prompts.pick(NODE_VERSIONS.map((v) => ({ label: `Node.js ${v}`, description: v === NODE_VERSIONS[0] ? 'LTS' : undefined, value: v })), { title: 'New Function App (4/4): runtime' });

  let storageAccount = names.storageAccount;
  for (let i = 0; !(await arm.storageNameAvailable(storageAccount, signal)).available; i++) {
    if (i >= 3) throw new Error(`No free storage account name near "${names.storageAccount}": create one yourself and deploy to an existing app.`);
    storageAccount = `${names.storageAccount.slice(0, 20)}${Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0')}`;
  }
  if (storageAccountNameProblem(storageAccount)) throw new Error(`Derived storage account name "${storageAccount}" is invalid.`);
  const creation: FlexCreation = {
    subscriptionId: deployer.subscriptionId, location, nodeVersion, createResourceGroup: rg.create,
    names: { ...names, resourceGroup: rg.name, storageAccount },
  };
  const lines = describeCreation(creation);
  await prompts.confirm(`Create Function App ${name}?`, { detail: `Eventline will create, in subscription ${deployer.subscriptionId}:\n${lines.map((l) => `• ${l}`).join('\n')}`, buttons: ['Create'] });
  log.line(`create: ${lines.join('; ')}`);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Eventline: creating ${name}`, cancellable: true }, (progress, token) => {
    token.onCancellationRequested(() => run.abort());
    return createFlexApp(creation, env, { step: (m) => progress.report({ message: m }), log: (l) => log.line(l) }, signal);
  });
}
