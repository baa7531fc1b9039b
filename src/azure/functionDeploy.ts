// The function deploy against Azure: plan (reads only), apply (identity → role assignments → app settings → upload →
// deployment → sync triggers) and verify. vscode-free: the extension drives it with prompts and progress, the
// benchmark drives it against the stand-ins. Every call takes the caller's signal, so Cancel stops at once and
// sends nothing more.
import type { TokenCredential } from '@azure/core-auth';
import type { CloudSettings } from '../core/cloud';
import type { DeployPackage } from '../core/deploy/build';
import { DEPLOYMENT_APPEAR_TIMEOUT_MS, DEPLOYMENT_TIMEOUT_MS, FLEX_PUBLISH_PATH, POLL_INTERVAL_MS, ROLES, ZIP_DEPLOY_PATH, SETTINGS } from '../core/deploy/constants';
import { interpretDeployment, type DeploymentLogEntry, type DeploymentRecord } from '../core/deploy/deployment';
import type { Source } from '../core/manifest';
import { type DeployPlan, type RoleTarget } from '../core/deploy/plan';
import { desiredSettings, keyVaultReference, mergeSettings, secretUri, settingsWarnings, type DesiredSetting, type FunctionEntry } from '../core/deploy/settings';
import { hasSystemIdentity, needsRunFromPackage, needsSyncTriggers, uploadRoute, type FunctionAppInfo } from '../core/deploy/site';
import { eventsCheck, listedCheck, referenceCheck, runNowCheck, skipped, type ReferenceStatus, type VerificationCheck } from '../core/deploy/verify';
import { FunctionAppService } from './appService';
import type { NamespaceTarget, VaultTarget } from './armResources';
import { abortableSleep } from './restClient';
import { RoleAssignments } from './roleAssignments';
import { DeploymentConflictError, runFunctionNow, ScmClient, type UploadReply } from './scmClient';

export interface DeployReporter {
  /** The progress notification's message: the step under way. */
  step(title: string): void;
  /** A line of the deploy log. */
  log(line: string): void;
}

export interface DeployEnv {
  cloud: CloudSettings;
  /** Resource Manager credential for the profile's tenant (silent). */
  credential: TokenCredential;
  /** A token for one audience (the scm site's), fresh per call. */
  token(audience: string, signal?: AbortSignal): Promise<string>;
}

export interface PlanRequest {
  app: FunctionAppInfo;
  fn: FunctionEntry;
  source: Source | undefined;
  hub: string;
  namespace: NamespaceTarget;
  /** The vault and its URI, when the source's API key lives in one. */
  vault: { target: VaultTarget; uri: string } | undefined;
  /** The manifest's keyVaultSecret for the source's key: a name or a secret URI. */
  secret: string | undefined;
  project: string;
  pkg: DeployPackage;
}

/** A plan plus what apply needs that the document does not show. */
export interface PreparedDeploy { plan: DeployPlan; desired: DesiredSetting[]; pkg: DeployPackage }

/** The deployment ended in failure; `log` holds its last lines. */
export class DeploymentFailedError extends Error {
  constructor(message: string, readonly log: string[]) {
    super(message);
    this.name = 'DeploymentFailedError';
  }
}

/** Something that counts events arriving on the hub from a point in time on (the verification's receiver). */
export interface HubWatch { count(): number; error(): string | undefined; close(): Promise<void> }
export type WatchHub = (from: Date, signal: AbortSignal) => Promise<HubWatch>;

export interface VerifyTimeouts { referencesMs: number; listedMs: number; eventsMs: number }

const logLine = (e: DeploymentLogEntry) => `${e.log_time ? `${e.log_time.replace('T', ' ').replace(/\.\d+Z?$/, '')} ` : ''}${e.message ?? ''}`;

export class FunctionDeployer {
  readonly apps: FunctionAppService;
  readonly roles: RoleAssignments;

  constructor(private readonly env: DeployEnv, readonly subscriptionId: string) {
    this.apps = new FunctionAppService(env.credential, env.cloud, subscriptionId);
    this.roles = new RoleAssignments(env.credential, env.cloud);
  }

  scm(app: FunctionAppInfo, reporter?: DeployReporter): ScmClient {
    return new ScmClient(app.name, app.scmHost, (signal) => this.env.token(this.env.cloud.appServiceAudience, signal), (why, ms) => reporter?.log(`  retrying: ${why}${ms ? ` (waiting ${(ms / 1000).toFixed(1)} s)` : ''}`));
  }

