// The alert runner: evaluates each enabled rule on its interval against the local Eventhouse with the same
// evaluator the dry run uses, and sends what fires through SMTP. Firings go to an outbox first (persisted with the
// rule's state), are written to the EventlineAlerts table, then mailed; a failed send is retried with backoff and
// stays in the outbox until it is delivered.
import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import { AlertEvalError, evaluateRule, seriesFromRows, type Firing } from '../../core/alerts/evaluate';
import { emailContent, renderEmail, type OutgoingEmail } from '../../core/alerts/email';
import { formatDuration, type AlertRule } from '../../core/alerts/rule';
import { inQueryLines } from '../../core/alerts/alertDraft';
import type { Engine, QueryResult } from '../eventhouse/engine';
import { runCommand } from '../eventhouse/mgmt';
import type { AlertInfo, AlertOutboxStatus } from '../../protocol/controlApi';
import type { MailRoute } from './mail';
import { firingsSince, noteFirings, type AlertStore, type OutboxEntry } from './store';

export const ALERTS_TABLE = 'EventlineAlerts';
const DAY = 86_400_000;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** EventlineAlerts rows per ingestion when a drain records its firings (a backlog after an outage can hold far more). */
const RECORD_BATCH = 5_000;
/** How often evaluations that fired nothing reach the disk (those that fired are flushed before their delivery). */
const FLUSH_EVERY_MS = 5_000;
/**
 * Rules due within this much of a cycle's start join it. Rules that start or are saved together have the same
 * schedule, so they meet in one cycle anyway; this also gathers those a few milliseconds apart.
 */
const CYCLE_GATHER_MS = 250;

export interface RunnerDeps {
  engine: Engine;
  database: string;
  /** Where email goes: the local SMTP server or the local profile's relay (mail.ts). */
  mail: MailRoute;
  store: AlertStore;
  log(message: string): void;
  /** The wall clock evaluation windows end at (Date.now(); a benchmark sets the moment its data is at). */
  now?: () => number;
}

/** A rule's query sent before its turn (the cycle's next rule), with the window it was sent for. */
interface Ahead { start: number; end: number; answer: Promise<QueryResult> }

/** A config entry that cannot run as written, listed with its problem. */
export interface BrokenRule { name: string; message: string }

interface Live {
  error?: { message: string; since: string };
  suppressed: number;
  /** When the next scheduled evaluation is due (epoch ms); undefined while the rule is disabled. */
  due?: number;
  chain: Promise<unknown>;
  /** Bumped when a reload changes or removes the rule: an evaluation already running then leaves the schedule alone. */
  generation: number;
}

export class AlertRunner {
  private readonly live = new Map<string, Live>();
  private transport: Transporter | undefined;
  private mail: MailRoute;
  /** The route the open transport was made for (a reload may change the route while a send sets one up). */
  private transportRoute: MailRoute | undefined;
  private draining: Promise<void> | undefined;
  /** The one drain that follows the running one, shared by every evaluation that fired meanwhile. */
  private drainAgain: Promise<void> | undefined;
  private cycleTimer: NodeJS.Timeout | undefined;
  private cycling: Promise<void> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private tableReady = false;
  private stopped = false;
  private failedAttempts = 0;
  private delivered = 0;
  /**
   * Entries the running drain delivered, by id (to their rule), still in the outbox until the drain's loop ends:
   * the status leaves them out, so a long drain shows its progress rather than the whole backlog until it is over.
   */
  private readonly settling = new Map<string, string>();

  constructor(private rulesNow: AlertRule[], private brokenNow: BrokenRule[], private readonly deps: RunnerDeps) {
    this.mail = deps.mail;
    for (const r of rulesNow) this.live.set(r.name, { suppressed: 0, chain: Promise.resolve(), generation: 0 });
  }

  get rules(): readonly AlertRule[] { return this.rulesNow; }
  get broken(): readonly BrokenRule[] { return this.brokenNow; }

