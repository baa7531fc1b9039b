// The manifest's alert rules with their live state from the local pipeline's alert runner, Evaluate Now, and the
// mail its SMTP server received, through the typed control API. vscode-free; the tree and the commands use it.
import { normalizeAlerts } from '../core/alerts/rule';
import type { AlertLive } from '../core/alerts/alertStatus';
import type { Alert } from '../core/manifest';
import { ServiceError } from '../core/errors';
import { ALERT_PATHS, type AlertEvaluation, type AlertList, type MailList } from '../protocol/controlApi';
import { requireSnapshot, type ModelHost } from './host';
import { LocalControlClient } from './localControl';
import type { AlertRef } from './refs';

export interface AlertRow { ref: AlertRef; alert: Alert; live: AlertLive; problem?: string }

/** Thrown when a local-only action finds no local pipeline running; the caller offers to start it. */
export class LocalNotRunningError extends Error {
  readonly localNotRunning = true;
  constructor(what: string) { super(`The local pipeline is not running: ${what} needs it. Start it with "Eventline: Start Local Pipeline".`); }
}

export function isLocalNotRunning(e: unknown): e is LocalNotRunningError {
  return (e as { localNotRunning?: unknown } | undefined)?.localNotRunning === true;
}

export class AlertsModel {
  constructor(private readonly host: ModelHost) {}

  private isLocal(): boolean { return this.host.snapshot()?.profile.kind === 'local'; }

  private control(what: string): LocalControlClient {
    const ready = this.host.localReady();
    if (!ready) throw new LocalNotRunningError(what);
    return new LocalControlClient(ready.control, this.host.timeoutMs());
  }

  /** Each rule of eventline.json with what the local runner says about it (local profile, pipeline running). */
  async rows(signal?: AbortSignal): Promise<AlertRow[]> {
    const s = requireSnapshot(this.host, 'the alerts');
    const alerts = s.manifest.alerts ?? [];
    const { problems } = normalizeAlerts(alerts);
    const problemOf = (i: number) => problems.find((p) => p.path[1] === i)?.message.replace(/^Alert "[^"]*": /, '');
    let list: AlertList | undefined;
    if (this.isLocal() && this.host.localReady()) {
      const client = this.control('the alerts\' state');
      list = await client.json<AlertList>(ALERT_PATHS.alerts, {}, signal);
      // The runner re-reads eventline.json within a second of a save; a rule saved a moment ago is asked for now.
      if (alerts.some((a) => !list!.alerts.some((x) => x.name === a.name))) list = await client.json<AlertList>(ALERT_PATHS.alertsReload, { method: 'POST' }, signal);
    }
    return alerts.map((alert, i) => {
      let live: AlertLive;
      if (!this.isLocal()) live = { kind: 'cloud' };
      else if (!list) live = { kind: 'notRunning' };
      else {
        const info = list.alerts.find((x) => x.name === alert.name);
        live = info ? { kind: 'local', info } : { kind: 'unknown' };
      }
      return { ref: { kind: 'alert', name: alert.name }, alert, live, problem: problemOf(i) };
    });
  }

  /** Evaluates the rule now in the local pipeline (the runner sends what fires at once). */
  async evaluate(name: string, signal?: AbortSignal): Promise<AlertEvaluation> {
    if (!this.isLocal()) throw new Error(`Evaluate Now runs "${name}" in the local pipeline. Pick the local profile (Eventline: Select Profile) first.`);
    const client = this.control(`evaluating "${name}"`);
    const evaluate = () => client.json<AlertEvaluation>(ALERT_PATHS.alertEvaluate(name), { method: 'POST' }, signal, 0);
    try {
      return await evaluate();
    } catch (e) {
      if (!(e instanceof ServiceError && e.status === 404)) throw e;
    }
    // Saved a moment ago: the runner has not re-read eventline.json yet.
    await client.json<AlertList>(ALERT_PATHS.alertsReload, { method: 'POST' }, signal);
    try {
      return await evaluate();
    } catch (e) {
      if (e instanceof ServiceError && e.status === 404) {
        throw new Error(`The running local pipeline does not have the alert "${name}": it runs another eventline.json, or this one has unsaved changes. Save it, or stop and start the local pipeline on this workspace.`);
      }
      throw e;
    }
  }

  /** What the local SMTP server received, newest first. */
  mail(signal?: AbortSignal): Promise<MailList> {
    return this.control('the mailbox').json<MailList>(ALERT_PATHS.mail, {}, signal);
  }
}
