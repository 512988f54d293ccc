import type { Kysely } from 'kysely';

/**
 * Custom roles: an organization's own bundles of catalogue permissions, granted to groups like the
 * built-in roles (a group's `role` then holds the role's id). Restricted API keys: a key may carry a
 * per-resource permission map (its `permissions` column then says `restricted`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // 'organization' (organization and project permissions, organization groups only) or 'project'.
    .addColumn('scope', 'text', (c) => c.notNull())
    // JSON list of permission names.
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('roles_organization_name', ['organization_id', 'name'])
    .execute();
  await db.schema.createIndex('roles_organization_created').on('roles').columns(['organization_id', 'created_at', 'id']).execute();
  // "Which groups hold this role" before a role may be deleted.
  await db.schema.createIndex('groups_role').on('groups').columns(['organization_id', 'role']).execute();
  // JSON object resource -> none|read|write, for keys whose permissions are `restricted`.
  await db.schema.alterTable('api_keys').addColumn('restricted_permissions', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
