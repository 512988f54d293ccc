import { Redis } from 'ioredis';
import type { SharedSpendCounter, Spend } from './budget-guard.ts';

const COMMAND_TIMEOUT_MS = 300;
const CONNECT_TIMEOUT_MS = 1_000;
/** A month and a few days: a counter outlives its period, then vanishes on its own. */
const TTL_SECONDS = 35 * 24 * 3600;

/**
 * Budget spend counters in Redis, shared by every instance with the same REDIS_URL: one hash per
 * scope and period (`micro` in micro-dollars, `tokens`). Like the rate-limit counters, commands fail fast
 * while Redis is away (the guard then counts per instance) and the connection is retried in the background.
 */
export function redisSpendCounter(url: string): SharedSpendCounter {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
  });
  // Errors reach the guard through the commands that fail; the connection's own are not news.
  redis.on('error', () => {});
  const keyOf = (key: string) => `tenantry:spend:${key}`;
  const spendOf = (values: Array<string | null>): Spend => ({ micro: Number(values[0] ?? 0), tokens: Number(values[1] ?? 0) });

  async function exec(multi: ReturnType<Redis['multi']>): Promise<unknown[]> {
    const replies = await multi.exec();
    if (!replies) throw new Error('the transaction was discarded');
    return replies.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
  }

  return {
    async seed(entries) {
      const multi = redis.multi();
      for (const [key, spend] of entries) {
        multi.hsetnx(keyOf(key), 'micro', String(spend.micro)).hsetnx(keyOf(key), 'tokens', String(spend.tokens)).expire(keyOf(key), TTL_SECONDS).hmget(keyOf(key), 'micro', 'tokens');
      }
      const replies = await exec(multi);
      return entries.map((_, index) => spendOf(replies[index * 4 + 3] as Array<string | null>));
    },
    async add(key, spend) {
      const replies = await exec(redis.multi().hincrbyfloat(keyOf(key), 'micro', spend.micro).hincrby(keyOf(key), 'tokens', spend.tokens).expire(keyOf(key), TTL_SECONDS));
      return { micro: Number(replies[0]), tokens: Number(replies[1]) };
    },
    async read(keys) {
      const multi = redis.multi();
      for (const key of keys) multi.hmget(keyOf(key), 'micro', 'tokens');
      const replies = await exec(multi);
      return replies.map((reply) => spendOf(reply as Array<string | null>));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
