import { randomInt } from 'node:crypto';
import { newId } from '../../lib/ids.ts';
import type { JobRecord } from '../../store/fine-tuning.ts';
import type { PageRequest } from '../../store/pagination.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { actorOf, type AuditLog, audited } from '../audit.ts';
import type { Authorizer } from '../authorizer.ts';
import type { Clock } from '../../infra/clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.ts';
import type { ModelCatalogue } from '../models.ts';
import type { Principal } from '../../access/principal.ts';
import { listing } from '../listing.ts';

export type Hyperparameter = 'auto' | number;

export interface NewJobInput {
  model: string;
  training_file: string;
  validation_file?: string | null | undefined;
  hyperparameters?: { n_epochs?: Hyperparameter | undefined; batch_size?: Hyperparameter | undefined; learning_rate_multiplier?: Hyperparameter | undefined } | undefined;
  method?: { type: 'supervised' | 'dpo'; supervised?: { hyperparameters?: Record<string, Hyperparameter> | undefined } | undefined; dpo?: { hyperparameters?: Record<string, Hyperparameter> | undefined } | undefined } | undefined;
  suffix?: string | null | undefined;
  seed?: number | null | undefined;
  metadata?: Record<string, string> | null | undefined;
}

export const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/** Appends an event to a job's log inside the caller's transaction. */
export async function recordJobEvent(
  tx: Repositories,
  clock: Clock,
  jobId: string,
  event: { level?: 'info' | 'warn' | 'error'; message: string; type?: 'message' | 'metrics'; data?: Record<string, unknown> | null },
): Promise<void> {
  await tx.fineTuning.appendEvent({
    id: newId('ftevent-'),
    job_id: jobId,
    created_at: clock(),
    level: event.level ?? 'info',
    message: event.message,
    type: event.type ?? 'message',
    data: event.data ?? null,
  });
}

/** The name a succeeded job's model is known by: `ft:<base>:<org>:<suffix>:<job id>`. */
export function fineTunedModelName(job: JobRecord): string {
  return `ft:${job.model}:${job.organization_id}:${job.suffix ?? ''}:${job.id}`;
}

