// Every local server listens on 127.0.0.1 only (nothing of the local pipeline is reachable from the network).
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 at `port` (0: a free one) and resolves with the port in use. */
export async function listenLocal(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting and ends open connections (keep-alive ones included), so a stop never waits on an idle client. */
export async function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
