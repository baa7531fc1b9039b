// HTTPS stand-ins for what a function deploy talks to: Resource Manager (sites, settings, identity, Key Vault
// reference status, functions, host keys, role assignments, namespaces, vaults, resource groups, storage, plans),
// the app's `scm` site (publish, zipdeploy, deployments and their logs) and the app's admin endpoint (Run now).
// They keep state like the services do (a PUT of settings replaces them, an identity PATCH gives a principal, a
// role assignment that exists answers 409), record every request, and play the failures users meet.
import { randomUUID } from 'node:crypto';
import { StandIn, type RecordedRequest, type StandInReply } from './standins';

export const SUB = '00000000-0000-0000-0000-00000000f001';
export const RG = 'rg-pipeline';
export const APP = 'func-ingest';
export const MASTER_KEY = 'master-key-that-must-never-be-logged';

export interface FakeSite {
  name: string;
  resourceGroup: string;
  sku: 'FlexConsumption' | 'Dynamic' | 'ElasticPremium';
  linux: boolean;
  identity?: { type: string; principalId: string };
  settings: Record<string, string>;
  functions: string[];
  state: string;
}

export interface RoleAssignmentRecord { name: string; scope: string; roleDefinitionId: string; principalId: string; principalType: string }

export type DeployScenario =
  | { kind: 'ok'; runningPolls?: number }
  | { kind: 'fail'; message: string }
  | { kind: 'conflictOnce' }
  | { kind: 'hangUpload' };

/** One place for the knobs a test turns. */
export interface Scenario {
  deploy: DeployScenario;
  /** Role assignment PUTs answer 403 AuthorizationFailed. */
  roleDenied: boolean;
  /** The reference status the app reports for Key Vault settings. */
  referenceStatus: string;
  /** The first appsettings/list answers 429 with Retry-After: 1. */
  throttleSettingsOnce: boolean;
  /** The next `count` scm requests to `path` answer 401 (a token the service no longer takes). */
  scmUnauthorized: { path: RegExp; count: number } | undefined;
  /** What Run now does besides answering 202 (the test sends events to the hub). */
  onRunNow: () => Promise<void>;
}

