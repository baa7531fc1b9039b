// What the alert runner must not lose across a restart, in the data folder: each rule's evaluator state (last
// values, a pending "stays for", the window already evaluated) and the outbox of firings not yet recorded or
// delivered. The state and the firings it produced are written together, before any email is sent, so a restart
// neither forgets a firing nor evaluates the same window again (which would send it twice). One file,
// alerts/rules.jsonl, with a line per rule holding the rule's state and its own outbox entries, rewritten whole by
// each flush; the runner flushes once per cycle, not per evaluation (when every evaluation flushed one file for
// every rule, a cycle of 100 rules over 1,000 objects cost over a second). An evaluation stages its rule: its line
// is serialized after that turn of the event loop, while the runner's next query runs, and kept until the rule
// changes, so the flush before an email mostly joins lines already made and writes them.
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
  /** alerts/rules.jsonl: one line per rule, each a RuleFile. */
  private readonly lines: string;
  private readonly dirty = new Set<string>();
  /** Bumped by every save: a serialized line is used only if nothing changed after it was made. */
  private readonly versions = new Map<string, number>();
  /** Each rule's line as last serialized, with the version it was made from. */
  private readonly serialized = new Map<string, { version: number; line: string }>();
  private seq = 0;
  private flushing: Promise<void> = Promise.resolve();

  /**
   * `file`: alerts/state.json, the single file of the first version. Read once, as are the files per rule
   * (alerts/rules/) of the version after it; both are replaced by alerts/rules.jsonl.
   */
  constructor(private readonly file: string, private readonly log: (m: string) => void) {
    this.dir = path.dirname(file);
    this.lines = path.join(this.dir, 'rules.jsonl');
    const perRule = path.join(this.dir, 'rules');
    fs.mkdirSync(this.dir, { recursive: true });
    // Written by a process that stopped before its rename: never part of the state.
    for (const f of fs.readdirSync(this.dir)) if (f.startsWith('rules.jsonl.') && f.endsWith('.tmp')) fs.rmSync(path.join(this.dir, f), { force: true });
    const data: StoreData = { version: 1, rules: {}, outbox: [] };
    this.data = data;
    if (fs.existsSync(this.lines)) {
      this.readLines();
      // Left by a move to rules.jsonl that stopped after its rename: rules.jsonl already holds what they held.
      if (fs.existsSync(file)) fs.rmSync(file);
      removeMoved(perRule);
      return;
    }
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
      for (const r of Object.values(legacy.rules)) {
        withFiredPairs(r);
        // That version kept each object's last value as an object of its own.
        if (r.state) r.state = unnestState(r.state);
      }
      data.rules = legacy.rules;
      data.outbox = legacy.outbox;
    } else if (fs.existsSync(perRule)) {
      for (const f of fs.readdirSync(perRule).filter((x) => x.endsWith('.json')).sort()) {
        const at = path.join(perRule, f);
        try {
          this.take(JSON.parse(fs.readFileSync(at, 'utf8')) as RuleFile);
        } catch (e) {
          this.aside(at, e);
        }
      }
    } else return;
    // Delivery goes in the order the firings were made, across rules as before.
    data.outbox.sort((a, b) => a.firedAt - b.firedAt);
    // The new file before the old ones go: a crash in between reads the old ones again next time.
    this.writeSync();
    if (legacy) fs.rmSync(file);
    removeMoved(perRule);
  }

  /** rules.jsonl: a line that cannot be read is kept aside in a file of its own, and its rule starts empty. */
  private readLines(): void {
    const bad: string[] = [];
    let why = '';
    for (const line of fs.readFileSync(this.lines, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        this.take(JSON.parse(line) as RuleFile);
      } catch (e) {
        bad.push(line);
        why ||= e instanceof Error ? e.message : String(e);
      }
    }
    this.data.outbox.sort((a, b) => a.firedAt - b.firedAt);
    if (!bad.length) return;
    const aside = `${this.lines}.unreadable-${Date.now()}`;
    fs.writeFileSync(aside, `${bad.join('\n')}\n`);
    this.log(`alerts: ${bad.length} line(s) of ${this.lines} could not be read (${why}); moved to ${aside}, starting with empty state for ${bad.length === 1 ? 'that rule' : 'those rules'}`);
    // Written again without them, so the next start does not set them aside a second time.
    this.writeSync();
  }

  /** One rule's record and outbox entries, as a line or a file of the version before holds them; a malformed one throws. */
  private take(parsed: RuleFile): void {
    if (parsed?.version !== 1 || typeof parsed.name !== 'string' || !parsed.record || !Array.isArray(parsed.outbox)) throw new Error('unknown format');
    const { state, ...record } = parsed.record;
    this.data.rules[parsed.name] = withFiredPairs(state ? { ...record, state: isPacked(state) ? unpackState(state) : unnestState(state) } : record);
    // A loop, not push(...): a rule's backlog can hold more entries than a call takes arguments (~120,000), and
    // the RangeError set the whole rule aside, its state and undelivered firings with it.
    for (const entry of parsed.outbox) this.data.outbox.push(entry);
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
   * Marks one rule (its record and its outbox entries) as changed, or with no name every rule. Nothing is written
   * until flush(): an evaluation costs no disk write, and what must be durable is made so in one group.
   */
  save(name?: string): void {
    for (const n of name === undefined ? this.names() : [name]) {
      this.dirty.add(n);
      this.versions.set(n, (this.versions.get(n) ?? 0) + 1);
    }
  }

  /**
   * save(), and the rule's line serialized after the current turn of the event loop (in a cycle the runner has
   * sent its next query by then, so the serializing overlaps the engine's work). flush() uses it if the rule did
   * not change again meanwhile.
   */
  stage(name: string): void {
    this.save(name);
    const version = this.versions.get(name)!;
    setImmediate(() => {
      // Changed again before its turn: a later stage or the flush serializes it.
      if (this.versions.get(name) === version) this.lineOf(name);
    });
  }

  /** True while some change is not on disk yet. */
  get pending(): boolean { return this.dirty.size > 0; }

  /**
   * Makes every change durable: all rules' lines (those serialized since their last change reused) written to a
   * temporary file, flushed, renamed over rules.jsonl, then the folder flushed. One file, not one per rule: with
   * a file per rule, a cycle of 100 rules created, flushed and renamed 100 files, and the runner's CPU for a cycle
   * of bench:alerts (answers given) was 170–199 ms against 125–184 ms with one file (five runs each, in turns). The runner
   * calls it before anything leaves the process (an EventlineAlerts row, an email), on a timer, and at stop: a
   * crash before a flush loses only evaluations whose effects never left, and those windows are evaluated again
   * from the last flushed state. Flushes run one after another; the file I/O is off the event loop.
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
    try {
      // Serialized before any await: a change made while this flush waits is the next flush's.
      const body = this.body();
      const tmp = `${this.lines}.${++this.seq}.tmp`;
      try {
        await writeDurably(tmp, body);
        await fsp.rename(tmp, this.lines);
      } catch (e) {
        await fsp.rm(tmp, { force: true }).catch(() => undefined);
        throw e;
      }
      const dir = await fsp.open(this.dir, 'r');
      try { await dir.sync(); } finally { await dir.close(); }
    } catch (e) {
      // Still to be written: the next flush tries again, and nothing leaves the process before one succeeds.
      for (const n of names) this.dirty.add(n);
      throw e;
    }
  }

  /** Every rule's line, in one string. */
  private body(): string {
    let out = '';
    for (const name of this.names()) out += `${this.lineOf(name)}\n`;
    return out;
  }

  /** The rule's line, serialized again only if it changed since. */
  private lineOf(name: string): string {
    const version = this.versions.get(name) ?? 0;
    const made = this.serialized.get(name);
    if (made && made.version === version) return made.line;
    const record = this.rule(name);
    const file: RuleFile = { version: 1, name, record: record.state ? { ...record, state: packState(record.state) } : record, outbox: this.data.outbox.filter((e) => e.rule === name) };
    const line = JSON.stringify(file);
    this.serialized.set(name, { version, line });
    return line;
  }

  /** The constructor's one write (the files of earlier versions moved to rules.jsonl), before anything runs. */
  private writeSync(): void {
    const tmp = `${this.lines}.${++this.seq}.tmp`;
    fs.writeFileSync(tmp, this.body());
    const fd = fs.openSync(tmp, 'r+');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fs.renameSync(tmp, this.lines);
    const dir = fs.openSync(this.dir, 'r');
    try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
  }

  private names(): Set<string> {
    return new Set([...Object.keys(this.data.rules), ...this.data.outbox.map((e) => e.rule)]);
  }
}


/** The files per rule of the previous version, once rules.jsonl holds them; a file set aside stays for a person to look at. */
function removeMoved(perRule: string): void {
  if (!fs.existsSync(perRule)) return;
  for (const f of fs.readdirSync(perRule)) if (f.endsWith('.json') || f.endsWith('.tmp')) fs.rmSync(path.join(perRule, f), { force: true });
}

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
