import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** How much of a refused body is read and thrown away, and for how long, before the connection is cut. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_LIMIT_MS = 30_000;

/**
 * An answer given before the request's body was read to its end (an upload refused at its first field,
 * a file over the size limit, a body too large) would otherwise leave the rest of the body unread: Node
 * stops reading a request once something has consumed part of it, so the client stays blocked writing
 * into a connection nobody reads, and a fetch-based client (undici, the openai SDK) never completes.
 *
 * After such an answer the rest is read and discarded, so the client finishes sending and reads the
 * answer, and the connection is reusable; past the bounds the connection is closed instead.
 */
export function registerUnreadBodyRelease(app: FastifyInstance): void {
  app.addHook('onResponse', (request, _reply, done) => {
    // `complete` is false only on a real socket's request whose body has not all arrived (an injected
    // request has no such field).
    if ((request.raw as Partial<IncomingMessage>).complete === false) discardRest(request.raw);
    done();
  });
}

function discardRest(raw: IncomingMessage): void {
  const socket = raw.socket;
  let bytes = 0;
  const cut = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(cut, DRAIN_LIMIT_MS);
  timer.unref();
  // Whatever was reading the body (a multipart parser) lets go of it first.
  raw.unpipe();
  raw.removeAllListeners('data');
  raw.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DRAIN_LIMIT_BYTES) cut();
  });
  raw.once('end', () => clearTimeout(timer));
  raw.once('close', () => clearTimeout(timer));
  raw.on('error', () => clearTimeout(timer));
  raw.resume();
}
