// A secret reference resolved against the local Key Vault, in this process: what the function runner does for an
// app setting's @Microsoft.KeyVault(...) and the alert runner for the SMTP relay's password. A secret that cannot be
// read comes back as why, in the words both give the user (missing, deleted, disabled), with how to fix it.
import { VaultError, type SecretStore } from './store';

export type LocalSecret = { ok: true; value: string } | { ok: false; why: string };

/** The secret's value, or the end of a sentence "… refers to Key Vault secret "x", which <why>". */
export function readLocalSecret(store: SecretStore, secretName: string, version: string | undefined, vaultUri: string): LocalSecret {
  const how = `Set it with "Eventline: Set Secret" (local profile), or with SecretClient at ${vaultUri}.`;
  try {
    return { ok: true, value: store.value(secretName, version) };
  } catch (e) {
    if (!(e instanceof VaultError)) throw e;
    if (e.status === 404) {
      let deleted = false;
      try { store.getDeleted(secretName); deleted = true; } catch { /* not deleted either */ }
      return {
        ok: false,
        why: deleted
          ? `is deleted (and recoverable) in the local Key Vault. Recover it ("Eventline: Recover Secret", or beginRecoverDeletedSecret) or purge it and set it again.`
          : `${version ? `has no version ${version}` : 'is not'} in the local Key Vault. ${how}`,
      };
    }
    if (e.status === 403) return { ok: false, why: `is disabled in the local Key Vault. Enable it, or set a new version. ${how}` };
    return { ok: false, why: `cannot be read from the local Key Vault (${e.code}: ${e.message}).` };
  }
}
