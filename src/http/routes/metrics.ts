import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { METRICS } from '../route-access.ts';

/** The exposition text of the server's metrics (infra/metrics.ts) and its content type. */
export type Scrape = () => Promise<{ contentType: string; text: string }>;

/**
 * GET /metrics, in Prometheus' text format, for a scraper holding the metrics token (checked by
 * authentication before this runs). Not in the OpenAPI document: it is for operators, not the API.
 */
export function metricsRoutes(scrape: Scrape): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/metrics', { config: { access: METRICS }, schema: { hide: true } }, async (_request, reply) => {
      const { contentType, text } = await scrape();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(text);
    });
  };
}
