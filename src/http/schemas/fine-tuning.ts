import { z } from 'zod';

/**
 * The answers of the fine-tuning paths, field by field as OpenAI's schema types them: a field OpenAI
 * marks nullable (`fine_tuned_model`, `finished_at`, `error`, ...) is `null` while it has no value; a
 * field that is optional but not nullable (an event's `data`) is left out instead.
 */

const auto = <T extends z.ZodType>(value: T) => z.union([z.literal('auto'), value]);

const hyperparameters = z
  .object({
    batch_size: auto(z.number().int()).nullable().optional(),
    learning_rate_multiplier: auto(z.number()).optional(),
    n_epochs: auto(z.number().int()).optional(),
  })
  .loose(); // DPO adds `beta`.

const methodHyperparameters = z.object({ hyperparameters: hyperparameters.optional() }).loose();

export const fineTuningJob = z.object({
  id: z.string(),
  object: z.literal('fine_tuning.job'),
  created_at: z.number().int(),
  error: z.object({ code: z.string(), message: z.string(), param: z.string().nullable() }).nullable(),
  estimated_finish: z.number().int().nullable(),
  fine_tuned_model: z.string().nullable(),
  finished_at: z.number().int().nullable(),
  hyperparameters,
  integrations: z.array(z.unknown()).nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  method: z.object({ type: z.enum(['supervised', 'dpo']), supervised: methodHyperparameters.optional(), dpo: methodHyperparameters.optional() }),
  model: z.string(),
  organization_id: z.string(),
  project_id: z.string().describe('Tenantry: the project the job belongs to.'),
  result_files: z.array(z.string()),
  seed: z.number().int(),
  status: z.enum(['validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled']),
  suffix: z.string().nullable().describe('Tenantry: the suffix given at creation.'),
  user_provided_suffix: z.string().nullable(),
  trained_tokens: z.number().int().nullable(),
  training_file: z.string(),
  validation_file: z.string().nullable(),
});

export const fineTuningJobEvent = z.object({
  object: z.literal('fine_tuning.job.event'),
  id: z.string(),
  created_at: z.number().int(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  type: z.enum(['message', 'metrics']),
  data: z.record(z.string(), z.unknown()).optional().describe('Present on metrics events: the step and its metrics.'),
});

export const fineTuningJobCheckpoint = z.object({
  object: z.literal('fine_tuning.job.checkpoint'),
  id: z.string(),
  created_at: z.number().int(),
  fine_tuned_model_checkpoint: z.string(),
  fine_tuning_job_id: z.string(),
  metrics: z.record(z.string(), z.number()),
  step_number: z.number().int(),
});

/** What a worker's claim answers: the job as the API shows it and the files it may read. */
export const workerClaim = z.object({
  job: fineTuningJob,
  files: z.array(z.object({ id: z.string(), filename: z.string(), role: z.enum(['training', 'validation']) })),
});

export const workerHeartbeat = z.object({ status: z.enum(['running', 'cancelled']) });

export const workerEventsAccepted = z.object({ accepted: z.number().int() });

export const workerResultFile = z.object({ id: z.string().describe('The stored file of the result.') });
