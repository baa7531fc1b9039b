// Eventline: Deploy Ingest Function. Pick (or create) the app, build and read to make a plan, show the plan, apply it
// on Confirm with a cancellable progress and a log, then verify. Nothing changes before Confirm; Cancel (the
// notification's, or the API's) aborts the request in flight and sends nothing more.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BuildError, buildPackage } from '../../core/deploy/build';
import { setProfileValue } from '../../core/deploy/names';
import { packageReady, planSummary, renderPlan, type DeployPlan } from '../../core/deploy/plan';
import { functionEntries, parseVault, type FunctionEntry } from '../../core/deploy/settings';
import { unsupportedReason, type FunctionAppInfo } from '../../core/deploy/site';
import { renderVerification, type VerificationCheck } from '../../core/deploy/verify';
import { isUserCancelled, UserCancelledError } from '../../core/errors';
import type { Manifest, Source } from '../../core/manifest';
import { prompts } from '../../common/prompt';
import type { AzureAuth } from '../../auth/azureAuth';
import { ArmResources } from '../../azure/armResources';
import { DeploymentFailedError, type DeployEnv, type DeployReporter, type FunctionDeployer, type VerifyTimeouts, type WatchHub } from '../../azure/functionDeploy';
import { watchHub } from '../../azure/hubWatch';
import { RoleAssignmentDeniedError } from '../../azure/roleAssignments';
import type { ManifestStore } from '../../manifest/manifestStore';
import { requireSnapshot, type PipelineSnapshot } from '../../model/host';
import type { PipelineModel } from '../../model/pipelineModel';
import { refOf, type HubRef } from '../../model/refs';
import { DeployDocuments } from './documents';
import type { DeployLog } from './deployLog';
import { chooseSubscription, pickOrCreateApp } from './pickApp';

export interface DeployDeps {
  model: PipelineModel;
  manifests: ManifestStore;
  auth: AzureAuth;
  docs: DeployDocuments;
  log: DeployLog;
  /** Redraws the tree after a deploy. */
  refresh(): void;
}

export type DeployOutcome =
  | { outcome: 'verified' | 'unverified'; app: string; checks: VerificationCheck[] }
  | { outcome: 'failed'; app?: string; error: string }
  | { outcome: 'cancelled'; app?: string; phase: 'plan' | 'confirm' | 'apply' };

/** What verification needs again for "Verify Again". */
interface LastDeploy { plan: DeployPlan; app: FunctionAppInfo; deployer: FunctionDeployer; hub: HubRef }

export class DeployFlow {
  private run: AbortController | undefined;
  private lastDeploy: LastDeploy | undefined;
  last: DeployOutcome | undefined;

  constructor(private readonly deps: DeployDeps) {}

  get running(): boolean { return this.run !== undefined; }

  /** Cancels the deploy in progress, as the notification's Cancel does. */
  cancel(): void { this.run?.abort(); }

  private env(snapshot: PipelineSnapshot): DeployEnv {
    const host = this.deps.model.host;
    return { cloud: host.cloud, credential: host.credential(snapshot.profile.profile.tenantId), token: (audience, signal) => host.token(audience, signal ?? new AbortController().signal) };
  }

  private verifyTimeouts(): VerifyTimeouts {
    const s = Math.max(1, vscode.workspace.getConfiguration('eventline').get<number>('deploy.verifyTimeoutSeconds') ?? 120) * 1000;
    return { referencesMs: Math.min(s, 30_000), listedMs: s, eventsMs: s };
  }

