import { sql } from 'kysely';
import type { Dialect } from './database.ts';
import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, UnknownCursorError, type Page, type PageRequest } from './pagination.ts';
import type { FineTuningCheckpointsTable, FineTuningEventsTable, FineTuningJobsTable } from './schema.ts';

export type JobStatus = FineTuningJobsTable['status'];

export interface JobRecord {
  id: string;
  organization_id: string;
  project_id: string;
  model: string;
  training_file: string;
  validation_file: string | null;
  hyperparameters: Record<string, unknown>;
  method: Record<string, unknown>;
  suffix: string | null;
  seed: number;
  metadata: Record<string, string> | null;
  status: JobStatus;
  error: { code: string; message: string; param: string | null } | null;
  fine_tuned_model: string | null;
  result_files: string[];
  trained_tokens: number | null;
  created_at: number;
  finished_at: number | null;
  worker_id: string | null;
  lease_expires_at: number | null;
  attempts: number;
}

export interface JobEventRecord {
  id: string;
  job_id: string;
  created_at: number;
  level: string;
  message: string;
  type: string;
  data: Record<string, unknown> | null;
}

export interface CheckpointRecord {
  id: string;
  job_id: string;
  step_number: number;
  metrics: Record<string, unknown>;
  path: string;
  created_at: number;
}

const num = (value: number | null) => (value === null ? null : Number(value));

function toJob(row: FineTuningJobsTable): JobRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    project_id: row.project_id,
    model: row.model,
    training_file: row.training_file,
    validation_file: row.validation_file,
    hyperparameters: JSON.parse(row.hyperparameters),
    method: JSON.parse(row.method),
    suffix: row.suffix,
    seed: Number(row.seed),
    metadata: row.metadata === null ? null : JSON.parse(row.metadata),
    status: row.status,
    error: row.error === null ? null : JSON.parse(row.error),
    fine_tuned_model: row.fine_tuned_model,
    result_files: JSON.parse(row.result_files),
    trained_tokens: num(row.trained_tokens),
    created_at: Number(row.created_at),
    finished_at: num(row.finished_at),
    worker_id: row.worker_id,
    lease_expires_at: num(row.lease_expires_at),
    attempts: Number(row.attempts),
  };
}

const toEvent = (row: FineTuningEventsTable): JobEventRecord => ({
  id: row.id,
  job_id: row.job_id,
  created_at: Number(row.created_at),
  level: row.level,
  message: row.message,
  type: row.type,
  data: row.data === null ? null : JSON.parse(row.data),
});

const toCheckpoint = (row: FineTuningCheckpointsTable): CheckpointRecord => ({
  ...row,
  step_number: Number(row.step_number),
  metrics: JSON.parse(row.metrics),
  created_at: Number(row.created_at),
});

