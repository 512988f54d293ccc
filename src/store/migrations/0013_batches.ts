import { sql, type Kysely } from 'kysely';

/**
 * Batches (OpenAI's Batch API) and their lines, one row per request of the input file, each with its
 * state and result: the processor's progress survives a restart line by line. Usage buckets gain
 * `batch` (0 or 1), part of their key, so that usage can be filtered and grouped by it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    // The key the batch was created with: its usage is metered under it ('' for a session).
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('input_file_id', 'text', (c) => c.notNull())
    .addColumn('completion_window', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('errors', 'text')
    .addColumn('output_file_id', 'text')
    .addColumn('error_file_id', 'text')
    .addColumn('metadata', 'text')
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('completed', 'bigint', (c) => c.notNull())
    .addColumn('failed', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('in_progress_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('finalizing_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('expired_at', 'bigint')
    .addColumn('cancelling_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .execute();
  await db.schema.createIndex('batches_project_created').on('batches').columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('batches_status').on('batches').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('batch_lines')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id'))
    // 1-based, as in the input file; also the order of the output file.
    .addColumn('line', 'bigint', (c) => c.notNull())
    .addColumn('custom_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    // The request body as the file had it (JSON text).
    .addColumn('body', 'text', (c) => c.notNull())
    // pending -> sending -> succeeded | failed; a line still `sending` after a restart is sent again.
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    // The line of the output or error file, JSON text, once finished.
    .addColumn('result', 'text')
    .addPrimaryKeyConstraint('batch_lines_pk', ['batch_id', 'line'])
    .execute();
  await db.schema.createIndex('batch_lines_state').on('batch_lines').columns(['batch_id', 'state', 'line']).execute();

  // usage_buckets gets `batch` in its primary key: a new table, the rows copied over (both databases
  // alter primary keys differently, SQLite not at all).
  await db.schema
    .createTable('usage_buckets_next')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('batch', 'integer', (c) => c.notNull())
    .addColumn('bucket_start', 'bigint', (c) => c.notNull())
    .addColumn('num_model_requests', 'bigint', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_buckets_batch_pk', ['project_id', 'api_key_id', 'model', 'batch', 'bucket_start'])
    .execute();
  await sql`insert into usage_buckets_next (organization_id, project_id, api_key_id, model, batch, bucket_start, num_model_requests, input_tokens, output_tokens)
    select organization_id, project_id, api_key_id, model, 0, bucket_start, num_model_requests, input_tokens, output_tokens from usage_buckets`.execute(db);
  await db.schema.dropTable('usage_buckets').execute();
  await db.schema.alterTable('usage_buckets_next').renameTo('usage_buckets').execute();
  await db.schema.createIndex('usage_buckets_organization').on('usage_buckets').columns(['organization_id', 'bucket_start']).execute();
  await db.schema.createIndex('usage_buckets_project').on('usage_buckets').columns(['project_id', 'bucket_start']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
