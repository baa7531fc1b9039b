// What the alert runner must not lose across a restart, in one file of the data folder: each rule's evaluator
// state (last values, a pending "stays for", the window already evaluated) and the outbox of firings not yet
// recorded or delivered. The state and the firings it produced are written together, before any email is sent,
// so a restart neither forgets a firing nor evaluates the same window again (which would send it twice).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RuleState } from '../../core/alerts/evaluate';
import type { Scalar } from '../../core/alerts/rule';

export interface RuleRecord {
  state?: RuleState;
  /** Wall-clock ms. */
  lastEvaluated?: number;
  lastFired?: number;
  /** Wall-clock ms of the firings in the last 24 hours. */
  fired: number[];
  /** Objects that fired in the last evaluation. */
  lastFiringObjects: number;
}

export interface OutgoingEmail { to: string[]; cc: string[]; subject: string; text: string; html: string }

export interface OutboxEntry {
  id: string;
  rule: string;
  object: string;
  /** Event time the rule fired at, and when it was evaluated (ms). */
  eventTime: number;
  firedAt: number;
  value: Scalar | null;
  reason: string;
  email?: OutgoingEmail;
  /** Written to the EventlineAlerts table. */
  recorded: boolean;
  attempts: number;
  /** Wall-clock ms before which no delivery is tried (backoff). */
  nextAttempt: number;
  lastError?: string;
}

interface StoreData { version: 1; rules: Record<string, RuleRecord>; outbox: OutboxEntry[] }

export class AlertStore {
  readonly data: StoreData;

  constructor(private readonly file: string, log: (m: string) => void) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let data: StoreData = { version: 1, rules: {}, outbox: [] };
    if (fs.existsSync(file)) {
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StoreData;
        if (parsed?.version === 1 && parsed.rules && Array.isArray(parsed.outbox)) data = parsed;
        else throw new Error('unknown format');
      } catch (e) {
        // Written by rename, so only a hand-edited file gets here; keep it for a person to look at.
        const aside = `${file}.unreadable-${Date.now()}`;
        fs.renameSync(file, aside);
        log(`alerts: ${file} could not be read (${e instanceof Error ? e.message : String(e)}); moved to ${aside}, starting with empty state`);
      }
    }
    this.data = data;
  }

  rule(name: string): RuleRecord {
    return (this.data.rules[name] ??= { fired: [], lastFiringObjects: 0 });
  }

  /** Writes the whole file: a temporary file, flushed, renamed over the old one. */
  save(): void {
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(this.data));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}
