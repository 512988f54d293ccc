import type { FastifyInstance } from 'fastify';

/** What the HTTP layer tells about each request (infra/metrics.ts counts it). */
export interface RequestObserver {
  started(): void;
  finished(method: string, route: string, status: number, seconds: number): void;
}

/** A status for an answer the client did not wait for (nginx's): nothing was answered in full. */
const CLIENT_WENT_AWAY = 499;

/**
 * Counts every request by its route's pattern (an unknown path is `unmatched`, so that scanners
 * cannot grow the label set) and times it until its answer's last byte: the response's `close`
 * comes for a whole answer, a hijacked stream and a client gone away alike, where Fastify's
 * onResponse misses the last.
 */
export function registerRequestMetrics(app: FastifyInstance, observer: RequestObserver): void {
  app.addHook('onRequest', (request, reply, done) => {
    const startedAt = performance.now();
    observer.started();
    reply.raw.once('close', () => {
      // Ended: the whole answer was handed to the socket (writableFinished would also wait for its flush).
      const status = reply.raw.writableEnded ? reply.raw.statusCode : CLIENT_WENT_AWAY;
      observer.finished(request.method, request.routeOptions.url ?? 'unmatched', status, (performance.now() - startedAt) / 1000);
    });
    done();
  });
}
