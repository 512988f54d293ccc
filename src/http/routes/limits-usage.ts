import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import type { UsageBucket } from '../../services/usage.ts';
import { needs, principalOf } from '../route-access.ts';
import { orgParams, projectParams, refusals } from '../schemas/common.ts';
import type { ModelPermissions, RateLimit, SpendPage, UsagePage, WholeList } from '../schemas/api-types.ts';
import { wholeListOf } from '../schemas/envelopes.ts';
import { modelPermissionsObject, rateLimitObject, spendPage, usagePage } from '../schemas/resources.ts';
import type { ModelPermissionsRecord, RateLimitRecord } from '../../store/gateway-settings.ts';

const limitFields = {
  max_requests_per_1_minute: z.number().int().positive(),
  max_tokens_per_1_minute: z.number().int().positive(),
};

const usageQuery = z.strictObject({
  start_time: z.coerce.number().int().nonnegative(),
  end_time: z.coerce.number().int().positive().optional(),
  bucket_width: z.enum(['1m', '1h', '1d']).default('1d'),
  group_by: z
    .string()
    .optional()
    .transform((value, context) => {
      const fields = (value ?? '').split(',').map((f) => f.trim()).filter(Boolean);
      for (const field of fields) {
        if (!['project_id', 'api_key_id', 'model', 'batch'].includes(field)) {
          context.addIssue({ code: 'custom', message: `cannot group by ${field}; use project_id, api_key_id, model or batch` });
          return z.NEVER;
        }
      }
      return fields as Array<'project_id' | 'api_key_id' | 'model' | 'batch'>;
    }),
  // OpenAI's `batch` filter: only batch requests (true) or only interactive ones (false).
  batch: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
});

const presentUsage = (buckets: UsageBucket[]): UsagePage => ({
  object: 'page',
  data: buckets.map((b) => ({
    object: 'bucket',
    start_time: b.start_time,
    end_time: b.end_time,
    results: b.results.map((r) => ({
      project_id: r.project_id,
      api_key_id: r.api_key_id,
      model: r.model,
      ...(r.batch === undefined ? {} : { batch: r.batch }),
      num_model_requests: r.num_model_requests,
      input_tokens: r.input_tokens,
      output_tokens: r.output_tokens,
      amount: { value: r.amount.value, currency: r.amount.currency },
    })),
  })),
  has_more: false,
  next_page: null,
});

const presentModelPermissions = (projectId: string, value: ModelPermissionsRecord): ModelPermissions => ({
  object: 'project.model_permissions',
  project_id: projectId,
  mode: value.mode,
  model_ids: value.model_ids,
});

const presentRateLimit = (limit: RateLimitRecord): RateLimit => ({
  object: 'project.rate_limit',
  id: limit.model,
  model: limit.model,
  max_requests_per_1_minute: limit.max_requests_per_1_minute,
  max_tokens_per_1_minute: limit.max_tokens_per_1_minute,
});

const presentSpend = (buckets: UsageBucket[]): SpendPage => ({
  object: 'page',
  data: buckets.map((b) => ({
    object: 'bucket',
    start_time: b.start_time,
    end_time: b.end_time,
    results: b.results.map((r) => ({ object: 'organization.costs.result', amount: { value: r.amount.value, currency: r.amount.currency }, project_id: r.project_id, api_key_id: r.api_key_id, model: r.model, num_model_requests: r.num_model_requests, input_tokens: r.input_tokens, output_tokens: r.output_tokens, ...(r.endpoint_id !== undefined ? { endpoint_id: r.endpoint_id, replica_seconds: r.replica_seconds ?? 0 } : {}) })),
  })),
  has_more: false,
  next_page: null,
});

/** Model permissions, rate limits, usage and spend of projects and organizations. */
export function limitsAndUsageRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/projects/:proj/model_permissions',
      { config: { access: needs('inference.model_permissions') }, schema: { tags: ['model permissions'], params: projectParams, response: { 200: modelPermissionsObject, ...refusals } } },
      async (request) => presentModelPermissions(request.params.proj, await services.inference.modelPermissions(principalOf(request), request.params.proj)),
    );

    app.post(
      '/v1/projects/:proj/model_permissions',
      {
        config: { access: needs('inference.set_model_permissions') },
        schema: {
          tags: ['model permissions'],
          params: projectParams,
          body: z.strictObject({ mode: z.enum(['allow_list', 'deny_list']), model_ids: z.array(z.string().min(1)).max(1000) }),
          response: { 200: modelPermissionsObject, ...refusals },
        },
      },
      async (request) =>
        presentModelPermissions(request.params.proj, await services.inference.setModelPermissions(principalOf(request), request.params.proj, request.body)),
    );

    app.get(
      '/v1/projects/:proj/rate_limits',
      { config: { access: needs('inference.rate_limits') }, schema: { tags: ['rate limits'], params: projectParams, response: { 200: wholeListOf(rateLimitObject), ...refusals } } },
      async (request): Promise<WholeList<RateLimit>> => ({
        object: 'list',
        data: (await services.inference.rateLimits(principalOf(request), request.params.proj)).map(presentRateLimit),
      }),
    );

    app.post(
      '/v1/projects/:proj/rate_limits/:model',
      {
        config: { access: needs('inference.set_rate_limit') },
        schema: {
          tags: ['rate limits'],
          description: 'The model id is URL-encoded in the path.',
          params: z.strictObject({ proj: z.string(), model: z.string() }),
          body: z.strictObject({ max_requests_per_1_minute: limitFields.max_requests_per_1_minute.optional(), max_tokens_per_1_minute: limitFields.max_tokens_per_1_minute.optional() }),
          response: { 200: rateLimitObject, ...refusals },
        },
      },
      // The router has decoded the model id already (a second decoding threw on a `%` in it).
      async (request) => presentRateLimit(await services.inference.setRateLimit(principalOf(request), request.params.proj, request.params.model, request.body)),
    );

    app.get(
      '/v1/organizations/:org/usage',
      { config: { access: needs('usage.organization') }, schema: { tags: ['usage'], params: orgParams, querystring: usageQuery, response: { 200: usagePage, ...refusals } } },
      async (request) => presentUsage(await services.usage.organization(principalOf(request), request.params.org, request.query)),
    );

    app.get(
      '/v1/projects/:proj/usage',
      { config: { access: needs('usage.project') }, schema: { tags: ['usage'], params: projectParams, querystring: usageQuery, response: { 200: usagePage, ...refusals } } },
      async (request) => presentUsage(await services.usage.project(principalOf(request), request.params.proj, request.query)),
    );

    const spendDescription = 'Usage at the configured prices (USD, `amount.value`, rounded to the micro-dollar), by bucket; like OpenAI\'s costs API.';
    app.get(
      '/v1/organizations/:org/spend',
      { config: { access: needs('usage.organization_spend') }, schema: { tags: ['spend'], description: spendDescription, params: orgParams, querystring: usageQuery, response: { 200: spendPage, ...refusals } } },
      async (request) => presentSpend(await services.usage.organizationSpend(principalOf(request), request.params.org, request.query)),
    );

    app.get(
      '/v1/projects/:proj/spend',
      { config: { access: needs('usage.project_spend') }, schema: { tags: ['spend'], description: spendDescription, params: projectParams, querystring: usageQuery, response: { 200: spendPage, ...refusals } } },
      async (request) => presentSpend(await services.usage.projectSpend(principalOf(request), request.params.proj, request.query)),
    );
  };
}
