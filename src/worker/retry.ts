import { ServerRefusal } from './client.ts';

/** How a worker retries a transfer (a file download, a result upload, the final report). */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 means no retry. */
  attempts: number;
  /** The wait before the second attempt; each later wait doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 15_000 };

/**
 * Worth trying again: the network failed, the body was cut, or the server (or a proxy before it)
 * answered 5xx or 429. Any other 4xx is the server's considered answer (the lease is lost, the job or
 * file is not this worker's, the token is wrong): asking again would get the same.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ServerRefusal) return error.status >= 500 || error.status === 429;
  return true;
}

/** fetch reports a network failure as "fetch failed" and puts the reason in `cause`; a refusal names its status. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ServerRefusal) return message.includes(String(error.status)) ? message : `${message} (HTTP ${error.status})`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== message ? `${message} (${cause})` : message;
}

/** Exponential backoff with "equal jitter": between half and all of base * 2^(n-1), capped. */
export function backoffDelayMs(failedAttempts: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** The transfer failed for good: every attempt was used (or the failure was not transient). */
export class TransferFailed extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with backoff. Gives up early, with
 * the last failure, once `abandoned()` says the job is no longer this worker's. A refusal that is not
 * transient is rethrown as it is, so callers can tell "the server said no" from "we could not get
 * through": only the latter becomes TransferFailed.
 */
export async function withRetries<T>(
  what: string,
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  hooks: { log: (message: string) => void; abandoned: () => boolean },
): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (n >= policy.attempts || hooks.abandoned()) {
        throw new TransferFailed(`could not ${what} after ${n} attempt${n === 1 ? '' : 's'}: ${describeError(error)}`, n, error);
      }
      const delay = backoffDelayMs(n, policy);
      hooks.log(`${what} failed (attempt ${n} of ${policy.attempts}: ${describeError(error)}); retrying in ${(delay / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
