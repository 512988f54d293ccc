import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import { presentCustomRole, presentDeleted, presentList, presentRole } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, orgParams, refusals } from '../schemas/common.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import { roleObject } from '../schemas/objects.ts';

const roleParams = z.strictObject({ org: z.string(), role_id: z.string() });
const description = z.string().max(1000, 'must be at most 1000 characters');
const scope = z.enum(['organization', 'project']);
const permissions = z.array(z.string().min(1).max(100)).min(1).max(200);

/** An organization's roles: its custom roles (CRUD) and the built-in ones (read-only). */
export function roleRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['roles'];

    app.get(
      '/v1/organizations/:org/roles',
      {
        config: { access: needs('roles.list') },
        schema: { tags, description: 'Custom roles, newest first, then the built-in roles.', params: orgParams, querystring: listQuery, response: { 200: listOf(roleObject), ...refusals } },
      },
      async (request) => presentList(await services.roles.list(principalOf(request), request.params.org, request.query), presentRole, (view) => view.role.id),
    );

    app.post(
      '/v1/organizations/:org/roles',
      {
        config: { access: needs('roles.create') },
        schema: {
          tags,
          description: 'scope defaults to organization when a permission is an organization permission, else project. The creator must hold every permission listed.',
          params: orgParams,
          body: z.strictObject({ name, description: description.optional(), scope: scope.optional(), permissions }),
          response: { 201: roleObject, ...refusals },
        },
      },
      async (request, reply) => reply.status(201).send(presentCustomRole(await services.roles.create(principalOf(request), request.params.org, request.body))),
    );

    app.get(
      '/v1/organizations/:org/roles/:role_id',
      { config: { access: needs('roles.get') }, schema: { tags, params: roleParams, response: { 200: roleObject, ...refusals } } },
      async (request) => presentRole(await services.roles.get(principalOf(request), request.params.org, request.params.role_id)),
    );

    app.patch(
      '/v1/organizations/:org/roles/:role_id',
      {
        config: { access: needs('roles.update') },
        schema: {
          tags,
          description: "Changes reach every holder at once. scope cannot change (400). The editor must hold every permission the role holds before and after.",
          params: roleParams,
          body: z.strictObject({ name: name.optional(), description: description.optional(), scope: scope.optional(), permissions: permissions.optional() }),
          response: { 200: roleObject, ...refusals },
        },
      },
      async (request) => presentCustomRole(await services.roles.update(principalOf(request), request.params.org, request.params.role_id, request.body)),
    );

    app.delete(
      '/v1/organizations/:org/roles/:role_id',
      {
        config: { access: needs('roles.delete') },
        schema: { tags, description: 'A role some group holds: 409 role_in_use.', params: roleParams, response: { 200: deletionOf('role'), ...refusals } },
      },
      async (request) => {
        await services.roles.delete(principalOf(request), request.params.org, request.params.role_id);
        return presentDeleted(request.params.role_id, 'role');
      },
    );
  };
}
