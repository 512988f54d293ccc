import { sql, type Kysely } from 'kysely';

/** Service accounts, API keys, the audit log with its hash chain, and email verification. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Logins and password changes are logged in the user's personal organization, so it must be findable.
  await db.schema.alterTable('organizations').addColumn('owner_id', 'text').execute();
  await sql`update organizations set owner_id = (
      select m.principal_id from organization_members m
      where m.organization_id = organizations.id order by m.added_at limit 1)
    where personal = 1`.execute(db);
  await db.schema.createIndex('organizations_personal_owner').on('organizations').columns(['owner_id', 'personal']).execute();

  await db.schema
    .createTable('service_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('service_accounts_listing').on('service_accounts').columns(['organization_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('scope_type', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('redacted_value', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_listing').on('api_keys').columns(['scope_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('api_keys_owner').on('api_keys').columns(['organization_id', 'owner_id']).execute();

  // A key has one secret, and during a rotation's grace period also the one before it.
  await db.schema
    .createTable('api_key_secrets')
    .addColumn('secret_hash', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
    .addColumn('valid_until', 'bigint')
    .execute();
  await db.schema.createIndex('api_key_secrets_key').on('api_key_secrets').column('key_id').execute();

  await db.schema
    .createTable('audit_chains')
    .addColumn('organization_id', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('last_hash', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_api_key_id', 'text')
    .addColumn('project_id', 'text')
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addUniqueConstraint('audit_events_seq', ['organization_id', 'seq'])
    .execute();
  await db.schema.createIndex('audit_events_type').on('audit_events').columns(['organization_id', 'type', 'seq']).execute();
  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['organization_id', 'actor_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_project').on('audit_events').columns(['organization_id', 'project_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_resource').on('audit_events').columns(['organization_id', 'resource_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_time').on('audit_events').columns(['organization_id', 'created_at', 'seq']).execute();

  await db.schema
    .createTable('email_verifications')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
