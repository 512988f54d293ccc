import type { Kysely } from 'kysely';

/**
 * Where each dedicated endpoint's replicas answer, written by the instance that runs them (the
 * provisioner's leader) so that every other instance can route to them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('endpoint_replicas')
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('healthy', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('endpoint_replicas_pk', ['endpoint_id', 'url'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
