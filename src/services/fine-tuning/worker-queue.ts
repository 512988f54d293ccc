import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newId } from '../../lib/ids.ts';
import type { JobRecord } from '../../store/fine-tuning.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { systemActor, type AuditLog } from '../audit.ts';
import type { Clock } from '../../infra/clock.ts';
import { ConflictError, IncompleteUploadError, InvalidRequestError, NotFoundError } from '../errors.ts';
import { PayloadTooLargeError } from '../files/files-service.ts';
import type { FileStorage } from '../../infra/file-storage.ts';
import { fineTunedModelName, recordJobEvent } from './jobs.ts';

/** A line the trainer printed, as the worker forwards it (checkpoint paths already made relative). */
export type TrainerLine =
  | { type: 'message'; level?: 'info' | 'warn' | 'error' | undefined; message: string }
  | { type: 'metrics'; step: number; total_steps?: number | undefined; [metric: string]: unknown }
  | { type: 'checkpoint'; step: number; path: string };

export interface ClaimedJob {
  job: JobRecord;
  files: Array<{ id: string; filename: string; role: 'training' | 'validation' }>;
}

/**
 * The queue as workers see it. A worker claims the oldest queued job with a lease it renews; a job
 * whose lease lapses is claimed again by the next worker that asks. A worker may touch only the jobs
 * it holds, and read only their files.
 */
