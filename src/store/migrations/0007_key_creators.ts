import type { Kysely } from 'kysely';

/**
 * Keys made for someone else (a service account) remember how far their creator reached when it made
 * them, and what happened to them when that creator left; each organization chooses what removing a
 * creator does to those keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // JSON list of permission names; null: no ceiling beyond the owner's own access (keys made before
  // this migration, a principal's own keys, keys made by someone who held everything).
  await db.schema.alterTable('api_keys').addColumn('permission_ceiling', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('creator_removed_at', 'bigint').execute();
  await db.schema.createIndex('api_keys_creator').on('api_keys').columns(['organization_id', 'created_by']).execute();
  await db.schema
    .alterTable('organizations')
    .addColumn('api_key_creator_removal', 'text', (c) => c.notNull().defaultTo('revoke'))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
