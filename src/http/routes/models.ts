import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModelEntry } from '../../services/models.ts';
import type { Services } from '../../services/index.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { refusals } from '../schemas/common.ts';
import type { Model, WholeList } from '../schemas/api-types.ts';
import { wholeListOf } from '../schemas/envelopes.ts';
import { modelObject } from '../schemas/resources.ts';

const present = (model: ModelEntry): Model => ({ id: model.id, object: 'model', created: model.created, owned_by: model.owned_by });

export function modelRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['models'];
    const query = z.strictObject(projectQuery);

    app.get(
      '/v1/models',
      { config: { access: needs('models.list') }, schema: { tags, querystring: query, response: { 200: wholeListOf(modelObject), ...refusals } } },
      async (request): Promise<WholeList<Model>> => ({ object: 'list', data: (await services.models.list(principalOf(request), projectOf(request))).map(present) }),
    );

    // Model ids hold slashes (meta-llama/Llama-3.3-70B-Instruct), sent as they are or URL-encoded.
    // The router has decoded the path already: decoding it again would throw on a `%` in an id.
    app.get(
      '/v1/models/*',
      { config: { access: needs('models.get') }, schema: { tags, params: z.object({ '*': z.string() }), querystring: query, response: { 200: modelObject, ...refusals } } },
      async (request) => present(await services.models.get(principalOf(request), projectOf(request), request.params['*'])),
    );
  };
}
