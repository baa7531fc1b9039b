// How one alert rule shows in the tree: its state from the local runner (or from the manifest alone when the
// runner cannot say), in a description, a tooltip and an icon. Pure, so every state is unit-tested.
import type { Alert } from '../manifest';
import type { AlertInfo } from '../../protocol/controlApi';

/**
 * Where the live state comes from: the local runner's info; `notRunning` (local profile, pipeline stopped);
 * `unknown` (the running pipeline was started before this rule existed); `cloud` (state lives in Fabric).
 */
export type AlertLive = { kind: 'local'; info: AlertInfo } | { kind: 'notRunning' } | { kind: 'unknown' } | { kind: 'cloud' };

export interface AlertRowView {
  description: string;
  tooltip: string;
  icon: string;
  /** A theme color id for the icon. */
  color?: string;
  contextValue: 'alert' | 'alert.muted';
}

export function ago(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function alertRowView(alert: Alert, live: AlertLive, now = Date.now(), problem?: string): AlertRowView {
  const every = alert.source?.every ?? alert.every ?? (alert.source ? '1m' : '5m');
  const muted = alert.muted === true;
  const disabled = alert.enabled === false;
  const contextValue = muted || disabled ? 'alert.muted' : 'alert';
  const flag = disabled ? 'disabled' : muted ? 'muted' : undefined;
  const lines = [`${alert.name} — every ${every}`];
  if (problem) {
    return { description: `error: ${problem}`, tooltip: [...lines, problem, 'Fix it in eventline.json or with Edit.'].join('\n'), icon: 'error', color: 'errorForeground', contextValue };
  }
  if (live.kind !== 'local') {
    const why = live.kind === 'notRunning' ? 'local pipeline not running'
      : live.kind === 'unknown' ? 'not in the running local pipeline: save eventline.json, or restart the pipeline on this workspace'
        : undefined;
    const description = [flag, `every ${every}`, why].filter(Boolean).join(' · ');
    if (live.kind === 'notRunning') lines.push('Start the local pipeline (Eventline: Start Local Pipeline) to see its state and run it.');
    if (live.kind === 'unknown') lines.push('The local pipeline re-reads its eventline.json when it is saved; this rule is not in it: the file has unsaved changes, or the pipeline was started with another eventline.json (stop and start it on this workspace).');
    return { description, tooltip: [...lines, ...(flag ? [`This rule is ${flag} in eventline.json.`] : [])].join('\n'), icon: flag ? 'bell-slash' : 'bell', contextValue };
  }
  const info = live.info;
  const facts = [
    info.lastEvaluated ? `last evaluated ${ago(info.lastEvaluated, now)}` : 'not evaluated yet',
    ...(info.lastFired ? [`last fired ${ago(info.lastFired, now)}`] : []),
    `${info.firings24h} in 24 h`,
  ];
  lines.push(
    `State: ${info.state}${info.state === 'firing' ? ` for ${plural(info.firingObjects, 'object')}` : ''}${info.pendingObjects ? ` (${plural(info.pendingObjects, 'object')} pending "stays for")` : ''}`,
    `Last evaluated: ${info.lastEvaluated ?? 'never'}`, `Last fired: ${info.lastFired ?? 'never'}`, `Firings in 24 h: ${info.firings24h}`,
    ...(info.suppressed ? [`Held back by the cooldown: ${info.suppressed}`] : []),
  );
  // The runner reads the rules when it starts: a flag changed in eventline.json since then applies after a restart.
  const stale = (info.muted !== muted || info.enabled !== !disabled);
  if (stale) lines.push(`eventline.json now says ${flag ?? 'enabled and not muted'}; the running local pipeline applies it after a restart.`);
  if (flag) return { description: [flag, ...facts].join(' · '), tooltip: lines.join('\n'), icon: disabled ? 'circle-slash' : 'bell-slash', contextValue };
  switch (info.state) {
    case 'error':
      return { description: `error: ${info.error?.message ?? 'unknown'}`, tooltip: [...lines, `Error since ${info.error?.since ?? '?'}: ${info.error?.message ?? 'unknown'}`].join('\n'), icon: 'error', color: 'errorForeground', contextValue };
    case 'firing':
      return { description: [`firing for ${plural(info.firingObjects, 'object')}`, ...facts].join(' · '), tooltip: lines.join('\n'), icon: 'bell-dot', color: 'list.warningForeground', contextValue };
    case 'muted':
    case 'disabled':
      return { description: [info.state, ...facts].join(' · '), tooltip: lines.join('\n'), icon: info.state === 'muted' ? 'bell-slash' : 'circle-slash', contextValue };
    default:
      return { description: ['OK', ...facts].join(' · '), tooltip: lines.join('\n'), icon: 'pass', color: 'testing.iconPassed', contextValue };
  }
}
