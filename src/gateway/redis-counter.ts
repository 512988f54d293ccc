import { Redis } from 'ioredis';
import type { SharedWindowCounter } from './rate-limiter.ts';

/** How long one counter command may take before the limiter counts without Redis. */
const COMMAND_TIMEOUT_MS = 300;
const CONNECT_TIMEOUT_MS = 1_000;

/**
 * Rate-limit counters in Redis, shared by every server instance that uses the same REDIS_URL. Each
 * key lives two windows, so a minute's counts vanish on their own.
 *
 * Commands fail fast instead of queueing while Redis is away (no offline queue, no retries, a short
 * command timeout), so a request never waits on a dead Redis; the connection is retried in the
 * background forever, and `onConnectionChange` says when it is lost and when it is ready again.
 */
export function redisWindowCounter(url: string): SharedWindowCounter {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Back off up to two seconds between attempts, and never give up.
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
  });
  const listeners: Array<(ready: boolean, error?: unknown) => void> = [];
  const tell = (ready: boolean, error?: unknown) => {
    for (const listener of listeners) listener(ready, error);
  };
  redis.on('ready', () => tell(true));
  // Each failed reconnect attempt says 'error' again: listeners see every one and decide what to log.
  redis.on('error', (error: unknown) => tell(false, error));
  redis.on('close', () => tell(false));
  const keyOf = (key: string, window: number) => `tenantry:rl:${window}:${key}`;
  return {
    async add(key, window, amount) {
      const name = keyOf(key, window);
      const replies = await redis.multi().incrby(name, amount).expire(name, 120).exec();
      const [error, count] = replies?.[0] ?? [new Error('the transaction was discarded'), null];
      if (error) throw error;
      return Number(count);
    },
    async get(key, window) {
      return Number((await redis.get(keyOf(key, window))) ?? 0);
    },
    isReady: () => redis.status === 'ready',
    onConnectionChange(listener) {
      listeners.push(listener);
    },
    whenReady(timeoutMs) {
      if (redis.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ready: boolean) => {
          clearTimeout(timer);
          redis.off('ready', onReady);
          resolve(ready);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        timer.unref();
        redis.once('ready', onReady);
      });
    },
    reconnect() {
      // A command that timed out on a connection that still looks open (a silent network): start a
      // fresh connection, whose 'ready' then says that Redis answers again.
      if (redis.status === 'ready') redis.disconnect(true);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
