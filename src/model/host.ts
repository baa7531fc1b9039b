import type { TokenCredential } from '@azure/core-auth';
import type { CloudSettings } from '../core/cloud';
import type { Manifest } from '../core/manifest';
import type { ResolvedProfile } from '../core/profiles';
import type { LocalReady } from '../protocol/localReady';

/** The loaded manifest and the profile it is seen through. */
export interface PipelineSnapshot {
  readonly manifest: Manifest;
  readonly profile: ResolvedProfile;
  /** Path of eventline.json (the local pipeline's --config). */
  readonly manifestPath: string;
}

/**
 * What the model needs from its surroundings. The extension passes its manifest store, sign-in and local
 * pipeline supervisor; tests pass plain objects. Keeping this narrow keeps the model free of `vscode`.
 */
export interface ModelHost {
  snapshot(): PipelineSnapshot | undefined;
  readonly cloud: CloudSettings;
  /** A silent credential for the active profile's tenant (or the one given). */
  credential(tenantId?: string): TokenCredential;
  token(audience: string, signal: AbortSignal): Promise<string>;
  /** The running local pipeline, if one is running. */
  localReady(): LocalReady | undefined;
  /** The running local pipeline, started when the user allows it (eventline.local.autoStart). */
  ensureLocal(): Promise<LocalReady>;
  /** How long one request to a service may take, in ms. */
  timeoutMs(): number;
}

/** The snapshot, or an error that says what to do: `what` names what the caller wanted ("the hubs"). */
export function requireSnapshot(host: ModelHost, what: string): PipelineSnapshot {
  const s = host.snapshot();
  if (!s) throw new Error(`Create or fix eventline.json first: ${what} come from its active profile.`);
  return s;
}
