// What the alert runner must not lose across a restart, in the data folder: each rule's evaluator state (last
// values, a pending "stays for", the window already evaluated) and the outbox of firings not yet recorded or
// delivered. The state and the firings it produced are written together, before any email is sent, so a restart
// neither forgets a firing nor evaluates the same window again (which would send it twice). One file per rule
// (alerts/rules/), holding the rule's state and its own outbox entries: an evaluation writes its rule's file only.
// With one file for every rule, each evaluation of each rule rewrote and flushed every rule's state (15 MB and over
// a second for 100 rules over 1,000 objects), so a cycle cost rules² of it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmailContent, OutgoingEmail } from '../../core/alerts/email';
import type { RuleState } from '../../core/alerts/evaluate';
import type { Scalar } from '../../core/alerts/rule';

export interface RuleRecord {
  state?: RuleState;
  /** Wall-clock ms. */
  lastEvaluated?: number;
  lastFired?: number;
  /**
   * The firings of the last 24 hours as [wall-clock ms of the evaluation, firings in it]: a rule that fires for many
   * objects every minute keeps one pair a minute, not one number per firing (which grew to 80,000 a day and was
   * rewritten every cycle). Files of earlier versions hold one number per firing; the store reads both.
   */
  fired: [number, number][];
  /** Objects that fired in the last evaluation. */
  lastFiringObjects: number;
}

export interface OutboxEntry {
  id: string;
  rule: string;
  object: string;
  /** Event time the rule fired at, and when it was evaluated (ms). */
  eventTime: number;
  firedAt: number;
  value: Scalar | null;
  reason: string;
  /** Laid out when it is sent; entries written by earlier versions hold the laid-out email. */
  email?: EmailContent | OutgoingEmail;
  /** Written to the EventlineAlerts table. */
  recorded: boolean;
  attempts: number;
  /** Wall-clock ms before which no delivery is tried (backoff). */
  nextAttempt: number;
  lastError?: string;
}

interface StoreData { version: 1; rules: Record<string, RuleRecord>; outbox: OutboxEntry[] }

/** One rule's file: its record and the outbox entries its evaluations made. */
interface RuleFile { version: 1; name: string; record: RuleRecord; outbox: OutboxEntry[] }

export class AlertStore {
  readonly data: StoreData;
  private readonly dir: string;
  private readonly dirty = new Set<string>();

