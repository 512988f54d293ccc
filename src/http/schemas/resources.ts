import { z } from 'zod';

/**
 * The answers of the project resources (files, datasets, models, dedicated endpoints) and of limits and
 * usage, in OpenAI's and Nebius's shapes as API.md names them. Imports nothing but zod.
 */

/**
 * OpenAI's file object. `expires_at` and `status_details` are optional in OpenAI's schema (an integer and
 * a string, never null): Tenantry's files do not expire and have no status details, so they are left out.
 */
export const fileObject = z.object({
  id: z.string(),
  object: z.literal('file'),
  bytes: z.number().int(),
  created_at: z.number().int(),
  expires_at: z.number().int().optional(),
  filename: z.string(),
  purpose: z.string(),
  status: z.literal('processed'),
  status_details: z.string().optional(),
});

export const datasetObject = z.object({
  id: z.string(),
  object: z.literal('dataset'),
  project_id: z.string(),
  name: z.string(),
  file_ids: z.array(z.string()),
  format: z.string().describe('conversational, instruction or text'),
  rows: z.number(),
  region: z.string(),
  created_at: z.number(),
});

/** A page of a dataset's rows, by offset (not the cursor list: rows have no ids). */
export const datasetRowList = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ object: z.literal('dataset.row'), index: z.number(), file_id: z.string(), line: z.number(), data: z.unknown() })),
  has_more: z.boolean(),
  total: z.number().describe('the rows of the dataset when it was made'),
});

export const modelObject = z.object({ id: z.string(), object: z.literal('model'), created: z.number(), owned_by: z.string() });

export const ENDPOINT_STATUSES = ['provisioning', 'running', 'stopped', 'failed', 'deleting'] as const;

export const endpointObject = z.object({
  id: z.string(),
  object: z.literal('dedicated_endpoint'),
  project_id: z.string(),
  name: z.string(),
  description: z.string(),
  model_name: z.string(),
  flavor_name: z.string(),
  gpu_type: z.string(),
  gpu_count: z.number().int(),
  region: z.string(),
  inference_base_url: z.string(),
  scaling: z.object({ min_replicas: z.number().int(), max_replicas: z.number().int() }),
  enabled: z.boolean(),
  routing_key: z.string().describe('The `model` that inference requests name to reach this endpoint.'),
  status: z.enum(ENDPOINT_STATUSES),
  created_at: z.number(),
});

export const endpointTemplateObject = z.object({
  object: z.literal('dedicated_endpoint.template'),
  model_name: z.string(),
  flavor_name: z.string(),
  gpu_types: z.array(z.string()),
  target_in_flight: z.number().int(),
  loads_adapters: z.boolean().describe('Whether the flavor deploys fine-tuned models (its command loads an `{adapter}`), or base models only.'),
});

export const modelPermissionsObject = z.object({
  object: z.literal('project.model_permissions'),
  project_id: z.string(),
  mode: z.enum(['allow_list', 'deny_list']),
  model_ids: z.array(z.string()),
});

export const rateLimitObject = z.object({
  object: z.literal('project.rate_limit'),
  id: z.string().describe('The model id.'),
  model: z.string(),
  max_requests_per_1_minute: z.number().int(),
  max_tokens_per_1_minute: z.number().int(),
});

/** What tokens cost at the configured prices, like OpenAI's costs API. */
const amount = z.object({ value: z.number(), currency: z.literal('usd') });

export const usageResult = z.object({
  project_id: z.string().nullable(),
  api_key_id: z.string().nullable(),
  model: z.string().nullable(),
  batch: z.boolean().optional().describe('Present when grouped by `batch`: whether these requests came from batches.'),
  num_model_requests: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  amount,
});

/** A page of buckets, as OpenAI's usage and costs APIs answer them. */
const bucketPage = <T extends z.ZodType>(result: T) =>
  z.object({
    object: z.literal('page'),
    data: z.array(z.object({ object: z.literal('bucket'), start_time: z.number().int(), end_time: z.number().int(), results: z.array(result) })),
    has_more: z.boolean(),
    next_page: z.string().nullable(),
  });

export const usagePage = bucketPage(usageResult);

export const spendResult = usageResult.omit({ batch: true }).extend({
  object: z.literal('organization.costs.result'),
  endpoint_id: z.string().optional().describe("Present on a dedicated endpoint's replica-hours line (no tokens; `amount` = replica-hours × the price per replica-hour)."),
  replica_seconds: z.number().int().optional().describe('Present with `endpoint_id`: seconds of replica time in this bucket, all replicas together.'),
});

export const spendPage = bucketPage(spendResult);
