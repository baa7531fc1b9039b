// One connection of the hub connector: reads its hub's partitions from its checkpoints, batches the events (by
// count and time, as Eventstream does), ingests each batch through the engine with the checkpoints in the same
// transaction, and records the events that cannot be ingested instead of stopping.
//
// The connector runs in the hub's own process, so it reads the partition logs directly rather than through an
// AMQP receiver of its own: the same events in the same order, without encoding each one for the wire and
// decoding it again on the same two cores. The consumer group still exists on the hub (created when it is the
// connector's own), so the hub's tools list it as they would an Eventstream source's.
import { IngestDataError, TransactionalPolicyError } from '../eventhouse/batchIngest';
import type { Engine } from '../eventhouse/engine';
import type { FailureRecord } from '../eventhouse/failures';
import { KustoUserError } from '../eventhouse/types';
import type { Hub, Namespace } from '../eventhubs/namespace';
import type { ConnectionPartitionStatus, ConnectionStatus } from '../../protocol/controlApi';
import type { ConnectionDef } from './definition';
import { fromStored, prepare, staged, strictCheck, type HubEvent, type Prepared } from './events';
import { LatencyWindow } from './latency';
import { checkpointSql, loadCheckpoints } from './store';

/** A batch also flushes at this many staged bytes, whatever its event count. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
const RETRY_MS = [1000, 2000, 5000];

/** Why the connection cannot go on for now; it retries, reading nothing past its checkpoints meanwhile. */
class Blocked extends Error {}

export interface RunnerContext {
  namespace: Namespace;
  engine: Engine;
  /** `sb://127.0.0.1:<port>/`, for each row's SourceLocation. */
  endpoint: string;
  log(message: string): void;
}

export class ConnectionRunner {
  private state: ConnectionStatus['state'] = 'starting';
  private error: { message: string; since: string } | undefined;
  private stopping = false;
  private stale = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private hub: Hub | undefined;
  private hubCreated = '';
  private detach: (() => void)[] = [];
  /** Per partition index: the last sequence number committed (or recorded as failed), and the next one to read. */
  private checkpoint: number[] = [];
  private next: number[] = [];
  private readonly latency = new LatencyWindow();
  /** How long each of the last batches took from the engine call to its commit. */
  private readonly commitTimes = new LatencyWindow(1000);
  private eventsIngested = 0;
  private rowsIngested = 0;
  private batches = 0;
  private failures = 0;
  private policyFailures = 0;
  private expired = 0;
  private lastIngestedAt: string | null = null;
  /** Failed attempts since the last one that worked, for the retry delay. */
  private attempt = 0;

  constructor(readonly def: ConnectionDef, private readonly ctx: RunnerContext) {}

  start(): void {
    this.loop = this.run();
  }

  /** Stops after the batch in hand is ingested (or fails); its checkpoints are then as committed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  /** The hub or one of its consumer groups was deleted: start over from the namespace. */
  invalidate(hub: string, consumerGroup?: string): void {
    if (hub.toLowerCase() !== this.def.hub.toLowerCase()) return;
    if (consumerGroup !== undefined && consumerGroup.toLowerCase() !== this.def.consumerGroup.toLowerCase()) return;
    this.stale = true;
    this.wake();
  }

