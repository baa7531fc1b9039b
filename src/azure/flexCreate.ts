// Creates a Flex Consumption Function App and what it needs, in order, each step logged: resource group, storage
// account with the deployment container, FC1 plan, the app with a system-assigned identity, and the identity's
// Storage Blob Data Owner role on the storage account (deployment container and host storage by identity).
import { ROLES } from '../core/deploy/constants';
import type { FlexCreation } from '../core/deploy/names';
import type { FunctionAppInfo } from '../core/deploy/site';
import { ArmResources } from './armResources';
import type { DeployEnv, DeployReporter } from './functionDeploy';
import { FunctionAppService } from './appService';
import { RoleAssignments } from './roleAssignments';

export async function createFlexApp(c: FlexCreation, env: DeployEnv, reporter: DeployReporter, signal?: AbortSignal): Promise<FunctionAppInfo> {
  const arm = new ArmResources(env.credential, env.cloud, c.subscriptionId);
  const apps = new FunctionAppService(env.credential, env.cloud, c.subscriptionId);
  const n = c.names;
  if (c.createResourceGroup) {
    reporter.step(`Creating resource group ${n.resourceGroup}`);
    await arm.createResourceGroup(n.resourceGroup, c.location, signal);
    reporter.log(`create: resource group ${n.resourceGroup} (${c.location})`);
  }
  reporter.step(`Creating storage account ${n.storageAccount}`);
  const storage = await arm.createStorageAccount(n.resourceGroup, n.storageAccount, c.location, signal);
  reporter.log(`create: storage account ${n.storageAccount}`);
  await arm.createContainer(n.resourceGroup, n.storageAccount, n.container, signal);
  reporter.log(`create: blob container ${n.container}`);
  reporter.step(`Creating plan ${n.plan}`);
  const spec = {
    resourceGroup: n.resourceGroup, name: n.app, location: c.location, planName: n.plan, nodeVersion: c.nodeVersion,
    deploymentContainerUrl: `${storage.blobEndpoint}/${n.container}`, storageAccount: n.storageAccount,
  };
  const planId = await apps.createFlexPlan(spec, signal);
  reporter.log(`create: Flex Consumption plan ${n.plan}`);
  reporter.step(`Creating Function App ${n.app}`);
  const app = await apps.createFlexApp(spec, planId, signal);
  if (!app.principalId) throw new Error(`Creating ${n.app} returned no managed identity.`);
  reporter.log(`create: Function App ${n.app} (Node.js ${c.nodeVersion}, identity ${app.principalId})`);
  reporter.step('Granting the app its storage');
  const r = await new RoleAssignments(env.credential, env.cloud).assign(storage.id, ROLES.storageBlobDataOwner, app.principalId, signal);
  reporter.log(`role: ${ROLES.storageBlobDataOwner.name} on ${n.storageAccount}: ${r === 'created' ? 'assigned' : 'already assigned'}`);
  return app;
}
