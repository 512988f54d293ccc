import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a service (Redis) that can be cut and restored, to play the service going
 * away without stopping the real one (others use it). Cut: every connection is destroyed and new
 * ones are closed as soon as they arrive. Silenced: the way a network fails without telling, every
 * connection stays open and new ones are accepted, but no byte gets through them, ever. Restored: new
 * connections relay again, on the same port.
 */
export interface TcpProxy {
  port: number;
  cut(): void;
  silence(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  /** Client sockets whose bytes go nowhere, in both directions. */
  const silenced = new Set<Socket>();
  let cut = false;
  let silent = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    if (silent) silenced.add(client);
    client.on('data', (chunk: Buffer) => void (silenced.has(client) || upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => void (silenced.has(client) || client.write(chunk)));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      silenced.delete(client);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    silence() {
      silent = true;
      for (const socket of sockets) silenced.add(socket);
    },
    restore() {
      cut = false;
      silent = false;
    },
    async close() {
      cut = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
