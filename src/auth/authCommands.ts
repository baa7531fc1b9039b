import * as vscode from 'vscode';
import { subscriptionClient } from '../azure/clients';
import { prompts } from '../common/prompt';
import { registerCommand } from '../common/registerCommand';
import type { AzureAuth } from './azureAuth';

/** Sign In, Sign Out and Select Tenant: the only commands allowed to show VS Code's sign-in. */
export function registerAuthCommands(auth: AzureAuth, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand('eventline.signIn', log, async () => {
      const account = await auth.signIn();
      log.info(`Signed in as ${account.label}`);
      void vscode.window.showInformationMessage(`Eventline is signed in as ${account.label}.`);
    }),
    registerCommand('eventline.signOut', log, async () => {
      await auth.signOut();
      void vscode.window.showInformationMessage('Eventline no longer uses your Microsoft account. To remove the account from VS Code itself, use the Accounts menu.');
    }),
    registerCommand('eventline.selectTenant', log, async () => {
      if (!(await auth.account())) await auth.signIn();
      const tenants = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Eventline: listing your tenants…', cancellable: true }, async (_p, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const client = await subscriptionClient(auth.credential('organizations'), auth.cloud);
        const out: { label: string; description: string; tenantId: string }[] = [];
        for await (const t of client.tenants.list({ abortSignal: controller.signal })) {
          out.push({ label: t.displayName ?? t.tenantId ?? '', description: [t.defaultDomain, t.tenantId].filter(Boolean).join(' · '), tenantId: t.tenantId ?? '' });
        }
        return out;
      });
      const tenantId = await prompts.pick([
        { label: 'Home tenant of the account', description: 'organizations', value: '' },
        ...tenants.map((t) => ({ label: t.label, description: t.description, value: t.tenantId })),
      ], { title: 'Eventline: Select Tenant', placeHolder: auth.tenant ? `Current: ${auth.tenant}` : 'Current: the account\'s home tenant' });
      await auth.setTenant(tenantId || undefined);
      log.info(`Tenant set to ${tenantId || 'the home tenant'}`);
    }),
  );
}
