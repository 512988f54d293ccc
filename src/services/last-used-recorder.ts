/**
 * Collects "last used at" times in memory and writes them in one batch now and then, so that the
 * request path never waits on a write. Each id is written at most once per `minIntervalSeconds`.
 */
export class LastUsedRecorder {
  private pending = new Map<string, number>();
  private readonly written = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (batch: Map<string, number>) => Promise<void>,
    private readonly minIntervalSeconds = 60,
    private readonly flushEveryMs = 5_000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Notes a use; `lastWritten` is the value the caller already knows to be stored. */
  note(id: string, at: number, lastWritten: number): void {
    const known = Math.max(lastWritten, this.written.get(id) ?? 0);
    if (at - known < this.minIntervalSeconds) return;
    this.pending.set(id, at);
    this.timer ??= setTimeout(() => void this.flush(), this.flushEveryMs).unref();
  }

  /** The newest time noted or written for the id, for callers that cache the stored value. */
  latest(id: string): number | undefined {
    return this.pending.get(id) ?? this.written.get(id);
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.pending;
    if (batch.size === 0) return this.flushing;
    this.pending = new Map();
    for (const [id, at] of batch) this.written.set(id, at);
    this.flushing = this.flushing.then(() => this.write(batch)).catch(this.onError);
    return this.flushing;
  }

  forget(id: string): void {
    this.pending.delete(id);
    this.written.delete(id);
  }
}
