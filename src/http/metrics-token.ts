import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError, NotFoundError } from '../services/errors.ts';

/** Both sides hashed first: equal lengths, so the comparison's time says nothing of the token, its length included. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * GET /metrics answers only a scraper with the metrics token. Without a configured token there are
 * no metrics to see: 404, as for any unknown path. A missing or wrong token is a 401.
 */
export function authenticateScraper(request: FastifyRequest, metricsToken: string | undefined): void {
  if (!metricsToken) throw new NotFoundError('path: metrics are off (set TENANTRY_METRICS_TOKEN or metrics.token)');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match || !timingSafeEqual(digest(match[1]!), digest(metricsToken))) {
    throw new AuthenticationError('The metrics token is missing or not valid: send "Authorization: Bearer <metrics token>".', 'invalid_metrics_token');
  }
}
