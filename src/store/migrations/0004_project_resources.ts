import type { Kysely } from 'kysely';

/** Files, datasets, fine-tuning jobs with their events and checkpoints. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    // For fine-tune files, what the line-by-line check found: the format and the number of examples.
    .addColumn('format', 'text')
    .addColumn('rows', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('files_listing').on('files').columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('files_by_purpose').on('files').columns(['project_id', 'purpose', 'created_at', 'id']).execute();

  await db.schema
    .createTable('datasets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('file_ids', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('rows', 'bigint', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('datasets_listing').on('datasets').columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('datasets_region').on('datasets').columns(['project_id', 'region']).execute();

  await db.schema
    .createTable('fine_tuning_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('training_file', 'text', (c) => c.notNull())
    .addColumn('validation_file', 'text')
    .addColumn('hyperparameters', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('suffix', 'text')
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('fine_tuned_model', 'text')
    .addColumn('result_files', 'text', (c) => c.notNull())
    .addColumn('trained_tokens', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    // The queue: who holds the job, until when, and how many times it was claimed.
    .addColumn('worker_id', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('fine_tuning_jobs_listing').on('fine_tuning_jobs').columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('fine_tuning_jobs_queue').on('fine_tuning_jobs').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('fine_tuning_jobs_models').on('fine_tuning_jobs').columns(['project_id', 'fine_tuned_model']).execute();

  await db.schema
    .createTable('fine_tuning_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('fine_tuning_jobs.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .addUniqueConstraint('fine_tuning_events_seq', ['job_id', 'seq'])
    .execute();

  await db.schema
    .createTable('fine_tuning_checkpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('fine_tuning_jobs.id'))
    .addColumn('step_number', 'bigint', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fine_tuning_checkpoints_job').on('fine_tuning_checkpoints').columns(['job_id', 'step_number']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Tenantry migrations only move forward; restore a backup to go back.');
}
