import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.ts';

/**
 * A request that reaches the server while it shuts down (on a keep-alive connection still open) is
 * refused with 503 in the one error shape, instead of Fastify's own body, and its connection closed.
 * Replaces Fastify's `return503OnClosing`, which the app turns off.
 */
export function registerShutdownRefusal(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply
      .status(503)
      .header('connection', 'close')
      .header('retry-after', '1')
      .send(errorBody('api_error', 'The server is shutting down; send the request again.', null, 'server_shutting_down'));
  });
}
