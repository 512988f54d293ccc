import type { Kysely } from 'kysely';

/** Model permissions, rate limits per project and model, and usage in one-minute buckets. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_permissions')
    .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id'))
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('model_ids', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('max_requests_per_1_minute', 'bigint', (c) => c.notNull())
    .addColumn('max_tokens_per_1_minute', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['project_id', 'model'])
    .execute();

  await db.schema
    .createTable('usage_buckets')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    // '' for requests made with a session rather than an API key.
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('bucket_start', 'bigint', (c) => c.notNull())
    .addColumn('num_model_requests', 'bigint', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_buckets_pk', ['project_id', 'api_key_id', 'model', 'bucket_start'])
    .execute();
  await db.schema.createIndex('usage_buckets_organization').on('usage_buckets').columns(['organization_id', 'bucket_start']).execute();
  await db.schema.createIndex('usage_buckets_project').on('usage_buckets').columns(['project_id', 'bucket_start']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
