import type { LocalReady } from '../protocol/localReady';

export type PortFlag = '--amqp-port' | '--amqps-port' | '--control-port' | '--kusto-port' | '--vault-port' | '--api-port' | '--smtp-port';

/** Reads a ready line (or EVENTLINE_LOCAL_READY); throws a message that says what is missing. */
export function parseReady(text: string): LocalReady {
  let v: Partial<LocalReady> & { ready?: boolean };
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    throw new Error(`This is not an eventline-local ready line (not JSON): ${text.slice(0, 120)}`);
  }
  if (!v || !v.ready || !v.eventHubs?.connectionString || !v.eventhouse?.uri || !v.control) {
    throw new Error('This is not an eventline-local ready line (it needs ready, eventHubs, eventhouse and control).');
  }
  return v as LocalReady;
}

function portOf(url: string | undefined): number | undefined {
  if (!url) return undefined;
  try { return Number(new URL(url).port) || undefined; } catch { return undefined; }
}

/** The ports a running pipeline listens on, read back from its ready line, so a restart can reuse them. */
export function portsOf(ready: LocalReady): Partial<Record<PortFlag, number>> {
  const endpoint = /Endpoint=([^;]+)/i.exec(ready.eventHubs.connectionString)?.[1];
  const ports: Partial<Record<PortFlag, number>> = {
    '--amqp-port': portOf(endpoint),
    '--amqps-port': ready.eventHubs.amqpsPort,
    '--control-port': portOf(ready.control),
    '--kusto-port': portOf(ready.eventhouse.uri),
    '--vault-port': portOf(ready.keyVault?.uri),
    '--api-port': portOf(ready.sampleApi?.url),
    '--smtp-port': ready.smtp?.port,
  };
  for (const k of Object.keys(ports) as PortFlag[]) if (ports[k] === undefined) delete ports[k];
  return ports;
}
