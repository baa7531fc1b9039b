// The local SMTP server: where the alert runner's email goes in the local pipeline. It keeps every message it
// receives, parsed (mailparser), in the data folder and lists them on the control API, so a person or a test reads
// the email an alert sent exactly as a mail client would. 127.0.0.1 only, and it wants AUTH with the pipeline's key.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { ControlError, type ControlServer } from '../control';
import type { ServiceContext, StartedService } from '../service';
import type { LocalReady } from '../../protocol/localReady';
import { ALERT_PATHS, type MailList, type MailMessage, type SmtpStatus } from '../../protocol/controlApi';

const MAX_KEPT = 1000;
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** The received messages: in memory, and one JSON line each in `<data>/smtp/mail.jsonl` so a restart keeps them. */
export class Mailbox {
  private messages: MailMessage[] = [];

  constructor(private readonly file: string, log: (m: string) => void) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file)) return;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      // A line cut short by a crash is the only one that can fail; the others still load.
      try { this.messages.push(JSON.parse(line) as MailMessage); } catch { log(`smtp: skipped a damaged line in ${file}`); }
    }
    if (this.messages.length > MAX_KEPT) this.compact();
  }

  add(m: MailMessage): void {
    this.messages.push(m);
    fs.appendFileSync(this.file, `${JSON.stringify(m)}\n`);
    if (this.messages.length > MAX_KEPT * 1.5) this.compact();
  }

  list(): MailMessage[] { return [...this.messages].reverse(); }

  clear(): void {
    this.messages = [];
    fs.writeFileSync(this.file, '');
  }

  get size(): number { return this.messages.length; }

  private compact(): void {
    this.messages = this.messages.slice(-MAX_KEPT);
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, this.messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
    fs.renameSync(tmp, this.file);
  }
}

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  const list = a === undefined ? [] : Array.isArray(a) ? a : [a];
  return list.flatMap((x) => x.value.map((v) => v.address ?? v.name ?? '')).filter((x) => x !== '');
}

export interface SmtpService extends StartedService<NonNullable<LocalReady['smtp']>> {
  mailbox: Mailbox;
  /** What a client authenticates with. */
  credentials: { user: string; pass: string };
}

export async function startSmtp(ctx: ServiceContext): Promise<SmtpService> {
  const mailbox = new Mailbox(path.join(ctx.dataDir, 'smtp', 'mail.jsonl'), (m) => ctx.log(m));
  const user = ctx.options.keyName;
  const pass = ctx.options.key;
  let server: SMTPServer | undefined;
  let port = ctx.options.smtpPort;

  const create = () => new SMTPServer({
    name: 'eventline-local',
    banner: 'Eventline local SMTP',
    // Loopback only, so no TLS; AUTH still keeps other local programs from sending as the pipeline.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // Sessions still open when the pipeline stops get 421 after this long, not after the default 30 s.
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user });
      callback(new Error('Invalid username or password: use the pipeline\'s key name and key (see the ready line).'));
    },
    onData(stream, session, callback) {
      // Loaded with the first message: mailparser and its charsets take longer to load than the rest of the server.
      import('mailparser').then(({ simpleParser }) => simpleParser(stream)).then((mail) => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(Object.assign(new Error(`Message is larger than ${MAX_MESSAGE_BYTES} bytes.`), { responseCode: 552 }));
          return;
        }
        const headers: Record<string, string> = {};
        for (const h of mail.headerLines) {
          const name = h.key.toLowerCase();
          const value = h.line.slice(h.line.indexOf(':') + 1).trim();
          headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
        }
        const from = session.envelope.mailFrom;
        mailbox.add({
          id: randomUUID(),
          receivedAt: new Date().toISOString(),
          envelope: { from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
          from: addresses(mail.from)[0] ?? '',
          to: addresses(mail.to),
          cc: addresses(mail.cc),
          subject: mail.subject ?? '',
          messageId: mail.messageId,
          date: mail.date?.toISOString(),
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : undefined,
          headers,
        });
        callback();
      }, (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))));
    },
  });

  const open = async () => {
    const s = create();
    s.on('error', (e) => ctx.log(`smtp: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(port, '127.0.0.1', () => { s.server.off('error', reject); resolve(); });
    });
    server = s;
    port = (s.server.address() as AddressInfo).port;
  };
  const close = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    // smtp-server waits for open sessions; a client that keeps a pooled connection must not hold the stop up.
    const done = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const conn of (s as unknown as { connections?: Set<{ close(): void }> }).connections ?? []) conn.close();
    await done;
  };
  await open();
  ctx.log(`smtp: listening on 127.0.0.1:${port} (user ${user}), mail kept in ${path.join(ctx.dataDir, 'smtp')}`);

  const status = (): SmtpStatus => ({ host: '127.0.0.1', port, accepting: server !== undefined, received: mailbox.size });
  registerRoutes(ctx.control, mailbox, status, async (accepting) => {
    if (accepting && !server) await open();
    if (!accepting && server) await close();
  });
  return {
    ready: { host: '127.0.0.1', port, user },
    mailbox,
    credentials: { user, pass },
    stop: close,
  };
}

function registerRoutes(control: ControlServer, mailbox: Mailbox, status: () => SmtpStatus, setAccepting: (on: boolean) => Promise<void>): void {
  control.route('GET', /^\/api\/mail\/?$/, () => ({ status: 200, body: { messages: mailbox.list() } satisfies MailList }));
  control.route('DELETE', /^\/api\/mail\/?$/, () => { mailbox.clear(); return { status: 204 }; });
  control.route('GET', /^\/api\/smtp\/?$/, () => ({ status: 200, body: status() }));
  control.route('PUT', /^\/api\/smtp\/?$/, async (_req, _params, body) => {
    const accepting = (body as { accepting?: unknown } | undefined)?.accepting;
    if (typeof accepting !== 'boolean') throw new ControlError(400, `The body must be {"accepting": true} or {"accepting": false} (PUT ${ALERT_PATHS.smtp}).`);
    await setAccepting(accepting);
    return { status: 200, body: status() };
  });
}
