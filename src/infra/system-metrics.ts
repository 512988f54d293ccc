import type { Store } from '../store/store.ts';
import type { Metrics } from './metrics.ts';

/** What the rate limiter tells of its Redis (gateway/rate-limiter.ts's LimiterHealth, by shape). */
interface LimiterCounters {
  health(): { redis?: 'ok' | 'degraded'; redis_failures_total: number; fallback_decisions_total: number; refused_decisions_total: number };
}

/**
 * The metrics read from the rest of the system at each scrape: the rate limiter's Redis counters
 * (kept by the limiter, which /healthz shows too), the fine-tuning and batch queues and the dedicated endpoints'
 * replica health (from the database, so every instance shows the same). Wired by the composition root.
 */
export function registerSystemMetrics(metrics: Metrics, { store, rateLimiter }: { store: Pick<Store, 'fineTuning' | 'endpointReplicas' | 'batches'>; rateLimiter: LimiterCounters }): void {
  metrics.counter({
    name: 'tenantry_rate_limiter_redis_failures_total',
    help: 'Redis commands of the rate limiter that failed, and connections to it lost or refused.',
    read: () => rateLimiter.health().redis_failures_total,
  });
  metrics.counter({
    name: 'tenantry_rate_limiter_fallback_decisions_total',
    help: 'Rate-limit decisions made with this instance\'s own counters because Redis was unreachable (fail_open).',
    read: () => rateLimiter.health().fallback_decisions_total,
  });
  metrics.counter({
    name: 'tenantry_rate_limiter_refused_decisions_total',
    help: 'Inference requests refused with 503 because Redis was unreachable (fail_closed).',
    read: () => rateLimiter.health().refused_decisions_total,
  });
  // Without REDIS_URL the counters are in memory: there is no Redis to be up or down.
  if (rateLimiter.health().redis !== undefined) {
    metrics.gauge({
      name: 'tenantry_rate_limiter_redis_up',
      help: '1 while the shared rate-limit counters in Redis answer, 0 while degraded.',
      read: () => [{ value: rateLimiter.health().redis === 'ok' ? 1 : 0 }],
    });
  }
  metrics.gauge({
    name: 'tenantry_fine_tuning_jobs',
    help: 'Fine-tuning jobs waiting or running, by status: the queue\'s depth.',
    labelNames: ['status'],
    read: async () => Object.entries(await store.fineTuning.countUnfinished()).map(([status, value]) => ({ labels: { status }, value })),
  });
  metrics.gauge({
    name: 'tenantry_batches_active',
    help: 'Batches the batch processor still works on (in progress, finalizing, cancelling): the batch queue\'s depth.',
    read: async () => [{ value: await store.batches.countActive() }],
  });
  metrics.gauge({
    name: 'tenantry_endpoint_replicas',
    help: 'Replicas of the dedicated endpoints, by health as the provisioner last found it.',
    labelNames: ['health'],
    read: async () => Object.entries(await store.endpointReplicas.countByHealth()).map(([health, value]) => ({ labels: { health }, value })),
  });
}
