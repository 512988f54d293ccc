import type { Kysely } from 'kysely';

/** Dedicated endpoints: a project's own replicas of a model, from an operator's template. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dedicated_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('flavor_name', 'text', (c) => c.notNull())
    .addColumn('gpu_type', 'text', (c) => c.notNull())
    .addColumn('gpu_count', 'integer', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('min_replicas', 'integer', (c) => c.notNull())
    .addColumn('max_replicas', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('routing_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('dedicated_endpoints_listing').on('dedicated_endpoints').columns(['project_id', 'created_at', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