/** The claims of a bearer token (the test provider's tokens are JWT-shaped). */
export function claims(authorization: string | undefined): Record<string, unknown> | undefined {
  const token = authorization?.replace(/^Bearer /, '');
  try {
    return token ? JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

const json = (status: number, body?: unknown, headers?: Record<string, string>): StandInReply => ({ status, body, headers });
const armError = (status: number, code: string, message: string) => json(status, { error: { code, message } });

export class FunctionCloud {
  arm = new StandIn();
  scm = new StandIn();
  app = new StandIn();
  sites = new Map<string, FakeSite>();
  roleAssignments: RoleAssignmentRecord[] = [];
  deployments: { id: string; polls: number; status: number; complete: boolean; author: string; log: { id: string; message: string; type: number; details?: string[] }[]; statusText: string }[] = [];
  scenario: Scenario = { deploy: { kind: 'ok' }, roleDenied: false, referenceStatus: 'Resolved', throttleSettingsOnce: false, scmUnauthorized: undefined, onRunNow: async () => undefined };
  namespaceHost = 'ns-main.servicebus.windows.net';
  uploads: Buffer[] = [];

  get namespaceId(): string { return `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.EventHub/namespaces/ns-main`; }
  get vaultId(): string { return `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-pipeline`; }
  siteId(name: string, resourceGroup = this.sites.get(name)?.resourceGroup ?? RG): string { return `/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${name}`; }

  /** Every request to any of the three, in arrival order, tagged with where it went. */
  all(): (RecordedRequest & { to: 'arm' | 'scm' | 'app' })[] {
    return [
      ...this.arm.requests.map((r) => ({ ...r, to: 'arm' as const })),
      ...this.scm.requests.map((r) => ({ ...r, to: 'scm' as const })),
      ...this.app.requests.map((r) => ({ ...r, to: 'app' as const })),
    ].sort((a, b) => a.at - b.at);
  }

  reset(): void {
    for (const s of [this.arm, this.scm, this.app]) s.requests.length = 0;
  }

  addSite(site: Partial<FakeSite> & { name: string }): FakeSite {
    const s: FakeSite = { resourceGroup: RG, sku: 'FlexConsumption', linux: true, settings: {}, functions: [], state: 'Running', ...site };
    this.sites.set(s.name, s);
    return s;
  }

  private siteJson(s: FakeSite): unknown {
    const flex = s.sku === 'FlexConsumption';
    return {
      id: this.siteId(s.name), name: s.name, type: 'Microsoft.Web/sites', location: 'westeurope', kind: s.linux ? 'functionapp,linux' : 'functionapp',
      identity: s.identity ? { type: s.identity.type, principalId: s.identity.principalId, tenantId: 'tenant-a' } : undefined,
      properties: {
        state: s.state, sku: s.sku, reserved: s.linux, defaultHostName: new URL(this.app.url).host,
        enabledHostNames: [new URL(this.app.url).host, new URL(this.scm.url).host],
        hostNameSslStates: [{ name: new URL(this.app.url).host, hostType: 'Standard' }, { name: new URL(this.scm.url).host, hostType: 'Repository' }],
        functionAppConfig: flex ? { runtime: { name: 'node', version: '22' }, deployment: { storage: { type: 'blobContainer', value: 'https://st.blob.core.windows.net/app-package', authentication: { type: 'SystemAssignedIdentity' } } } } : undefined,
        siteConfig: s.linux && !flex ? { linuxFxVersion: 'Node|20' } : undefined,
      },
    };
  }

  async start(): Promise<this> {
    const sitePath = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/sites\/([^/]+)(\/.*)?$/i;
    this.arm
      .route(/^\/subscriptions$/, () => json(200, { value: [{ id: `/subscriptions/${SUB}`, subscriptionId: SUB, displayName: 'Contoso Functions', state: 'Enabled', tenantId: 'tenant-a' }] }))
      .route(/^\/subscriptions\/[^/]+\/providers\/Microsoft\.Web\/sites$/i, () => json(200, { value: [...this.sites.values()].map((s) => this.siteJson(s)) }))
      .route(/^\/subscriptions\/[^/]+\/providers\/Microsoft\.Web\/geoRegions$/i, () => json(200, { value: [{ id: 'x/westeurope', name: 'West Europe', properties: { displayName: 'West Europe' } }, { id: 'x/northeurope', name: 'North Europe', properties: { displayName: 'North Europe' } }] }))
      .route(/^\/subscriptions\/[^/]+\/providers\/Microsoft\.Web\/checknameavailability$/i, (_u, r) => {
        const name = (JSON.parse(r.raw.toString()) as { name: string }).name;
        return json(200, this.sites.has(name) ? { nameAvailable: false, reason: 'AlreadyExists', message: `Hostname '${name}' already exists.` } : { nameAvailable: true });
      })
      .route(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/serverfarms\/[^/]+$/i, (u, r) => {
        const body = JSON.parse(r.raw.toString()) as Record<string, unknown>;
        return json(200, { ...body, id: u.pathname, name: u.pathname.split('/').pop(), properties: { ...(body.properties as object), provisioningState: 'Succeeded' } });
      })
      .route(sitePath, (u, r) => this.onSite(u, r, sitePath.exec(u.pathname)!))
      .route(/^\/subscriptions\/[^/]+\/providers\/Microsoft\.EventHub\/namespaces$/i, () => json(200, { value: [{ id: this.namespaceId, name: 'ns-main', location: 'westeurope', properties: { serviceBusEndpoint: `https://${this.namespaceHost}/` } }] }))
      .route(/^\/subscriptions\/[^/]+\/resources$/i, (u) => json(200, { value: /KeyVault/.test(u.searchParams.get('$filter') ?? '') ? [{ id: this.vaultId, name: 'kv-pipeline', type: 'Microsoft.KeyVault/vaults', location: 'westeurope' }] : [] }))
      .route(/^\/subscriptions\/[^/]+\/resourcegroups$/i, () => json(200, { value: [{ id: `/subscriptions/${SUB}/resourceGroups/${RG}`, name: RG, location: 'westeurope' }] }))
      .route(/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/i, (u, r) => json(201, { id: u.pathname, name: u.pathname.split('/').pop(), location: (JSON.parse(r.raw.toString()) as { location: string }).location, properties: { provisioningState: 'Succeeded' } }))
      .route(/^\/subscriptions\/[^/]+\/providers\/Microsoft\.Storage\/checkNameAvailability$/i, () => json(200, { nameAvailable: true }))
      .route(/\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+$/i, (u) => json(200, { id: u.pathname, name: u.pathname.split('/').pop(), location: 'westeurope', kind: 'StorageV2', sku: { name: 'Standard_LRS' }, properties: { provisioningState: 'Succeeded', primaryEndpoints: { blob: `https://${u.pathname.split('/').pop()}.blob.core.windows.net/` } } }))
      .route(/\/blobServices\/default\/containers\/[^/]+$/i, (u) => json(201, { id: u.pathname, name: u.pathname.split('/').pop(), properties: { publicAccess: 'None' } }))
      .route(/\/providers\/Microsoft\.Authorization\/roleAssignments(\/[^/]+)?$/i, (u, r) => this.onRoleAssignment(u, r));
    // An expired token (its exp in the past) gets 401, as the service answers; the test provider can issue short-lived ones.
    const guard = (r: RecordedRequest, next: () => StandInReply | 'hang'): StandInReply | 'hang' => {
      const u = this.scenario.scmUnauthorized;
      if (u && u.count > 0 && u.path.test(r.path)) {
        u.count--;
        return { status: 401, raw: 'Unauthorized', headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
      }
      const exp = claims(r.authorization)?.exp;
      if (typeof exp === 'number' && exp * 1000 < Date.now()) return { status: 401, raw: 'Unauthorized: the token has expired', headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="The token is expired"' } };
      return next();
    };
    this.scm
      .route(/^\/api\/publish$/, (_u, r) => guard(r, () => this.onUpload(r, 'publish')))
      .route(/^\/api\/zipdeploy$/, (_u, r) => guard(r, () => this.onUpload(r, 'zipdeploy')))
      .route(/^\/api\/deployments\/[^/]+\/log\/[^/]+$/, (u) => {
        const [, , , id, , logId] = u.pathname.split('/');
        const entry = this.deployments.find((d) => d.id === id)?.log.find((l) => l.id === logId);
        return json(200, (entry?.details ?? []).map((m, i) => ({ log_time: new Date().toISOString(), id: `${logId}-${i}`, message: m, type: 2 })));
      })
      .route(/^\/api\/deployments\/[^/]+\/log$/, (u) => {
        const id = u.pathname.split('/')[3];
        const d = this.deployments.find((x) => x.id === id);
        if (!d) return json(404);
        return json(200, d.log.map((l) => ({ log_time: new Date().toISOString(), id: l.id, message: l.message, type: l.type, details_url: l.details ? `${this.scm.url}/api/deployments/${id}/log/${l.id}` : null })));
      })
      .route(/^\/api\/deployments\/[^/]+$/, (u, r) => guard(r, () => this.onDeploymentStatus(u.pathname.split('/')[3])))
      // Windows plans keep file-system function logs that Kudu's VFS serves.
      .route(/^\/api\/vfs\/LogFiles\/Application\/Functions\/Function\/[^/]+\/$/, (u) => json(200, [
        { name: '2026-12-05T18-00-00Z-aaaa.log', mtime: '2026-12-05T18:00:00Z', href: `${this.scm.url}${u.pathname}2026-12-05T18-00-00Z-aaaa.log` },
        { name: '2026-12-05T18-05-00Z-bbbb.log', mtime: '2026-12-05T18:05:00Z', href: `${this.scm.url}${u.pathname}2026-12-05T18-05-00Z-bbbb.log` },
      ]))
      .route(/^\/api\/vfs\/LogFiles\/Application\/Functions\/Function\/[^/]+\/[^/]+\.log$/, (u) => ({ status: 200, raw: u.pathname.endsWith('bbbb.log') ? '2026-12-05T18:05:00Z [Information] Executing \'Functions.ingest\' (Reason=\'Timer fired\')\n2026-12-05T18:05:01Z [Information] ingest: sent 1 event(s) to telemetry\n' : 'older run\n' }));
    this.app.route(/^\/admin\/functions\/[^/]+$/, async (u, r) => {
      if (r.headers['x-functions-key'] !== MASTER_KEY) return json(401);
      const name = u.pathname.split('/').pop()!;
      if (![...this.sites.values()].some((s) => s.functions.includes(name))) return json(404);
      await this.scenario.onRunNow();
      return json(202);
    });
    await Promise.all([this.arm.start(), this.scm.start(), this.app.start()]);
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all([this.arm.stop(), this.scm.stop(), this.app.stop()]);
  }

  private onSite(u: URL, r: RecordedRequest, m: RegExpExecArray): StandInReply {
    const resourceGroup = m[1];
    const name = m[2];
    const rest = (m[3] ?? '').toLowerCase();
    const site = this.sites.get(name);
    if (rest === '' && r.method === 'PUT') {
      const body = JSON.parse(r.raw.toString()) as { identity?: { type?: string }; properties?: { siteConfig?: { appSettings?: { name: string; value: string }[] } } };
      const created = this.addSite({ name, resourceGroup, sku: 'FlexConsumption', linux: true, identity: body.identity ? { type: 'SystemAssigned', principalId: randomUUID() } : undefined, settings: Object.fromEntries((body.properties?.siteConfig?.appSettings ?? []).map((s) => [s.name, s.value])) });
      return json(200, this.siteJson(created));
    }
    if (!site) return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Web/sites/${name}' under resource group '${RG}' was not found.`);
    if (rest === '' && r.method === 'GET') return json(200, this.siteJson(site));
    if (rest === '' && r.method === 'PATCH') {
      const body = JSON.parse(r.raw.toString()) as { identity?: { type?: string } };
      if (body.identity?.type?.includes('SystemAssigned')) site.identity = { type: body.identity.type, principalId: site.identity?.principalId ?? randomUUID() };
      return json(200, this.siteJson(site));
    }
    if (rest === '/config/appsettings/list' && r.method === 'POST') {
      if (this.scenario.throttleSettingsOnce) {
        this.scenario.throttleSettingsOnce = false;
        return { status: 429, body: { error: { code: 'TooManyRequests', message: 'Throttled' } }, headers: { 'retry-after': '1' } };
      }
      return json(200, { id: `${this.siteId(name)}/config/appsettings`, name: 'appsettings', type: 'Microsoft.Web/sites/config', properties: site.settings });
    }
    if (rest === '/config/appsettings' && r.method === 'PUT') {
      site.settings = { ...(JSON.parse(r.raw.toString()) as { properties: Record<string, string> }).properties };
      return json(200, { id: `${this.siteId(name)}/config/appsettings`, name: 'appsettings', properties: site.settings });
    }
    if (rest === '/config/configreferences/appsettings' && r.method === 'GET') {
      const refs = Object.entries(site.settings).filter(([, v]) => v.startsWith('@Microsoft.KeyVault('));
      return json(200, {
        value: refs.map(([k, v]) => ({
          id: `${this.siteId(name)}/config/configreferences/appsettings/${k}`, name: k, type: 'Microsoft.Web/sites/config/configreferences',
          properties: { reference: v, status: this.scenario.referenceStatus, vaultName: 'kv-pipeline', secretName: /\/secrets\/([^/)]+)/.exec(v)?.[1], identityType: 'SystemAssigned', details: this.scenario.referenceStatus === 'Resolved' ? 'Reference has been successfully resolved.' : 'Access to the vault was denied.', source: 'KeyVault', location: 'ApplicationSetting' },
        })),
      });
    }
    if (rest === '/functions' && r.method === 'GET') {
      return json(200, { value: site.functions.map((f) => ({ id: `${this.siteId(name)}/functions/${f}`, name: `${name}/${f}`, type: 'Microsoft.Web/sites/functions', properties: { name: f, isDisabled: false, config: { bindings: [{ type: 'timerTrigger' }] } } })) });
    }
    if (rest === '/host/default/listkeys' && r.method === 'POST') return json(200, { masterKey: MASTER_KEY, functionKeys: { default: 'fk' }, systemKeys: {} });
    if (rest === '/syncfunctiontriggers' && r.method === 'POST') return json(204);
    return armError(404, 'NotFound', `no stand-in for ${r.method} ${u.pathname}`);
  }

  private onRoleAssignment(u: URL, r: RecordedRequest): StandInReply {
    const scope = u.pathname.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments(\/[^/]+)?$/i, '');
    if (r.method === 'GET') {
      const principal = /assignedTo\('([^']+)'\)/.exec(u.searchParams.get('$filter') ?? '')?.[1];
      const list = this.roleAssignments.filter((a) => a.scope === scope && (!principal || a.principalId === principal));
      return json(200, { value: list.map((a) => ({ id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`, name: a.name, type: 'Microsoft.Authorization/roleAssignments', properties: { roleDefinitionId: a.roleDefinitionId, principalId: a.principalId, principalType: a.principalType, scope: a.scope } })) });
    }
    if (this.scenario.roleDenied) return armError(403, 'AuthorizationFailed', `The client 'ada@contoso.test' with object id 'u-1' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${scope}' or the scope is invalid.`);
    const body = JSON.parse(r.raw.toString()) as { properties: { roleDefinitionId: string; principalId: string; principalType: string } };
    const name = u.pathname.split('/').pop()!;
    if (this.roleAssignments.some((a) => a.scope === scope && a.principalId === body.properties.principalId && a.roleDefinitionId.toLowerCase() === body.properties.roleDefinitionId.toLowerCase())) {
      return armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
    }
    this.roleAssignments.push({ name, scope, ...body.properties });
    return json(201, { id: u.pathname, name, type: 'Microsoft.Authorization/roleAssignments', properties: { ...body.properties, scope } });
  }

  private onUpload(r: RecordedRequest, route: 'publish' | 'zipdeploy'): StandInReply | 'hang' {
    const d = this.scenario.deploy;
    if (d.kind === 'hangUpload') return 'hang';
    if (d.kind === 'conflictOnce' && !this.deployments.some((x) => x.id === 'other-running')) {
      this.deployments.push({ id: 'other-running', polls: 0, status: 1, complete: false, author: 'someone else', statusText: '', log: [{ id: 'o1', message: 'Another deployment', type: 0 }] });
      return { status: 409, raw: 'There is a deployment currently in progress. Please try again when it completes.' };
    }
    this.uploads.push(r.raw);
    const id = randomUUID().replace(/-/g, '');
    const fail = d.kind === 'fail';
    this.deployments.push({
      id, polls: 0, status: 0, complete: false, author: 'Eventline', statusText: fail ? d.message : '',
      log: fail
        ? [{ id: 'l1', message: 'Received package', type: 0 }, { id: 'l2', message: 'Deployment failed', type: 2, details: [d.message, 'Check the package.'] }]
        : [{ id: 'l1', message: 'Received package', type: 0 }, { id: 'l2', message: 'Extracting package', type: 0 }, { id: 'l3', message: 'Deployment successful', type: 0 }],
    });
    const location = route === 'publish' ? `${this.scm.url}/api/deployments/${id}` : `${this.scm.url}/api/deployments/latest?deployer=Eventline&time=${Date.now()}`;
    return { status: 202, raw: route === 'publish' ? id : '', headers: { location, 'scm-deployment-id': id } };
  }

  private onDeploymentStatus(ref: string): StandInReply {
    const d = ref === 'latest' ? this.deployments.at(-1) : this.deployments.find((x) => x.id === ref);
    if (!d) return json(404, { Message: 'Deployment not found' });
    d.polls++;
    const sc = this.scenario.deploy;
    const runningPolls = d.id === 'other-running' ? 1 : sc.kind === 'ok' ? sc.runningPolls ?? 1 : 1;
    if (d.polls > runningPolls) {
      d.complete = true;
      d.status = d.id === 'other-running' ? 4 : sc.kind === 'fail' ? 3 : 4;
      if (d.status === 4) for (const s of this.sites.values()) if (!s.functions.includes('ingest')) s.functions.push('ingest');
    } else {
      d.status = d.polls === 1 ? 0 : 2;
    }
    // Flex answers 200 while running and after a failure alike: only the body tells.
    return json(200, { id: d.id, status: d.status, status_text: d.statusText, author: d.author, deployer: 'Eventline', message: 'Created via a push deployment', complete: d.complete, is_temp: false, received_time: new Date().toISOString(), end_time: d.complete ? new Date().toISOString() : null, log_url: `${this.scm.url}/api/deployments/${d.id}/log`, site_name: APP });
  }
}
