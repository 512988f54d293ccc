import { sql } from 'kysely';
import type { Executor } from './executor.ts';

export interface ModelPermissionsRecord {
  mode: 'allow_list' | 'deny_list';
  model_ids: string[];
  updated_at: number;
}

export interface RateLimitRecord {
  model: string;
  max_requests_per_1_minute: number;
  max_tokens_per_1_minute: number;
}

export interface UsageRow {
  organization_id: string;
  project_id: string;
  api_key_id: string;
  model: string;
  /** 1 for requests of a batch, 0 for interactive ones. */
  batch: number;
  bucket_start: number;
  num_model_requests: number;
  input_tokens: number;
  output_tokens: number;
}

export interface UsageTotal {
  project_id: string;
  /** '' for calls made without an API key (a session). */
  api_key_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
}

/** What a project allows on the inference path, and what it used. */
export function gatewayRepository(db: Executor) {
  return {
    async modelPermissions(projectId: string): Promise<ModelPermissionsRecord | undefined> {
      const row = await db.selectFrom('model_permissions').selectAll().where('project_id', '=', projectId).executeTakeFirst();
      return row && { mode: row.mode, model_ids: JSON.parse(row.model_ids) as string[], updated_at: Number(row.updated_at) };
    },

    async setModelPermissions(projectId: string, value: ModelPermissionsRecord): Promise<void> {
      await db
        .insertInto('model_permissions')
        .values({ project_id: projectId, mode: value.mode, model_ids: JSON.stringify(value.model_ids), updated_at: value.updated_at })
        .onConflict((oc) => oc.column('project_id').doUpdateSet({ mode: value.mode, model_ids: JSON.stringify(value.model_ids), updated_at: value.updated_at }))
        .execute();
    },

    async rateLimits(projectId: string): Promise<RateLimitRecord[]> {
      const rows = await db.selectFrom('rate_limits').select(['model', 'max_requests_per_1_minute', 'max_tokens_per_1_minute']).where('project_id', '=', projectId).orderBy('model').execute();
      return rows.map((r) => ({ model: r.model, max_requests_per_1_minute: Number(r.max_requests_per_1_minute), max_tokens_per_1_minute: Number(r.max_tokens_per_1_minute) }));
    },

    async setRateLimit(projectId: string, limit: RateLimitRecord, at: number): Promise<void> {
      const values = { max_requests_per_1_minute: limit.max_requests_per_1_minute, max_tokens_per_1_minute: limit.max_tokens_per_1_minute, updated_at: at };
      await db
        .insertInto('rate_limits')
        .values({ project_id: projectId, model: limit.model, ...values })
        .onConflict((oc) => oc.columns(['project_id', 'model']).doUpdateSet(values))
        .execute();
    },

    /** Adds counts into their buckets: one statement per bucket, whatever the number of requests in it. */
    async addUsage(rows: UsageRow[]): Promise<void> {
      for (const row of rows) {
        await db
          .insertInto('usage_buckets')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['project_id', 'api_key_id', 'model', 'batch', 'bucket_start']).doUpdateSet({
              num_model_requests: sql`usage_buckets.num_model_requests + ${row.num_model_requests}`,
              input_tokens: sql`usage_buckets.input_tokens + ${row.input_tokens}`,
              output_tokens: sql`usage_buckets.output_tokens + ${row.output_tokens}`,
            }),
          )
          .execute();
      }
    },

    /** Tokens per project, key and model since `start`: what budgets count, summed in the database. */
    async usageTotals(organizationId: string, start: number): Promise<UsageTotal[]> {
      const rows = await db
        .selectFrom('usage_buckets')
        .select(['project_id', 'api_key_id', 'model'])
        .select((eb) => [eb.fn.sum<number>('input_tokens').as('input_tokens'), eb.fn.sum<number>('output_tokens').as('output_tokens')])
        .where('organization_id', '=', organizationId)
        .where('bucket_start', '>=', start)
        .groupBy(['project_id', 'api_key_id', 'model'])
        .execute();
      return rows.map((r) => ({ project_id: r.project_id, api_key_id: r.api_key_id, model: r.model, input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens) }));
    },

    async usage(filter: { organizationId?: string; projectId?: string; start: number; end: number }): Promise<UsageRow[]> {
      let query = db.selectFrom('usage_buckets').selectAll().where('bucket_start', '>=', filter.start).where('bucket_start', '<', filter.end);
      if (filter.organizationId) query = query.where('organization_id', '=', filter.organizationId);
      if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
      const rows = await query.orderBy('bucket_start').execute();
      return rows.map((r) => ({ ...r, batch: Number(r.batch), bucket_start: Number(r.bucket_start), num_model_requests: Number(r.num_model_requests), input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens) }));
    },
  };
}

export type GatewayRepository = ReturnType<typeof gatewayRepository>;
