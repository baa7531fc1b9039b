// The one line `eventline-local start --json` prints on stdout once every listener is up. The pipeline writes it
// (src/local/pipeline.ts) and the extension, `npm start` and the tests read it (src/core/localReady.ts parses
// it): both sides are type-checked against this file. Parts added later are optional so an older reader still
// accepts a newer pipeline's line.

export interface LocalReady {
  ready: true;
  eventHubs: {
    /** SAS connection string for plain AMQP, with `UseDevelopmentEmulator=true`. */
    connectionString: string;
    /** AMQP over TLS (SAS or JWT), signed by the local CA. */
    amqpsPort?: number;
    /** PEM file of the local CA (also signs the local Key Vault's certificate). */
    caCertificate?: string;
  };
  /** Kusto REST, no authentication. */
  eventhouse: { uri: string; database: string };
  /** Base URL of the control API (src/protocol/controlApi.ts). */
  control: string;
  /**
   * Key Vault secrets REST API over TLS (the local CA), for `SecretClient` with
   * `{ disableChallengeResourceVerification: true }` and a credential that signs tokens with the key in
   * `tokenKeyFile` (core/localVaultToken.ts `LocalVaultCredential`); other bearer tokens are refused.
   */
  keyVault?: { uri: string; caCertificate: string; tokenKeyFile: string };
  /**
   * The sample REST source: `url` is its readings endpoint (what a manifest source's url names); its API key goes
   * in the `x-api-key` header and is in the local Key Vault under `secretName`.
   */
  sampleApi?: { url: string; secretName: string };
  /**
   * The local SMTP server that keeps what it receives (listed on the control API). It takes AUTH PLAIN or LOGIN
   * with `user` and the pipeline's key (`--key`), without TLS: it listens on 127.0.0.1 only.
   */
  smtp?: { host: string; port: number; user?: string };
}
