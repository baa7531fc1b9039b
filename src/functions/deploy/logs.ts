// Eventline: Show Function Logs and Eventline: Open in Portal, for the Function App of the active profile.
import * as vscode from 'vscode';
import { ago, interpretDeployment } from '../../core/deploy/deployment';
import { PLAN_LABEL, siteResourceId } from '../../core/deploy/site';
import type { AzureAuth } from '../../auth/azureAuth';
import { requireSnapshot } from '../../model/host';
import type { PipelineModel } from '../../model/pipelineModel';
import { refOf } from '../../model/refs';
import { DeployDocuments } from './documents';

function locatorOrThrow(model: PipelineModel) {
  const snapshot = requireSnapshot(model.host, 'the Function App');
  if (snapshot.profile.kind === 'local') throw new Error(`Profile "${snapshot.profile.name}" is the local pipeline: its function logs are in the "Eventline" output. Pick a cloud profile for the Function App's logs.`);
  const loc = model.functionApps.locator();
  if (!loc) throw new Error(`Profile "${snapshot.profile.name}" names no Function App yet: run "Eventline: Deploy Ingest Function" first (it stores the app in eventline.json).`);
  return { snapshot, loc };
}

/** The name of the function a command is about: the tree row's, the manifest's only one, or `ingest`. */
function functionName(model: PipelineModel, arg: unknown): string {
  const ref = refOf(arg);
  if (ref?.kind === 'function') return ref.name;
  return model.functionApps.functions()[0]?.name ?? 'ingest';
}

const fence = (lines: string[]) => ['```log', ...(lines.length ? lines : ['(empty)']), '```'];

export async function showFunctionLogs(model: PipelineModel, auth: AzureAuth, docs: DeployDocuments, arg: unknown): Promise<string> {
  const { snapshot, loc } = locatorOrThrow(model);
  await auth.consent([model.host.cloud.resourceManagerAudience, model.host.cloud.appServiceAudience], snapshot.profile.profile.tenantId);
  const name = functionName(model, arg);
  const text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Eventline: reading the logs of ${loc.name}`, cancellable: true }, async (_progress, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    const app = await model.functionApps.app(loc, controller.signal);
    const deployer = model.functionApps.deployer(loc.subscriptionId);
    const { record, log } = await deployer.lastDeployment(app, controller.signal);
    const out = [`# Function logs: ${name} on ${app.name}`, '', `${PLAN_LABEL[app.plan]} · ${app.location} · ${app.state ?? ''}`, '', '## Last deployment', ''];
    if (!record) {
      out.push('No deployment yet.', '');
    } else {
      const v = interpretDeployment(record);
      out.push(`- ${record.id ?? ''}: **${v.text}**`, `- ${record.end_time ?? record.start_time ?? ''} (${ago(record.end_time ?? record.start_time)})${record.author ? `, by ${record.author}` : ''}${record.deployer ? ` through ${record.deployer}` : ''}`, '', ...fence(log), '');
    }
    out.push('## Invocations', '');
    const invocations = app.plan === 'flex' || app.linux ? undefined : await deployer.scm(app).functionLog(name, controller.signal);
    if (invocations) {
      out.push(`Newest log file: ${invocations.name}`, '', ...fence(invocations.text.split(/\r?\n/).slice(-200)), '');
    } else {
      out.push(`${app.plan === 'flex' || app.linux ? `${PLAN_LABEL[app.plan]} apps` : 'This app'} write invocation logs to Application Insights, not to files Eventline can read: "Eventline: Open in Portal" → Monitoring → Logs, or the function's Invocations tab.`, '');
    }
    return out.join('\n');
  });
  await docs.show(DeployDocuments.uri(loc.name, 'logs'), text);
  return text;
}

/** Opens the app in the portal; returns the URL opened. */
export async function openInPortal(model: PipelineModel, log: vscode.LogOutputChannel): Promise<string> {
  const { snapshot, loc } = locatorOrThrow(model);
  const id = loc.resourceGroup ? siteResourceId(loc.subscriptionId, loc.resourceGroup, loc.name) : (await model.functionApps.app(loc)).id;
  const tenant = snapshot.profile.profile.tenantId;
  const url = `${model.host.cloud.portalEndpoint}/#${tenant ? `@${tenant}/` : ''}resource${id}/overview`;
  // Not awaited: VS Code may first ask whether to open the site, and the command does not wait on that answer.
  void Promise.resolve(vscode.env.openExternal(vscode.Uri.parse(url))).catch((e: unknown) => log.warn(`Open in Portal: ${e instanceof Error ? e.message : String(e)}`));
  return url;
}
