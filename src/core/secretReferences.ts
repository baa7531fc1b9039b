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
  /** The same span as zero-based lines and characters (what an editor's diagnostic needs). */
  start: TextPosition;
  end: TextPosition;
}

export interface TextPosition { line: number; character: number }

/** Zero-based line and character of an offset (\r\n, \n and \r all end a line, as in editors). */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) continue;
    if (c === 10 || c === 13) { line++; lineStart = i + 1; }
  }
  return { line, character: Math.min(offset, text.length) - lineStart };
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
    const { offset, length } = value.parent;
    out.push({ sourceIndex: i, sourceName: typeof nameNode?.value === 'string' ? nameNode.value : `sources[${i}]`, name: value.value as string, offset, length, start: positionAt(text, offset), end: positionAt(text, offset + length) });
  });
  return out;
}

/** One SecretStorage name to move into the Key Vault, and every source that names it. */
export interface SecretMigration {
  /** The name in VS Code's SecretStorage. */
  from: string;
  /** The name in the Key Vault (the same name when it is a valid Key Vault name). */
  to: string;
  sources: string[];
}

/** The moves the manifest's text needs, one per SecretStorage name, in the order the names first appear. */
export function secretMigrations(text: string): SecretMigration[] {
  const byName = new Map<string, SecretMigration>();
  for (const r of legacySecretReferences(text)) {
    const m = byName.get(r.name) ?? { from: r.name, to: keyVaultSecretName(r.name), sources: [] };
    m.sources.push(r.sourceName);
    byName.set(r.name, m);
  }
  return [...byName.values()];
}

/** The diagnostic's text for a reference that still names VS Code's SecretStorage. */
export function legacyReferenceMessage(ref: Pick<LegacySecretReference, 'name' | 'sourceName'>): string {
  const to = keyVaultSecretName(ref.name);
  return `Source "${ref.sourceName}" keeps its API key in VS Code's SecretStorage ("${ref.name}"), which only this machine's VS Code can read. ` +
    `Move it to the local Key Vault as "${to}" (quick fix, or "Eventline: Move Secrets to the Local Key Vault"): one reference then serves the local and the cloud profile.`;
}
