// What the alert runner must not lose across a restart, in the data folder: each rule's evaluator state (last
// values, a pending "stays for", the window already evaluated) and the outbox of firings not yet recorded or
// delivered. The state and the firings it produced are written together, before any email is sent, so a restart
// neither forgets a firing nor evaluates the same window again (which would send it twice). One file per rule
// (alerts/rules/), holding the rule's state and its own outbox entries: an evaluation writes its rule's file only.
// With one file for every rule, each evaluation of each rule rewrote and flushed every rule's state (15 MB and over
// a second for 100 rules over 1,000 objects), so a cycle cost rules² of it. An evaluation stages its rule's file:
// written and flushed to a temporary file off the event loop while the runner goes on, so the flush that must come
// before an email has only renames left. The local pipeline's other servers share this event loop: in bench:alerts
// the cycle's flush blocked it for 173–305 ms (8 MB), the longest stall in a cycle is now 12–25 ms.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { EmailContent, ListedEmailContent, OutgoingEmail } from '../../core/alerts/email';
import type { RuleState } from '../../core/alerts/evaluate';
import { isPacked, packState, unnestState, unpackState, type NestedRuleState, type PackedRuleState } from '../../core/alerts/packedState';
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
  /**
   * Laid out when it is sent. Entries written by earlier versions hold every fact listed, or the laid-out email;
   * both are sent as they are.
   */
  email?: EmailContent | ListedEmailContent | OutgoingEmail;
  /** Written to the EventlineAlerts table. */
  recorded: boolean;
  attempts: number;
  /** Wall-clock ms before which no delivery is tried (backoff). */
  nextAttempt: number;
  lastError?: string;
}

interface StoreData { version: 1; rules: Record<string, RuleRecord>; outbox: OutboxEntry[] }

/** One rule's file: its record (its state packed; files of earlier versions hold it nested) and the outbox entries its evaluations made. */
interface RuleFile { version: 1; name: string; record: Omit<RuleRecord, 'state'> & { state?: PackedRuleState | NestedRuleState }; outbox: OutboxEntry[] }

export class AlertStore {
  readonly data: StoreData;
  private readonly dir: string;
  private readonly dirty = new Set<string>();
  /** Bumped by every save: a staged file is used only if nothing changed after it was serialized. */
  private readonly versions = new Map<string, number>();
  private readonly staged = new Map<string, Staged>();
  private seq = 0;
  private flushing: Promise<void> = Promise.resolve();