  /** Reads what is there and computes the plan; changes nothing. */
  async plan(req: PlanRequest, signal?: AbortSignal): Promise<PreparedDeploy> {
    const { app, source } = req;
    const existing = await this.apps.appSettings(app, signal);
    const needsKey = !!source?.auth;
    let apiKeyReference: string | undefined;
    if (needsKey) {
      if (!req.secret) throw new Error(`Source "${source?.name}" needs an API key, but eventline.json names no Key Vault secret for it (auth.secret.keyVaultSecret).`);
      const uri = secretUri(req.secret, req.vault?.uri);
      if (!uri) throw new Error(`Source "${source?.name}" keeps its API key in Key Vault secret "${req.secret}", but the profile names no Key Vault: add "keyVault" to the profile (or to eventline.json).`);
      apiKeyReference = keyVaultReference(uri);
    }
    const desired = desiredSettings({ fn: req.fn, source, hub: req.hub, namespaceHost: req.namespace.host, apiKeyReference, runFromPackage: needsRunFromPackage(app) });
    const settings = mergeSettings(existing, desired);

    const targets: Omit<RoleTarget, 'state'>[] = [
      { role: ROLES.eventHubsDataSender, scope: `${req.namespace.resourceId}/eventhubs/${req.hub}`, scopeLabel: `hub ${req.hub} in namespace ${req.namespace.name}` },
    ];
    if (needsKey && req.vault) targets.push({ role: ROLES.keyVaultSecretsUser, scope: req.vault.target.resourceId, scopeLabel: `Key Vault ${req.vault.target.name}` });
    const roles: RoleTarget[] = [];
    for (const t of targets) {
      let state: RoleTarget['state'] = 'create';
      if (hasSystemIdentity(app)) {
        const assigned = await this.roles.assignedRoles(t.scope, app.principalId!, signal);
        if (assigned.has(t.role.id)) state = 'exists';
      }
      roles.push({ ...t, state });
    }

    const warnings = settingsWarnings(existing);
    if (app.plan === 'flex' && existing[SETTINGS.runFromPackage] !== undefined) warnings.push(`${SETTINGS.runFromPackage} is set, but Flex Consumption apps do not use it (the package lives in the deployment container); Eventline keeps it.`);
    const route = uploadRoute(app.plan);
    const plan: DeployPlan = {
      app, functionName: req.fn.name, project: req.project,
      package: { files: req.pkg.files, sizeBytes: req.pkg.zip.length, checks: req.pkg.checks, bundledPackages: req.pkg.bundledPackages, buildMs: req.pkg.buildMs, zipMs: req.pkg.zipMs },
      identity: hasSystemIdentity(app) ? 'present' : 'enable',
      roles, settings,
      referenceSettings: apiKeyReference ? [SETTINGS.apiKey] : [],
      warnings,
      upload: { route, url: `https://${app.scmHost}${route === 'publish' ? FLEX_PUBLISH_PATH : ZIP_DEPLOY_PATH}` },
      syncTriggers: needsSyncTriggers(app.plan),
      hub: { name: req.hub, namespaceHost: req.namespace.host },
    };
    return { plan, desired, pkg: req.pkg };
  }

