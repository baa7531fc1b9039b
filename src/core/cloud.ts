/** Endpoints and token audiences of one Azure cloud; sovereign clouds and test stand-ins override them. */
export interface CloudSettings {
  /** VS Code authentication provider id: `microsoft`, or `microsoft-sovereign-cloud`. */
  authProviderId: string;
  resourceManagerEndpoint: string;
  resourceManagerAudience: string;
  fabricEndpoint: string;
  fabricAudience: string;
  eventHubsAudience: string;
  keyVaultAudience: string;
  kustoAudience: string;
  /** App Service audience for the Function App's `scm` (Kudu) site; ARM tokens there are deprecated. */
  appServiceAudience: string;
  /** The Azure portal, for "Open in Portal". */
  portalEndpoint: string;
}

export const AZURE_PUBLIC_CLOUD: CloudSettings = {
  authProviderId: 'microsoft',
  resourceManagerEndpoint: 'https://management.azure.com',
  resourceManagerAudience: 'https://management.azure.com',
  fabricEndpoint: 'https://api.fabric.microsoft.com',
  fabricAudience: 'https://api.fabric.microsoft.com',
  eventHubsAudience: 'https://eventhubs.azure.net',
  keyVaultAudience: 'https://vault.azure.net',
  kustoAudience: 'https://kusto.kusto.windows.net',
  // Gov: https://appservice.azure.us, China: https://appservice.azure.cn (functions-fabric-activator.md §0).
  appServiceAudience: 'https://appservice.azure.com',
  portalEndpoint: 'https://portal.azure.com',
};

export function cloudSettings(overrides: Partial<Record<keyof CloudSettings, unknown>>): CloudSettings {
  const out = { ...AZURE_PUBLIC_CLOUD };
  for (const key of Object.keys(AZURE_PUBLIC_CLOUD) as (keyof CloudSettings)[]) {
    const v = overrides[key];
    if (typeof v === 'string' && v.trim()) out[key] = v.trim().replace(/\/+$/, '');
  }
  return out;
}

/** `https://x/.default` for an audience. */
export function defaultScope(audience: string): string {
  return `${audience.replace(/\/+$/, '')}/.default`;
}

/**
 * Turns whatever scopes an SDK asks for into the form the VS Code Microsoft provider expects: one resource,
 * `.default`. The Event Hubs SDK asks for `https://eventhubs.azure.net//.default` (double slash).
 */
export function normaliseScopes(scopes: string | readonly string[]): string[] {
  const list = typeof scopes === 'string' ? [scopes] : [...scopes];
  return list.map((s) => {
    if (!/^https?:\/\//.test(s)) return s;
    const m = /^(https?:\/\/[^/]+)(\/.*)?$/.exec(s);
    if (!m) return s;
    const path = (m[2] ?? '').replace(/\/+/g, '/');
    if (path === '' || path === '/' || path === '/.default') return `${m[1]}/.default`;
    return `${m[1]}${path}`;
  });
}