  async deploy(arg: unknown): Promise<DeployOutcome | undefined> {
    if (this.run) throw new Error('A deploy is already running: wait for it, or cancel it from its notification.');
    const run = new AbortController();
    this.run = run;
    const { log } = this.deps;
    let appName: string | undefined;
    let phase: 'plan' | 'confirm' | 'apply' = 'plan';
    try {
      const snapshot = requireSnapshot(this.deps.model.host, 'the function and its Function App');
      if (snapshot.profile.kind === 'local') {
        throw new Error(`Deploy Ingest Function deploys to Azure from a cloud profile; "${snapshot.profile.name}" is the local pipeline, which runs the function itself. Pick a cloud profile with "Eventline: Select Profile".`);
      }
      const env = this.env(snapshot);
      const { entry, projectDir, source, hub } = await this.target(arg, snapshot);
      log.begin(`Deploy ${entry.name} (${path.relative(path.dirname(snapshot.manifestPath), projectDir) || '.'}) · profile ${snapshot.profile.name}`);
      // Both consents up front (Resource Manager and the scm site's App Service audience): the user is asked once.
      await this.deps.auth.consent([env.cloud.resourceManagerAudience, env.cloud.appServiceAudience], snapshot.profile.profile.tenantId);

      const apps = this.deps.model.functionApps;
      const loc = apps.locator();
      const subscriptionId = loc?.subscriptionId ?? await chooseSubscription(env, snapshot.profile.profile.subscriptionId, run.signal);
      const deployer = apps.deployer(subscriptionId);
      let app: FunctionAppInfo;
      if (loc) {
        app = await apps.app(loc, run.signal);
      } else {
        app = await pickOrCreateApp(deployer, env, `func-${snapshot.manifest.name}-${entry.name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 60), log, run);
      }
      appName = app.name;
      const unsupported = unsupportedReason(app);
      if (unsupported) throw new Error(unsupported);
      if (!loc) await this.saveFunctionApp(snapshot, app.id);

      const prepared = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Eventline: planning the deploy to ${app.name}`, cancellable: true }, async (progress, token) => {
        token.onCancellationRequested(() => run.abort());
        progress.report({ message: 'Build' });
        const pkg = await buildPackage(projectDir, { signal: run.signal, log: (l) => log.line(l) });
        log.line(`build: ${Math.round(pkg.buildMs)} ms, zip: ${Math.round(pkg.zipMs)} ms, ${pkg.zip.length} bytes`);
        progress.report({ message: `Reading ${app.name}` });
        const arm = new ArmResources(env.credential, env.cloud, subscriptionId);
        const nsValue = snapshot.manifest.eventHubs?.find((h) => h.name === hub)?.namespace ?? snapshot.profile.profile.eventHubsNamespace;
        if (!nsValue) throw new Error(`Eventline does not know which Event Hubs namespace hub "${hub}" is in: set "eventHubsNamespace" in profile "${snapshot.profile.name}" (its name, host or resource id).`);
        const namespace = await arm.namespace(nsValue, run.signal);
        const secret = source?.auth?.secret.keyVaultSecret;
        if (source?.auth && !secret) throw new Error(`Source "${source.name}" keeps its API key in VS Code's SecretStorage, which Azure cannot read. Put the key in Key Vault ("Eventline: Set Secret") and reference it with auth.secret.keyVaultSecret.`);
        let vault: { target: Awaited<ReturnType<ArmResources['vault']>>; uri: string } | undefined;
        if (secret) {
          const vaultValue = snapshot.profile.profile.keyVault ?? snapshot.manifest.keyVault?.resourceId ?? snapshot.manifest.keyVault?.name ?? (/^https:\/\//i.test(secret) ? new URL(secret).origin : undefined);
          if (!vaultValue) throw new Error(`Source "${source?.name}" reads its key from Key Vault secret "${secret}", but no Key Vault is named: set "keyVault" in profile "${snapshot.profile.name}".`);
          const parsed = parseVault(vaultValue, env.cloud.keyVaultAudience);
          vault = { target: await arm.vault({ name: parsed.name, resourceId: parsed.resourceId ?? snapshot.manifest.keyVault?.resourceId }, run.signal), uri: parsed.uri };
        }
        return deployer.plan({ app, fn: entry, source, hub, namespace, vault, secret, project: path.relative(path.dirname(snapshot.manifestPath), projectDir) || '.', pkg }, run.signal);
      });
      const plan = prepared.plan;
      await this.deps.docs.show(DeployDocuments.uri(app.name, 'plan'), renderPlan(plan));
      log.line(`plan: ${planSummary(plan)}`);
      if (!packageReady(plan)) {
        const failed = plan.package.checks.filter((c) => !c.ok).map((c) => c.detail).join(' ');
        throw new Error(`The package check failed, so nothing was uploaded or changed: ${failed} The plan shows the fix.`);
      }

      phase = 'confirm';
      await prompts.confirm(`Apply this plan to ${app.name}?`, { detail: `${planSummary(plan)}\n\nThe plan is open in the editor. Nothing has changed yet.`, buttons: ['Confirm'] });
      phase = 'apply';
      const hubRef: HubRef = { kind: 'hub', name: hub, location: { kind: 'azure', host: plan.hub.namespaceHost } };
      const checks = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Eventline: deploying ${entry.name} to ${app.name}`, cancellable: true }, async (progress, token) => {
        token.onCancellationRequested(() => run.abort());
        const reporter: DeployReporter = { step: (m) => progress.report({ message: m }), log: (l) => log.line(l) };
        const applied = await deployer.apply(prepared, reporter, run.signal);
        this.lastDeploy = { plan, app: applied.app, deployer, hub: hubRef };
        return deployer.verify(plan, applied.app, this.watcher(hubRef), this.verifyTimeouts(), reporter, run.signal);
      });
      return this.finish(plan, app, checks);
    } catch (e) {
      if (isUserCancelled(e) || run.signal.aborted) {
        log.line(`cancelled${phase === 'apply' ? ': the request in flight was aborted and nothing more was sent' : ': nothing was changed'}`);
        this.last = { outcome: 'cancelled', app: appName, phase };
        throw new UserCancelledError();
      }
      const message = e instanceof Error ? e.message : String(e);
      log.line(`failed: ${message}`);
      this.last = { outcome: 'failed', app: appName, error: message };
      if (e instanceof RoleAssignmentDeniedError) {
        const command = e.command;
        void vscode.window.showErrorMessage(message, 'Copy Command', 'Show Log').then(async (c) => {
          if (c === 'Copy Command') await vscode.env.clipboard.writeText(command);
          if (c === 'Show Log') log.channel.show();
        });
        return this.last;
      }
      if (e instanceof DeploymentFailedError || e instanceof BuildError) {
        void vscode.window.showErrorMessage(message, 'Show Log').then((c) => { if (c) log.channel.show(); });
        return this.last;
      }
      throw e;
    } finally {
      this.run = undefined;
      this.deps.refresh();
    }
  }

  private watcher(hub: HubRef): WatchHub {
    return async (from, signal) => watchHub(await this.deps.model.eventHubs.target(hub), from, signal);
  }

  private async finish(plan: DeployPlan, app: FunctionAppInfo, checks: VerificationCheck[]): Promise<DeployOutcome> {
    await this.deps.docs.show(DeployDocuments.uri(app.name, 'verification'), renderVerification(app.name, plan.functionName, checks));
    const failed = checks.filter((c) => c.state === 'failed');
    this.last = { outcome: failed.length ? 'unverified' : 'verified', app: app.name, checks };
    const hub = this.lastDeploy?.hub;
    if (!failed.length) {
      void vscode.window.showInformationMessage(`Deployed ${plan.functionName} to ${app.name} and verified it: events arrive on ${plan.hub.name}.`, 'Open Tail').then((c) => {
        if (c && hub) void vscode.commands.executeCommand('eventline.tailEventHub', hub);
      });
    } else {
      void vscode.window.showWarningMessage(`Deployed ${plan.functionName} to ${app.name}, but ${failed.length} check${failed.length === 1 ? '' : 's'} failed: the verification says what to do.`, 'Verify Again', 'Show Log').then((c) => {
        if (c === 'Verify Again') void this.verifyAgain().catch((e) => vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e)));
        if (c === 'Show Log') this.deps.log.channel.show();
      });
    }
    return this.last;
  }

  /** Runs the verification of the last deploy again (roles can take minutes to propagate). */
  async verifyAgain(): Promise<DeployOutcome | undefined> {
    const last = this.lastDeploy;
    if (!last) throw new Error('Nothing to verify: deploy first.');
    if (this.run) throw new Error('A deploy is running.');
    const run = new AbortController();
    this.run = run;
    try {
      this.deps.log.line(`── Verify ${last.plan.functionName} on ${last.app.name} again ──`);
      const checks = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Eventline: verifying ${last.plan.functionName} on ${last.app.name}`, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => run.abort());
        return last.deployer.verify(last.plan, last.app, this.watcher(last.hub), this.verifyTimeouts(), { step: (m) => progress.report({ message: m }), log: (l) => this.deps.log.line(l) }, run.signal);
      });
      return await this.finish(last.plan, last.app, checks);
    } finally {
      this.run = undefined;
    }
  }

  /** The function to deploy: the tree row's, the manifest's only one, one picked, or a folder the user points at. */
  private async target(arg: unknown, snapshot: PipelineSnapshot): Promise<{ entry: FunctionEntry; projectDir: string; source: Source | undefined; hub: string }> {
    const m: Manifest = snapshot.manifest;
    const root = path.dirname(snapshot.manifestPath);
    const entries = functionEntries(m);
    const ref = refOf(arg);
    let entry: FunctionEntry | undefined = ref?.kind === 'function' ? entries.find((e) => e.name === ref.name) : undefined;
    if (!entry && entries.length === 1) entry = entries[0];
    if (!entry && entries.length > 1) entry = await prompts.pick(entries.map((e) => ({ label: e.name, description: e.path, value: e })), { title: 'Deploy Ingest Function: which function?' });
    if (!entry) {
      const folder = await prompts.openFolder({ title: 'Deploy Ingest Function: the function project folder (with host.json and package.json)', defaultUri: vscode.Uri.file(root) });
      const name = await prompts.input({ title: 'Deploy Ingest Function: the function\'s name (as in app.timer(\'<name>\', …))', value: 'ingest', validate: (v) => (/^[A-Za-z][\w-]*$/.test(v) ? undefined : 'Letters, digits, _ and -, starting with a letter.') });
      entry = { name, path: path.relative(root, folder.fsPath) || '.' };
    }
    const projectDir = path.resolve(root, entry.path);
    const hubs = (m.eventHubs ?? []).map((h) => h.name);
    let hub = entry.hub;
    if (!hub) {
      if (!hubs.length) throw new Error('eventline.json declares no Event Hub for the function to send to: add one under "eventHubs".');
      hub = hubs.length === 1 ? hubs[0] : await prompts.pick(hubs.map((h) => ({ label: h, value: h })), { title: 'Deploy Ingest Function: the hub it sends to' });
    }
    let source = entry.source ? m.sources?.find((s) => s.name === entry.source) : undefined;
    if (entry.source && !source) throw new Error(`Function "${entry.name}" polls source "${entry.source}", which eventline.json does not declare.`);
    if (!entry.source && (m.sources?.length ?? 0) > 0) {
      source = await prompts.pick([...(m.sources ?? []).map((s) => ({ label: s.name, description: s.url, value: s })), { label: 'None', description: 'the function needs no source settings', value: undefined }], { title: 'Deploy Ingest Function: the source it polls' });
    }
    return { entry, projectDir, source, hub };
  }

  /** Stores the chosen app in the active profile of eventline.json (formatting kept). */
  private async saveFunctionApp(snapshot: PipelineSnapshot, appId: string): Promise<void> {
    const uri = vscode.Uri.file(snapshot.manifestPath);
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = doc.getText();
    const updated = setProfileValue(text, snapshot.profile.name, 'functionApp', appId);
    if (updated === text) return;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(text.length)), updated);
    await vscode.workspace.applyEdit(edit);
    await doc.save();
    await this.deps.manifests.reload();
    this.deps.log.line(`profile ${snapshot.profile.name}: functionApp = ${appId}`);
  }
}