  /** Applies a plan. Returns the app as it is after (with its identity) and the deployment record. */
  async apply(prepared: PreparedDeploy, reporter: DeployReporter, signal?: AbortSignal): Promise<{ app: FunctionAppInfo; deployment: DeploymentRecord }> {
    const { plan } = prepared;
    let app = plan.app;

    reporter.step('Managed identity');
    if (plan.identity === 'enable') {
      app = await this.apps.enableSystemIdentity(app, signal);
      if (!app.principalId) throw new Error(`Enabling the managed identity of ${app.name} returned no principal id.`);
      reporter.log(`identity: enabled the system-assigned identity (principal ${app.principalId})`);
    } else {
      reporter.log(`identity: already enabled (principal ${app.principalId})`);
    }

    reporter.step('Role assignments');
    for (const r of plan.roles) {
      if (r.state === 'exists') { reporter.log(`role: ${r.role.name} on ${r.scopeLabel}: already assigned`); continue; }
      const result = await this.roles.assign(r.scope, r.role, app.principalId!, signal);
      reporter.log(`role: ${r.role.name} on ${r.scopeLabel}: ${result === 'created' ? 'assigned' : 'already assigned (409 RoleAssignmentExists)'}`);
    }

    reporter.step('App settings');
    // Read again and merge again: a setting added since the plan was read must not be dropped by the PUT.
    const merge = mergeSettings(await this.apps.appSettings(app, signal), prepared.desired);
    if (merge.changes.length) {
      await this.apps.replaceAppSettings(app, merge.merged, signal);
      reporter.log(`settings: ${merge.changes.map((c) => `${c.kind === 'add' ? 'added' : 'changed'} ${c.name}`).join(', ')}; kept ${merge.kept.length} other setting${merge.kept.length === 1 ? '' : 's'}`);
    } else {
      reporter.log('settings: no change');
    }

    reporter.step(`Upload (${(prepared.pkg.zip.length / 1024).toFixed(0)} KB)`);
    const scm = this.scm(app, reporter);
    const started = performance.now();
    let reply: UploadReply;
    try {
      reply = await this.upload(scm, plan, prepared.pkg.zip, signal);
    } catch (e) {
      if (!(e instanceof DeploymentConflictError)) throw e;
      reporter.log(`upload: ${e.message} Waiting for it to finish, then uploading again.`);
      reporter.step('Waiting for the running deployment');
      await this.follow(scm, { deploymentId: undefined, statusUrl: undefined }, reporter, signal, true);
      reply = await this.upload(scm, plan, prepared.pkg.zip, signal);
    }
    reporter.log(`upload: ${prepared.pkg.zip.length} bytes in ${Math.round(performance.now() - started)} ms${reply.deploymentId ? ` (deployment ${reply.deploymentId})` : ''}`);

    reporter.step('Deployment');
    const deployment = await this.follow(scm, reply, reporter, signal, false);

    if (plan.syncTriggers) {
      reporter.step('Sync triggers');
      await this.apps.syncTriggers(app, signal);
      reporter.log('sync triggers: done');
    }
    return { app, deployment };
  }

  private upload(scm: ScmClient, plan: DeployPlan, zip: Buffer, signal?: AbortSignal): Promise<UploadReply> {
    return plan.upload.route === 'publish' ? scm.publish(zip, signal) : scm.zipDeploy(zip, signal);
  }

