import type { Tenantry } from '../../src/server.ts';

/** Starts the server on a free loopback port (for clients that need a socket, like the openai SDK). */
export async function listen(tenantry: Tenantry): Promise<string> {
  if (!tenantry.app.server.listening) await tenantry.app.listen({ port: 0, host: '127.0.0.1' });
  const address = tenantry.app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}
