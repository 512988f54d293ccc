/**
 * A read-through cache whose entries are grouped into partitions that are invalidated together.
 *
 * A load that started before an invalidation of its partition is not stored when it finishes: it may
 * have read rows from before the change. That closes the race between a slow read and a commit.
 *
 * Invalidations can be lost (another instance's NOTIFY that never arrived), so an entry is also read
 * again once it is `maxAgeMs` old: that bounds how long a lost invalidation can keep it stale.
 */
interface Entry<V> {
  value: V;
  loadedAt: number;
}

export class GenerationalCache<V> {
  private readonly partitions = new Map<string, Map<string, Entry<V>>>();
  private readonly generations = new Map<string, number>();
  private size = 0;
  private epoch = 0;

  constructor(
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
    private readonly maxEntries = 200_000,
  ) {}

  peek(partition: string, key: string): V | undefined {
    const entry = this.partitions.get(partition)?.get(key);
    return entry && performance.now() - entry.loadedAt < this.maxAgeMs ? entry.value : undefined;
  }

  async get(partition: string, key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(partition, key);
    if (hit !== undefined) return hit;
    const generation = this.generations.get(partition) ?? 0;
    const epoch = this.epoch;
    const loadedAt = performance.now();
    const value = await load();
    if ((this.generations.get(partition) ?? 0) === generation && this.epoch === epoch) this.set(partition, key, { value, loadedAt });
    return value;
  }

  private set(partition: string, key: string, entry: Entry<V>): void {
    if (this.size >= this.maxEntries) this.clear();
    let entries = this.partitions.get(partition);
    if (!entries) {
      entries = new Map();
      this.partitions.set(partition, entries);
    }
    if (!entries.has(key)) this.size += 1;
    entries.set(key, entry);
  }

  invalidate(partition: string): void {
    this.generations.set(partition, (this.generations.get(partition) ?? 0) + 1);
    const entries = this.partitions.get(partition);
    if (entries) {
      this.size -= entries.size;
      this.partitions.delete(partition);
    }
  }

  /** Drops everything; loads in flight are not stored either. */
  clear(): void {
    this.epoch += 1;
    this.partitions.clear();
    this.size = 0;
  }
}
