// What Eventline needs to know about a Function App, read from its Resource Manager site (spec §1.5), and the
// deploy route each hosting plan takes (§1.3, §1.4).

export type PlanKind = 'flex' | 'consumption' | 'linuxConsumption' | 'premium' | 'dedicated';

export const PLAN_LABEL: Record<PlanKind, string> = {
  flex: 'Flex Consumption', consumption: 'Consumption', linuxConsumption: 'Consumption (Linux)', premium: 'Elastic Premium', dedicated: 'Dedicated (App Service plan)',
};

export interface FunctionAppInfo {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  plan: PlanKind;
  linux: boolean;
  /** `node`, `python`, … when the site says; undefined when only the app settings would tell. */
  runtime: string | undefined;
  runtimeVersion: string | undefined;
  state: string | undefined;
  /** The app's own host (for the admin endpoint). */
  defaultHost: string;
  /** The `scm` (Kudu) host. */
  scmHost: string;
  identityType: string | undefined;
  principalId: string | undefined;
  userAssignedIdentities: string[];
}

/** The parts of an ARM site (as the SDK returns it, properties flattened) this reads. */
export interface SiteLike {
  id?: string;
  name?: string;
  location?: string;
  kind?: string;
  sku?: string;
  state?: string;
  defaultHostName?: string;
  enabledHostNames?: string[];
  hostNameSslStates?: { name?: string; hostType?: string }[];
  reserved?: boolean;
  serverFarmId?: string;
  functionAppConfig?: { runtime?: { name?: string; version?: string } };
  siteConfig?: { linuxFxVersion?: string };
  identity?: { type?: string; principalId?: string; userAssignedIdentities?: Record<string, unknown> };
}

export function parseResourceId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)/i.exec(id);
  return m ? { subscriptionId: m[1], resourceGroup: m[2], name: m[3] } : undefined;
}

export function siteResourceId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${name}`;
}

export function isFunctionApp(site: SiteLike): boolean {
  return /functionapp/i.test(site.kind ?? '');
}

function planOf(site: SiteLike, linux: boolean): PlanKind {
  const sku = (site.sku ?? '').toLowerCase();
  if (sku === 'flexconsumption' || site.functionAppConfig) return 'flex';
  if (sku === 'dynamic') return linux ? 'linuxConsumption' : 'consumption';
  if (sku === 'elasticpremium') return 'premium';
  return 'dedicated';
}

export function describeSite(site: SiteLike): FunctionAppInfo {
  const id = site.id ?? '';
  const parsed = parseResourceId(id);
  const linux = /linux/i.test(site.kind ?? '') || site.reserved === true;
  const fx = /^([a-z]+)\|(.+)$/i.exec(site.siteConfig?.linuxFxVersion ?? '');
  const name = site.name ?? parsed?.name ?? '';
  const scm = site.hostNameSslStates?.find((h) => /repository/i.test(h.hostType ?? ''))?.name
    ?? site.enabledHostNames?.find((h) => h.includes('.scm.'))
    ?? `${name}.scm.azurewebsites.net`;
  return {
    id, name,
    subscriptionId: parsed?.subscriptionId ?? '',
    resourceGroup: parsed?.resourceGroup ?? '',
    location: site.location ?? '',
    plan: planOf(site, linux),
    linux,
    runtime: (site.functionAppConfig?.runtime?.name ?? fx?.[1])?.toLowerCase(),
    runtimeVersion: site.functionAppConfig?.runtime?.version ?? fx?.[2],
    state: site.state,
    defaultHost: site.defaultHostName ?? `${name}.azurewebsites.net`,
    scmHost: scm,
    identityType: site.identity?.type,
    principalId: site.identity?.principalId,
    userAssignedIdentities: Object.keys(site.identity?.userAssignedIdentities ?? {}),
  };
}

export function hasSystemIdentity(app: FunctionAppInfo): boolean {
  return /systemassigned/i.test(app.identityType ?? '') && !!app.principalId;
}

/** The identity PATCH that adds a system-assigned identity and keeps user-assigned ones (a type without them drops them). */
export function identityPatch(app: FunctionAppInfo): { type: string; userAssignedIdentities?: Record<string, Record<string, never>> } {
  if (app.userAssignedIdentities.length === 0) return { type: 'SystemAssigned' };
  return { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: Object.fromEntries(app.userAssignedIdentities.map((k) => [k, {}])) };
}

/** How the package is uploaded: one-deploy for Flex, Kudu zipdeploy for the other plans. */
export function uploadRoute(plan: PlanKind): 'publish' | 'zipdeploy' {
  return plan === 'flex' ? 'publish' : 'zipdeploy';
}

/** Flex syncs triggers itself after one-deploy (VS Code skips the call there); the other plans need the ARM call. */
export function needsSyncTriggers(plan: PlanKind): boolean {
  return plan !== 'flex';
}

/** Windows Consumption and Premium run a zipdeploy package only from WEBSITE_RUN_FROM_PACKAGE=1 (§1.4). */
export function needsRunFromPackage(app: FunctionAppInfo): boolean {
  return !app.linux && (app.plan === 'consumption' || app.plan === 'premium');
}

/** Why Eventline will not deploy to this app, or undefined when it can. */
export function unsupportedReason(app: FunctionAppInfo): string | undefined {
  if (app.runtime && app.runtime !== 'node') return `${app.name} runs ${app.runtime}, not Node.js: the ingest function needs a Node.js Function App.`;
  if (app.plan === 'linuxConsumption') {
    return `${app.name} is on the Linux Consumption plan, which deploys through a storage package URL and is being retired (30 Sep 2028). Create a Flex Consumption app instead ("Create a new Function App" in this command).`;
  }
  return undefined;
}
