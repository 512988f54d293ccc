import { Redis } from 'ioredis';
import type { WindowCounter } from './rate-limiter.ts';

/**
 * Rate-limit counters in Redis, shared by every server instance that uses the same REDIS_URL. Each
 * key lives two windows, so a minute's counts vanish on their own.
 */
export function redisWindowCounter(url: string, onError: (error: unknown) => void): WindowCounter & { close(): Promise<void> } {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', onError);
  const keyOf = (key: string, window: number) => `tenantry:rl:${window}:${key}`;
  return {
    async add(key, window, amount) {
      const name = keyOf(key, window);
      const [[, count]] = (await redis.multi().incrby(name, amount).expire(name, 120).exec()) as [[Error | null, number]];
      return Number(count);
    },
    async get(key, window) {
      return Number((await redis.get(keyOf(key, window))) ?? 0);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