/** Fine-tuning jobs as a project's members see them (OpenAI's paths and shapes). */
export function createFineTuningService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; models: ModelCatalogue }) {
  const { store, clock, authorizer, audit, models } = deps;

  async function fineTuneFile(projectId: string, fileId: string, param: string) {
    const file = await store.files.find(projectId, fileId);
    if (!file || file.purpose !== 'fine-tune') throw new InvalidRequestError(`${fileId} is not a fine-tune file of this project.`, param);
    return file;
  }

  async function readableJob(principal: Principal, projectId: string, jobId: string, useCase: 'fine_tuning.get' | 'fine_tuning.cancel' | 'fine_tuning.events' | 'fine_tuning.checkpoints') {
    const { project } = await authorizer.project(principal, projectId, useCase);
    const job = await store.fineTuning.find(projectId, jobId);
    if (!job) throw new NotFoundError('fine-tuning job');
    return { project, job };
  }

  return {
    async create(principal: Principal, projectId: string, input: NewJobInput): Promise<JobRecord> {
      const { project } = await authorizer.project(principal, projectId, 'fine_tuning.create');
      authorizer.assertWritable(project);
      if (!models.shared(input.model)?.fine_tunable) {
        throw new InvalidRequestError(`The model "${input.model}" cannot be fine-tuned here; see GET /v1/models.`, 'model', 'model_not_fine_tunable');
      }
      const training = await fineTuneFile(projectId, input.training_file, 'training_file');
      if (input.validation_file) await fineTuneFile(projectId, input.validation_file, 'validation_file');
      const method: NonNullable<NewJobInput['method']> = input.method ?? { type: 'supervised', supervised: { hyperparameters: input.hyperparameters ?? {} } };
      // OpenAI takes hyperparameters at the top level (older form) or inside the method (newer form).
      const hyperparameters = {
        n_epochs: 'auto',
        batch_size: 'auto',
        learning_rate_multiplier: 'auto',
        ...(input.hyperparameters ?? (method.type === 'dpo' ? method.dpo?.hyperparameters : method.supervised?.hyperparameters) ?? {}),
      };
      const now = clock();
      const job: JobRecord = {
        id: newId('ftjob-'),
        organization_id: project.organization_id,
        project_id: projectId,
        model: input.model,
        training_file: input.training_file,
        validation_file: input.validation_file ?? null,
        hyperparameters,
        method,
        suffix: input.suffix ?? null,
        seed: input.seed ?? randomInt(0, 2 ** 31 - 1),
        metadata: input.metadata ?? null,
        status: 'validating_files',
        error: null,
        fine_tuned_model: null,
        result_files: [],
        trained_tokens: null,
        created_at: now,
        finished_at: null,
        worker_id: null,
        lease_expires_at: null,
        attempts: 0,
      };
      await audited(store, audit, actorOf(principal), {
        type: 'fine_tuning.job.created',
        organizationId: job.organization_id,
        projectId,
        resource: { type: 'fine_tuning.job', id: job.id },
        data: { model: job.model, training_file: job.training_file, validation_file: job.validation_file, suffix: job.suffix },
      }, async (tx) => {
        await tx.fineTuning.insert(job);
        await recordJobEvent(tx, clock, job.id, { message: `Validating training file: ${job.training_file}` });
      });
      // The files were checked line by line at upload; what is left is that they still hold examples.
      await store.transaction(async (tx) => {
        if ((training.rows ?? 0) === 0) {
          const error = { code: 'invalid_training_file', message: 'The training file holds no examples.', param: 'training_file' };
          await tx.fineTuning.update(job.id, { status: 'failed', error, finished_at: clock() });
          await recordJobEvent(tx, clock, job.id, { level: 'error', message: error.message });
          Object.assign(job, { status: 'failed', error });
          return;
        }
        await tx.fineTuning.update(job.id, { status: 'queued' });
        await recordJobEvent(tx, clock, job.id, { message: `Files validated (${training.rows} training examples); job queued.` });
        job.status = 'queued';
      });
      return job;
    },

    async list(principal: Principal, projectId: string, page: PageRequest) {
      await authorizer.project(principal, projectId, 'fine_tuning.list');
      return listing(store.fineTuning.list(projectId, page));
    },

    async get(principal: Principal, projectId: string, jobId: string): Promise<JobRecord> {
      return (await readableJob(principal, projectId, jobId, 'fine_tuning.get')).job;
    },

    /** Cancels a job that has not finished; a running one's worker stops its command at its next heartbeat. */
    async cancel(principal: Principal, projectId: string, jobId: string): Promise<JobRecord> {
      const { job } = await readableJob(principal, projectId, jobId, 'fine_tuning.cancel');
      const now = clock();
      const cancelled = await store.transaction(async (tx) => {
        const current = (await tx.fineTuning.lock(jobId))!;
        if (TERMINAL_STATUSES.has(current.status)) {
          throw new ConflictError(`The job has already ${current.status === 'cancelled' ? 'been cancelled' : current.status}.`, 'job_not_cancellable');
        }
        await tx.fineTuning.update(jobId, { status: 'cancelled', finished_at: now, lease_expires_at: null });
        await recordJobEvent(tx, clock, jobId, { message: 'Job cancelled.' });
        await audit.record(tx, actorOf(principal), {
          type: 'fine_tuning.job.cancelled',
          organizationId: job.organization_id,
          projectId,
          resource: { type: 'fine_tuning.job', id: jobId },
          data: { previous_status: current.status },
        });
        return { ...current, status: 'cancelled' as const, finished_at: now, lease_expires_at: null };
      });
      return cancelled;
    },

    async events(principal: Principal, projectId: string, jobId: string, page: PageRequest) {
      await readableJob(principal, projectId, jobId, 'fine_tuning.events');
      return listing(store.fineTuning.events(jobId, page));
    },

    async checkpoints(principal: Principal, projectId: string, jobId: string, page: PageRequest) {
      const { job } = await readableJob(principal, projectId, jobId, 'fine_tuning.checkpoints');
      return { job, page: await listing(store.fineTuning.checkpoints(jobId, page)) };
    },
  };
}

export type FineTuningService = ReturnType<typeof createFineTuningService>;
