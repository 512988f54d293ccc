import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CheckpointRecord, JobEventRecord, JobRecord } from '../../store/fine-tuning.ts';
import type { Services } from '../../services/index.ts';
import { presentList } from '../presenters.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, refusals } from '../schemas/common.ts';
import type { Job, JobCheckpoint, JobEvent } from '../schemas/api-types.ts';
import { fineTuningJob, fineTuningJobCheckpoint, fineTuningJobEvent } from '../schemas/fine-tuning.ts';

const auto = <T extends z.ZodType>(value: T) => z.union([z.literal('auto'), value]);
const hyperparameters = z.strictObject({
  n_epochs: auto(z.number().int().min(1).max(50)).optional(),
  batch_size: auto(z.number().int().min(1).max(256)).optional(),
  learning_rate_multiplier: auto(z.number().positive().max(10)).optional(),
});
const dpoHyperparameters = hyperparameters.extend({ beta: auto(z.number().positive().max(2)).optional() });

const createJobBody = z.strictObject({
  model: z.string().min(1),
  training_file: z.string().min(1),
  validation_file: z.string().min(1).nullable().optional(),
  hyperparameters: hyperparameters.optional(),
  method: z
    .strictObject({
      type: z.enum(['supervised', 'dpo']),
      supervised: z.strictObject({ hyperparameters: hyperparameters.optional() }).optional(),
      dpo: z.strictObject({ hyperparameters: dpoHyperparameters.optional() }).optional(),
    })
    .optional(),
  suffix: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').nullable().optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).nullable().optional(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
  integrations: z.array(z.unknown()).max(0, 'integrations are not supported').nullable().optional(),
});

/** OpenAI's fine-tuning job, with Tenantry's `project_id` and the `suffix` also under its own name. */
export const presentJob = (job: JobRecord): Job => ({
  id: job.id,
  object: 'fine_tuning.job',
  created_at: job.created_at,
  error: job.error,
  estimated_finish: null,
  fine_tuned_model: job.fine_tuned_model,
  finished_at: job.finished_at,
  hyperparameters: job.hyperparameters as Job['hyperparameters'],
  integrations: null,
  metadata: job.metadata,
  method: job.method as Job['method'],
  model: job.model,
  organization_id: job.organization_id,
  project_id: job.project_id,
  result_files: job.result_files,
  seed: job.seed,
  status: job.status,
  suffix: job.suffix,
  user_provided_suffix: job.suffix,
  trained_tokens: job.trained_tokens,
  training_file: job.training_file,
  validation_file: job.validation_file,
});

/** `data` is optional, not nullable, in OpenAI's schema: an event without data (a message) leaves it out. */
const presentEvent = (event: JobEventRecord): JobEvent => ({
  object: 'fine_tuning.job.event',
  id: event.id,
  created_at: event.created_at,
  level: event.level as JobEvent['level'],
  message: event.message,
  type: event.type as JobEvent['type'],
  ...(event.data === null ? {} : { data: event.data }),
});

const presentCheckpoint = (job: JobRecord) => (checkpoint: CheckpointRecord): JobCheckpoint => ({
  object: 'fine_tuning.job.checkpoint',
  id: checkpoint.id,
  created_at: checkpoint.created_at,
  fine_tuned_model_checkpoint: `ft:${job.model}:${job.organization_id}:${job.suffix ?? ''}:${job.id}:ckpt-step-${checkpoint.step_number}`,
  fine_tuning_job_id: job.id,
  metrics: checkpoint.metrics as Record<string, number>,
  step_number: checkpoint.step_number,
});

export function fineTuningRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['fine-tuning'];
    const params = z.strictObject({ job_id: z.string() });
    const query = z.strictObject(projectQuery);
    const pageQuery = listQuery.extend(projectQuery);

    app.post(
      '/v1/fine_tuning/jobs',
      { config: { access: needs('fine_tuning.create') }, schema: { tags, querystring: query, body: createJobBody, response: { 200: fineTuningJob, ...refusals } } },
      async (request) => presentJob(await services.fineTuning.create(principalOf(request), projectOf(request), request.body)),
    );

    app.get(
      '/v1/fine_tuning/jobs',
      { config: { access: needs('fine_tuning.list') }, schema: { tags, querystring: pageQuery, response: { 200: listOf(fineTuningJob), ...refusals } } },
      async (request) => presentList(await services.fineTuning.list(principalOf(request), projectOf(request), request.query), presentJob, (j) => j.id),
    );

    app.get(
      '/v1/fine_tuning/jobs/:job_id',
      { config: { access: needs('fine_tuning.get') }, schema: { tags, params, querystring: query, response: { 200: fineTuningJob, ...refusals } } },
      async (request) => presentJob(await services.fineTuning.get(principalOf(request), projectOf(request), request.params.job_id)),
    );

    app.post(
      '/v1/fine_tuning/jobs/:job_id/cancel',
      { config: { access: needs('fine_tuning.cancel') }, schema: { tags, params, querystring: query, response: { 200: fineTuningJob, ...refusals } } },
      async (request) => presentJob(await services.fineTuning.cancel(principalOf(request), projectOf(request), request.params.job_id)),
    );

    app.get(
      '/v1/fine_tuning/jobs/:job_id/events',
      { config: { access: needs('fine_tuning.events') }, schema: { tags, description: 'Newest first.', params, querystring: pageQuery, response: { 200: listOf(fineTuningJobEvent), ...refusals } } },
      async (request) =>
        presentList(await services.fineTuning.events(principalOf(request), projectOf(request), request.params.job_id, request.query), presentEvent, (e) => e.id),
    );

    app.get(
      '/v1/fine_tuning/jobs/:job_id/checkpoints',
      { config: { access: needs('fine_tuning.checkpoints') }, schema: { tags, params, querystring: pageQuery, response: { 200: listOf(fineTuningJobCheckpoint), ...refusals } } },
      async (request) => {
        const { job, page } = await services.fineTuning.checkpoints(principalOf(request), projectOf(request), request.params.job_id, request.query);
        return presentList(page, presentCheckpoint(job), (c) => c.id);
      },
    );
  };
}
