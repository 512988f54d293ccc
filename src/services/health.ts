import type { LimiterHealth, RateLimiter } from '../gateway/rate-limiter.ts';
import type { Store } from '../store/store.ts';

/** What /healthz reports: whether the database answers, and the rate limiter's state. */
export interface HealthReport {
  database: 'ok' | 'unavailable';
  limiter: LimiterHealth;
}

/**
 * The health check. A database that does not answer makes the instance unhealthy; Redis down only
 * degrades rate limiting (see rate_limits.redis_unavailable), so it is reported, not fatal.
 */
export function createHealthCheck(deps: { store: Store; limiter: RateLimiter }) {
  return {
    async check(): Promise<HealthReport> {
      const limiter = deps.limiter.health();
      try {
        await deps.store.ping();
      } catch {
        return { database: 'unavailable', limiter };
      }
      return { database: 'ok', limiter };
    },
  };
}
