import { randomUUID } from 'node:crypto';
import type * as net from 'node:net';
import * as rhea from 'rhea';
import { text } from './amqp';
import { audiencePath, checkJwt, checkSasToken, covers, parseEntityPath, type AuthFailure, type EntityPath } from './auth';
import { BATCH_FORMAT, splitEnvelope } from './delivery';
import { partitionForKey } from './hash';
import type { Hub, Namespace } from './namespace';
import type { PartitionLog } from './partitionLog';
import { batchOutput, tuneRhea } from './rheaPatches';
import { readFilter, startPosition, Subscription } from './subscription';

export const MAX_MESSAGE_SIZE = 1024 * 1024;

const PARTITION_INVALID = 'The specified partition is invalid for an EventHub partition sender or receiver.';
const CBS = '$cbs';
const MANAGEMENT = '$management';
const RUNTIME_METRIC = 'com.microsoft:enable-receiver-runtime-metric';

interface Failure { condition: string; description: string }

/** Per-connection state: the tokens put on `$cbs`, and the client's reply links by name and address. */
interface ConnState {
  readonly tls: boolean;
  readonly tokens: Map<string, number>;
  readonly replies: Map<string, rhea.Sender>;
  readonly cleanups: Set<() => void>;
}

interface EntityLink {
  hub: string;
  consumerGroup?: string;
  link: rhea.Sender | rhea.Receiver;
  close(f: Failure): void;
}

export interface ServerOptions {
  keyName: string;
  key: string;
  log(message: string): void;
}

export class EventHubsServer {
  private readonly listeners: net.Server[] = [];
  private readonly connections = new Set<rhea.Connection>();
  private readonly state = new WeakMap<rhea.Connection, ConnState>();
  private readonly entityLinks = new Set<EntityLink>();
  /** Receivers per (hub, consumer group, partition), for ownerLevel (epoch) checks. */
  private readonly owners = new Map<string, Set<Subscription>>();
  private ports: number[] = [];
  private amqpPort = 0;
  private roundRobin = 0;

  constructor(private readonly ns: Namespace, private readonly opts: ServerOptions) {
    ns.onRemoved((hub, cg) => {
      const what = cg === undefined ? `Event hub '${hub}'` : `Consumer group '${cg}' of event hub '${hub}'`;
      for (const l of [...this.entityLinks]) {
        if (l.hub.toLowerCase() !== hub.toLowerCase()) continue;
        if (cg !== undefined && l.consumerGroup?.toLowerCase() !== cg.toLowerCase()) continue;
        l.close({ condition: 'amqp:not-found', description: `The messaging entity '${this.uri(hub)}' could not be found: ${what} was deleted.` });
      }
    });
  }

  private uri(path: string): string {
    return `sb://127.0.0.1:${this.amqpPort}/${path}`;
  }

  /** Starts a plain listener and, when `tls` is given, a TLS one; returns the bound ports. */
  async listen(amqpPort: number, amqps: { port: number; key: string; cert: string } | undefined): Promise<{ amqpPort: number; amqpsPort?: number }> {
    const plain = await this.listenOne(amqpPort, undefined);
    this.amqpPort = plain;
    this.ports.push(plain);
    let amqpsPort: number | undefined;
    if (amqps) {
      amqpsPort = await this.listenOne(amqps.port, amqps);
      this.ports.push(amqpsPort);
    }
    return { amqpPort: plain, amqpsPort };
  }

