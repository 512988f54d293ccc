import type { Kysely } from 'kysely';

/**
 * Each replica's lifetime, for spend by replica-hour: opened and closed in the same store calls that
 * add and remove a row of endpoint_replicas, so the two cannot disagree. The endpoint's organization,
 * project and model are copied in, since spend is asked after the endpoint may be gone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('replica_intervals')
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addPrimaryKeyConstraint('replica_intervals_pk', ['endpoint_id', 'url', 'started_at'])
    .execute();
  await db.schema.createIndex('replica_intervals_org').on('replica_intervals').columns(['organization_id', 'started_at']).execute();
  await db.schema.createIndex('replica_intervals_project').on('replica_intervals').columns(['project_id', 'started_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
