// The ingest functions of the manifest and, in a cloud profile, the Function App each is deployed to: its plan,
// state, last deployment and whether the host lists the function.
import type { DeploymentRecord } from '../core/deploy/deployment';
import { functionEntries, type FunctionEntry } from '../core/deploy/settings';
import { parseResourceId, type FunctionAppInfo } from '../core/deploy/site';
import { FunctionDeployer } from '../azure/functionDeploy';
import type { ModelHost } from './host';
import type { FunctionRef } from './refs';

export interface DeployedState {
  app: FunctionAppInfo;
  lastDeployment: DeploymentRecord | undefined;
  /** The function as the host lists it; undefined when it does not. */
  fn: { name: string; disabled: boolean } | undefined;
}

/** The Function App a profile names: a resource id, or a bare name looked up in the subscription. */
export interface AppLocator { subscriptionId: string; resourceGroup?: string; name: string }

export function appLocator(functionApp: string | undefined, subscriptionId: string | undefined): AppLocator | undefined {
  if (!functionApp) return undefined;
  const id = parseResourceId(functionApp);
  if (id) return { subscriptionId: id.subscriptionId, resourceGroup: id.resourceGroup, name: id.name };
  return subscriptionId ? { subscriptionId, name: functionApp } : undefined;
}

export class FunctionAppsModel {
  constructor(private readonly host: ModelHost) {}

  functions(): FunctionRef[] {
    const s = this.host.snapshot();
    return s ? functionEntries(s.manifest).map((f) => ({ kind: 'function', name: f.name })) : [];
  }

  entry(ref: FunctionRef): FunctionEntry | undefined {
    const s = this.host.snapshot();
    return s ? functionEntries(s.manifest).find((f) => f.name === ref.name) : undefined;
  }

  /** The app the active profile deploys to, when it names one. */
  locator(): AppLocator | undefined {
    const s = this.host.snapshot();
    if (!s || s.profile.kind === 'local') return undefined;
    return appLocator(s.profile.profile.functionApp, s.profile.profile.subscriptionId);
  }

  deployer(subscriptionId: string): FunctionDeployer {
    const tenant = this.host.snapshot()?.profile.profile.tenantId;
    return new FunctionDeployer({ cloud: this.host.cloud, credential: this.host.credential(tenant), token: (audience, signal) => this.host.token(audience, signal ?? new AbortController().signal) }, subscriptionId);
  }

  /** Finds the app a locator names (by name: through the subscription's Function Apps). */
  async app(loc: AppLocator, signal?: AbortSignal): Promise<FunctionAppInfo> {
    const d = this.deployer(loc.subscriptionId);
    if (loc.resourceGroup) return d.apps.get(loc.resourceGroup, loc.name, signal);
    const found = (await d.apps.list(signal)).find((a) => a.name.toLowerCase() === loc.name.toLowerCase());
    if (!found) throw new Error(`Function App "${loc.name}" (the profile's functionApp) is not in subscription ${loc.subscriptionId}.`);
    return found;
  }

  /** What Azure says about the function: its app, the last deployment and the host's view of it. */
  async deployed(ref: FunctionRef, signal?: AbortSignal): Promise<DeployedState | undefined> {
    const loc = this.locator();
    if (!loc) return undefined;
    const app = await this.app(loc, signal);
    const d = this.deployer(loc.subscriptionId);
    const [last, fns] = await Promise.all([
      d.lastDeployment(app, signal).then((r) => r.record).catch(() => undefined),
      d.apps.functions(app, signal).catch(() => []),
    ]);
    return { app, lastDeployment: last, fn: fns.find((f) => f.name === ref.name) };
  }
}
