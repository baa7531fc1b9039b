// Key Vault references as App Service and Azure Functions write them in app settings:
//   @Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>[/<version>])
//   @Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>[;SecretVersion=<version>])
// The platform resolves them in Azure; locally the function runner resolves them against the local Key Vault by
// secret name (and version), whichever vault they name, so one reference serves both profiles.
import type { SecretRef } from './manifest';

export interface KeyVaultReference {
  secretName: string;
  /** Absent: the latest version. */
  version?: string;
  /** `https://<vault>.vault.azure.net/` (SecretUri form, with a trailing slash) when the reference names one. */
  vaultUri?: string;
  /** The VaultName form's vault. */
  vaultName?: string;
}

export type KeyVaultReferenceResult = { ok: true; reference: KeyVaultReference } | { ok: false; message: string };

const PREFIX = '@Microsoft.KeyVault(';
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;
const VERSION = /^[0-9A-Za-z]{1,64}$/;

/** True when an app setting's value is meant as a Key Vault reference (well formed or not). */
export function isKeyVaultReference(value: string): boolean {
  return value.trimStart().startsWith(PREFIX);
}

/** Parses one reference; the message says what is wrong and shows the two accepted forms. */
export function parseKeyVaultReference(text: string): KeyVaultReferenceResult {
  const forms = 'write @Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>) or @Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>)';
  const t = text.trim();
  if (!t.startsWith(PREFIX) || !t.endsWith(')')) return { ok: false, message: `"${t}" is not a Key Vault reference: ${forms}.` };
  const inner = t.slice(PREFIX.length, -1);
  const parts = new Map<string, string>();
  for (const piece of inner.split(';')) {
    if (piece.trim() === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) return { ok: false, message: `"${piece}" in ${t} is not Key=Value: ${forms}.` };
    parts.set(piece.slice(0, eq).trim().toLowerCase(), piece.slice(eq + 1).trim());
  }
  const uri = parts.get('secreturi');
  if (uri !== undefined) {
    let url: URL;
    try { url = new URL(uri); } catch { return { ok: false, message: `SecretUri "${uri}" in ${t} is not a URL: ${forms}.` }; }
    const m = /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/.exec(url.pathname);
    if (!m) return { ok: false, message: `SecretUri "${uri}" in ${t} must look like https://<vault>.vault.azure.net/secrets/<name>[/<version>].` };
    return checked({ secretName: m[1], version: m[2] || undefined, vaultUri: `${url.protocol}//${url.host}/` }, t);
  }
  const name = parts.get('secretname');
  if (name !== undefined) {
    const vaultName = parts.get('vaultname');
    if (!vaultName) return { ok: false, message: `${t} has SecretName but no VaultName: ${forms}.` };
    return checked({ secretName: name, version: parts.get('secretversion') || undefined, vaultName }, t);
  }
  return { ok: false, message: `${t} names no secret: ${forms}.` };
}

function checked(ref: KeyVaultReference, text: string): KeyVaultReferenceResult {
  if (!SECRET_NAME.test(ref.secretName)) return { ok: false, message: `"${ref.secretName}" in ${text} is not a valid secret name (1-127 letters, digits and dashes).` };
  if (ref.version !== undefined && !VERSION.test(ref.version)) return { ok: false, message: `"${ref.version}" in ${text} is not a valid secret version.` };
  return { ok: true, reference: ref };
}

/** `https://v.vault.azure.net/secrets/name` (versionless: the latest) or `…/name/<version>`. */
export function secretUri(vaultUri: string, secretName: string, version?: string): string {
  return `${vaultUri.replace(/\/+$/, '')}/secrets/${secretName}${version ? `/${version}` : ''}`;
}

/** The app-setting text for a secret, in the SecretUri form (what Copy Reference and the scaffold write). */
export function formatKeyVaultReference(vaultUri: string, secretName: string, version?: string): string {
  return `${PREFIX}SecretUri=${secretUri(vaultUri, secretName, version)})`;
}

/** The Key Vault URI of a vault name in the public cloud: `https://<name>.vault.azure.net/`. */
export function vaultUriOf(vaultName: string, dnsSuffix = 'vault.azure.net'): string {
  return `https://${vaultName}.${dnsSuffix}/`;
}

/**
 * The secret a manifest reference points at. A keyVaultSecret name is looked up in whichever vault the profile
 * uses; a keyVaultSecret URI also names its vault (vaultUri) and maybe a version; a secretStorage name is the
 * same name in the local Key Vault (older manifests, before the quick fix moves it).
 */
export function secretOfRef(ref: SecretRef): { secretName: string; version?: string; vaultUri?: string; legacySecretStorage?: true } | undefined {
  if (ref.keyVaultSecret !== undefined) {
    if (SECRET_NAME.test(ref.keyVaultSecret)) return { secretName: ref.keyVaultSecret };
    const r = parseKeyVaultReference(`${PREFIX}SecretUri=${ref.keyVaultSecret})`);
    return r.ok ? { secretName: r.reference.secretName, version: r.reference.version, vaultUri: r.reference.vaultUri } : undefined;
  }
  if (ref.secretStorage !== undefined) return { secretName: ref.secretStorage, legacySecretStorage: true };
  return undefined;
}