  /** Schedules every enabled rule and retries what the outbox still holds from before a restart. */
  start(): void {
    const now = Date.now();
    for (const r of this.rulesNow) if (r.enabled) this.live.get(r.name)!.due = now + r.source.everyMs;
    this.arm();
    this.flushTimer = setInterval(() => { void this.flushState(); }, FLUSH_EVERY_MS);
    this.flushTimer.unref();
    if (this.deps.store.data.outbox.length) this.kick();
  }

  /**
   * Takes the config's rules as they are now (eventline.json was saved). An unchanged rule keeps its schedule; a new
   * or changed one is scheduled as at a start, one interval from now (Evaluate Now runs it at once). State stays
   * keyed by name exactly as across a restart, so an edit neither loses a pending "stays for" nor mails twice (the
   * evaluator starts afresh when what gives the state its meaning changed); an evaluation already running finishes.
   */
  reload(rules: AlertRule[], broken: BrokenRule[]): void {
    if (this.stopped) return;
    const before = new Map(this.rulesNow.map((r) => [r.name, JSON.stringify(r)]));
    for (const [name, live] of [...this.live]) {
      if (rules.some((r) => r.name === name)) continue;
      live.generation++;
      this.live.delete(name);
    }
    this.rulesNow = rules;
    this.brokenNow = broken;
    for (const r of rules) {
      let live = this.live.get(r.name);
      if (live && before.get(r.name) === JSON.stringify(r)) continue;
      if (live) {
        live.generation++;
        live.error = undefined;
        live.suppressed = 0;
      } else {
        live = { suppressed: 0, chain: Promise.resolve(), generation: 0 };
        this.live.set(r.name, live);
      }
      live.due = r.enabled ? Date.now() + r.source.everyMs : undefined;
    }
    this.arm();
  }

  /** Sends from now on where eventline.json now says (a relay added, changed or removed); the outbox is tried again. */
  setMail(route: MailRoute): void {
    if (this.stopped) return;
    this.mail = route;
    this.transport?.close();
    this.transport = undefined;
    if (this.deps.store.data.outbox.length) this.kick();
  }

  get mailRoute(): MailRoute { return this.mail; }

  find(name: string): AlertRule | undefined {
    return this.rulesNow.find((r) => r.name.toLowerCase() === name.toLowerCase());
  }