  status(): ConnectionStatus {
    const partitions: ConnectionPartitionStatus[] = (this.hub?.partitions ?? []).map((log, i) => {
      const last = log.nextSeq - 1;
      const checkpoint = this.checkpoint[i] ?? -1;
      return { id: String(i), checkpoint, lastEnqueuedSequenceNumber: last, lag: Math.max(0, last - checkpoint) };
    });
    const d = this.def;
    return {
      name: d.name, hub: d.hub, consumerGroup: d.consumerGroup, database: d.database, table: d.table, format: d.format,
      ...(d.mapping ? { mapping: d.mapping } : {}),
      state: this.state,
      ...(this.error ? { error: this.error } : {}),
      eventsIngested: this.eventsIngested, rowsIngested: this.rowsIngested, batches: this.batches, failures: this.failures,
      updatePolicyFailures: this.policyFailures, eventsExpired: this.expired,
      lag: partitions.reduce((n, p) => n + p.lag, 0), partitions,
      latencyMs: this.latency.percentiles(), commitMs: this.commitTimes.percentiles(), lastIngestedAt: this.lastIngestedAt,
    };
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  /** Resolves on wake() (an append, a stop, a deleted hub) or after ms. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.stale) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wakeUp = undefined; resolve(); }, ms);
      this.wakeUp = () => { clearTimeout(timer); resolve(); };
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.open();
        await this.pump();
        this.close();
      } catch (e) {
        // Detached first: while it waits, appends to the hub must not wake it into a retry each.
        this.close();
        this.fail(e);
        await this.sleep(RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]);
      }
    }
  }

  private fail(e: unknown): void {
    const message = e instanceof Blocked || e instanceof KustoUserError
      ? `${e.message} The connection retries every few seconds and reads nothing past its checkpoints until then.`
      : `Ingestion failed: ${e instanceof Error ? e.message : String(e)}. The connection retries every few seconds from its checkpoints.`;
    if (!(e instanceof Blocked) && !(e instanceof KustoUserError)) this.ctx.log(`connector "${this.def.name}": ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    if (this.error?.message !== message) {
      this.ctx.log(`connector "${this.def.name}": ${message}`);
      this.error = { message, since: new Date().toISOString() };
    }
    this.state = 'error';
  }

  private close(): void {
    for (const d of this.detach.splice(0)) d();
    this.stale = false;
  }

  /** Finds the hub and consumer group (creating the connector's own group), and reads the checkpoints. */
  private async open(): Promise<void> {
    const d = this.def;
    const hub = this.ctx.namespace.get(d.hub);
    if (!hub) throw new Blocked(`Event hub "${d.hub}" does not exist. Create it (eventHubs in eventline.json, or PUT /api/eventhubs/${d.hub}).`);
    if (!hub.consumerGroup(d.consumerGroup)) {
      if (!d.ownGroup) throw new Blocked(`Consumer group "${d.consumerGroup}" does not exist on event hub "${hub.def.name}". Create it, or leave "consumerGroup" out to use one named for the connection.`);
      this.ctx.namespace.putConsumerGroup(hub.def.name, d.consumerGroup);
      this.ctx.log(`connector "${d.name}": created consumer group "${d.consumerGroup}" on event hub "${hub.def.name}"`);
    }
    this.hub = hub;
    this.hubCreated = hub.def.createdAt;
    const saved = await loadCheckpoints(this.ctx.engine, d, this.hubCreated);
    this.checkpoint = hub.partitions.map((_, i) => saved.get(String(i)) ?? -1);
    this.next = this.checkpoint.map((c) => c + 1);
    this.detach = hub.partitions.map((log) => log.onAppend(() => this.wake()));
    if (this.state !== 'error') this.state = 'running';
  }

  /**
   * Batches and ingests until stopped; a failure other than a bad event leaves by throwing. The next batch is read
   * and prepared while the last one commits (commits stay one at a time, in order), so the JS work overlaps DuckDB's.
   */
  private async pump(): Promise<void> {
    const d = this.def;
    let inFlight: Promise<void> | undefined;
    let failed: { error: unknown } | undefined;
    const settle = async () => {
      await inFlight;
      inFlight = undefined;
      if (failed) throw failed.error;
    };
    try {
      while (!this.stopping && !this.stale) {
        const batch: HubEvent[] = [];
        let bytes = this.collect(batch, d.maxBatchEvents, MAX_BATCH_BYTES);
        if (!batch.length) {
          if (inFlight) { await settle(); continue; }
          if (this.state === 'error') this.recovered();
          await this.sleep(60_000);
          continue;
        }
        // The delay counts from when the oldest event was enqueued, not from when it was read: an event that waited
        // while the last batch committed does not wait a full delay again.
        let oldest = Infinity;
        for (const e of batch) oldest = Math.min(oldest, e.time);
        const deadline = Math.min(Date.now(), oldest) + d.maxBatchDelayMs;
        while (batch.length < d.maxBatchEvents && bytes < MAX_BATCH_BYTES && !this.stopping && !this.stale) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          await this.sleep(left);
          bytes += this.collect(batch, d.maxBatchEvents - batch.length, MAX_BATCH_BYTES - bytes);
        }
        if (this.stale) break;
        const prepared = batch.map((e) => prepare(e, d.format, d.maxEventBytes));
        await settle();
        // The handler is attached at once: a commit that fails while the next batch is collected must not be an
        // unhandled rejection; settle() rethrows it.
        inFlight = this.commit(prepared, false).then(() => this.recovered(), (error: unknown) => { failed = { error }; });
      }
    } finally {
      await inFlight;
    }
    await settle();
  }

  private recovered(): void {
    if (this.state === 'error') this.ctx.log(`connector "${this.def.name}": running again`);
    this.state = 'running';
    this.error = undefined;
    this.attempt = 0;
  }

