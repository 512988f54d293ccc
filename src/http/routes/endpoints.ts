import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadsAdapters } from '../../services/endpoints.ts';
import type { Services } from '../../services/index.ts';
import type { EndpointRecord } from '../../store/endpoints.ts';
import { presentDeleted, presentList } from '../presenters.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { AUTHENTICATED, needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, refusals } from '../schemas/common.ts';
import type { Endpoint, EndpointTemplate, WholeList } from '../schemas/api-types.ts';
import { deletionOf, wholeListOf } from '../schemas/envelopes.ts';
import { endpointObject, endpointTemplateObject } from '../schemas/resources.ts';

const scaling = z
  .strictObject({ min_replicas: z.number().int().min(1).max(64), max_replicas: z.number().int().min(1).max(64) })
  .refine((s) => s.min_replicas <= s.max_replicas, { message: 'min_replicas must not exceed max_replicas', path: ['min_replicas'] });


export function endpointRoutes(services: Services): FastifyPluginAsyncZod {
  const present = (endpoint: EndpointRecord): Endpoint => ({
    id: endpoint.id,
    object: 'dedicated_endpoint',
    project_id: endpoint.project_id,
    name: endpoint.name,
    description: endpoint.description,
    model_name: endpoint.model_name,
    flavor_name: endpoint.flavor_name,
    gpu_type: endpoint.gpu_type,
    gpu_count: endpoint.gpu_count,
    region: endpoint.region,
    inference_base_url: services.endpoints.inferenceBaseUrl(endpoint.region),
    scaling: endpoint.scaling,
    enabled: endpoint.enabled,
    routing_key: endpoint.routing_key,
    status: endpoint.status,
    created_at: endpoint.created_at,
  });

  return async (app) => {
    const tags = ['dedicated endpoints'];
    const params = z.strictObject({ endpoint_id: z.string() });
    const query = z.strictObject(projectQuery);

    app.get(
      '/v1/dedicated_endpoints/templates',
      { config: { access: AUTHENTICATED }, schema: { tags, response: { 200: wholeListOf(endpointTemplateObject), ...refusals } } },
      async (): Promise<WholeList<EndpointTemplate>> => ({
        object: 'list',
        data: services.endpoints.templates().map((t) => ({
          object: 'dedicated_endpoint.template',
          model_name: t.model_name,
          flavor_name: t.flavor_name,
          gpu_types: t.gpu_types,
          target_in_flight: t.target_in_flight,
          // Whether the flavor deploys fine-tuned models (its command loads an `{adapter}`), or base models only.
          loads_adapters: loadsAdapters(t),
        })),
      }),
    );

    app.post(
      '/v1/dedicated_endpoints',
      {
        config: { access: needs('endpoints.create') },
        schema: {
          tags,
          querystring: query,
          body: z.strictObject({
            name,
            description: z.string().max(1000).optional(),
            model_name: z.string().min(1),
            flavor_name: z.string().min(1),
            gpu_type: z.string().min(1),
            gpu_count: z.number().int().min(1).max(8).optional(),
            region: z.string().min(1).optional(),
            scaling: scaling.optional(),
            enabled: z.boolean().optional(),
          }),
          response: { 201: endpointObject, ...refusals },
        },
      },
      async (request, reply) => reply.status(201).send(present(await services.endpoints.create(principalOf(request), projectOf(request), request.body))),
    );

    app.get(
      '/v1/dedicated_endpoints',
      { config: { access: needs('endpoints.list') }, schema: { tags, querystring: listQuery.extend(projectQuery), response: { 200: listOf(endpointObject), ...refusals } } },
      async (request) => presentList(await services.endpoints.list(principalOf(request), projectOf(request), request.query), present, (e) => e.id),
    );

    app.get(
      '/v1/dedicated_endpoints/:endpoint_id',
      { config: { access: needs('endpoints.get') }, schema: { tags, params, querystring: query, response: { 200: endpointObject, ...refusals } } },
      async (request) => present(await services.endpoints.get(principalOf(request), projectOf(request), request.params.endpoint_id)),
    );

    app.patch(
      '/v1/dedicated_endpoints/:endpoint_id',
      {
        config: { access: needs('endpoints.update') },
        schema: {
          tags,
          description: 'name, description, enabled and scaling change; region, model and hardware do not (400 naming the field).',
          params,
          querystring: query,
          body: z.strictObject({ name: name.optional(), description: z.string().max(1000).optional(), enabled: z.boolean().optional(), scaling: scaling.optional() }),
          response: { 200: endpointObject, ...refusals },
        },
      },
      async (request) => present(await services.endpoints.update(principalOf(request), projectOf(request), request.params.endpoint_id, request.body)),
    );

    app.delete(
      '/v1/dedicated_endpoints/:endpoint_id',
      {
        config: { access: needs('endpoints.delete') },
        schema: { tags, params, querystring: query, response: { 200: deletionOf('dedicated_endpoint'), ...refusals } },
      },
      async (request) => {
        await services.endpoints.delete(principalOf(request), projectOf(request), request.params.endpoint_id);
        return presentDeleted(request.params.endpoint_id, 'dedicated_endpoint');
      },
    );
  };
}
