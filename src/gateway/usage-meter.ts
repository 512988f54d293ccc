import type { UsageRow } from '../store/gateway-settings.ts';

export interface UsageRecord {
  organizationId: string;
  projectId: string;
  apiKeyId: string | null;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** A request of a batch rather than an interactive one. */
  batch?: boolean;
  /** Unix seconds. */
  at: number;
}

/**
 * Adds up usage in memory per (project, key, model, batch or not, minute) and writes the sums every `flushMs`, so a
 * request never waits on a database write; `flush()` on shutdown loses nothing.
 */
export class UsageMeter {
  private buckets = new Map<string, UsageRow>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (rows: UsageRow[]) => Promise<void>,
    private readonly flushMs = 1000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  record(usage: UsageRecord): void {
    const bucketStart = usage.at - (usage.at % 60);
    const apiKeyId = usage.apiKeyId ?? '';
    const batch = usage.batch ? 1 : 0;
    const key = `${usage.projectId}\u0000${apiKeyId}\u0000${usage.model}\u0000${batch}\u0000${bucketStart}`;
    const row = this.buckets.get(key);
    if (row) {
      row.num_model_requests += 1;
      row.input_tokens += usage.inputTokens;
      row.output_tokens += usage.outputTokens;
    } else {
      this.buckets.set(key, {
        organization_id: usage.organizationId,
        project_id: usage.projectId,
        api_key_id: apiKeyId,
        model: usage.model,
        batch,
        bucket_start: bucketStart,
        num_model_requests: 1,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
      });
    }
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = [...this.buckets.values()];
    this.buckets = new Map();
    if (rows.length > 0) this.writing = this.writing.then(() => this.write(rows)).catch(this.onError);
    return this.writing;
  }
}
