import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Services } from '../../services/index.ts';
import { errorBody } from '../errors.ts';
import { AUTHENTICATED, PUBLIC } from '../route-access.ts';
import { refusals } from '../schemas/common.ts';
import type { Permission, Region, WholeList } from '../schemas/api-types.ts';
import { wholeListOf } from '../schemas/envelopes.ts';
import { permissionObject, regionObject } from '../schemas/objects.ts';

/** Health, the OpenAPI document, the regions and the permission catalogue. */
export function metaRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    // 200 while the database answers; Redis down shows in the body and its counters, not in the status.
    app.get('/healthz', { config: { access: PUBLIC }, schema: { hide: true } }, async (_request, reply) => {
      const health = await services.health.check();
      if (health.database === 'unavailable') {
        return reply.status(503).send(errorBody('api_error', 'The database does not answer.', null, 'database_unavailable'));
      }
      const { redis, ...rateLimiter } = health.limiter;
      return {
        status: redis === 'degraded' ? 'degraded' : 'ok',
        checks: { database: 'ok', ...(redis ? { redis } : {}) },
        rate_limiter: rateLimiter,
      };
    });

    app.get('/openapi.json', { config: { access: PUBLIC }, schema: { hide: true } }, async () => app.swagger());

    app.get(
      '/v1/regions',
      { config: { access: AUTHENTICATED }, schema: { tags: ['regions'], response: { 200: wholeListOf(regionObject), ...refusals } } },
      async (): Promise<WholeList<Region>> => ({
        object: 'list',
        data: services.regions.list().map((r) => ({ id: r.id, object: 'region', inference_base_url: r.inference_base_url })),
      }),
    );

    app.get(
      '/v1/permissions',
      {
        config: { access: AUTHENTICATED },
        schema: {
          tags: ['access'],
          response: { 200: wholeListOf(permissionObject), ...refusals },
        },
      },
      async (): Promise<WholeList<Permission>> => ({
        object: 'list',
        data: services.access.catalogue().map((p) => ({ name: p.name, scope: p.scope, description: p.description, roles: p.roles })),
      }),
    );
  };
}
