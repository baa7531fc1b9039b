import * as fs from 'node:fs';
import * as path from 'node:path';
import { generate } from 'selfsigned';

export interface TlsFiles { caCertificate: string; key: string; cert: string }

/**
 * Where the pipeline's one local CA lives: under eventhubs/ because the first release put it there, and a CA a
 * user already trusts must stay valid. Every TLS listener (Event Hubs, Key Vault) uses this folder.
 */
export function localTlsDir(dataDir: string): string {
  return path.join(dataDir, 'eventhubs', 'tls');
}

const pending = new Map<string, Promise<TlsFiles>>();

/**
 * A CA and a server certificate for 127.0.0.1/localhost, generated once into `<dir>` and reused, so a user can
 * trust the CA once (NODE_EXTRA_CA_CERTS) and keep it across restarts. Concurrent callers share one generation,
 * so two listeners never end up with certificates from different CAs.
 */
export function ensureTls(dir: string): Promise<TlsFiles> {
  const key = path.resolve(dir);
  let p = pending.get(key);
  if (!p) {
    p = generateOrLoad(key);
    pending.set(key, p);
    // Only while generating: later callers read the files again (the folder may have been removed meanwhile).
    void p.then(() => pending.delete(key), () => pending.delete(key));
  }
  return p;
}

async function generateOrLoad(dir: string): Promise<TlsFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const caCertificate = path.join(dir, 'ca.pem');
  const caKeyFile = path.join(dir, 'ca-key.pem');
  const certFile = path.join(dir, 'server.pem');
  const keyFile = path.join(dir, 'server-key.pem');
  if ([caCertificate, caKeyFile, certFile, keyFile].every((f) => fs.existsSync(f))) {
    return { caCertificate, key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
  }
  const now = new Date();
  const years = (n: number) => new Date(now.getTime() + n * 365 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'Eventline Local CA' }], {
    keyType: 'ec', algorithm: 'sha256', notBeforeDate: now, notAfterDate: years(10),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec', algorithm: 'sha256', notBeforeDate: now, notAfterDate: years(2),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  fs.writeFileSync(caKeyFile, ca.private, { mode: 0o600 });
  fs.writeFileSync(keyFile, server.private, { mode: 0o600 });
  fs.writeFileSync(certFile, server.cert);
  fs.writeFileSync(caCertificate, ca.cert);
  return { caCertificate, key: server.private, cert: server.cert };
}
