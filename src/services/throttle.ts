/**
 * Counts events per key in a sliding window, in memory. Used for failed logins and signups; a
 * deployment of several instances counts per instance (Redis-backed counters come with the gateway).
 */
export class SlidingWindowCounter {
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly windowSeconds: number,
    private readonly now: () => number,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.windowSeconds;
    const list = (this.events.get(key) ?? []).filter((at) => at > since);
    if (list.length === 0) this.events.delete(key);
    else this.events.set(key, list);
    return list;
  }

  count(key: string): number {
    return this.recent(key).length;
  }

  /** Seconds until the oldest counted event leaves the window. */
  retryAfter(key: string): number {
    const oldest = this.recent(key)[0];
    return oldest === undefined ? 0 : Math.max(1, oldest + this.windowSeconds - this.now());
  }

  record(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    this.events.set(key, list);
  }

  reset(key: string): void {
    this.events.delete(key);
  }
}