  private async listenOne(port: number, tls: { key: string; cert: string } | undefined): Promise<number> {
    tuneRhea();
    const container = rhea.create_container({ id: 'eventline-local-eventhubs' });
    this.wire(container, tls !== undefined);
    // rhea leaves Nagle on for accepted sockets; deliveries and dispositions are small and latency-bound.
    const options = { port, host: '127.0.0.1', autoaccept: false, tcp_no_delay: true, ...(tls ? { transport: 'tls', key: tls.key, cert: tls.cert } : {}) };
    const server = container.listen(options as unknown as Parameters<rhea.Container['listen']>[0]);
    this.listeners.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: Error) => reject(new Error(`Event Hubs cannot listen on 127.0.0.1:${port} (${tls ? 'AMQPS' : 'AMQP'}): ${e.message}. Pick another port with ${tls ? '--amqps-port' : '--amqp-port'}.`)));
      server.once('listening', () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  private wire(container: rhea.Container, tls: boolean): void {
    container.on('connection_open', (ctx: rhea.EventContext) => {
      const conn = ctx.connection;
      this.connections.add(conn);
      batchOutput(conn);
      this.state.set(conn, { tls, tokens: new Map(), replies: new Map(), cleanups: new Set() });
    });
    const gone = (ctx: rhea.EventContext) => {
      const conn = ctx.connection;
      this.connections.delete(conn);
      const st = this.state.get(conn);
      if (st) for (const fn of [...st.cleanups]) fn();
    };
    container.on('connection_close', gone);
    container.on('disconnected', gone);
    container.on('connection_error', () => { /* the close/disconnect handlers clean up */ });
    container.on('error', (e: unknown) => this.opts.log(`AMQP error: ${e instanceof Error ? e.message : String(e)}`));
    container.on('sender_open', (ctx: rhea.EventContext) => this.onSenderOpen(ctx));
    container.on('receiver_open', (ctx: rhea.EventContext) => this.onReceiverOpen(ctx));
  }

  private conn(ctx: rhea.EventContext): ConnState {
    let st = this.state.get(ctx.connection);
    if (!st) {
      st = { tls: false, tokens: new Map(), replies: new Map(), cleanups: new Set() };
      this.state.set(ctx.connection, st);
    }
    return st;
  }

  private authorized(st: ConnState, path: string): boolean {
    const now = Date.now();
    for (const [granted, expiry] of st.tokens) if (expiry > now && covers(granted, path)) return true;
    return false;
  }

  /** Resolves an entity path to the hub, partition log and consumer group, or the AMQP error to answer with. */
  private resolve(e: EntityPath): { hub: Hub; log?: PartitionLog; consumerGroup?: string } | Failure {
    const hub = this.ns.get(e.hub);
    if (!hub) return { condition: 'amqp:not-found', description: `The messaging entity '${this.uri(e.hub)}' could not be found. Create it with PUT /api/eventhubs/${e.hub} on the control API, or list it in --config.` };
    let consumerGroup: string | undefined;
    if (e.kind === 'receive') {
      consumerGroup = hub.consumerGroup(e.consumerGroup);
      if (!consumerGroup) {
        return { condition: 'amqp:not-found', description: `The messaging entity '${this.uri(`${e.hub}/ConsumerGroups/${e.consumerGroup}`)}' could not be found. Existing consumer groups: ${hub.def.consumerGroups.join(', ')}; create one with PUT /api/eventhubs/${hub.def.name}/consumergroups/${e.consumerGroup}.` };
      }
    }
    if (e.kind !== 'management' && e.partition !== undefined) {
      const log = hub.partition(e.partition);
      if (!log) return { condition: 'com.microsoft:argument-out-of-range', description: `${PARTITION_INVALID} It should be between 0 and ${hub.def.partitionCount - 1}.` };
      return { hub, log, consumerGroup };
    }
    return { hub, consumerGroup };
  }

  // ---- links the client receives on (our senders) ----

  private onSenderOpen(ctx: rhea.EventContext): void {
    const sender = ctx.sender!;
    const st = this.conn(ctx);
    const address = sender.source?.address ?? '';
    const target = sender.target?.address;
    sender.set_target({ address: target });
    if (address === CBS || address === MANAGEMENT) {
      sender.set_source({ address });
      st.replies.set(sender.name, sender);
      if (target) st.replies.set(target, sender);
      return;
    }
    sender.set_source({ address });
    const entity = parseEntityPath(address);
    if (!entity || entity.kind !== 'receive') {
      return this.refuse(sender, { condition: 'amqp:not-found', description: `The messaging entity '${this.uri(address)}' could not be found: receive from "<hub>/ConsumerGroups/<group>/Partitions/<id>".` });
    }
    const r = this.resolve(entity);
    if ('condition' in r) return this.refuse(sender, r);
    if (!this.authorized(st, address)) return this.refuse(sender, this.unauthorized(address));
    const log = r.log!;
    const filter = readFilter(sender.source?.filter);
    let start: number;
    try {
      start = startPosition(filter, log);
    } catch (e) {
      return this.refuse(sender, { condition: 'com.microsoft:argument-error', description: e instanceof Error ? e.message : String(e) });
    }
    const rawEpoch = (sender.properties as Record<string, unknown> | undefined)?.['com.microsoft:epoch'];
    const epoch = rawEpoch === undefined || rawEpoch === null ? undefined : Number(rawEpoch);
    const key = `${r.hub.def.name}/${r.consumerGroup}/${entity.partition}`.toLowerCase();
    const owners = this.owners.get(key) ?? new Set<Subscription>();
    const highest = Math.max(-Infinity, ...[...owners].map((s) => s.epoch ?? -Infinity));
    const receiverName = (sender.properties as Record<string, unknown> | undefined)?.['com.microsoft:receiver-name'];
    if (epoch === undefined ? highest > -Infinity : epoch < highest) {
      return this.refuse(sender, {
        condition: 'amqp:link:stolen',
        description: `Receiver '${text(receiverName) || sender.name}' with epoch '${epoch ?? 'none'}' cannot be created on partition ${entity.partition} of consumer group '${r.consumerGroup}' because a receiver with higher epoch '${highest}' already exists.`,
      });
    }
    if (epoch !== undefined) {
      for (const s of [...owners]) {
        s.close();
        owners.delete(s);
        s.sender.close({ condition: 'amqp:link:stolen', description: `New receiver with higher epoch of '${epoch}' is created hence current receiver with epoch '${s.epoch ?? 'none'}' is getting disconnected. If you are recreating the receiver, make sure a higher epoch is used.` });
      }
    }
    const desired = sender.desired_capabilities as unknown;
    const metrics = desired === RUNTIME_METRIC || (Array.isArray(desired) && desired.includes(RUNTIME_METRIC));
    // Deliveries go out pre-settled: an event hub keeps no per-delivery state, the position is the client's.
    (sender as unknown as { local: { attach: { snd_settle_mode: number } } }).local.attach.snd_settle_mode = 1;
    const sub = new Subscription(sender, log, start, metrics, epoch);
    owners.add(sub);
    this.owners.set(key, owners);
    const entry: EntityLink = { hub: r.hub.def.name, consumerGroup: r.consumerGroup, link: sender, close: (f) => { cleanup(); sender.close(f); } };
    const cleanup = () => {
      sub.close();
      owners.delete(sub);
      if (owners.size === 0 && this.owners.get(key) === owners) this.owners.delete(key);
      this.entityLinks.delete(entry);
      st.cleanups.delete(cleanup);
    };
    this.entityLinks.add(entry);
    st.cleanups.add(cleanup);
    sender.on('sendable', () => sub.pump());
    sender.on('sender_close', cleanup);
    sender.on('sender_draining', () => { sub.pump(); sender.set_drained(true); });
    sub.pump();
  }

  // ---- links the client sends on (our receivers) ----

  private onReceiverOpen(ctx: rhea.EventContext): void {
    const receiver = ctx.receiver!;
    const st = this.conn(ctx);
    const address = receiver.target?.address ?? '';
    receiver.set_source({ address: receiver.source?.address });
    receiver.set_target({ address });
    (receiver as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = MAX_MESSAGE_SIZE;
    if (address === CBS) {
      receiver.on('message', (c: rhea.EventContext) => this.onCbs(st, c));
      return;
    }
    if (address === MANAGEMENT) {
      receiver.on('message', (c: rhea.EventContext) => this.onManagement(st, c));
      return;
    }
    const entity = parseEntityPath(address);
    if (!entity || entity.kind !== 'send') {
      return this.refuse(receiver, { condition: 'amqp:not-found', description: `The messaging entity '${this.uri(address)}' could not be found: send to "<hub>" or "<hub>/Partitions/<id>".` });
    }
    const r = this.resolve(entity);
    if ('condition' in r) return this.refuse(receiver, r);
    if (!this.authorized(st, address)) return this.refuse(receiver, this.unauthorized(address));
    const hub = r.hub;
    const entry: EntityLink = { hub: hub.def.name, link: receiver, close: (f) => { cleanup(); receiver.close(f); } };
    const cleanup = () => { this.entityLinks.delete(entry); st.cleanups.delete(cleanup); };
    this.entityLinks.add(entry);
    st.cleanups.add(cleanup);
    receiver.on('receiver_close', cleanup);
    receiver.on('message', (c: rhea.EventContext) => this.onSend(hub, r.log, c));
  }

  private onSend(hub: Hub, fixed: PartitionLog | undefined, ctx: rhea.EventContext): void {
    const delivery = ctx.delivery!;
    const format = (ctx as unknown as { format?: number }).format ?? 0;
    try {
      let envelope: Buffer;
      if (format === 0) {
        envelope = rhea.message.encode(ctx.message!);
      } else if (format === BATCH_FORMAT) {
        envelope = ctx.message as unknown as Buffer;
      } else {
        delivery.reject({ condition: 'amqp:not-implemented', description: `Message format ${format} is not supported; send AMQP messages (format 0) or Event Hubs batches (0x80013700).` });
        return;
      }
      if (envelope.length > MAX_MESSAGE_SIZE) {
        // The service's wording, tracking suffix included: clients match on the part up to "on the link.".
        const id = (delivery as unknown as { id?: number }).id ?? 0;
        delivery.reject({ condition: 'amqp:link:message-size-exceeded', description: `The received message (delivery-id:${id}, size:${envelope.length} bytes) exceeds the limit (${MAX_MESSAGE_SIZE} bytes) currently allowed on the link. ${tracking()}` });
        return;
      }
      const { events, partitionKey } = splitEnvelope(envelope, format === BATCH_FORMAT);
      let log = fixed;
      if (!log) {
        const id = partitionKey !== undefined ? partitionForKey(partitionKey, hub.partitions.length) : (this.roundRobin++ % hub.partitions.length);
        log = hub.partitions[id];
      }
      log.append(events, Date.now());
      delivery.accept();
    } catch (e) {
      this.opts.log(`send to event hub "${hub.def.name}" failed: ${e instanceof Error ? e.message : String(e)}`);
      delivery.reject({ condition: 'amqp:internal-error', description: `The local hub could not store the event: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  // ---- $cbs and $management ----

  private reply(st: ConnState, request: rhea.Message, status: number, description: string, body?: unknown, condition?: string): void {
    const to = request.reply_to;
    const link = to === undefined ? undefined : st.replies.get(String(to));
    if (!link) {
      this.opts.log(`dropping a ${String(request.to ?? 'request')} reply: no reply link "${String(to)}" is attached`);
      return;
    }
    const props: Record<string, unknown> = { 'status-code': rhea.types.wrap_int(status), 'status-description': description };
    if (condition) props['error-condition'] = condition;
    link.send({ correlation_id: request.message_id, to: to, application_properties: props, body });
  }

  private onCbs(st: ConnState, ctx: rhea.EventContext): void {
    const msg = ctx.message!;
    ctx.delivery!.accept();
    const props = (msg.application_properties ?? {}) as Record<string, unknown>;
    if (props.operation !== 'put-token') return this.reply(st, msg, 400, `Unsupported $cbs operation "${String(props.operation)}"; only put-token is supported.`, undefined, 'com.microsoft:argument-error');
    const fail = (f: AuthFailure | Failure & { status: number }) => this.reply(st, msg, f.status, f.description, undefined, f.condition);
    const name = text(props.name);
    const path = audiencePath(name, this.ports);
    if (typeof path !== 'string') return fail(path);
    const token = typeof msg.body === 'string' ? msg.body : Buffer.isBuffer(msg.body) ? msg.body.toString('utf8') : '';
    if (props.type !== 'servicebus.windows.net:sastoken' && props.type !== 'jwt') {
      return fail({ status: 400, condition: 'com.microsoft:argument-error', description: `Unsupported token type "${String(props.type)}"; use servicebus.windows.net:sastoken or jwt.` });
    }
    const expiry = this.checkToken(st, props.type === 'jwt' ? 'jwt' : 'sas', token, path);
    if (typeof expiry !== 'number') return fail(expiry);
    if (path !== '') {
      const entity = parseEntityPath(path);
      if (!entity) return fail({ status: 404, condition: 'amqp:not-found', description: `The messaging entity '${name}' could not be found.` });
      const r = this.resolve(entity);
      if ('condition' in r) return fail({ ...r, status: r.condition === 'amqp:not-found' ? 404 : 400 });
    }
    st.tokens.set(path.toLowerCase(), expiry);
    this.reply(st, msg, 202, 'Accepted');
  }

  private onManagement(st: ConnState, ctx: rhea.EventContext): void {
    const msg = ctx.message!;
    ctx.delivery!.accept();
    const props = (msg.application_properties ?? {}) as Record<string, unknown>;
    const fail = (status: number, condition: string, description: string) => this.reply(st, msg, status, description, undefined, condition);
    if (props.operation !== 'READ') return fail(400, 'com.microsoft:argument-error', `Unsupported $management operation "${String(props.operation)}"; only READ is supported.`);
    const hubName = text(props.name);
    const mgmtPath = `${hubName}/${MANAGEMENT}`;
    const denied = this.requestDenied(st, props.security_token, mgmtPath);
    if (denied) return fail(denied.status, denied.condition, denied.description);
    const hub = this.ns.get(hubName);
    if (!hub) return fail(404, 'amqp:not-found', `The messaging entity '${this.uri(hubName)}' could not be found. Create it with PUT /api/eventhubs/${hubName} on the control API, or list it in --config.`);
    const t = rhea.types;
    if (props.type === 'com.microsoft:eventhub') {
      return this.reply(st, msg, 200, 'OK', t.wrap_map({
        name: hub.def.name,
        type: 'com.microsoft:eventhub',
        created_at: new Date(hub.def.createdAt),
        partition_count: t.wrap_int(hub.def.partitionCount),
        partition_ids: t.wrap_array(hub.partitions.map((_, i) => String(i)), 0xa1, undefined),
      }));
    }
    if (props.type === 'com.microsoft:partition') {
      const id = text(props.partition);
      const log = hub.partition(id);
      if (!log) return fail(400, 'com.microsoft:argument-out-of-range', `${PARTITION_INVALID} It should be between 0 and ${hub.def.partitionCount - 1}.`);
      const neverUsed = log.nextSeq === 0;
      return this.reply(st, msg, 200, 'OK', t.wrap_map({
        name: hub.def.name,
        type: 'com.microsoft:partition',
        partition: id,
        begin_sequence_number: t.wrap_long(neverUsed ? -1 : log.firstSeq),
        last_enqueued_sequence_number: t.wrap_long(log.nextSeq - 1),
        last_enqueued_offset: String(log.lastOffset),
        last_enqueued_time_utc: new Date(log.lastTime),
        is_partition_empty: log.isEmpty,
      }));
    }
    return fail(400, 'com.microsoft:argument-error', `Unsupported READ type "${String(props.type)}"; use com.microsoft:eventhub or com.microsoft:partition.`);
  }

  /** Checks a token for `path`: its expiry (ms), or why it is refused. jwt tokens only over TLS. */
  private checkToken(st: ConnState, type: 'sas' | 'jwt', token: string, path: string): number | AuthFailure {
    const now = Date.now();
    if (type === 'sas') return checkSasToken(token, path, { keyName: this.opts.keyName, key: this.opts.key, ports: this.ports, now });
    if (st.tls) return checkJwt(token, now);
    return { status: 401, condition: 'amqp:unauthorized-access', description: `jwt tokens are accepted only over AMQPS (TLS, port ${this.ports[1] ?? 'none'}); over plain AMQP use a SharedAccessSignature from the connection string.` };
  }

  /**
   * A `$management` request carries its own `security_token`, and the service checks it on every request: a key
   * changed or revoked since the link was authorized through `$cbs` fails the next call. Only a request without
   * one (a client relying on the link alone) is let through on the link's `$cbs` token.
   */
  private requestDenied(st: ConnState, token: unknown, path: string): AuthFailure | undefined {
    if (token === undefined || token === null || token === '') return this.authorized(st, path) ? undefined : this.unauthorized(path);
    if (typeof token !== 'string') return { status: 401, condition: 'amqp:unauthorized-access', description: 'The security_token of the $management request is not a string token.' };
    const check = this.checkToken(st, token.startsWith('SharedAccessSignature ') ? 'sas' : 'jwt', token, path);
    return typeof check === 'number' ? undefined : check;
  }

  private unauthorized(path: string): AuthFailure {
    return { status: 401, condition: 'amqp:unauthorized-access', description: `Unauthorized access to '${this.uri(path)}': put a valid token on $cbs for this entity first.` };
  }

  private refuse(link: rhea.Sender | rhea.Receiver, f: Failure): void {
    link.close({ condition: f.condition, description: f.description });
  }

  /** True from listen() until close(). */
  get serving(): boolean {
    return this.listeners.length > 0 && this.listeners.every((l) => l.listening);
  }

  async close(): Promise<void> {
    for (const server of this.listeners) server.close();
    for (const conn of this.connections) {
      try { conn.close({ condition: 'amqp:connection:forced', description: 'The local pipeline is shutting down.' }); } catch { /* already gone */ }
    }
    // Give the close frames a moment to leave before the process exits.
    await new Promise((r) => setTimeout(r, 50));
    for (const conn of this.connections) (conn as unknown as { socket?: net.Socket }).socket?.destroy();
    this.connections.clear();
  }
}

/** The suffix the service puts on its error descriptions. */
function tracking(): string {
  return `TrackingId:${randomUUID()}, SystemTracker:NoSystemTracker, Timestamp:${new Date().toISOString().slice(0, 19)}`;
}
