// The secrets a manifest refers to, and which vault holds them for a profile. One kind of reference serves both
// profiles: a `keyVaultSecret` name is looked up in the local Key Vault (local profile) or the profile's Azure Key
// Vault, and the `@Microsoft.KeyVault(SecretUri=…)` text Eventline writes works in both (the local runner resolves
// it by secret name). Older manifests name secrets in VS Code's SecretStorage (`secretStorage`); they still load,
// and a quick fix moves them.
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { isKeyVaultReference, parseKeyVaultReference, secretOfRef, vaultUriOf } from './keyVaultReference';
import type { Manifest, Profile } from './manifest';

/** The local Key Vault at its documented default port: what files get when no Azure Key Vault is declared. */
export const LOCAL_VAULT_DEFAULT_URI = 'https://127.0.0.1:5443/';

export interface SecretReferenceUse {
  /** The secret's name in the vault. */
  name: string;
  /** Who refers to it, e.g. `source "sample-api"`, `function "ingest" setting API_TOKEN`. */
  referencedBy: string[];
  /** Some use still names it through VS Code's SecretStorage (older manifests). */
  legacy: boolean;
}

/** Every secret name the manifest refers to (sources' API keys, Key Vault references in functions' settings). */
export function manifestSecretReferences(m: Manifest): SecretReferenceUse[] {
  const byName = new Map<string, SecretReferenceUse>();
  const add = (name: string, who: string, legacy: boolean) => {
    const use = byName.get(name) ?? { name, referencedBy: [], legacy: false };
    use.referencedBy.push(who);
    use.legacy ||= legacy;
    byName.set(name, use);
  };
  for (const s of m.sources ?? []) {
    const secret = s.auth ? secretOfRef(s.auth.secret) : undefined;
    if (secret) add(secret.secretName, `source "${s.name}"`, secret.legacySecretStorage === true);
  }
  for (const f of m.functions ?? []) {
    for (const [key, value] of Object.entries(f.settings ?? {})) {
      if (!isKeyVaultReference(value)) continue;
      const r = parseKeyVaultReference(value);
      if (r.ok) add(r.reference.secretName, `function "${f.name}" setting ${key}`, false);
    }
  }
  return [...byName.values()];
}

/** A Key Vault secret name (1-127 letters, digits and dashes) for any SecretStorage name. */
export function keyVaultSecretName(name: string): string {
  const cleaned = name.replace(/[^0-9A-Za-z-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, 127);
  return cleaned || 'secret';
}

/** Why a name cannot be a Key Vault secret name, or undefined. */
export function secretNameProblem(name: string): string | undefined {
  if (!name) return 'Name the secret (letters, digits and dashes).';
  if (!/^[0-9A-Za-z-]+$/.test(name)) return 'A Key Vault secret name has only letters, digits and dashes.';
  if (name.length > 127) return 'A Key Vault secret name has at most 127 characters.';
  return undefined;
}

/**
 * The Azure Key Vault of a profile: its `keyVault` (a name or a URI), else the manifest's `keyVault.name`. The DNS
 * suffix comes from the cloud's Key Vault audience (vault.azure.net in the public cloud).
 */
export function azureVaultUri(m: Manifest, profile: Profile | undefined, keyVaultAudience = 'https://vault.azure.net'): string | undefined {
  const v = profile?.keyVault ?? m.keyVault?.name;
  if (!v) return undefined;
  if (/^https:\/\//i.test(v)) return `${v.replace(/\/+$/, '')}/`;
  return vaultUriOf(v, new URL(keyVaultAudience).host);
}

/**
 * The vault URI that references written into files name: the manifest's Azure Key Vault when it declares one (so
 * the same text works once deployed; locally the runner resolves it by name), else the local Key Vault.
 */
export function referenceVaultUri(m: Manifest, keyVaultAudience?: string, localVaultUri = LOCAL_VAULT_DEFAULT_URI): string {
  const azure = azureVaultUri(m, undefined, keyVaultAudience)
    ?? Object.values(m.profiles ?? {}).map((p) => (p.kind !== 'local' ? azureVaultUri(m, p, keyVaultAudience) : undefined)).find((u) => u !== undefined);
  return azure ?? localVaultUri;
}

/** A source whose API key is still a SecretStorage name, with where that reference is in the text. */
export interface LegacySecretReference {
  sourceIndex: number;
  sourceName: string;
  /** The SecretStorage name. */
  name: string;
  /** The `"secretStorage": "…"` property, as offsets into the text. */
  offset: number;
  length: number;
}

/** The sources of eventline.json's text whose key is a SecretStorage name (none when the text does not parse). */
export function legacySecretReferences(text: string): LegacySecretReference[] {
  const tree = parseTree(text, [], { allowTrailingComma: true });
  if (!tree || tree.type !== 'object') return [];
  const sources = findNodeAtLocation(tree, ['sources']);
  if (sources?.type !== 'array') return [];
  const out: LegacySecretReference[] = [];
  (sources.children ?? []).forEach((src: Node, i) => {
    const value = findNodeAtLocation(src, ['auth', 'secret', 'secretStorage']);
    if (value?.type !== 'string' || !value.parent) return;
    const nameNode = findNodeAtLocation(src, ['name']);
    out.push({ sourceIndex: i, sourceName: typeof nameNode?.value === 'string' ? nameNode.value : `sources[${i}]`, name: value.value as string, offset: value.parent.offset, length: value.parent.length });
  });
  return out;
}
