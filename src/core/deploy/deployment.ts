// Reading the `scm` site's deployment records (spec §1.3, §4.1). The decision comes from the body's status,
// complete and is_temp, never from the HTTP code: Flex answers 200 while running and after a failure (pain point 1).
import { DEPLOY_STATUS } from './constants';

export interface DeploymentRecord {
  id?: string;
  status?: number;
  status_text?: string;
  author?: string;
  deployer?: string;
  message?: string;
  complete?: boolean;
  is_temp?: boolean;
  start_time?: string;
  end_time?: string;
  received_time?: string;
  log_url?: string;
  site_name?: string;
}

export type DeploymentState = 'running' | 'succeeded' | 'partial' | 'failed' | 'conflict' | 'cancelled';

export interface DeploymentVerdict { state: DeploymentState; text: string }

/** What a deployment record says. Status 0 (Pending) is running, not "unknown" (vscode-azuretools#2211). */
export function interpretDeployment(d: DeploymentRecord): DeploymentVerdict {
  const status = d.status;
  const detail = d.status_text ? `: ${d.status_text}` : '';
  if (status === DEPLOY_STATUS.failed) return { state: 'failed', text: `the deployment failed${detail}` };
  if (d.is_temp === true && d.complete === true) return { state: 'failed', text: `the deployment ended without a result (temporary record)${detail}` };
  if (status === DEPLOY_STATUS.conflict) return { state: 'conflict', text: 'the deployment was cancelled because another deployment is in progress' };
  if (status === DEPLOY_STATUS.cancelled) return { state: 'cancelled', text: `the deployment was cancelled${detail}` };
  if (status === DEPLOY_STATUS.success && d.complete !== false) return { state: 'succeeded', text: `the deployment succeeded${detail}` };
  if (status === DEPLOY_STATUS.partialSuccess && d.complete !== false) return { state: 'partial', text: `the deployment partly succeeded${detail}` };
  const phase = status === DEPLOY_STATUS.building ? 'building' : status === DEPLOY_STATUS.deploying ? 'deploying' : 'pending';
  return { state: 'running', text: `${phase}${detail}` };
}

export interface DeploymentLogEntry { log_time?: string; id?: string; message?: string; type?: number; details_url?: string | null }

/**
 * How long a 429 or 503 asks to wait: `Retry-After` in seconds or as an HTTP date, or the `retry-after-ms` headers
 * ARM sends. Undefined when it does not say; capped so a bad header cannot stall a deploy.
 */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now(), capMs = 60_000): number | undefined {
  const one = (k: string) => { const v = headers[k]; return Array.isArray(v) ? v[0] : v; };
  for (const k of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(one(k));
    if (one(k) !== undefined && Number.isFinite(ms) && ms >= 0) return Math.min(ms, capMs);
  }
  const ra = one('retry-after');
  if (ra === undefined) return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, capMs);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.min(Math.max(0, date - now), capMs) : undefined;
}

/** "3 min ago" style age of an ISO time, for tree rows. */
export function ago(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
