import type { UsageRow } from '../store/gateway-settings.ts';
import type { Store } from '../store/store.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { InvalidRequestError } from './errors.ts';
import type { Principal } from '../access/principal.ts';
import { tokenCostMicroUsd, usdOfMicro, type TokenPrice } from '../lib/money.ts';
import { replicaSpendByBucket, type ReplicaHourPriceOf } from './replica-spend.ts';

/** A model's token price, or undefined: its tokens cost nothing. */
export type PriceOf = (model: string) => TokenPrice | undefined;

export type BucketWidth = '1m' | '1h' | '1d';
export type GroupField = 'project_id' | 'api_key_id' | 'model' | 'batch';

export interface UsageQuery {
  start_time: number;
  end_time?: number | undefined;
  bucket_width: BucketWidth;
  group_by: GroupField[];
  /** Only batch requests (true) or only interactive ones (false); both when absent. */
  batch?: boolean | undefined;
}

export interface UsageResult {
  project_id: string | null;
  api_key_id: string | null;
  model: string | null;
  /** Present when grouped by `batch`: whether these requests came from batches. */
  batch?: boolean;
  num_model_requests: number;
  input_tokens: number;
  output_tokens: number;
  /** What the tokens cost at the configured prices, like OpenAI's costs API. */
  amount: { value: number; currency: 'usd' };
  /** Spend only: a dedicated endpoint's replica-hours line (no tokens), priced per replica-hour. */
  endpoint_id?: string;
  replica_seconds?: number;
}

export interface UsageBucket {
  start_time: number;
  end_time: number;
  results: UsageResult[];
}

const WIDTH_SECONDS: Record<BucketWidth, number> = { '1m': 60, '1h': 3600, '1d': 86400 };

/** Sums one-minute usage rows into buckets of the asked width, grouped by the asked fields. */
export function aggregateUsage(rows: UsageRow[], query: UsageQuery & { end_time: number }, priceOf: PriceOf): UsageBucket[] {
  const width = WIDTH_SECONDS[query.bucket_width];
  const buckets = new Map<number, Map<string, UsageResult>>();
  const byBatch = query.group_by.includes('batch');
  // Summed in micro-dollars, exact to the fraction; rounded once per result.
  const micro = new Map<UsageResult, number>();
  for (const row of rows) {
    if (query.batch !== undefined && (row.batch === 1) !== query.batch) continue;
    const start = query.start_time + Math.floor((row.bucket_start - query.start_time) / width) * width;
    const results = buckets.get(start) ?? new Map<string, UsageResult>();
    const result: UsageResult = {
      project_id: query.group_by.includes('project_id') ? row.project_id : null,
      api_key_id: query.group_by.includes('api_key_id') ? row.api_key_id || null : null,
      model: query.group_by.includes('model') ? row.model : null,
      ...(byBatch ? { batch: row.batch === 1 } : {}),
      num_model_requests: 0,
      input_tokens: 0,
      output_tokens: 0,
      amount: { value: 0, currency: 'usd' },
    };
    const key = `${result.project_id}|${result.api_key_id}|${result.model}|${result.batch}`;
    const sum = results.get(key) ?? result;
    sum.num_model_requests += row.num_model_requests;
    sum.input_tokens += row.input_tokens;
    sum.output_tokens += row.output_tokens;
    const cost = (micro.get(sum) ?? 0) + tokenCostMicroUsd(priceOf(row.model), row.input_tokens, row.output_tokens);
    micro.set(sum, cost);
    sum.amount.value = usdOfMicro(cost);
    results.set(key, sum);
    buckets.set(start, results);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, results]) => ({ start_time: start, end_time: start + width, results: [...results.values()] }));
}

/** Usage of an organization (admins and billing managers) or of one project (its readers). */
export function createUsageService(deps: { store: Store; clock: Clock; authorizer: Authorizer; flush: () => Promise<void>; priceOf: PriceOf; replicaHourPriceOf: ReplicaHourPriceOf }) {
  const { store, clock, authorizer, priceOf } = deps;

  function window(query: UsageQuery): UsageQuery & { end_time: number } {
    const end = query.end_time ?? clock() + 1;
    if (end <= query.start_time) throw new InvalidRequestError('end_time must be after start_time.', 'end_time');
    return { ...query, end_time: end };
  }

  async function ofOrganization(organizationId: string, query: UsageQuery): Promise<UsageBucket[]> {
    const range = window(query);
    await deps.flush();
    return aggregateUsage(await store.gateway.usage({ organizationId, start: range.start_time, end: range.end_time }), range, priceOf);
  }

  async function ofProject(projectId: string, query: UsageQuery): Promise<UsageBucket[]> {
    const range = window(query);
    await deps.flush();
    return aggregateUsage(await store.gateway.usage({ projectId, start: range.start_time, end: range.end_time }), range, priceOf);
  }

  /**
   * Token lines as usage answers them, then one line per dedicated endpoint and bucket for its
   * replica-hours. Replicas serve no batch, so a spend of batch requests only has none.
   */
  async function withReplicaHours(scope: { organizationId: string } | { projectId: string }, query: UsageQuery, tokens: (range: UsageQuery & { end_time: number }) => Promise<UsageBucket[]>): Promise<UsageBucket[]> {
    const range = window(query);
    const buckets = await tokens(range);
    if (range.batch === true) return buckets;
    const width = WIDTH_SECONDS[range.bucket_width];
    const intervals = await store.endpointReplicas.intervals(scope, range.start_time, range.end_time);
    const lines = replicaSpendByBucket(intervals, { start: range.start_time, end: range.end_time, width, now: clock() }, deps.replicaHourPriceOf);
    const byStart = new Map(buckets.map((b) => [b.start_time, b]));
    for (const [start, spends] of lines) {
      const bucket = byStart.get(start) ?? { start_time: start, end_time: start + width, results: [] };
      byStart.set(start, bucket);
      for (const line of spends) bucket.results.push({ ...line, api_key_id: null, num_model_requests: 0, input_tokens: 0, output_tokens: 0 });
    }
    return [...byStart.values()].sort((a, b) => a.start_time - b.start_time);
  }

  return {
    async organization(principal: Principal, organizationId: string, query: UsageQuery): Promise<UsageBucket[]> {
      await authorizer.organization(principal, organizationId, 'usage.organization');
      return ofOrganization(organizationId, query);
    },

    async project(principal: Principal, projectId: string, query: UsageQuery): Promise<UsageBucket[]> {
      await authorizer.project(principal, projectId, 'usage.project');
      return ofProject(projectId, query);
    },

    /** The organization's spend: its usage at the configured prices (org admins and billing managers). */
    async organizationSpend(principal: Principal, organizationId: string, query: UsageQuery): Promise<UsageBucket[]> {
      await authorizer.organization(principal, organizationId, 'usage.organization_spend');
      return withReplicaHours({ organizationId }, query, (range) => ofOrganization(organizationId, range));
    },

    /** One project's spend (its readers). */
    async projectSpend(principal: Principal, projectId: string, query: UsageQuery): Promise<UsageBucket[]> {
      await authorizer.project(principal, projectId, 'usage.project_spend');
      return withReplicaHours({ projectId }, query, (range) => ofProject(projectId, range));
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
