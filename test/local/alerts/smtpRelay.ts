// A second, real SMTP server (smtp-server) for the alert runner's email to go to, as a relay would: the tests of
// profiles.local.smtpRelay and of the runner's delivery share it.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export const USER = 'alerts@contoso.com';
export const PASSWORD = 'Relay-Pa55word-7f3c9e';

interface Received { user?: string; secure: boolean; envelope: { from: string; to: string[] }; mail: ParsedMail }

/**
 * A real SMTP server: AUTH required (USER, PASSWORD), offered only once STARTTLS has made the session secure
 * (smtp-server's default) unless `extra` says otherwise. It keeps what it received, the logins and its connections.
 */
export class Relay {
  readonly received: Received[] = [];
  readonly logins: { user: string; ok: boolean }[] = [];
  connections = 0;
  private server: SMTPServer | undefined;
  port = 0;

  constructor(private readonly tls: { key: string; cert: string } | undefined, private readonly extra: Partial<SMTPServerOptions> = {}) {}

  async start(port = 0): Promise<void> {
    const s = new SMTPServer({
      ...this.tls, authMethods: ['PLAIN', 'LOGIN'], logger: false, closeTimeout: 500,
      onConnect: (_session, cb) => { this.connections++; cb(); },
      onAuth: (auth, _session, cb) => {
        const ok = auth.username === USER && auth.password === PASSWORD;
        this.logins.push({ user: auth.username ?? '', ok });
        if (ok) cb(null, { user: auth.username }); else cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onData: (stream, session, cb) => {
        simpleParser(stream).then((mail) => {
          const from = session.envelope.mailFrom;
          this.received.push({ user: session.user as string | undefined, secure: session.secure, envelope: { from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address) }, mail });
          cb();
        }, (e: Error) => cb(e));
      },
      ...this.extra,
    });
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => { s.server.once('error', reject); s.listen(port, '127.0.0.1', () => resolve()); });
    this.server = s;
    this.port = (s.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
