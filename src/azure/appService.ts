// Resource Manager calls on Function Apps, through the official @azure/arm-appservice (pinned to the api-version in
// core/deploy/constants.ts) with the caller's credential; every call takes the caller's abort signal.
import type { ManagedServiceIdentityType } from '@azure/arm-appservice';
import type { TokenCredential } from '@azure/core-auth';
import type { CloudSettings } from '../core/cloud';
import { ARM_CALL_TIMEOUT_MS, ARM_CREATE_TIMEOUT_MS, FLEX_SCALE, FLEX_SKU } from '../core/deploy/constants';
import { describeSite, identityPatch, isFunctionApp, type FunctionAppInfo } from '../core/deploy/site';
import type { ReferenceStatus } from '../core/deploy/verify';
import { webSiteManagementClient } from './clients';
import { withTimeout } from './http';

export interface FlexAppSpec {
  resourceGroup: string;
  name: string;
  location: string;
  planName: string;
  nodeVersion: string;
  /** `https://<account>.blob.core.windows.net/<container>`. */
  deploymentContainerUrl: string;
  storageAccount: string;
}

export class FunctionAppService {
  constructor(private readonly credential: TokenCredential, private readonly cloud: CloudSettings, readonly subscriptionId: string) {}

  private client() {
    return webSiteManagementClient(this.credential, this.cloud, this.subscriptionId);
  }

  /** One call with a deadline: a timeout is an error that says what did not answer, a Cancel stays a Cancel. */
  private call<T>(what: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>, ms = ARM_CALL_TIMEOUT_MS): Promise<T> {
    return withTimeout(`Resource Manager (${what})`, ms, signal, fn);
  }

