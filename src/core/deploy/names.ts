// Names of the resources a new Flex Consumption Function App needs, and the rules Azure checks them against,
// so a bad name is refused in the input box rather than by Resource Manager half-way through creating things.
import { applyEdits, modify } from 'jsonc-parser';

export function appNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$/.test(name)) return 'Use 2–60 letters, digits and hyphens, starting and ending with a letter or digit. The name becomes <name>.azurewebsites.net.';
  return undefined;
}

export function resourceGroupNameProblem(name: string): string | undefined {
  if (!/^[-\w.()]{1,90}$/.test(name) || name.endsWith('.')) return 'Use up to 90 letters, digits, underscores, hyphens, periods and parentheses, not ending with a period.';
  return undefined;
}

export function storageAccountNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9]{3,24}$/.test(name)) return 'Use 3–24 lowercase letters and digits (storage account names are global).';
  return undefined;
}

/** A short hex suffix from a string, so derived names are stable for the same app name but unlikely to collide. */
function suffix(seed: string, length: number): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0').slice(0, length);
}

export interface FlexResourceNames { resourceGroup: string; storageAccount: string; container: string; plan: string; app: string }

/** Default names for a new app: `st<app><4 hex>`, `app-package-<app>-<7 hex>` (as VS Code names the container), `plan-<app>`. */
export function defaultFlexNames(app: string, resourceGroup?: string): FlexResourceNames {
  const lower = app.toLowerCase();
  const alnum = lower.replace(/[^a-z0-9]/g, '');
  const storageAccount = `st${alnum.slice(0, 18)}${suffix(lower, 4)}`;
  const container = `app-package-${lower.replace(/[^a-z0-9-]/g, '').replace(/-+/g, '-').slice(0, 40).replace(/-$/, '')}-${suffix(`${lower}/c`, 7)}`;
  return { resourceGroup: resourceGroup ?? `rg-${lower}`.slice(0, 90), storageAccount, container, plan: `plan-${lower}`.slice(0, 60), app };
}

/** eventline.json with one profile value set, formatting and comments kept (the file is the user's). */
export function setProfileValue(text: string, profile: string, key: string, value: string): string {
  const edits = modify(text, ['profiles', profile, key], value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: text.includes('\r\n') ? '\r\n' : '\n' } });
  return applyEdits(text, edits);
}

/** A new Flex Consumption app and what it needs, as the user confirmed it. */
export interface FlexCreation {
  subscriptionId: string;
  location: string;
  nodeVersion: string;
  names: FlexResourceNames;
  /** false: the resource group exists already. */
  createResourceGroup: boolean;
}

/** The preview shown before anything is created: each resource, named. */
export function describeCreation(c: FlexCreation): string[] {
  const n = c.names;
  return [
    `Resource group ${n.resourceGroup}${c.createResourceGroup ? ` (new, ${c.location})` : ' (existing)'}`,
    `Storage account ${n.storageAccount} (new: StorageV2, Standard_LRS, no public blob access, TLS 1.2) with blob container ${n.container} for the deployment packages`,
    `Flex Consumption plan ${n.plan} (FC1, ${c.location})`,
    `Function App ${n.app} (https://${n.app}.azurewebsites.net): Node.js ${c.nodeVersion}, system-assigned managed identity, host storage and deployment container reached through that identity (no keys in settings)`,
    `Role assignment: Storage Blob Data Owner on ${n.storageAccount} for the app's identity`,
  ];
}