  /** `file`: alerts/state.json, the single file of earlier versions, read once and replaced by alerts/rules/. */
  constructor(private readonly file: string, private readonly log: (m: string) => void) {
    this.dir = path.join(path.dirname(file), 'rules');
    fs.mkdirSync(this.dir, { recursive: true });
    const data: StoreData = { version: 1, rules: {}, outbox: [] };
    let legacy: StoreData | undefined;
    if (fs.existsSync(file)) {
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StoreData;
        if (parsed?.version === 1 && parsed.rules && Array.isArray(parsed.outbox)) legacy = parsed;
        else throw new Error('unknown format');
      } catch (e) {
        // Written by rename, so only a hand-edited file gets here; keep it for a person to look at.
        this.aside(file, e);
      }
    }
    if (legacy) {
      // Written out per rule before the old file goes: a crash in between reads the old file again next time.
      for (const r of Object.values(legacy.rules)) withFiredPairs(r);
      this.data = legacy;
      this.saveAll();
      fs.rmSync(file);
      return;
    }
    for (const f of fs.readdirSync(this.dir).filter((x) => x.endsWith('.json')).sort()) {
      const at = path.join(this.dir, f);
      try {
        const parsed = JSON.parse(fs.readFileSync(at, 'utf8')) as RuleFile;
        if (parsed?.version !== 1 || typeof parsed.name !== 'string' || !parsed.record || !Array.isArray(parsed.outbox)) throw new Error('unknown format');
        data.rules[parsed.name] = withFiredPairs(parsed.record);
        data.outbox.push(...parsed.outbox);
      } catch (e) {
        this.aside(at, e);
      }
    }
    // Delivery goes in the order the firings were made, across rules as before.
    data.outbox.sort((a, b) => a.firedAt - b.firedAt);
    this.data = data;
  }

  private aside(file: string, e: unknown): void {
    const aside = `${file}.unreadable-${Date.now()}`;
    fs.renameSync(file, aside);
    this.log(`alerts: ${file} could not be read (${e instanceof Error ? e.message : String(e)}); moved to ${aside}, starting with empty state${file === this.file ? '' : ' for that rule'}`);
  }

  rule(name: string): RuleRecord {
    return (this.data.rules[name] ??= { fired: [], lastFiringObjects: 0 });
  }

  /**
   * Marks one rule's file (its record and its outbox entries) as changed, or with no name every rule's. Nothing is
   * written until flush(): an evaluation costs no disk write, and what must be durable is made so in one group.
   */
  save(name?: string): void {
    if (name === undefined) { for (const n of this.names()) this.dirty.add(n); return; }
    this.dirty.add(name);
  }

  /** True while some change is not on disk yet. */
  get pending(): boolean { return this.dirty.size > 0; }

  /**
   * Writes every changed rule's file durably: temporary files written and flushed, then renamed over the old ones,
   * then the folder flushed. One group per call, so N rules cost about one disk flush, not N (fsync is 20–40 ms on
   * this machine's disk). The runner calls it before anything leaves the process (an EventlineAlerts row, an
   * email), on a timer, and at stop: a crash before a flush loses only evaluations whose effects never left, and
   * those windows are evaluated again from the last flushed state.
   */
  flush(): void {
    if (!this.dirty.size) return;
    const names = [...this.dirty];
    this.dirty.clear();
    try {
      this.write(names);
    } catch (e) {
      // Still to be written: the next flush tries again, and nothing leaves the process before one succeeds.
      for (const n of names) this.dirty.add(n);
      throw e;
    }
  }

  private write(names: string[]): void {
    const written: { tmp: string; file: string }[] = [];
    for (const name of names) {
      const body: RuleFile = { version: 1, name, record: this.rule(name), outbox: this.data.outbox.filter((e) => e.rule === name) };
      const file = path.join(this.dir, fileName(name));
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(body));
      written.push({ tmp, file });
    }
    for (const { tmp } of written) {
      const fd = fs.openSync(tmp, 'r+');
      try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    }
    for (const { tmp, file } of written) fs.renameSync(tmp, file);
    const dir = fs.openSync(this.dir, 'r');
    try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
  }

  private names(): Set<string> {
    return new Set([...Object.keys(this.data.rules), ...this.data.outbox.map((e) => e.rule)]);
  }

  private saveAll(): void {
    this.save();
    this.flush();
  }
}

/** How many times the rule fired since `since` (wall-clock ms). */
export function firingsSince(record: RuleRecord, since: number): number {
  let n = 0;
  for (const [t, count] of record.fired) if (t > since) n += count;
  return n;
}

/** Counts `count` firings at `now` and forgets those older than `dropBefore`. */
export function noteFirings(record: RuleRecord, now: number, count: number, dropBefore: number): void {
  record.fired = record.fired.filter(([t]) => t > dropBefore);
  if (count) countAt(record.fired, now, count);
}

/** Adds `count` to the last pair when it is for `at`, else a pair of its own (times only grow). */
function countAt(pairs: [number, number][], at: number, count: number): void {
  const last = pairs.at(-1);
  if (last?.[0] === at) last[1] += count;
  else pairs.push([at, count]);
}

/** A record as earlier versions wrote it (one number per firing) with its firings counted per evaluation. */
function withFiredPairs(record: RuleRecord): RuleRecord {
  const fired = record.fired as unknown[];
  if (!Array.isArray(fired)) { record.fired = []; return record; }
  if (fired.every((x) => Array.isArray(x))) return record;
  const pairs: [number, number][] = [];
  for (const t of fired) if (typeof t === 'number') countAt(pairs, t, 1);
  record.fired = pairs;
  return record;
}

/** A rule's file name: readable, and distinct for names that differ only in case or in characters a path can't hold. */
function fileName(name: string): string {
  const readable = name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
  return `${readable}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}.json`;
}
