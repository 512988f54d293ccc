import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that can fail the way networks do: silently. It relays bytes both
 * ways until told to make one kind of connection deaf (bytes from the server no longer arrive, the
 * connection stays open, nothing errors), or to swallow the NOTIFYs a server sends. It reads just
 * enough of the protocol's text to tell the connections apart.
 */
export interface PgFaultProxy {
  /** A connection string to the same database through the proxy. */
  url: string;
  /** The connections that have run LISTEN so far hear nothing more (later ones work). */
  deafenListeners(): void;
  /** From now on the NOTIFYs sent through the proxy go to a channel nobody listens on. */
  swallowNotifies(): void;
  close(): Promise<void>;
}

export async function startPgFaultProxy(databaseUrl: string): Promise<PgFaultProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const listeners = new Set<Socket>();
  const deaf = new Set<Socket>();
  let dropNotifies = false;

  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (text.includes('LISTEN tenantry_invalidations')) listeners.add(client);
      if (deaf.has(client)) return;
      // The channel's name is rewritten in place (same length, so the protocol's framing holds): the
      // query succeeds, and its notification goes where nobody listens.
      if (dropNotifies && text.includes('tenantry_invalidations') && !text.includes('LISTEN')) {
        upstream.write(Buffer.from(text.replaceAll('tenantry_invalidations', 'tenantry_invalidationX'), 'latin1'));
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (deaf.has(client)) return;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      listeners.delete(client);
      deaf.delete(client);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    deafenListeners: () => {
      for (const listener of listeners) deaf.add(listener);
    },
    swallowNotifies: () => {
      dropNotifies = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