export function createWorkerQueue(deps: { store: Store; clock: Clock; audit: AuditLog; storage: FileStorage; maxBytes: number }) {
  const { store, clock, audit, storage } = deps;

  /** The job, if this worker holds it and it is still running; else the worker must stop. */
  async function held(repositories: Repositories, workerId: string, jobId: string): Promise<JobRecord> {
    const job = await repositories.fineTuning.lock(jobId);
    if (!job) throw new NotFoundError('fine-tuning job');
    if (job.status !== 'running' || job.worker_id !== workerId) {
      throw new ConflictError(job.status === 'cancelled' ? 'The job was cancelled.' : 'This worker no longer holds the job.', job.status === 'cancelled' ? 'job_cancelled' : 'lease_lost');
    }
    return job;
  }

  return {
    async claim(workerId: string, leaseSeconds: number): Promise<ClaimedJob | undefined> {
      const now = clock();
      const claimed = await store.transaction(async (tx) => {
        const job = await tx.fineTuning.nextClaimable(now);
        if (!job) return undefined;
        const lapsed = job.status === 'running';
        await tx.fineTuning.update(job.id, { status: 'running', worker_id: workerId, lease_expires_at: now + leaseSeconds, attempts: job.attempts + 1 });
        if (lapsed) {
          await recordJobEvent(tx, clock, job.id, { level: 'warn', message: `Worker ${job.worker_id} stopped renewing its lease; the job was queued again.` });
        }
        await recordJobEvent(tx, clock, job.id, { message: `Fine-tuning job started on worker ${workerId} (attempt ${job.attempts + 1}).` });
        return { ...job, status: 'running' as const, worker_id: workerId, lease_expires_at: now + leaseSeconds, attempts: job.attempts + 1 };
      });
      if (!claimed) return undefined;
      const files: ClaimedJob['files'] = [];
      for (const [id, role] of [[claimed.training_file, 'training'], [claimed.validation_file, 'validation']] as const) {
        if (!id) continue;
        const file = await store.files.find(claimed.project_id, id);
        if (file) files.push({ id, filename: file.filename, role });
      }
      return { job: claimed, files };
    },

    /** Renews the lease; answers whether the job goes on or was cancelled. */
    async heartbeat(workerId: string, jobId: string, leaseSeconds: number): Promise<'running' | 'cancelled'> {
      return store.transaction(async (tx) => {
        const job = await tx.fineTuning.lock(jobId);
        if (!job) throw new NotFoundError('fine-tuning job');
        if (job.status === 'cancelled' && job.worker_id === workerId) return 'cancelled';
        if (job.status !== 'running' || job.worker_id !== workerId) throw new ConflictError('This worker no longer holds the job.', 'lease_lost');
        await tx.fineTuning.update(jobId, { lease_expires_at: clock() + leaseSeconds });
        return 'running';
      });
    },

    async fileContent(workerId: string, jobId: string, fileId: string): Promise<{ stream: Readable; bytes: number }> {
      const job = await store.transaction((tx) => held(tx, workerId, jobId));
      if (fileId !== job.training_file && fileId !== job.validation_file) throw new NotFoundError('file');
      const file = await store.files.find(job.project_id, fileId);
      if (!file) throw new NotFoundError('file');
      return { stream: storage.read(fileId), bytes: file.bytes };
    },

    /** Turns the trainer's lines into the job's events and checkpoints. */
    async report(workerId: string, jobId: string, lines: TrainerLine[]): Promise<void> {
      await store.transaction(async (tx) => {
        await held(tx, workerId, jobId);
        for (const line of lines) {
          if (line.type === 'message') {
            await recordJobEvent(tx, clock, jobId, { level: line.level ?? 'info', message: line.message });
          } else if (line.type === 'metrics') {
            const { type: _type, ...data } = line;
            const total = line.total_steps ? `/${line.total_steps}` : '';
            const loss = typeof line.train_loss === 'number' ? `: training loss=${line.train_loss.toFixed(4)}` : '';
            await recordJobEvent(tx, clock, jobId, { type: 'metrics', message: `Step ${line.step}${total}${loss}`, data });
          } else {
            await tx.fineTuning.insertCheckpoint({ id: newId('ftckpt-'), job_id: jobId, step_number: line.step, metrics: { step: line.step }, path: line.path, created_at: clock() });
            await recordJobEvent(tx, clock, jobId, { message: `Checkpoint saved at step ${line.step}: ${line.path}` });
          }
        }
      });
    },

    /**
     * Stores one of the output folder's files as a result file of the job. `truncated` says whether the
     * parser cut the content at the size limit (the content then simply ends early).
     */
    async addResultFile(workerId: string, jobId: string, filename: string, content: Readable, truncated: () => boolean): Promise<string> {
      const job = await store.transaction((tx) => held(tx, workerId, jobId));
      const id = newId('file-');
      const pending = await storage.create(id);
      let bytes = 0;
      content.on('data', (chunk: Buffer) => (bytes += chunk.length));
      try {
        // A form cut short has its part destroyed by the parser, maybe while the lines above waited; a
        // pipeline from a stream already destroyed that way would never settle.
        if (content.destroyed) throw new IncompleteUploadError();
        await pipeline(content, pending.stream);
        if (truncated()) throw new PayloadTooLargeError(deps.maxBytes);
        await store.transaction(async (tx) => {
          const current = await held(tx, workerId, jobId);
          await tx.files.insert({ id, organization_id: job.organization_id, project_id: job.project_id, filename, purpose: 'fine-tune-results', bytes, format: null, rows: null, created_at: clock() });
          await tx.fineTuning.update(jobId, { result_files: [...current.result_files, id] });
          await audit.record(tx, systemActor(), {
            type: 'file.created',
            organizationId: job.organization_id,
            projectId: job.project_id,
            resource: { type: 'file', id },
            data: { filename, purpose: 'fine-tune-results', bytes, fine_tuning_job_id: jobId },
          });
          await pending.commit();
        });
      } catch (error) {
        await pending.abort();
        await storage.remove(id).catch(() => {});
        throw error;
      }
      return id;
    },

    async complete(workerId: string, jobId: string, outcome: { status: 'succeeded' | 'failed'; message?: string | undefined; trained_tokens?: number | undefined }): Promise<JobRecord> {
      return store.transaction(async (tx) => {
        const job = await held(tx, workerId, jobId);
        const finishedAt = clock();
        if (outcome.status === 'succeeded') {
          const fineTunedModel = fineTunedModelName(job);
          await tx.fineTuning.update(jobId, { status: 'succeeded', fine_tuned_model: fineTunedModel, finished_at: finishedAt, trained_tokens: outcome.trained_tokens ?? null, lease_expires_at: null });
          await recordJobEvent(tx, clock, jobId, { message: `The job has successfully completed; the model is ${fineTunedModel}.` });
          return { ...job, status: 'succeeded', fine_tuned_model: fineTunedModel, finished_at: finishedAt };
        }
        if (!outcome.message) throw new InvalidRequestError('A failed job needs the message that says why.', 'message');
        const error = { code: 'training_failed', message: outcome.message, param: null };
        await tx.fineTuning.update(jobId, { status: 'failed', error, finished_at: finishedAt, lease_expires_at: null });
        await recordJobEvent(tx, clock, jobId, { level: 'error', message: `The job failed: ${outcome.message}` });
        return { ...job, status: 'failed', error, finished_at: finishedAt };
      });
    },
  };
}

export type WorkerQueue = ReturnType<typeof createWorkerQueue>;
