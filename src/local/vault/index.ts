import * as path from 'node:path';
import { ensureTokenKey } from '../../core/localVaultToken';
import type { LocalReady } from '../../protocol/localReady';
import type { ServiceContext, StartedService } from '../service';
import { ensureTls, localTlsDir } from '../tls';
import { VaultServer } from './server';
import { SecretStore } from './store';

export { SecretStore, VaultError } from './store';

export interface StartedVault extends StartedService<NonNullable<LocalReady['keyVault']>> {
  /** The same secrets the REST API serves, for the sample API and the function runner in this process. */
  readonly store: SecretStore;
}

/**
 * The local Key Vault: the secrets REST API on --vault-port over TLS with the local CA, secrets in
 * `<data>/keyvault/secrets.json` (0600), bearer tokens signed with `<data>/keyvault/token-key` (0600; see
 * core/localVaultToken.ts). EVENTLINE_VAULT_PENDING_MS sets how long a delete or recover stays "in progress"
 * (default 1000 ms, as the service takes a moment too).
 */
export async function startKeyVault(ctx: ServiceContext): Promise<StartedVault> {
  const dir = path.join(ctx.dataDir, 'keyvault');
  const pending = Number(process.env.EVENTLINE_VAULT_PENDING_MS ?? 1000);
  const store = new SecretStore(dir, Number.isFinite(pending) && pending >= 0 ? pending : 1000);
  const tokenKeyFile = path.join(dir, 'token-key');
  const key = ensureTokenKey(tokenKeyFile);
  const tls = await ensureTls(localTlsDir(ctx.dataDir));
  const server = new VaultServer(store, key);
  const port = await server.listen(ctx.options.vaultPort, tls);
  const uri = `https://127.0.0.1:${port}/`;
  ctx.log(`key vault: ${uri} (${store.list().length} secrets)`);
  return {
    ready: { uri, caCertificate: tls.caCertificate, tokenKeyFile },
    store,
    stop: () => server.close(),
  };
}
