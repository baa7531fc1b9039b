// The deploy plan: everything a deploy will change, computed from reads only, and its read-only document.
// Nothing secret goes in: existing settings are named, never shown, and Eventline's own values are references.
import type { RoleDefinition } from './constants';
import type { PackageCheck } from './packageCheck';
import type { PackageFile } from './build';
import type { SettingsMerge } from './settings';
import { PLAN_LABEL, type FunctionAppInfo } from './site';

export interface RoleTarget {
  role: RoleDefinition;
  /** ARM scope: the hub or the vault. */
  scope: string;
  /** "hub telemetry in ns-main", for people. */
  scopeLabel: string;
  state: 'create' | 'exists';
}

export interface DeployPlan {
  app: FunctionAppInfo;
  functionName: string;
  /** The project folder as the user knows it (relative to the workspace). */
  project: string;
  package: { files: PackageFile[]; sizeBytes: number; checks: PackageCheck[]; bundledPackages: string[]; buildMs: number; zipMs: number };
  identity: 'enable' | 'present';
  roles: RoleTarget[];
  settings: SettingsMerge;
  /** The setting whose Key Vault reference the verification checks. */
  referenceSettings: string[];
  warnings: string[];
  upload: { route: 'publish' | 'zipdeploy'; url: string };
  syncTriggers: boolean;
  hub: { name: string; namespaceHost: string };
}

/** True when the package checks passed: a plan that fails one cannot be applied. */
export function packageReady(plan: DeployPlan): boolean {
  return plan.package.checks.every((c) => c.ok);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${s.replace(/`/g, '\'')}\``;

/** A one-line summary for the confirmation: what changes. */
export function planSummary(plan: DeployPlan): string {
  const roles = plan.roles.filter((r) => r.state === 'create').length;
  const parts = [
    `upload ${formatSize(plan.package.sizeBytes)}`,
    plan.identity === 'enable' ? 'enable the managed identity' : '',
    roles ? `${roles} role assignment${roles === 1 ? '' : 's'}` : '',
    plan.settings.changes.length ? `${plan.settings.changes.length} app setting${plan.settings.changes.length === 1 ? '' : 's'} added or changed` : 'no setting changes',
  ].filter(Boolean);
  return `${plan.functionName} → ${plan.app.name} (${PLAN_LABEL[plan.app.plan]}): ${parts.join(', ')}.`;
}

/** The plan document (Markdown). */
export function renderPlan(plan: DeployPlan): string {
  const a = plan.app;
  const out: string[] = [];
  out.push(`# Deploy plan: ${plan.functionName} → ${a.name}`, '');
  out.push(`${PLAN_LABEL[a.plan]} · ${a.location} · resource group ${a.resourceGroup} · subscription ${a.subscriptionId}`, '');
  out.push(packageReady(plan)
    ? '> Nothing has changed yet. **Confirm** applies this plan; **Cancel** leaves the app as it is.'
    : '> Nothing has changed yet. **The package check failed**: fix the project and deploy again; nothing will be uploaded.', '');

  out.push('## Package', '');
  out.push(`- Project: ${code(plan.project)}, built with esbuild (production dependencies only) in ${Math.round(plan.package.buildMs)} ms, zipped in ${Math.round(plan.package.zipMs)} ms`);
  out.push(`- Upload: **${formatSize(plan.package.sizeBytes)}** zip, ${plan.upload.route === 'publish' ? 'one-deploy' : 'Kudu zip deploy'} ${code(`POST ${plan.upload.url}`)}`);
  out.push(`- Inside the bundle: ${plan.package.bundledPackages.length} npm packages`, '');
  out.push('| file | size |', '| --- | ---: |');
  for (const f of plan.package.files) out.push(`| ${cell(f.path)} | ${formatSize(f.size)} |`);
  out.push('', '| check | result |', '| --- | --- |');
  for (const c of plan.package.checks) out.push(`| ${c.ok ? '✓' : '✗'} ${cell(c.title)} | ${cell(c.detail)}${c.fix ? ` **Fix:** ${cell(c.fix)}` : ''} |`);
  out.push('');

  out.push('## Identity', '');
  out.push(plan.identity === 'enable'
    ? `- **Enable** the system-assigned managed identity of ${a.name}${a.userAssignedIdentities.length ? ` (its ${a.userAssignedIdentities.length} user-assigned identit${a.userAssignedIdentities.length === 1 ? 'y stays' : 'ies stay'})` : ''}.`
    : `- The system-assigned managed identity is enabled (principal ${a.principalId}).`, '');

  out.push('## Role assignments', '');
  out.push('| role | scope | action |', '| --- | --- | --- |');
  for (const r of plan.roles) out.push(`| ${r.role.name} | ${cell(r.scopeLabel)} | ${r.state === 'create' ? '**create** (new assignment for the app\'s identity)' : 'already assigned: no change'} |`);
  out.push('');

  out.push('## App settings', '');
  if (plan.settings.changes.length === 0) {
    out.push('No setting changes: every setting Eventline needs already has its value.', '');
  } else {
    out.push('| setting | action | value | why |', '| --- | --- | --- | --- |');
    for (const c of plan.settings.changes) out.push(`| ${code(c.name)} | ${c.kind === 'add' ? '**add**' : '**change** (old value not shown)'} | ${code(cell(c.value))} | ${cell(c.why)} |`);
    out.push('');
  }
  if (plan.settings.unchanged.length) out.push(`Already as needed: ${plan.settings.unchanged.map(code).join(', ')}.`, '');
  out.push(plan.settings.kept.length
    ? `Kept as they are (${plan.settings.kept.length}, values not shown): ${plan.settings.kept.map(code).join(', ')}.`
    : 'The app has no other settings.', '');

  out.push('## Then', '');
  out.push('- Upload the package and follow the deployment until it completes, with its log.');
  if (plan.syncTriggers) out.push('- Sync the function triggers (Resource Manager `syncfunctiontriggers`).');
  out.push(`- Verify: the Key Vault reference${plan.referenceSettings.length === 1 ? '' : 's'} resolve${plan.referenceSettings.length === 1 ? 's' : ''}, the host lists ${code(plan.functionName)}, a Run now succeeds, and new events arrive on hub ${code(plan.hub.name)} (${plan.hub.namespaceHost}).`, '');

  if (plan.warnings.length) {
    out.push('## Notes', '');
    for (const w of plan.warnings) out.push(`- ${w}`);
    out.push('');
  }
  return out.join('\n');
}
