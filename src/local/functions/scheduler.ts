import { nextOccurrence, type NcrontabSchedule } from '../../core/ncrontab';

export interface Tick {
  /** When the tick was due. */
  scheduled: Date;
  /** How late the timer fired (ms). */
  lateMs: number;
  /** The previous tick, for the Timer object's scheduleStatus.last. */
  last?: Date;
  /** The tick after this one. */
  next?: Date;
}

/** Longest single wait: setTimeout cannot wait more than ~24.8 days; the wait is re-armed past that. */
const MAX_WAIT = 2 ** 31 - 1;

/**
 * Fires `onTick` at each NCRONTAB occurrence (UTC). Each wait is computed from the wall clock to the next due
 * time, so lateness never adds up. `onTick` decides what a tick means (the runner skips and counts one that comes
 * while a run is still going); ticks missed while the process was busy past the next one are not replayed.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private due: Date | undefined;
  private last: Date | undefined;
  private stopped = false;

  constructor(private readonly schedule: NcrontabSchedule, private readonly onTick: (tick: Tick) => void, private readonly now: () => number = Date.now) {}

  get nextDue(): Date | undefined { return this.stopped ? undefined : this.due; }

  start(): void {
    this.stopped = false;
    this.arm(nextOccurrence(this.schedule, new Date(this.now())));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.due = undefined;
  }

  private arm(due: Date | undefined): void {
    this.due = due;
    if (!due || this.stopped) return;
    const wait = due.getTime() - this.now();
    this.timer = setTimeout(() => {
      const now = this.now();
      if (now < due.getTime()) {
        // Fired early (timers may) or re-armed after a long wait: wait for the rest.
        this.arm(due);
        return;
      }
      const next = nextOccurrence(this.schedule, new Date(now));
      const tick: Tick = { scheduled: due, lateMs: now - due.getTime(), last: this.last, next };
      this.last = due;
      this.arm(next);
      this.onTick(tick);
    }, Math.max(0, Math.min(wait, MAX_WAIT)));
    // The pipeline's own servers keep the process alive; a schedule alone must not.
    this.timer.unref();
  }
}
