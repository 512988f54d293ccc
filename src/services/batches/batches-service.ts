import { newId } from '../../lib/ids.ts';
import type { FileStorage } from '../../infra/file-storage.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Principal } from '../../access/principal.ts';
import type { BatchRecord } from '../../store/batches.ts';
import type { PageRequest } from '../../store/pagination.ts';
import type { Store } from '../../store/store.ts';
import { actorOf, type AuditLog, audited } from '../audit.ts';
import type { Authorizer } from '../authorizer.ts';
import { ConflictError, InvalidRequestError, NotFoundError, ServiceError } from '../errors.ts';
import { listing } from '../listing.ts';
import type { InferenceService } from '../inference.ts';
import { validateBatchInput, type BatchEndpoint } from './batch-validation.ts';

export interface NewBatchInput {
  input_file_id: string;
  endpoint: BatchEndpoint;
  completion_window: '24h';
  metadata?: Record<string, string> | null | undefined;
}

const WINDOW_SECONDS = { '24h': 24 * 3600 } as const;

/** Statuses a batch can be cancelled from. */
const CANCELLABLE = new Set(['validating', 'in_progress']);

/**
 * OpenAI's Batch API as a project's members see it. A batch is validated when it is created, line by
 * line, against the project's models as its creator may call them; a valid one is stored with one row
 * per line and answered `in_progress`, an invalid one `failed` with every problem and its line. The
 * processor (batch-processor.ts) sends the lines.
 */
export function createBatchService(deps: {
  store: Store;
  clock: Clock;
  authorizer: Authorizer;
  audit: AuditLog;
  storage: FileStorage;
  inference: InferenceService;
  maxRequests: number;
  /** Tells this instance's processor there is work (on the leader it starts at once; elsewhere at the leader's next poll). */
  onChange: () => void;
}) {
  const { store, clock, authorizer, audit } = deps;

  async function readableBatch(principal: Principal, projectId: string, batchId: string, useCase: 'batches.get' | 'batches.cancel') {
    const { project } = await authorizer.project(principal, projectId, useCase);
    const batch = await store.batches.find(projectId, batchId);
    if (!batch) throw new NotFoundError('batch');
    return { project, batch };
  }

  return {
    async create(principal: Principal, projectId: string, input: NewBatchInput): Promise<BatchRecord> {
      const { project } = await authorizer.project(principal, projectId, 'batches.create');
      authorizer.assertWritable(project);
      // The batch calls models on its creator's behalf: a creator who may not call models may not batch them.
      await authorizer.project(principal, projectId, 'inference.resolve');
      const file = await store.files.find(projectId, input.input_file_id);
      if (!file || file.purpose !== 'batch') throw new InvalidRequestError(`${input.input_file_id} is not a batch file of this project.`, 'input_file_id');
      const { lines, errors } = await validateBatchInput(deps.storage.read(file.id), input.endpoint, deps.maxRequests, async (model) => {
        try {
          await deps.inference.resolve(principal, projectId, model);
          return undefined;
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          return { code: error.code === 'model_not_allowed' ? 'model_not_allowed' : error.type === 'not_found_error' ? 'model_not_found' : (error.code ?? 'invalid_model'), message: error.message };
        }
      });
      const now = clock();
      const valid = errors.length === 0;
      const credential = principal.credential;
      const batch: BatchRecord = {
        id: newId('batch_'),
        organization_id: project.organization_id,
        project_id: projectId,
        api_key_id: credential.kind === 'api_key' ? credential.keyId : null,
        endpoint: input.endpoint,
        input_file_id: file.id,
        completion_window: input.completion_window,
        status: valid ? 'in_progress' : 'failed',
        errors: valid ? null : errors,
        output_file_id: null,
        error_file_id: null,
        metadata: input.metadata ?? null,
        total: lines.length,
        completed: 0,
        failed: 0,
        created_at: now,
        in_progress_at: valid ? now : null,
        expires_at: now + WINDOW_SECONDS[input.completion_window],
        finalizing_at: null,
        completed_at: null,
        failed_at: valid ? null : now,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
      };
      await audited(store, audit, actorOf(principal), {
        type: 'batch.created',
        organizationId: batch.organization_id,
        projectId,
        resource: { type: 'batch', id: batch.id },
        data: { endpoint: batch.endpoint, input_file_id: batch.input_file_id, status: batch.status, requests: batch.total },
      }, async (tx) => {
        await tx.batches.insert(batch, lines);
      });
      if (valid) deps.onChange();
      return batch;
    },

    async list(principal: Principal, projectId: string, page: PageRequest) {
      await authorizer.project(principal, projectId, 'batches.list');
      return listing(store.batches.list(projectId, page));
    },

    async get(principal: Principal, projectId: string, batchId: string): Promise<BatchRecord> {
      return (await readableBatch(principal, projectId, batchId, 'batches.get')).batch;
    },

    /**
     * Stops the batch: nothing more is sent; what is in flight finishes, then its partial output is
     * written and it becomes `cancelled`. Answers it `cancelling`.
     */
    async cancel(principal: Principal, projectId: string, batchId: string): Promise<BatchRecord> {
      const { project, batch } = await readableBatch(principal, projectId, batchId, 'batches.cancel');
      authorizer.assertWritable(project);
      const now = clock();
      const cancelling = await store.transaction(async (tx) => {
        const current = (await tx.batches.lock(batchId))!;
        if (current.status === 'cancelling') return current;
        if (!CANCELLABLE.has(current.status)) throw new ConflictError(`The batch is already ${current.status}.`, 'batch_not_cancellable');
        await tx.batches.update(batchId, { status: 'cancelling', cancelling_at: now });
        await audit.record(tx, actorOf(principal), {
          type: 'batch.cancelled',
          organizationId: batch.organization_id,
          projectId,
          resource: { type: 'batch', id: batchId },
          data: { previous_status: current.status },
        });
        return { ...current, status: 'cancelling' as const, cancelling_at: now };
      });
      deps.onChange();
      return cancelling;
    },
  };
}

export type BatchService = ReturnType<typeof createBatchService>;