export function fineTuningRepository(db: Executor, dialect: Dialect) {
  return {
    async insert(job: JobRecord): Promise<void> {
      await db
        .insertInto('fine_tuning_jobs')
        .values({
          ...job,
          hyperparameters: JSON.stringify(job.hyperparameters),
          method: JSON.stringify(job.method),
          metadata: job.metadata === null ? null : JSON.stringify(job.metadata),
          error: job.error === null ? null : JSON.stringify(job.error),
          result_files: JSON.stringify(job.result_files),
          cancel_requested: 0,
        })
        .execute();
    },

    async find(projectId: string, id: string): Promise<JobRecord | undefined> {
      const row = await db.selectFrom('fine_tuning_jobs').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
      return row && toJob(row);
    },

    /** The job, locked on PostgreSQL until the transaction ends: one writer at a time per job. */
    async lock(id: string): Promise<JobRecord | undefined> {
      let query = db.selectFrom('fine_tuning_jobs').selectAll().where('id', '=', id);
      if (dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      return row && toJob(row);
    },

    async list(projectId: string, page: PageRequest): Promise<Page<JobRecord>> {
      let query = db.selectFrom('fine_tuning_jobs').selectAll().where('project_id', '=', projectId);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'fine_tuning_jobs', page.after, 'project_id', projectId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toJob), page.limit);
    },

    async update(id: string, changes: Partial<Pick<JobRecord, 'status' | 'error' | 'fine_tuned_model' | 'result_files' | 'trained_tokens' | 'finished_at' | 'worker_id' | 'lease_expires_at' | 'attempts'>>): Promise<void> {
      const { error, result_files, ...plain } = changes;
      await db
        .updateTable('fine_tuning_jobs')
        .set({
          ...plain,
          ...(error !== undefined ? { error: error === null ? null : JSON.stringify(error) } : {}),
          ...(result_files !== undefined ? { result_files: JSON.stringify(result_files) } : {}),
        })
        .where('id', '=', id)
        .execute();
    },

    /** How many jobs wait or run, by status (the queue's depth, for metrics); finished jobs are not counted. */
    async countUnfinished(): Promise<Record<'validating_files' | 'queued' | 'running', number>> {
      const rows = await db
        .selectFrom('fine_tuning_jobs')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
        .where('status', 'in', ['validating_files', 'queued', 'running'])
        .groupBy('status')
        .execute();
      const counts = { validating_files: 0, queued: 0, running: 0 };
      for (const row of rows) counts[row.status as keyof typeof counts] = Number(row.count);
      return counts;
    },

    /**
     * The oldest job a worker may take: a queued one, or a running one whose worker's lease lapsed.
     * PostgreSQL skips rows other workers are claiming at this moment (FOR UPDATE SKIP LOCKED);
     * SQLite runs one writer at a time, so the transaction alone keeps two workers apart.
     */
    async nextClaimable(now: number): Promise<JobRecord | undefined> {
      let query = db
        .selectFrom('fine_tuning_jobs')
        .selectAll()
        .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', now)])]))
        .orderBy('created_at')
        .orderBy('id')
        .limit(1);
      if (dialect === 'postgres') query = query.forUpdate().skipLocked();
      const row = await query.executeTakeFirst();
      return row && toJob(row);
    },

    async appendEvent(event: JobEventRecord): Promise<void> {
      const row = await db
        .selectFrom('fine_tuning_events')
        .select(sql<number>`coalesce(max(seq), 0)`.as('last'))
        .where('job_id', '=', event.job_id)
        .executeTakeFirstOrThrow();
      await db
        .insertInto('fine_tuning_events')
        .values({ ...event, seq: Number(row.last) + 1, data: event.data === null ? null : JSON.stringify(event.data) })
        .execute();
    },

    /** Newest first, as OpenAI lists them. */
    async events(jobId: string, page: PageRequest): Promise<Page<JobEventRecord>> {
      let query = db.selectFrom('fine_tuning_events').selectAll().where('job_id', '=', jobId);
      if (page.after) {
        const cursor = await db.selectFrom('fine_tuning_events').select('seq').where('id', '=', page.after).where('job_id', '=', jobId).executeTakeFirst();
        if (!cursor) throw new UnknownCursorError();
        query = query.where('seq', '<', cursor.seq);
      }
      const rows = await query.orderBy('seq', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toEvent), page.limit);
    },

    async insertCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
      await db.insertInto('fine_tuning_checkpoints').values({ ...checkpoint, metrics: JSON.stringify(checkpoint.metrics) }).execute();
    },

    async checkpoints(jobId: string, page: PageRequest): Promise<Page<CheckpointRecord>> {
      let query = db.selectFrom('fine_tuning_checkpoints').selectAll().where('job_id', '=', jobId);
      if (page.after) {
        const cursor = await db.selectFrom('fine_tuning_checkpoints').select(['id', 'step_number']).where('id', '=', page.after).where('job_id', '=', jobId).executeTakeFirst();
        if (!cursor) throw new UnknownCursorError();
        query = query.where(sql<boolean>`(step_number, id) < (${cursor.step_number}, ${cursor.id})`);
      }
      const rows = await query.orderBy('step_number', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toCheckpoint), page.limit);
    },

    async fineTunedModels(projectId: string): Promise<Array<{ model: string; created_at: number }>> {
      const rows = await db
        .selectFrom('fine_tuning_jobs')
        .select(['fine_tuned_model', 'finished_at'])
        .where('project_id', '=', projectId)
        .where('status', '=', 'succeeded')
        .where('fine_tuned_model', 'is not', null)
        .orderBy('finished_at', 'desc')
        .execute();
      return rows.map((r) => ({ model: r.fine_tuned_model!, created_at: Number(r.finished_at ?? 0) }));
    },
  };
}

export type FineTuningRepository = ReturnType<typeof fineTuningRepository>;
