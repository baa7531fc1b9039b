// What ran: the queries and management commands the REST layer answered (and those still running), and the
// operations an `async` command started, for `.show queries`, `.show commands` and `.show operations`.
import { randomUUID } from 'node:crypto';

export interface Activity {
  kind: 'Query' | 'Command';
  /** The command's verb (`TableCreate`-like names are the service's; here the command's first words). */
  commandType: string;
  clientActivityId: string;
  text: string;
  database: string;
  startedOn: Date;
  lastUpdatedOn: Date;
  state: 'InProgress' | 'Completed' | 'Failed' | 'Cancelled';
  failureReason: string;
  rootActivityId: string;
  user: string;
  application: string;
  properties: unknown;
}

export interface Operation { id: string; operation: string; startedOn: Date; lastUpdatedOn: Date; state: 'Completed' | 'Failed'; status: string; database: string }

/**
 * How many finished queries and commands are kept, and at most how many characters of their text in all (the
 * service keeps 30 days; this is one process's memory, and .ingest inline texts carry their data).
 */
const KEEP = 1000;
const KEEP_CHARS = 8 * 1024 * 1024;

export class ActivityLog {
  private readonly done: Activity[] = [];
  private chars = 0;
  private readonly running = new Set<Activity>();
  private readonly ops: Operation[] = [];

  start(a: Omit<Activity, 'startedOn' | 'lastUpdatedOn' | 'state' | 'failureReason' | 'rootActivityId'>): Activity {
    const now = new Date();
    const entry: Activity = { ...a, text: a.text.slice(0, 65536), startedOn: now, lastUpdatedOn: now, state: 'InProgress', failureReason: '', rootActivityId: randomUUID() };
    this.running.add(entry);
    return entry;
  }

  finish(a: Activity, error?: { cancelled: boolean; message: string }): void {
    a.lastUpdatedOn = new Date();
    a.state = error ? (error.cancelled ? 'Cancelled' : 'Failed') : 'Completed';
    a.failureReason = error?.message ?? '';
    this.running.delete(a);
    this.done.push(a);
    this.chars += a.text.length;
    while (this.done.length > KEEP || this.chars > KEEP_CHARS) this.chars -= this.done.shift()!.text.length;
  }

  /** Those that reached a final state, oldest first (as .show queries lists them), or those still running. */
  list(kind: Activity['kind'] | undefined, running = false): Activity[] {
    const all = running ? [...this.running] : this.done;
    return kind ? all.filter((a) => a.kind === kind) : [...all];
  }

  operation(op: Omit<Operation, 'id' | 'lastUpdatedOn'>): Operation {
    const entry = { ...op, id: randomUUID(), lastUpdatedOn: new Date() };
    this.ops.push(entry);
    if (this.ops.length > KEEP) this.ops.splice(0, this.ops.length - KEEP);
    return entry;
  }

  operations(): Operation[] {
    return [...this.ops];
  }
}
