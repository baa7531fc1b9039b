// The verification after a deploy: each check with a tick or the likely cause and its fix (issue #21, step 4).
import { ROLES } from './constants';

export type CheckState = 'ok' | 'failed' | 'skipped';

export interface VerificationCheck {
  id: 'reference' | 'listed' | 'runNow' | 'events';
  title: string;
  state: CheckState;
  detail: string;
  fix?: string;
}

/** The config-reference status of one app setting (ARM `config/configreferences/appsettings`, spec §1.5). */
export interface ReferenceStatus { name?: string; status?: string; details?: string; vaultName?: string; secretName?: string }

/** Turns a Key Vault reference's status into a check with the likely cause (ResolveStatus values, spec §1.5). */
export function referenceCheck(setting: string, r: ReferenceStatus | undefined): VerificationCheck {
  const title = `Key Vault reference ${setting} resolves`;
  if (!r) return { id: 'reference', title, state: 'failed', detail: `The app reports no reference status for ${setting}.`, fix: 'Check that the setting holds @Microsoft.KeyVault(SecretUri=…) and deploy again.' };
  const vault = r.vaultName ? `vault ${r.vaultName}` : 'the vault';
  const secret = r.secretName ? `secret ${r.secretName}` : 'the secret';
  const said = r.details ? ` (the app says: ${r.details})` : '';
  const failed = (detail: string, fix: string): VerificationCheck => ({ id: 'reference', title, state: 'failed', detail: `${detail}${said}`, fix });
  switch (r.status) {
    case 'Resolved':
      return { id: 'reference', title, state: 'ok', detail: `${setting} reads ${secret} from ${vault}.` };
    case 'AccessToKeyVaultDenied':
      return failed(`The app's identity was refused by ${vault}.`, `Most likely the role assignment has not propagated yet: verify again in a minute (it can take up to 10 minutes). If it stays, check that the app's identity has "${ROLES.keyVaultSecretsUser.name}" on ${vault} (access-policy vaults need a "get" secret permission instead) and the vault firewall: a vault that allows only selected networks must let the app in.`);
    case 'SecretNotFound':
    case 'SecretVersionNotFound':
      return failed(`${secret} is missing or disabled in ${vault}.`, `Set it with "Eventline: Set Secret" (or enable it in the portal), then verify again.`);
    case 'VaultNotFound':
      return failed(`${vault} was not found.`, 'Check the Key Vault name in eventline.json (the profile\'s "keyVault"), then deploy again.');
    case 'MSINotEnabled':
      return failed('The app has no managed identity to read the vault with.', 'Deploy again: Eventline enables the system-assigned identity.');
    case 'FetchTimedOut':
      return failed(`${vault} did not answer the app in time.`, 'Check the vault firewall and private endpoints: the app must be able to reach the vault over the network.');
    case 'InvalidSyntax':
      return failed(`The value of ${setting} is not a valid Key Vault reference.`, 'Deploy again to rewrite it, or fix it in the portal (@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>)).');
    case 'UnauthorizedClient':
      return failed('The app\'s identity could not get a token for the vault.', 'Check the app\'s identity (Identity blade in the portal) and verify again in a minute.');
    case 'Initialized':
    case undefined:
      return failed('The app has not resolved the reference yet.', 'Verify again in a minute: the app reads references when it (re)starts.');
    default:
      return failed(`The reference did not resolve (${r.status}).`, `Check ${secret} in ${vault} and the app's access to it, then verify again.`);
  }
}

export function listedCheck(functionName: string, listed: string[], error?: string): VerificationCheck {
  const title = `The host lists ${functionName}`;
  if (error) return { id: 'listed', title, state: 'failed', detail: `Could not list the app's functions: ${error}`, fix: 'Verify again in a minute: the host restarts after a deploy.' };
  if (listed.includes(functionName)) return { id: 'listed', title, state: 'ok', detail: `${functionName} is among the app's functions (${listed.join(', ')}).` };
  return {
    id: 'listed', title, state: 'failed',
    detail: listed.length ? `The host lists ${listed.join(', ')}, not ${functionName}.` : 'The host lists no function at all.',
    fix: listed.length
      ? `Check the name in app.timer('${functionName}', …) against eventline.json's "functions" entry.`
      : 'The usual causes: "main" in package.json matching no built file, or @azure/functions missing (the package checks passed, so look at the deployment log: Show Function Logs), or the host still starting: verify again in a minute.',
  };
}

export function runNowCheck(functionName: string, status: number | undefined, error?: string): VerificationCheck {
  const title = `Run now through the admin endpoint`;
  if (status !== undefined && status >= 200 && status < 300) return { id: 'runNow', title, state: 'ok', detail: `POST /admin/functions/${functionName} was accepted (${status}).` };
  const why = error ?? `the host answered ${status ?? 'nothing'}`;
  const fix = status === 404
    ? 'The host does not know the function yet: verify again in a minute.'
    : status === 401 || status === 403
      ? 'The host refused the master key: the app may be restarting after the settings change; verify again in a minute.'
      : 'The app may still be starting (cold start on Flex Consumption): verify again in a minute.';
  return { id: 'runNow', title, state: 'failed', detail: `Run now failed: ${why}.`, fix };
}

export function eventsCheck(hub: string, count: number, waitedMs: number, error?: string): VerificationCheck {
  const title = `New events arrive on hub ${hub}`;
  if (error) return { id: 'events', title, state: 'failed', detail: `Could not read the hub: ${error}`, fix: `Reading needs "Azure Event Hubs Data Receiver" (or Owner) on the hub for your account; the function itself only sends.` };
  if (count > 0) return { id: 'events', title, state: 'ok', detail: `${count} new event${count === 1 ? '' : 's'} arrived within ${Math.round(waitedMs / 1000)} s of Run now.` };
  return {
    id: 'events', title, state: 'failed',
    detail: `No new event arrived within ${Math.round(waitedMs / 1000)} s of Run now.`,
    fix: `Likely causes: the "${ROLES.eventHubsDataSender.name}" assignment has not propagated yet (verify again in a minute); the function sends to another hub than ${hub} (check INGEST_EVENTHUB_NAME); the source returned no new records; or the run failed (Show Function Logs).`,
  };
}

export function skipped(id: VerificationCheck['id'], title: string, why: string): VerificationCheck {
  return { id, title, state: 'skipped', detail: why };
}

// Marks every editor font has (emoji render as empty boxes in many monospace fonts).
const mark: Record<CheckState, string> = { ok: '✓', failed: '✗', skipped: '–' };

export function renderVerification(appName: string, functionName: string, checks: VerificationCheck[], at = new Date()): string {
  const ok = checks.every((c) => c.state === 'ok');
  const out = [`# Verification: ${functionName} on ${appName}`, '', `${at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} — ${ok ? '**all checks passed**' : '**some checks failed**: each says what to do.'}`, ''];
  for (const c of checks) {
    out.push(`## ${mark[c.state]} ${c.title}`, '', c.detail, '');
    if (c.fix && c.state !== 'ok') out.push(`**Fix:** ${c.fix}`, '');
  }
  return out.join('\n');
}
