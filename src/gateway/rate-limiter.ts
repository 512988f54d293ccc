/**
 * Per project and model, requests and tokens per minute, counted in fixed one-minute windows. The
 * counter sits behind an interface: in memory by default; a shared store (Redis) lets several
 * instances share one limit.
 */
export interface WindowCounter {
  /** Adds `amount` to the key's count in `window` and answers the new count. */
  add(key: string, window: number, amount: number): Promise<number>;
  get(key: string, window: number): Promise<number>;
}

export function memoryWindowCounter(): WindowCounter {
  const counts = new Map<string, number>();
  let currentWindow = -1;
  const forgetOld = (window: number) => {
    // Only the current window matters: drop the rest when the minute turns.
    if (window !== currentWindow) {
      counts.clear();
      currentWindow = window;
    }
  };
  return {
    async add(key, window, amount) {
      forgetOld(window);
      const next = (counts.get(key) ?? 0) + amount;
      counts.set(key, next);
      return next;
    },
    async get(key, window) {
      forgetOld(window);
      return counts.get(key) ?? 0;
    },
  };
}

export interface Limits {
  max_requests_per_1_minute: number;
  max_tokens_per_1_minute: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * A counter several instances share (Redis). Its commands fail fast while it is unreachable; it
 * tells when its connection is lost and when it is ready again.
 */
export interface SharedWindowCounter extends WindowCounter {
  isReady(): boolean;
  /** Called with `true` when the connection is ready, `false` (and the error, if any) when it is not. */
  onConnectionChange(listener: (ready: boolean, error?: unknown) => void): void;
  /** Resolves `true` once ready, or `false` after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean>;
  /** Drops a connection that looks open but did not answer, so that a fresh one is made. */
  reconnect(): void;
  close(): Promise<void>;
}

/** What the limiter does while the shared counter is unreachable (`rate_limits.redis_unavailable`). */
export type SharedCounterPolicy = 'fail_open' | 'fail_closed';

/** Raised by `admit` under `fail_closed` while the shared counter is unreachable. */
export class RateLimiterUnavailableError extends Error {
  constructor() {
    super('the shared rate-limit counters are unreachable');
  }
}

export interface LimiterHealth {
  /** Absent without a shared counter. */
  redis?: 'ok' | 'degraded';
  policy: SharedCounterPolicy;
  /** Redis commands that failed, and connections lost or refused. */
  redis_failures_total: number;
  /** Decisions (and token counts) made with this instance's own counters because Redis was unreachable. */
  fallback_decisions_total: number;
  /** Requests refused because Redis was unreachable (fail_closed). */
  refused_decisions_total: number;
}

export interface RateLimiterOptions {
  /** Shared counters; without them the limiter counts in memory, per instance. */
  shared?: SharedWindowCounter | undefined;
  policy?: SharedCounterPolicy;
  /** Says once when the shared counter goes away and once when it is back; never per request. */
  log?: (level: 'warn' | 'info', message: string, fields: Record<string, unknown>) => void;
  nowMs?: () => number;
}

/**
 * Counts with the shared counter while it answers. When it fails (or is known to be down), the
 * decision is made with this instance's memory counter (fail_open: limits still hold per instance) or
 * refused (fail_closed). While it is down it is not tried; its connection's 'ready' brings it back.
 */
export function createRateLimiter(options: RateLimiterOptions = {}) {
  const { shared, policy = 'fail_open' } = options;
  const nowMs = options.nowMs ?? Date.now;
  const log = options.log ?? (() => {});
  const local = memoryWindowCounter();
  const stats = { redis_failures_total: 0, fallback_decisions_total: 0, refused_decisions_total: 0 };
  let sharedDown = false;

  const markDown = (error: unknown) => {
    stats.redis_failures_total += 1;
    if (sharedDown) return;
    sharedDown = true;
    const behaviour = policy === 'fail_open' ? 'counting per instance until it is back' : 'refusing inference until it is back';
    log('warn', `rate-limit counters in Redis are unreachable: ${behaviour}`, { policy, error: (error as Error | undefined)?.message ?? 'connection closed' });
  };
  const markUp = () => {
    if (!sharedDown) return;
    sharedDown = false;
    log('info', 'rate-limit counters in Redis answer again: limits are shared again', { policy });
  };
  shared?.onConnectionChange((ready, error) => (ready ? markUp() : markDown(error)));

  /**
   * Runs `work` on the shared counter; when that is unreachable, on this instance's counter
   * (fail_open) or not at all: `refuse` answers instead (fail_closed).
   */
  async function withCounter<T>(work: (counter: WindowCounter) => Promise<T>, refuse: () => T): Promise<T> {
    if (!shared) return work(local);
    if (!sharedDown && shared.isReady()) {
      try {
        return await work(shared);
      } catch (error) {
        markDown(error);
        shared.reconnect();
      }
    }
    if (policy === 'fail_closed') return refuse();
    stats.fallback_decisions_total += 1;
    return work(local);
  }

  return {
    /**
     * Counts one request and decides; the answer's headers go on every inference answer. Under
     * fail_closed it throws RateLimiterUnavailableError while Redis is unreachable.
     */
    async admit(key: string, limits: Limits): Promise<RateDecision> {
      const now = nowMs();
      const window = Math.floor(now / WINDOW_MS);
      const resetSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
      const [requests, tokens] = await withCounter((counter) => Promise.all([counter.add(`r:${key}`, window, 1), counter.get(`t:${key}`, window)]), () => {
        stats.refused_decisions_total += 1;
        throw new RateLimiterUnavailableError();
      });
      const allowed = requests <= limits.max_requests_per_1_minute && tokens < limits.max_tokens_per_1_minute;
      return {
        allowed,
        retryAfterSeconds: resetSeconds,
        headers: {
          'x-ratelimit-limit-requests': String(limits.max_requests_per_1_minute),
          'x-ratelimit-remaining-requests': String(Math.max(0, limits.max_requests_per_1_minute - requests)),
          'x-ratelimit-reset-requests': `${resetSeconds}s`,
          'x-ratelimit-limit-tokens': String(limits.max_tokens_per_1_minute),
          'x-ratelimit-remaining-tokens': String(Math.max(0, limits.max_tokens_per_1_minute - tokens)),
          'x-ratelimit-reset-tokens': `${resetSeconds}s`,
        },
      };
    },

    /**
     * Admits a request that may use only `share` (0..1] of the limits, counted in the same windows as
     * every other request to the key: a batch's requests. The request is counted first and, when that
     * goes past the share, counted off again: concurrent callers never pass the share together, and a
     * refusal leaves nothing behind (an interactive request arriving in that instant sees one more).
     */
    async admitShare(key: string, limits: Limits, share: number): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
      const now = nowMs();
      const window = Math.floor(now / WINDOW_MS);
      const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
      const maxRequests = Math.max(1, Math.floor(limits.max_requests_per_1_minute * share));
      const maxTokens = Math.max(1, Math.floor(limits.max_tokens_per_1_minute * share));
      return withCounter(
        async (counter) => {
          const [requests, tokens] = await Promise.all([counter.add(`r:${key}`, window, 1), counter.get(`t:${key}`, window)]);
          if (requests <= maxRequests && tokens < maxTokens) return { allowed: true, retryAfterSeconds };
          await counter.add(`r:${key}`, window, -1);
          return { allowed: false, retryAfterSeconds };
        },
        () => {
          stats.refused_decisions_total += 1;
          throw new RateLimiterUnavailableError();
        },
      );
    },

    /**
     * Counts the tokens an answer used, once they are known. Called after the answer went out, so it
     * never rejects: under fail_closed the tokens of an answer that ended while Redis was away are lost.
     */
    async spend(key: string, tokens: number): Promise<void> {
      if (tokens <= 0) return;
      const window = Math.floor(nowMs() / WINDOW_MS);
      await withCounter(
        (counter) => counter.add(`t:${key}`, window, tokens).then(() => {}),
        () => {},
      ).catch(() => {
        // Only the memory counter is left to fail here, and it does not.
      });
    },

    health(): LimiterHealth {
      return { ...(shared ? { redis: sharedDown || !shared.isReady() ? 'degraded' : 'ok' } : {}), policy, ...stats };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
