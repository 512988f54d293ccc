import type { ReplicaInterval } from '../store/endpoint-replicas.ts';
import { usdOfMicro } from '../lib/money.ts';

/** USD per replica-hour of an endpoint running this base model. */
export type ReplicaHourPriceOf = (model: string) => number;

/** One dedicated endpoint's replica time within one bucket, and what it cost. */
export interface ReplicaSpend {
  endpoint_id: string;
  project_id: string;
  model: string;
  replica_seconds: number;
  amount: { value: number; currency: 'usd' };
}

/**
 * Splits replica lifetimes across buckets of `width` seconds from `start` (a running replica counted
 * up to `now`), one result per endpoint and bucket: amount = replica-hours × the model's price,
 * summed exactly in micro-dollars and rounded once per result.
 */
export function replicaSpendByBucket(
  intervals: ReplicaInterval[],
  window: { start: number; end: number; width: number; now: number },
  priceOf: ReplicaHourPriceOf,
): Map<number, ReplicaSpend[]> {
  const byBucket = new Map<number, Map<string, ReplicaSpend>>();
  for (const interval of intervals) {
    const from = Math.max(interval.started_at, window.start);
    const to = Math.min(interval.ended_at ?? window.now, window.end, Math.max(window.now, interval.started_at));
    for (let bucket = window.start + Math.floor((from - window.start) / window.width) * window.width; bucket < to; bucket += window.width) {
      const seconds = Math.min(to, bucket + window.width) - Math.max(from, bucket);
      if (seconds <= 0) continue;
      const lines = byBucket.get(bucket) ?? new Map<string, ReplicaSpend>();
      const line = lines.get(interval.endpoint_id) ?? { endpoint_id: interval.endpoint_id, project_id: interval.project_id, model: interval.model, replica_seconds: 0, amount: { value: 0, currency: 'usd' } };
      line.replica_seconds += seconds;
      lines.set(interval.endpoint_id, line);
      byBucket.set(bucket, lines);
    }
  }
  const result = new Map<number, ReplicaSpend[]>();
  for (const [bucket, lines] of byBucket) {
    for (const line of lines.values()) line.amount.value = usdOfMicro((line.replica_seconds * priceOf(line.model) * 1_000_000) / 3600);
    result.set(bucket, [...lines.values()]);
  }
  return result;
}
