// The other Resource Manager resources a deploy touches: finding the hub's namespace and the Key Vault (for role
// scopes and the namespace host), and creating the resource group and storage a new Flex app needs. Through the
// official @azure/arm-resources, @azure/arm-storage and @azure/arm-eventhub.
import type { TokenCredential } from '@azure/core-auth';
import type { CloudSettings } from '../core/cloud';
import { ARM_CALL_TIMEOUT_MS, ARM_CREATE_TIMEOUT_MS } from '../core/deploy/constants';
import { parseResourceId } from '../core/deploy/site';
import { eventHubManagementClient, resourceManagementClient, storageManagementClient } from './clients';
import { withTimeout } from './http';

const call = <T>(what: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>, ms = ARM_CALL_TIMEOUT_MS) => withTimeout(`Resource Manager (${what})`, ms, signal, fn);

export interface NamespaceTarget { resourceId: string; host: string; name: string }
export interface VaultTarget { resourceId: string; name: string }

export class ArmResources {
  constructor(private readonly credential: TokenCredential, private readonly cloud: CloudSettings, readonly subscriptionId: string) {}

  /**
   * The Event Hubs namespace a profile names (resource id, host, or bare name), with its resource id (the role's
   * scope) and its host (the function's `__fullyQualifiedNamespace`).
   */
  async namespace(value: string, signal?: AbortSignal): Promise<NamespaceTarget> {
    return call(`finding Event Hubs namespace ${value}`, signal, async (s) => {
      const id = parseResourceId(value);
      if (id && /\/providers\/Microsoft\.EventHub\/namespaces\//i.test(value)) {
        const arm = await eventHubManagementClient(this.credential, this.cloud, id.subscriptionId);
        const ns = await arm.namespaces.get(id.resourceGroup, id.name, { abortSignal: s });
        const host = ns.serviceBusEndpoint ? new URL(ns.serviceBusEndpoint).host : `${id.name}.servicebus.windows.net`;
        return { resourceId: ns.id ?? value, host, name: id.name };
      }
      const host = value.includes('.') ? value.toLowerCase() : `${value.toLowerCase()}.servicebus.windows.net`;
      const arm = await eventHubManagementClient(this.credential, this.cloud, this.subscriptionId);
      for await (const ns of arm.namespaces.list({ abortSignal: s })) {
        const nsHost = ns.serviceBusEndpoint ? new URL(ns.serviceBusEndpoint).host.toLowerCase() : `${(ns.name ?? '').toLowerCase()}.servicebus.windows.net`;
        if (nsHost === host || (ns.name ?? '').toLowerCase() === host.split('.')[0]) return { resourceId: ns.id ?? '', host: nsHost, name: ns.name ?? '' };
      }
      throw new Error(`Eventline could not find the Event Hubs namespace "${value}" in subscription ${this.subscriptionId}: the role assignment needs its resource. Put the namespace's resource id (/subscriptions/…/providers/Microsoft.EventHub/namespaces/…) in the profile's "eventHubsNamespace", or pick the subscription it is in.`);
    });
  }

  /** The Key Vault a profile names (resource id or name), with its resource id (the role's scope). */
  async vault(value: { name: string; resourceId?: string }, signal?: AbortSignal): Promise<VaultTarget> {
    return call(`finding Key Vault ${value.name}`, signal, async (s) => {
      if (value.resourceId) return { resourceId: value.resourceId, name: value.name };
      const arm = await resourceManagementClient(this.credential, this.cloud, this.subscriptionId);
      for await (const r of arm.resources.list({ filter: `resourceType eq 'Microsoft.KeyVault/vaults'`, abortSignal: s })) {
        if ((r.name ?? '').toLowerCase() === value.name.toLowerCase() && r.id) return { resourceId: r.id, name: r.name ?? value.name };
      }
      throw new Error(`Eventline could not find the Key Vault "${value.name}" in subscription ${this.subscriptionId}: the role assignment needs its resource. Put the vault's resource id in the profile's "keyVault" (or keyVault.resourceId in eventline.json).`);
    });
  }

  async resourceGroups(signal?: AbortSignal): Promise<{ name: string; location: string }[]> {
    return call('listing resource groups', signal, async (s) => {
      const arm = await resourceManagementClient(this.credential, this.cloud, this.subscriptionId);
      const out: { name: string; location: string }[] = [];
      for await (const g of arm.resourceGroups.list({ abortSignal: s })) out.push({ name: g.name ?? '', location: g.location ?? '' });
      return out.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  async createResourceGroup(name: string, location: string, signal?: AbortSignal): Promise<void> {
    return call(`creating resource group ${name}`, signal, async (s) => {
      const arm = await resourceManagementClient(this.credential, this.cloud, this.subscriptionId);
      await arm.resourceGroups.createOrUpdate(name, { location }, { abortSignal: s });
    });
  }

  async storageNameAvailable(name: string, signal?: AbortSignal): Promise<{ available: boolean; message?: string }> {
    return call(`checking the storage account name ${name}`, signal, async (s) => {
      const arm = await storageManagementClient(this.credential, this.cloud, this.subscriptionId);
      const r = await arm.storageAccounts.checkNameAvailability({ name, type: 'Microsoft.Storage/storageAccounts' }, { abortSignal: s });
      return { available: r.nameAvailable === true, message: r.message };
    });
  }

  /** A StorageV2 account with no public blob access and TLS 1.2; returns its resource id and blob endpoint. */
  async createStorageAccount(resourceGroup: string, name: string, location: string, signal?: AbortSignal): Promise<{ id: string; blobEndpoint: string }> {
    return call(`creating storage account ${name}`, signal, async (s) => {
      const arm = await storageManagementClient(this.credential, this.cloud, this.subscriptionId);
      const account = await arm.storageAccounts.create(resourceGroup, name, {
        location, kind: 'StorageV2', sku: { name: 'Standard_LRS' },
        allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2', enableHttpsTrafficOnly: true,
      }, { abortSignal: s });
      const blobEndpoint = (account.primaryEndpoints?.blob ?? `https://${name}.blob.core.windows.net/`).replace(/\/+$/, '');
      return { id: account.id ?? `/subscriptions/${this.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${name}`, blobEndpoint };
    }, ARM_CREATE_TIMEOUT_MS);
  }

  /** The Flex deployment container must exist before the first publish (spec §1.3). */
  async createContainer(resourceGroup: string, account: string, container: string, signal?: AbortSignal): Promise<void> {
    return call(`creating blob container ${container}`, signal, async (s) => {
      const arm = await storageManagementClient(this.credential, this.cloud, this.subscriptionId);
      await arm.blobContainers.create(resourceGroup, account, container, { publicAccess: 'None' }, { abortSignal: s });
    });
  }
}
