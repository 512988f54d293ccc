import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BatchRecord } from '../../store/batches.ts';
import type { Services } from '../../services/index.ts';
import { presentList } from '../presenters.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, refusals } from '../schemas/common.ts';
import { batchObject, createBatchBody } from '../schemas/batches.ts';

/** OpenAI's batch, with Tenantry's `project_id`. */
export const presentBatch = (batch: BatchRecord): z.infer<typeof batchObject> => ({
  id: batch.id,
  object: 'batch' as const,
  endpoint: batch.endpoint,
  errors: batch.errors === null ? null : { object: 'list' as const, data: batch.errors },
  input_file_id: batch.input_file_id,
  completion_window: batch.completion_window,
  status: batch.status,
  output_file_id: batch.output_file_id,
  error_file_id: batch.error_file_id,
  created_at: batch.created_at,
  in_progress_at: batch.in_progress_at,
  expires_at: batch.expires_at,
  finalizing_at: batch.finalizing_at,
  completed_at: batch.completed_at,
  failed_at: batch.failed_at,
  expired_at: batch.expired_at,
  cancelling_at: batch.cancelling_at,
  cancelled_at: batch.cancelled_at,
  request_counts: { total: batch.total, completed: batch.completed, failed: batch.failed },
  metadata: batch.metadata,
  project_id: batch.project_id,
});

/** The Batch API in OpenAI's paths and shapes; the project is the key's, or the one the request names. */
export function batchRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['batches'];
    const params = z.strictObject({ batch_id: z.string() });
    const query = z.strictObject(projectQuery);

    app.post(
      '/v1/batches',
      {
        config: { access: needs('batches.create') },
        schema: {
          tags,
          description: 'Validates the input file line by line: a valid batch is answered `in_progress`, an invalid one `failed` with `errors`.',
          querystring: query,
          body: createBatchBody,
          response: { 200: batchObject, ...refusals },
        },
      },
      async (request) => presentBatch(await services.batches.create(principalOf(request), projectOf(request), request.body)),
    );

    app.get(
      '/v1/batches',
      { config: { access: needs('batches.list') }, schema: { tags, description: 'Newest first.', querystring: listQuery.extend(projectQuery), response: { 200: listOf(batchObject), ...refusals } } },
      async (request) => presentList(await services.batches.list(principalOf(request), projectOf(request), request.query), presentBatch, (b) => b.id),
    );

    app.get(
      '/v1/batches/:batch_id',
      { config: { access: needs('batches.get') }, schema: { tags, params, querystring: query, response: { 200: batchObject, ...refusals } } },
      async (request) => presentBatch(await services.batches.get(principalOf(request), projectOf(request), request.params.batch_id)),
    );

    app.post(
      '/v1/batches/:batch_id/cancel',
      {
        config: { access: needs('batches.cancel') },
        schema: { tags, description: 'Answers the batch `cancelling`; it becomes `cancelled` once the requests in flight have finished.', params, querystring: query, response: { 200: batchObject, ...refusals } },
      },
      async (request) => presentBatch(await services.batches.cancel(principalOf(request), projectOf(request), request.params.batch_id)),
    );
  };
}
