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

export function createRateLimiter(counter: WindowCounter, nowMs: () => number = Date.now) {
  return {
    /** Counts one request and decides; the answer's headers go on every inference answer. */
    async admit(key: string, limits: Limits): Promise<RateDecision> {
      const now = nowMs();
      const window = Math.floor(now / WINDOW_MS);
      const resetSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
      const [requests, tokens] = await Promise.all([counter.add(`r:${key}`, window, 1), counter.get(`t:${key}`, window)]);
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

    /** Counts the tokens an answer used, once they are known. */
    async spend(key: string, tokens: number): Promise<void> {
      if (tokens > 0) await counter.add(`t:${key}`, Math.floor(nowMs() / WINDOW_MS), tokens);
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
