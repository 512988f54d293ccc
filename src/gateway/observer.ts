/**
 * What the engine tells about each call as it goes, for metrics: the composition root gives it an
 * observer (the Prometheus one of infra/metrics.ts); the engine knows nothing of how it is counted.
 * Every method is called on the hot path: it must not throw nor wait.
 */
export interface GatewayObserver {
  /** A call over its rate limit was refused (429). */
  rateLimited(model: string): void;
  /** The upstream sent its status line and headers `seconds` after the request went out. */
  upstreamAnswered(model: string, status: number, seconds: number): void;
  /** The upstream could not be reached or did not answer in time (502/504, before any answer). */
  upstreamFailed(model: string, reason: 'timeout' | 'unreachable'): void;
  /** A stream's first chunk came `seconds` after the request went out. */
  firstToken(model: string, seconds: number): void;
}

export const NO_OBSERVER: GatewayObserver = {
  rateLimited: () => {},
  upstreamAnswered: () => {},
  upstreamFailed: () => {},
  firstToken: () => {},
};