  /** `file`: alerts/state.json, the single file of earlier versions, read once and replaced by alerts/rules/. */
  constructor(private readonly file: string, private readonly log: (m: string) => void) {
    this.dir = path.join(path.dirname(file), 'rules');
    fs.mkdirSync(this.dir, { recursive: true });
    // Staged by a process that stopped before its flush: never renamed, so never part of the state.
    for (const f of fs.readdirSync(this.dir)) if (f.endsWith('.tmp')) fs.rmSync(path.join(this.dir, f), { force: true });
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
      for (const r of Object.values(legacy.rules)) {
        withFiredPairs(r);
        // That version kept each object's last value as an object of its own.
        if (r.state) r.state = unnestState(r.state);
      }
      this.data = legacy;
      this.writeSync(this.names());
      fs.rmSync(file);
      return;
    }
    for (const f of fs.readdirSync(this.dir).filter((x) => x.endsWith('.json')).sort()) {
      const at = path.join(this.dir, f);
      try {
        const parsed = JSON.parse(fs.readFileSync(at, 'utf8')) as RuleFile;
        if (parsed?.version !== 1 || typeof parsed.name !== 'string' || !parsed.record || !Array.isArray(parsed.outbox)) throw new Error('unknown format');
        const { state, ...record } = parsed.record;
        data.rules[parsed.name] = withFiredPairs(state ? { ...record, state: isPacked(state) ? unpackState(state) : unnestState(state) } : record);
        // A loop, not push(...): a rule's backlog can hold more entries than a call takes arguments (~120,000), and
        // the RangeError set the whole file aside, its state and undelivered firings with it.
        for (const entry of parsed.outbox) data.outbox.push(entry);
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
    for (const n of name === undefined ? this.names() : [name]) {
      this.dirty.add(n);
      this.versions.set(n, (this.versions.get(n) ?? 0) + 1);
    }
  }

  /**
   * save(), and the rule's file written to a temporary file and flushed to disk in the background, starting after
   * the current turn of the event loop (in a cycle the runner has sent its next query by then, so the serializing
   * can overlap the engine's work). flush() renames it into place if the rule did not change again meanwhile.
   */
  stage(name: string): void {
    this.save(name);
    const version = this.versions.get(name)!;
    const tmp = this.tmpFor(name);
    this.discard(this.staged.get(name));
    const written = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      // Changed again before its turn: a later stage or the flush writes it.
      if (this.versions.get(name) !== version) return false;
      await writeDurably(tmp, this.body(name));
      return true;
    }).catch(() => false);
    this.staged.set(name, { version, tmp, written });
  }

  /** True while some change is not on disk yet. */
  get pending(): boolean { return this.dirty.size > 0; }

  /**
   * Makes every changed rule's file durable: staged files that are still current are waited for, the others
   * written and flushed now, then all renamed over the old ones, then the folder flushed. One group per call, so
   * N rules cost about one disk flush, not N (fsync is 20–40 ms on this machine's disk). The runner calls it before
   * anything leaves the process (an EventlineAlerts row, an email), on a timer, and at stop: a crash before a
   * flush loses only evaluations whose effects never left, and those windows are evaluated again from the last
   * flushed state. Flushes run one after another; the file I/O is off the event loop.
   */
  flush(): Promise<void> {
    const run = () => this.flushNow();
    const p = this.flushing.then(run, run);
    this.flushing = p.catch(() => undefined);
    return p;
  }

  private async flushNow(): Promise<void> {
    if (!this.dirty.size) return;
    const names = [...this.dirty];
    this.dirty.clear();
    // Decided before any await: a stage made while this flush waits neither deletes nor reuses these files.
    const plans = names.map((name) => {
      const staged = this.staged.get(name);
      this.staged.delete(name);
      if (staged && staged.version === this.versions.get(name)) return { name, staged };
      this.discard(staged);
      return { name, body: this.body(name) };
    });
    try {
      const files = await Promise.all(plans.map(async (plan) => {
        const file = path.join(this.dir, fileName(plan.name));
        if (plan.staged && await plan.staged.written) return { tmp: plan.staged.tmp, file };
        // Written now: not staged, changed since, or its background write failed (this one says why if it fails too).
        const tmp = this.tmpFor(plan.name);
        await writeDurably(tmp, plan.body ?? this.body(plan.name));
        return { tmp, file };
      }));
      // Together: one after another, a hundred renames were a hundred turns of the thread pool (bench:alerts' flush:
      // 17–29 → 12–13 ms). All settled before a failure is thrown, so none lands after the next flush's rename.
      const renamed = await Promise.allSettled(files.map(({ tmp, file }) => fsp.rename(tmp, file)));
      for (const r of renamed) if (r.status === 'rejected') throw r.reason;
      const dir = await fsp.open(this.dir, 'r');
      try { await dir.sync(); } finally { await dir.close(); }
    } catch (e) {
      // Still to be written: the next flush tries again, and nothing leaves the process before one succeeds.
      for (const n of names) this.dirty.add(n);
      throw e;
    }
  }

  private body(name: string): string {
    const record = this.rule(name);
    const file: RuleFile = { version: 1, name, record: record.state ? { ...record, state: packState(record.state) } : record, outbox: this.data.outbox.filter((e) => e.rule === name) };
    return JSON.stringify(file);
  }

  private tmpFor(name: string): string {
    return path.join(this.dir, `${fileName(name)}.${++this.seq}.tmp`);
  }

  /** A staged file no flush will rename: removed once its write is over. */
  private discard(staged: Staged | undefined): void {
    if (staged) void staged.written.then(() => fsp.rm(staged.tmp, { force: true })).catch(() => undefined);
  }

  /** The constructor's one write (the single file of earlier versions split per rule), before anything runs. */
  private writeSync(names: Iterable<string>): void {
    const written: { tmp: string; file: string }[] = [];
    for (const name of names) {
      const file = path.join(this.dir, fileName(name));
      const tmp = this.tmpFor(name);
      fs.writeFileSync(tmp, this.body(name));
      const fd = fs.openSync(tmp, 'r+');
      try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
      written.push({ tmp, file });
    }
    for (const { tmp, file } of written) fs.renameSync(tmp, file);
    const dir = fs.openSync(this.dir, 'r');
    try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
  }

  private names(): Set<string> {
    return new Set([...Object.keys(this.data.rules), ...this.data.outbox.map((e) => e.rule)]);
  }
}

interface Staged { version: number; tmp: string; written: Promise<boolean> }

async function writeDurably(file: string, body: string): Promise<void> {
  const handle = await fsp.open(file, 'w');
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
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