  /**
   * Polls a deployment until it completes, streaming its log. `anyRunning`: wait for whatever deployment is running
   * (after a 409) and accept any end state.
   */
  private async follow(scm: ScmClient, reply: UploadReply, reporter: DeployReporter, signal: AbortSignal | undefined, anyRunning: boolean): Promise<DeploymentRecord> {
    const started = Date.now();
    const seen = new Set<string>();
    const lines: string[] = [];
    for (;;) {
      const record = await scm.deployment(reply.statusUrl ? { url: reply.statusUrl } : { id: reply.deploymentId ?? 'latest' }, signal);
      const stale = !anyRunning && reply.deploymentId && record?.id && record.id !== reply.deploymentId;
      if (!record || stale) {
        // Deployment ids can be recycled and the record can lag the upload (VS Code waits up to 60 s).
        if (Date.now() - started > DEPLOYMENT_APPEAR_TIMEOUT_MS) throw new Error(`The deployment did not show on the scm site of ${scm.app} within ${DEPLOYMENT_APPEAR_TIMEOUT_MS / 1000} s. Check the deployment center in the portal (Open in Portal).`);
        await abortableSleep(POLL_INTERVAL_MS, signal);
        continue;
      }
      if (record.id) {
        for (const e of await scm.deploymentLog(record.id, signal)) {
          const key = e.id ?? `${e.log_time}|${e.message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          lines.push(logLine(e));
          reporter.log(`  ${logLine(e)}`);
          if (e.details_url && e.type === 2) {
            for (const d of await scm.logDetails(e.details_url, signal)) { lines.push(`  ${logLine(d)}`); reporter.log(`    ${logLine(d)}`); }
          }
        }
      }
      const verdict = interpretDeployment(record);
      if (verdict.state === 'running') {
        reporter.step(`Deployment: ${verdict.text}`);
        if (Date.now() - started > DEPLOYMENT_TIMEOUT_MS) throw new Error(`The deployment on ${scm.app} is still running after ${DEPLOYMENT_TIMEOUT_MS / 60_000} minutes; Eventline stopped waiting (the deployment goes on). See Show Function Logs.`);
        await abortableSleep(POLL_INTERVAL_MS, signal);
        continue;
      }
      if (anyRunning) return record;
      reporter.log(`deployment: ${verdict.text}${record.author ? ` (by ${record.author})` : ''}`);
      if (verdict.state === 'succeeded' || verdict.state === 'partial') return record;
      const tail = lines.slice(-8);
      throw new DeploymentFailedError(`On ${scm.app}, ${verdict.text}.${tail.length ? ` Last log lines: ${tail.join(' | ')}` : ''} The full log is in the "Eventline: Deploy" output.`, lines);
    }
  }

  /**
   * The checks after a deploy. `watchHub` starts the receiver before Run now, so only events the run caused count;
   * waits are bounded by `timeouts` and end early when a check passes.
   */
  async verify(plan: DeployPlan, app: FunctionAppInfo, watchHub: WatchHub | undefined, timeouts: VerifyTimeouts, reporter: DeployReporter, signal: AbortSignal): Promise<VerificationCheck[]> {
    const checks: VerificationCheck[] = [];
    for (const setting of plan.referenceSettings) {
      reporter.step(`Verify: Key Vault reference ${setting}`);
      let status: ReferenceStatus | undefined;
      const end = Date.now() + timeouts.referencesMs;
      for (;;) {
        status = (await this.apps.referenceStatuses(app, signal)).find((r) => r.name === setting);
        if ((status?.status && status.status !== 'Initialized') || Date.now() > end) break;
        await abortableSleep(2000, signal);
      }
      checks.push(referenceCheck(setting, status));
    }

    reporter.step(`Verify: the host lists ${plan.functionName}`);
    let names: string[] = [];
    let listError: string | undefined;
    const listEnd = Date.now() + timeouts.listedMs;
    for (;;) {
      try {
        names = (await this.apps.functions(app, signal)).map((f) => f.name);
        listError = undefined;
      } catch (e) {
        if (signal.aborted) throw e;
        listError = e instanceof Error ? e.message : String(e);
      }
      if (names.includes(plan.functionName) || Date.now() > listEnd) break;
      await abortableSleep(2000, signal);
    }
    checks.push(listedCheck(plan.functionName, names, listError));

    reporter.step('Verify: Run now');
    const from = new Date();
    let watch: HubWatch | undefined;
    let watchError: string | undefined;
    try {
      if (watchHub) {
        try { watch = await watchHub(from, signal); } catch (e) { if (signal.aborted) throw e; watchError = e instanceof Error ? e.message : String(e); }
      }
      let ran = false;
      try {
        const key = await this.apps.masterKey(app, signal);
        const r = await runFunctionNow(app.defaultHost, plan.functionName, key, signal, (why, ms) => reporter.log(`  retrying Run now: ${why} (${(ms / 1000).toFixed(1)} s)`));
        checks.push(runNowCheck(plan.functionName, r.status, r.status >= 300 ? `the host answered ${r.status}${r.detail ? ` (${r.detail})` : ''}` : undefined));
        ran = r.status >= 200 && r.status < 300;
        reporter.log(`verify: Run now → ${r.status}`);
      } catch (e) {
        if (signal.aborted) throw e;
        checks.push(runNowCheck(plan.functionName, undefined, e instanceof Error ? e.message : String(e)));
      }

      const eventsTitle = `New events arrive on hub ${plan.hub.name}`;
      if (!watchHub) {
        checks.push(skipped('events', eventsTitle, 'Eventline cannot read this hub from here.'));
      } else if (watchError || !watch) {
        checks.push(eventsCheck(plan.hub.name, 0, 0, watchError ?? 'the receiver did not start'));
      } else if (!ran) {
        checks.push(skipped('events', eventsTitle, 'Run now did not succeed, so no new events were expected.'));
      } else {
        reporter.step(`Verify: new events on ${plan.hub.name}`);
        const started = Date.now();
        while (watch.count() === 0 && !watch.error() && Date.now() - started < timeouts.eventsMs) await abortableSleep(250, signal);
        checks.push(eventsCheck(plan.hub.name, watch.count(), Date.now() - started, watch.error()));
      }
    } finally {
      await watch?.close().catch(() => undefined);
    }
    for (const c of checks) reporter.log(`verify: ${c.state === 'ok' ? '✓' : c.state === 'skipped' ? '–' : '✗'} ${c.title}: ${c.detail}`);
    return checks;
  }

  /** The last deployment and its log, for Show Function Logs and the tree. */
  async lastDeployment(app: FunctionAppInfo, signal?: AbortSignal): Promise<{ record: DeploymentRecord | undefined; log: string[] }> {
    const scm = this.scm(app);
    const record = await scm.deployment({ id: 'latest' }, signal);
    if (!record?.id) return { record, log: [] };
    const log: string[] = [];
    for (const e of await scm.deploymentLog(record.id, signal)) {
      log.push(logLine(e));
      if (e.details_url && e.type === 2) for (const d of await scm.logDetails(e.details_url, signal)) log.push(`  ${logLine(d)}`);
    }
    return { record, log };
  }
}