  /** Reads up to `max` events (and about `maxBytes`) from the partitions in turn; returns the bytes read. */
  private collect(into: HubEvent[], max: number, maxBytes: number): number {
    const hub = this.hub!;
    let bytes = 0;
    for (let more = true; more && max > 0 && bytes < maxBytes;) {
      more = false;
      hub.partitions.forEach((log, i) => {
        if (max <= 0 || bytes >= maxBytes) return;
        const events = log.read(this.next[i], Math.min(max, 256));
        if (!events.length) return;
        if (events[0].seq > this.next[i]) {
          // Retention dropped these before they were ingested, as it would on the service.
          this.expired += events[0].seq - this.next[i];
          this.ctx.log(`connector "${this.def.name}": ${events[0].seq - this.next[i]} events of partition ${i} left the hub's retention before they were ingested`);
        }
        for (const ev of events) {
          const e = fromStored(String(i), ev);
          into.push(e);
          bytes += e.body.length;
          this.next[i] = ev.seq + 1;
          max--;
        }
        more = true;
      });
    }
    return bytes;
  }

  /**
   * Ingests the prepared events with their partitions' checkpoints and failure records in one transaction. When the
   * data is refused as a whole, each event is checked strictly, and then the batch is split in halves (each committed
   * on its own, in order) until the events at fault are alone and recorded as failures.
   */
  private async commit(items: Prepared[], checked: boolean): Promise<void> {
    if (!items.length) return;
    const d = this.def;
    const seqs = new Map<string, number>();
    for (const p of items) seqs.set(p.event.partition, Math.max(seqs.get(p.event.partition) ?? -1, p.event.seq));
    const ok = items.filter((p) => p.rows);
    const bad = items.filter((p) => p.rejected);
    const byPartition = new Map<string, Buffer[]>();
    for (const p of ok) {
      const list = byPartition.get(p.event.partition) ?? [];
      for (const r of p.rows!) list.push(r);
      byPartition.set(p.event.partition, list);
    }
    const where = `${this.ctx.endpoint}${d.hub}/ConsumerGroups/${d.consumerGroup}/Partitions/`;
    const failures: FailureRecord[] = bad.map((p) => ({
      database: d.database, table: d.table, sourcePath: `${where}${p.event.partition}#${p.event.seq}`, details: p.rejected!.reason,
      errorCode: p.rejected!.code, fromUpdatePolicy: false, operationKind: 'DataIngestPull', connection: d.name,
      partition: p.event.partition, sequenceNumber: p.event.seq, enqueuedTime: p.event.time, body: p.event.body,
    }));
    let result;
    const started = Date.now();
    try {
      result = await this.ctx.engine.ingestBatch({
        database: d.database, table: d.table, format: d.format === 'csv' ? 'csv' : 'json', mapping: d.mapping,
        segments: [...byPartition].map(([p, rows]) => ({ data: staged(rows), sourceLocation: `${where}${p}` })),
        failures, alsoInTransaction: checkpointSql(d, this.hubCreated, seqs),
        operationKind: 'DataIngestPull', sourcePath: `${where}${[...byPartition.keys()].join(',')}`,
      });
    } catch (e) {
      if (!(e instanceof IngestDataError) && !(e instanceof TransactionalPolicyError)) throw e;
      if (!checked) {
        const again = items.map((p) => strictCheck(p, d.format));
        if (again.some((p, i) => p !== items[i])) return this.commit(again, true);
      }
      if (ok.length === 1) {
        const at = items.indexOf(ok[0]);
        const code = e instanceof TransactionalPolicyError ? 'UpdatePolicy_Failure' : 'BadRequest_InvalidBlob';
        const rejected = { ...ok[0], rows: undefined, rejected: { code, reason: e.message } };
        return this.commit(items.map((p, i) => (i === at ? rejected : p)), true);
      }
      // Halves by the events that still stage rows, so every split makes progress.
      const cut = items.indexOf(ok[Math.floor(ok.length / 2)]);
      await this.commit(items.slice(0, cut), true);
      return this.commit(items.slice(cut), true);
    }
    const now = Date.now();
    this.commitTimes.add(now - started);
    for (const [p, seq] of seqs) this.checkpoint[Number(p)] = seq;
    for (const p of ok) this.latency.add(now - p.event.time);
    this.eventsIngested += ok.length;
    this.rowsIngested += result.rows;
    this.batches++;
    this.failures += bad.length;
    this.policyFailures += result.updatePolicyFailures.length;
    if (ok.length) this.lastIngestedAt = new Date(now).toISOString();
    if (bad.length) this.ctx.log(`connector "${d.name}": ${bad.length} event(s) could not be ingested into ${d.table} (first: partition ${bad[0].event.partition}, sequence number ${bad[0].event.seq}: ${bad[0].rejected!.reason}); see .show ingestion failures`);
    for (const f of result.updatePolicyFailures) this.ctx.log(`connector "${d.name}": ${f.details}`);
  }
}
