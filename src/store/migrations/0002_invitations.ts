import type { Kysely } from 'kysely';

/** Invitations into an organization, with the groups they will grant. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_normalized', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // JSON arrays: the organization groups, and the {project_id, group_id} pairs, that acceptance grants.
    .addColumn('group_ids', 'text', (c) => c.notNull())
    .addColumn('projects', 'text', (c) => c.notNull())
    .addColumn('inviter_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('responded_at', 'bigint')
    .execute();
  await db.schema.createIndex('invitations_listing').on('invitations').columns(['organization_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('invitations_invitee').on('invitations').columns(['email_normalized', 'status']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