  /** One timer for every rule: it wakes at the earliest due one; a running cycle sets it again when it ends. */
  private arm(): void {
    if (this.stopped || this.cycling) return;
    clearTimeout(this.cycleTimer);
    let next = Infinity;
    for (const live of this.live.values()) if (live.due !== undefined && live.due < next) next = live.due;
    if (next === Infinity) return;
    this.cycleTimer = setTimeout(() => {
      this.cycling = this.cycle().catch((e: unknown) => this.deps.log(`alerts: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => { this.cycling = undefined; this.arm(); });
    }, Math.max(0, next - Date.now()));
  }

  /**
   * Every rule that is due, evaluated as one cycle, as Activator evaluates on a tick: one after another (the
   * engine's queries share this process), their windows ending at the same moment, then one drain. The drain's
   * flush makes the whole cycle's state and firings durable at once, where a drain per rule paid one disk flush
   * per rule that fired (bench:alerts); drains asked for while one runs share the one after it. Each rule's next
   * turn is one interval after this cycle began, so rules that met here meet again; a cycle longer than an interval
   * starts the next one at once.
   */
  private async cycle(): Promise<void> {
    const at = Date.now();
    const due = this.rulesNow.filter((r) => {
      const d = this.live.get(r.name)?.due;
      return r.enabled && d !== undefined && d <= at + CYCLE_GATHER_MS;
    });
    const generations = due.map((r) => this.live.get(r.name)!.generation);
    const fired = await this.queueCycle(due, at);
    due.forEach((r, i) => {
      const live = this.live.get(r.name);
      // A rule a reload changed meanwhile already has its new schedule.
      if (live && live.generation === generations[i]) live.due = Math.max(at + r.source.everyMs, Date.now());
    });
    // Not awaited: a relay that is slow or down delays the email, not the next cycle's evaluations.
    if (fired > 0) this.drain(true).catch((e: unknown) => this.deps.log(`alerts: ${e instanceof Error ? e.message : String(e)}`));
  }

  /**
   * The cycle up to the outbox: each rule evaluated with its window ending at `at`, its firings queued, nothing
   * delivered or flushed yet. A rule that fails is logged and the others still run; one a reload changed or
   * removed while the cycle ran is left to its new schedule. bench:alerts times this.
   */
  async queueCycle(rules: readonly AlertRule[], at: number): Promise<number> {
    const generations = rules.map((r) => this.live.get(r.name)?.generation);
    const current = (i: number) => generations[i] !== undefined && this.live.get(rules[i].name)?.generation === generations[i];
    // One query in flight at a time, as before, but the next rule's goes out as soon as an answer is in, so the
    // runner's work on that answer (evaluation, firings, the state staged) is done while the engine runs the next.
    let ahead: Ahead | undefined;
    const sendNext = (i: number) => {
      if (i < rules.length && !this.stopped && current(i)) ahead = this.sendAhead(rules[i], at);
    };
    let fired = 0;
    for (const [i, rule] of rules.entries()) {
      if (this.stopped) break;
      const mine = ahead;
      ahead = undefined;
      if (!current(i)) continue;
      try {
        fired += await this.chained(rule, (live) => this.evaluateNow(rule, live, at, mine, () => sendNext(i + 1)));
      } catch (e) {
        this.deps.log(`alerts: ${rule.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return fired;
  }

  /** Evaluates the rule over the window since its last evaluation, then delivers what fired; one evaluation of a rule at a time. */
  evaluate(rule: AlertRule): Promise<number> {
    return this.chained(rule, async (live) => {
      const fired = await this.evaluateNow(rule, live);
      if (fired > 0) await this.drain(true);
      return fired;
    });
  }

  /**
   * evaluate() up to the outbox: the query, the evaluation, the firings queued and the rule's state saved, without
   * delivering them (that waits for the next drain). This is the part whose cost grows with rules and objects;
   * bench:alerts times it.
   */
  evaluateAndQueue(rule: AlertRule): Promise<number> {
    return this.chained(rule, (live) => this.evaluateNow(rule, live));
  }

  private chained(rule: AlertRule, run: (live: Live) => Promise<number>): Promise<number> {
    const live = this.live.get(rule.name)!;
    const go = () => run(live);
    const p = live.chain.then(go, go);
    live.chain = p.catch(() => undefined);
    return p;
  }

  /** The window the rule's evaluation at `at` covers: from its watermark; none when it has been evaluated up to there. */
  private windowOf(rule: AlertRule, at?: number): { now: number; start: number; end: number } | undefined {
    const state = this.deps.store.rule(rule.name).state;
    const now = this.deps.now?.() ?? at ?? Date.now();
    const end = now - rule.source.delayMs;
    // Evaluated up to here already (an Evaluate Now while its cycle waited): nothing new, and the window never
    // moves back, which would evaluate rows twice.
    if (state?.watermark !== undefined && end <= state.watermark) return undefined;
    return { now, start: state?.watermark ?? end - rule.source.everyMs, end };
  }

  private sendAhead(rule: AlertRule, at: number): Ahead | undefined {
    const w = this.windowOf(rule, at);
    if (!w) return undefined;
    const answer = this.deps.engine.query(this.deps.database, windowed(rule.source.query, w.start, w.end), {});
    // Its evaluation takes the failure; one never used (the window moved meanwhile) must not be an unhandled rejection.
    answer.catch(() => undefined);
    return { start: w.start, end: w.end, answer };
  }

  /**
   * `ahead`: the rule's query, already sent; used if its window is still the rule's (an Evaluate Now may have moved
   * it since). `answered`: called once the answer is in, before the work on it.
   */
  private async evaluateNow(rule: AlertRule, live: Live, at?: number, ahead?: Ahead, answered?: () => void): Promise<number> {
    if (this.stopped) return 0;
    const record = this.deps.store.rule(rule.name);
    const w = this.windowOf(rule, at);
    if (!w) return 0;
    const { now, start, end } = w;
    let firings: Firing[];
    try {
      const sent = ahead && ahead.start === start && ahead.end === end ? ahead.answer
        : this.deps.engine.query(this.deps.database, windowed(rule.source.query, start, end), {});
      let result: QueryResult;
      try {
        result = await sent;
      } finally {
        if (answered) {
          answered();
          // A turn of the event loop, so the next query is on its way (the client's own steps are promises) before
          // this answer's work holds the thread.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      const series = seriesFromRows(rule, result.table.columns.map((c) => c.name), result.table.rows, start, end);
      // In place: the record takes the result, and its file is serialized from the record between evaluations.
      const out = evaluateRule(rule, record.state, series, end, true);
      firings = out.firings;
      live.suppressed += out.suppressed;
      record.state = out.state;
      live.error = undefined;
    } catch (e) {
      // The window is not advanced: once the query works again it covers what was missed.
      const message = e instanceof AlertEvalError ? e.message : queryMessage(e);
      if (live.error?.message !== message) this.deps.log(`alerts: ${rule.name}: ${message}`);
      live.error = { message, since: live.error?.message === message ? live.error.since : new Date(now).toISOString() };
      record.lastEvaluated = now;
      this.deps.store.stage(rule.name);
      return 0;
    }
    record.lastEvaluated = now;
    const counted = rule.muted ? 0 : firings.length;
    noteFirings(record, now, counted, now - DAY);
    record.lastFiringObjects = rule.muted ? 0 : new Set(firings.map((f) => f.object)).size;
    if (counted) {
      record.lastFired = now;
      for (const f of firings) {
        this.deps.store.data.outbox.push({
          id: randomUUID(), rule: rule.name, object: f.object, eventTime: f.time, firedAt: now, value: f.value, reason: f.reason,
          email: rule.email ? emailContent(rule, f) : undefined, recorded: false, attempts: 0, nextAttempt: 0,
        });
      }
      // Said where people look (the pipeline's log), so a local firing with no email is not mistaken for a lost one.
      if (rule.teams) this.deps.log(`alerts: ${rule.name}: fired for ${record.lastFiringObjects} object(s); its Teams message to ${rule.teams.to.join(', ')} is posted only by Fabric Activator once the rule is deployed, not by the local runner (recorded in ${ALERTS_TABLE})`);
    }
    this.deps.store.stage(rule.name);
    return rule.muted ? 0 : firings.length;
  }

  /** Records and sends what the outbox holds; `force` ignores the backoff (an explicit evaluation or a new firing). */
  drain(force = false): Promise<void> {
    if (this.draining) {
      if (!force) return this.draining;
      // However many evaluations fire while a drain runs, one more drain (one flush) follows it for all of them.
      const again = (): Promise<void> => { this.drainAgain = undefined; return this.drain(true); };
      return (this.drainAgain ??= this.draining.then(again, again));
    }
    this.draining = this.drainNow(force).finally(() => { this.draining = undefined; });
    return this.draining;
  }

  private kick(delay = 0): void {
    if (this.stopped) return;
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(() => { void this.drain(); }, delay);
  }

  private async drainNow(force: boolean): Promise<void> {
    const store = this.deps.store;
    // Every firing in the outbox, and the state it came from, is on disk before anything about it leaves the process:
    // a crash after this re-sends at most (with the same firing id), never fires twice from a re-evaluated window.
    // One flush for the whole drain: what the loop changes (recorded, delivered) may be lost to a crash, which only
    // repeats a row or an email with the same id.
    try {
      await store.flush();
    } catch (e) {
      this.deps.log(`alerts: could not write the alert state (${e instanceof Error ? e.message : String(e)}); nothing is sent until it can be`);
      this.kick(BACKOFF_FIRST_MS);
      return;
    }
    // Delivered entries leave the outbox together, once the loop ends or stops: removing each as it went filtered
    // the whole outbox per email, quadratic in a backlog (5,600 firings in one cycle of bench:alerts' rules).
    const delivered = this.settling;
    const settle = () => {
      if (!delivered.size) return;
      store.data.outbox = store.data.outbox.filter((e) => !delivered.has(e.id));
      // Saved again after the removal: a file staged meanwhile may still list them.
      for (const rule of new Set(delivered.values())) store.save(rule);
      delivered.clear();
    };
    // The ids whose EventlineAlerts row this drain has tried to write.
    const tried = new Set<string>();
    await this.recordDue(force, tried);
    // The entry whose send found the relay unusable (down, refusing the login, no route): the others' emails wait
    // for its retry rather than each trying, failing and logging in turn (thousands after one busy cycle).
    let relayDown: OutboxEntry | undefined;
    try {
      for (const entry of [...store.data.outbox]) {
        if (this.stopped) return;
        if (!force && entry.nextAttempt > Date.now()) continue;
        if (!entry.recorded) {
          // Its batch failed: it waits for the retry, and nothing of it leaves before its row is written.
          if (tried.has(entry.id)) continue;
          // It fired while the rows above were written: recorded now, with any other that did.
          await this.recordDue(force, tried);
          if (!entry.recorded) continue;
        }
        try {
          if (entry.email && relayDown) {
            entry.nextAttempt = Math.max(entry.nextAttempt, relayDown.nextAttempt);
            entry.lastError = relayDown.lastError;
            store.save(entry.rule);
            continue;
          }
          if (entry.email) await this.send(entry, 'html' in entry.email ? entry.email : renderEmail(entry.email, entry));
          delivered.set(entry.id, entry.rule);
          if (entry.email) this.delivered++;
        } catch (e) {
          this.failedAttempts++;
          failedAttempt(entry, e instanceof Error ? e.message : String(e));
          store.save(entry.rule);
          if (e instanceof RelayError && e.wholeRelay) relayDown = entry;
          if (entry.attempts === 1 || entry.attempts % 10 === 0) this.deps.log(`alerts: ${entry.rule}/${entry.object}: sending failed (attempt ${entry.attempts}, kept in the outbox): ${entry.lastError}`);
        }
      }
    } finally {
      settle();
    }
    await this.flushState();
    const next = earliestAttempt(store.data.outbox);
    if (next !== undefined) this.kick(Math.max(0, next - Date.now()));
  }

  /**
   * The EventlineAlerts rows of every due entry not recorded yet (and not tried in this drain), RECORD_BATCH to an
   * ingestion. One ingestion per firing was a write of its own each: a drain of 2,000 firings took 22.7–24.5 s, now
   * 0.11–0.13 s, so the 5,600 firings of a busy cycle no longer wait a minute for their first email. A batch that
   * fails is one failed attempt: its entries wait for its retry, and the log says so at the first and every tenth.
   */
  private async recordDue(force: boolean, tried: Set<string>): Promise<void> {
    const store = this.deps.store;
    const now = Date.now();
    const due = store.data.outbox.filter((e) => !e.recorded && !tried.has(e.id) && (force || e.nextAttempt <= now));
    for (const e of due) tried.add(e.id);
    for (let i = 0; i < due.length && !this.stopped; i += RECORD_BATCH) {
      const batch = due.slice(i, i + RECORD_BATCH);
      try {
        await this.record(batch);
        for (const e of batch) e.recorded = true;
      } catch (e) {
        this.failedAttempts++;
        const lastError = e instanceof Error ? e.message : String(e);
        for (const entry of batch) failedAttempt(entry, lastError);
        // As for a send: an entry's first failure and every tenth, not one line per retry for as long as the table
        // is down. A batch can mix new firings with ones already retried; any of them due a line gives one.
        const due = batch.find((entry) => entry.attempts === 1 || entry.attempts % 10 === 0);
        if (due) this.deps.log(`alerts: recording ${batch.length} firing(s) in ${ALERTS_TABLE} failed (attempt ${due.attempts}, kept in the outbox, retried with backoff): ${lastError}`);
      }
      for (const rule of new Set(batch.map((e) => e.rule))) store.save(rule);
    }
  }

  private async record(entries: readonly OutboxEntry[]): Promise<void> {
    const { engine, database } = this.deps;
    if (!this.tableReady) {
      await runCommand(engine, database, `.create-merge table ${ALERTS_TABLE} (FiredAt:datetime, EventTime:datetime, Rule:string, Object:string, Value:dynamic, Reason:string, Recipients:string, FiringId:string)`);
      this.tableReady = true;
    }
    const lines = entries.map((entry) => JSON.stringify({
      FiredAt: new Date(entry.firedAt).toISOString(), EventTime: new Date(entry.eventTime).toISOString(), Rule: entry.rule, Object: entry.object,
      Value: entry.value, Reason: entry.reason, Recipients: entry.email ? [...entry.email.to, ...entry.email.cc].join(', ') : '', FiringId: entry.id,
    }));
    await engine.ingest(database, ALERTS_TABLE, `${lines.join('\n')}\n`, 'multijson', undefined);
  }

  private async send(entry: OutboxEntry, email: OutgoingEmail): Promise<void> {
    const route = this.mail;
    // nodemailer loads with the first email: a pipeline without firing alerts does not pay for it at start.
    if (!this.transport || this.transportRoute !== route) {
      const { createTransport } = await import('nodemailer');
      this.transport?.close();
      this.transport = undefined;
      // options() reads the relay's password from the local Key Vault: a fixed secret counts from the next attempt.
      // When it throws (a relay written wrong, a missing secret) no email can go.
      try {
        // One connection for a drain's emails rather than one each, which cost a connection, TLS and login per
        // email, and the greeting's wait (smtp-server, the local one included, holds it 100 ms to catch early
        // talkers): 300 emails took 32 s, now 1.2 s. nodemailer opens a new connection after 100 messages.
        this.transport = createTransport({ ...route.options(), pool: true, maxConnections: 1 });
      } catch (e) {
        throw new RelayError(e instanceof Error ? e.message : String(e), true);
      }
      this.transportRoute = route;
    }
    try {
      await this.transport.sendMail({
        from: route.from, to: email.to, cc: email.cc.length ? email.cc : undefined, subject: email.subject, text: email.text, html: email.html,
        // The firing's id: a receiver can tell a resend (after a crash between the server's OK and our save) apart.
        messageId: `<${entry.id}@eventline.local>`,
        headers: { 'X-Eventline-Rule': entry.rule, 'X-Eventline-Object': entry.object, 'X-Eventline-Firing': entry.id },
      });
    } catch (e) {
      // A new connection (and password) for the next attempt.
      this.transport?.close();
      this.transport = undefined;
      throw new RelayError(route.explain(e), !messageSpecific(e));
    }
  }

  info(rule: AlertRule): AlertInfo {
    const record = this.deps.store.rule(rule.name);
    const live = this.live.get(rule.name)!;
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    const state = !rule.enabled ? 'disabled' : live.error ? 'error' : rule.muted ? 'muted' : record.lastFiringObjects > 0 ? 'firing' : 'ok';
    const pending = rule.occurrence.kind === 'staysFor' ? Object.values(record.state?.objects ?? {}).filter((o) => o.trueSince !== undefined && !o.runFired).length : 0;
    return {
      name: rule.name, state, enabled: rule.enabled, muted: rule.muted, every: formatDuration(rule.source.everyMs),
      firingObjects: record.lastFiringObjects, pendingObjects: pending, error: live.error,
      lastEvaluated: iso(record.lastEvaluated), lastFired: iso(record.lastFired),
      firings24h: firingsSince(record, Date.now() - DAY), suppressed: live.suppressed, watermark: iso(record.state?.watermark),
    };
  }

  list(): AlertInfo[] {
    const since = new Date().toISOString();
    return [
      ...this.rulesNow.map((r) => this.info(r)),
      ...this.brokenNow.map((b): AlertInfo => ({ name: b.name, state: 'error', enabled: false, muted: false, every: '', firingObjects: 0, pendingObjects: 0, error: { message: b.message, since }, firings24h: 0, suppressed: 0 })),
    ];
  }

  outbox(): AlertOutboxStatus {
    const box = this.settling.size ? this.deps.store.data.outbox.filter((e) => !this.settling.has(e.id)) : this.deps.store.data.outbox;
    const next = earliestAttempt(box);
    return {
      pending: box.length, failedAttempts: this.failedAttempts, delivered: this.delivered, relay: this.mail.relay,
      lastError: box.find((e) => e.lastError)?.lastError, nextAttempt: next === undefined ? undefined : new Date(next).toISOString(),
    };
  }

  /** Writes what changed; a disk that fails is logged and tried again at the next flush (nothing is sent meanwhile). */
  private async flushState(): Promise<void> {
    try {
      await this.deps.store.flush();
    } catch (e) {
      this.deps.log(`alerts: could not write the alert state (${e instanceof Error ? e.message : String(e)}); trying again`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.drainTimer);
    clearInterval(this.flushTimer);
    clearTimeout(this.cycleTimer);
    await this.cycling;
    await Promise.all([...this.live.values()].map((l) => l.chain));
    while (this.draining || this.drainAgain) await (this.drainAgain ?? this.draining)?.catch(() => undefined);
    await this.flushState();
    this.transport?.close();
  }
}

/** One more failed attempt at the entry: its error, and its retry after a backoff that doubles up to BACKOFF_MAX_MS. */
function failedAttempt(entry: OutboxEntry, error: string): void {
  entry.attempts++;
  entry.lastError = error;
  entry.nextAttempt = Date.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (entry.attempts - 1));
}

/** When the outbox's next retry is due; a loop, as Math.min(...) takes fewer arguments than a backlog can hold (~120,000). */
function earliestAttempt(box: readonly OutboxEntry[]): number | undefined {
  let next = Infinity;
  for (const e of box) if (e.nextAttempt < next) next = e.nextAttempt;
  return next === Infinity ? undefined : next;
}

/** A failed send; `wholeRelay` when no other email could be sent either. */
class RelayError extends Error {
  constructor(message: string, readonly wholeRelay: boolean) { super(message); }
}

/**
 * nodemailer's codes for a failure of this one email (a recipient or the message refused); any other failure
 * (connection, TLS, login, timeout, a relay that cannot be set up) is the relay's and would fail every email.
 */
function messageSpecific(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'EENVELOPE' || code === 'EMESSAGE';
}

/** The source query with its window as `startTime` and `endTime`, on one line before it so positions stay readable. */
export function windowed(query: string, start: number, end: number): string {
  return `let startTime = datetime(${new Date(start).toISOString()}); let endTime = datetime(${new Date(end).toISOString()});\n${query}`;
}

/** The engine's message, with the line moved back over the window line windowed() put in front. */
function queryMessage(e: unknown): string {
  return `The source query failed: ${inQueryLines(e instanceof Error ? e.message : String(e))}`;
}