  /** The subscription's Function Apps (one request per page). */
  async list(signal?: AbortSignal): Promise<FunctionAppInfo[]> {
    return this.call('listing Function Apps', signal, async (s) => {
      const c = await this.client();
      const out: FunctionAppInfo[] = [];
      for await (const site of c.webApps.list({ abortSignal: s })) {
        if (isFunctionApp(site)) out.push(describeSite(site));
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  async get(resourceGroup: string, name: string, signal?: AbortSignal): Promise<FunctionAppInfo> {
    return this.call(`reading site ${name}`, signal, async (s) => {
      const c = await this.client();
      return describeSite(await c.webApps.get(resourceGroup, name, { abortSignal: s }));
    });
  }

  /** `POST …/config/appsettings/list`. */
  async appSettings(app: FunctionAppInfo, signal?: AbortSignal): Promise<Record<string, string>> {
    return this.call(`reading the app settings of ${app.name}`, signal, async (s) => {
      const c = await this.client();
      const r = await c.webApps.listApplicationSettings(app.resourceGroup, app.name, { abortSignal: s });
      return { ...(r.properties ?? {}) };
    });
  }

  /** `PUT …/config/appsettings`: replaces the whole set, so `all` must be the merged settings. */
  async replaceAppSettings(app: FunctionAppInfo, all: Record<string, string>, signal?: AbortSignal): Promise<void> {
    return this.call(`writing the app settings of ${app.name}`, signal, async (s) => {
      const c = await this.client();
      await c.webApps.updateApplicationSettings(app.resourceGroup, app.name, { properties: all }, { abortSignal: s });
    });
  }

  /** `PATCH` the site's identity: adds the system-assigned identity and keeps user-assigned ones. */
  async enableSystemIdentity(app: FunctionAppInfo, signal?: AbortSignal): Promise<FunctionAppInfo> {
    return this.call(`enabling the managed identity of ${app.name}`, signal, async (s) => {
      const c = await this.client();
      const patch = identityPatch(app);
      const site = await c.webApps.update(app.resourceGroup, app.name, { identity: { ...patch, type: patch.type as ManagedServiceIdentityType } }, { abortSignal: s });
      return describeSite(site);
    });
  }

  /** `GET …/config/configreferences/appsettings`: the Key Vault references' status. */
  async referenceStatuses(app: FunctionAppInfo, signal?: AbortSignal): Promise<ReferenceStatus[]> {
    return this.call(`reading the Key Vault reference status of ${app.name}`, signal, async (s) => {
      const c = await this.client();
      const out: ReferenceStatus[] = [];
      for await (const r of c.webApps.listAppSettingsKeyVaultReferences(app.resourceGroup, app.name, { abortSignal: s })) {
        out.push({ name: r.name, status: r.status, details: r.details, vaultName: r.vaultName, secretName: r.secretName });
      }
      return out;
    });
  }

  /** The functions the host reports (`GET …/functions`), by bare name (ARM names them `<app>/<function>`). */
  async functions(app: FunctionAppInfo, signal?: AbortSignal): Promise<{ name: string; disabled: boolean }[]> {
    return this.call(`listing the functions of ${app.name}`, signal, async (s) => {
      const c = await this.client();
      const out: { name: string; disabled: boolean }[] = [];
      for await (const f of c.webApps.listFunctions(app.resourceGroup, app.name, { abortSignal: s })) {
        const name = (f.name ?? '').split('/').pop() ?? '';
        out.push({ name, disabled: (f as { isDisabled?: boolean }).isDisabled === true });
      }
      return out;
    });
  }

  /** The host's master key, for the admin endpoint. A secret: kept in memory for one call, never logged. */
  async masterKey(app: FunctionAppInfo, signal?: AbortSignal): Promise<string> {
    return this.call(`reading the host keys of ${app.name}`, signal, async (s) => {
      const c = await this.client();
      const keys = await c.webApps.listHostKeys(app.resourceGroup, app.name, { abortSignal: s });
      if (!keys.masterKey) throw new Error(`${app.name} returned no master key: Eventline cannot run the function through its admin endpoint.`);
      return keys.masterKey;
    });
  }

  /** `POST …/syncfunctiontriggers` (Consumption, Premium, Dedicated after zipdeploy). */
  async syncTriggers(app: FunctionAppInfo, signal?: AbortSignal): Promise<void> {
    return this.call(`syncing the triggers of ${app.name}`, signal, async (s) => {
      const c = await this.client();
      await c.webApps.syncFunctionTriggers(app.resourceGroup, app.name, { abortSignal: s });
    });
  }

  /** Regions that offer Flex Consumption. */
  async flexRegions(signal?: AbortSignal): Promise<{ name: string; displayName: string }[]> {
    return this.call('listing Flex Consumption regions', signal, async (s) => {
      const c = await this.client();
      const out: { name: string; displayName: string }[] = [];
      for await (const r of c.listGeoRegions({ sku: 'FlexConsumption', abortSignal: s })) {
        out.push({ name: (r.name ?? '').toLowerCase().replace(/\s+/g, ''), displayName: r.displayName ?? r.name ?? '' });
      }
      return out;
    });
  }

  /** Whether `<name>.azurewebsites.net` is free. */
  async nameAvailable(name: string, signal?: AbortSignal): Promise<{ available: boolean; message?: string }> {
    return this.call(`checking the name ${name}`, signal, async (s) => {
      const c = await this.client();
      const r = await c.checkNameAvailability(name, 'Microsoft.Web/sites', { abortSignal: s });
      return { available: r.nameAvailable === true, message: r.message };
    });
  }

  /** The FC1 plan for a Flex app. */
  async createFlexPlan(spec: FlexAppSpec, signal?: AbortSignal): Promise<string> {
    return this.call(`creating plan ${spec.planName}`, signal, async (s) => {
      const c = await this.client();
      const plan = await c.appServicePlans.createOrUpdate(spec.resourceGroup, spec.planName, {
        location: spec.location, kind: 'functionapp', sku: { ...FLEX_SKU }, reserved: true,
      }, { abortSignal: s });
      if (!plan.id) throw new Error(`Creating the plan ${spec.planName} returned no id.`);
      return plan.id;
    }, ARM_CREATE_TIMEOUT_MS);
  }

  /**
   * The Flex app: system-assigned identity, Node runtime, deployment container reached with that identity, and host
   * storage through the identity too (no connection string, so nothing secret in a setting).
   */
  async createFlexApp(spec: FlexAppSpec, planId: string, signal?: AbortSignal): Promise<FunctionAppInfo> {
    return this.call(`creating Function App ${spec.name}`, signal, async (s) => {
      const c = await this.client();
      const site = await c.webApps.createOrUpdate(spec.resourceGroup, spec.name, {
        location: spec.location,
        kind: 'functionapp,linux',
        identity: { type: 'SystemAssigned' },
        serverFarmId: planId,
        reserved: true,
        httpsOnly: true,
        functionAppConfig: {
          deployment: { storage: { type: 'blobContainer', value: spec.deploymentContainerUrl, authentication: { type: 'SystemAssignedIdentity' } } },
          runtime: { name: 'node', version: spec.nodeVersion },
          scaleAndConcurrency: { ...FLEX_SCALE },
        },
        siteConfig: { appSettings: [{ name: 'AzureWebJobsStorage__accountName', value: spec.storageAccount }] },
      }, { abortSignal: s });
      return describeSite(site);
    }, ARM_CREATE_TIMEOUT_MS);
  }
}
