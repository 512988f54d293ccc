import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSION_NAMES } from '../../access/permissions.ts';
import type { Services } from '../../services/index.ts';
import { presentDeleted, presentList, presentOrganization, presentOrganizationMember } from '../presenters.ts';
import { AUTHENTICATED, needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, orgParams, refusals } from '../schemas/common.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import { accessCheckObject, organizationMemberObject, organizationObject } from '../schemas/objects.ts';

export function organizationRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['organizations'];

    app.post(
      '/v1/organizations',
      { config: { access: AUTHENTICATED }, schema: { tags, body: z.strictObject({ name }), response: { 201: organizationObject, ...refusals } } },
      async (request, reply) => reply.status(201).send(presentOrganization(await services.organizations.create(principalOf(request), request.body))),
    );

    app.get(
      '/v1/organizations',
      { config: { access: AUTHENTICATED }, schema: { tags, querystring: listQuery, response: { 200: listOf(organizationObject), ...refusals } } },
      async (request) => presentList(await services.organizations.list(principalOf(request), request.query), presentOrganization, (o) => o.id),
    );

    app.get(
      '/v1/organizations/:org',
      { config: { access: needs('organizations.get') }, schema: { tags, params: orgParams, response: { 200: organizationObject, ...refusals } } },
      async (request) => presentOrganization(await services.organizations.get(principalOf(request), request.params.org)),
    );

    app.patch(
      '/v1/organizations/:org',
      {
        config: { access: needs('organizations.update') },
        schema: {
          tags,
          params: orgParams,
          body: z.strictObject({ name: name.optional(), api_key_creator_removal: z.enum(['revoke', 'flag']).optional() }),
          response: { 200: organizationObject, ...refusals },
        },
      },
      async (request) => presentOrganization(await services.organizations.update(principalOf(request), request.params.org, request.body)),
    );

    app.delete(
      '/v1/organizations/:org',
      {
        config: { access: needs('organizations.delete') },
        schema: {
          tags,
          description:
            'Deletes an empty organization (org admins). 409 `personal_organization` for a personal one; 409 `organization_not_empty` while a member besides the caller, or a project with a live API key, file, dataset, unfinished fine-tuning job or dedicated endpoint, remains.',
          params: orgParams,
          response: { 200: deletionOf('organization'), ...refusals },
        },
      },
      async (request) => {
        await services.organizations.delete(principalOf(request), request.params.org);
        return presentDeleted(request.params.org, 'organization');
      },
    );

    app.get(
      '/v1/organizations/:org/members',
      {
        config: { access: needs('members.list') },
        schema: { tags, params: orgParams, querystring: listQuery, response: { 200: listOf(organizationMemberObject), ...refusals } },
      },
      async (request) =>
        presentList(await services.members.list(principalOf(request), request.params.org, request.query), presentOrganizationMember, (m) => m.principal.id),
    );

    app.delete(
      '/v1/organizations/:org/members/:principal_id',
      {
        config: { access: needs('members.remove') },
        schema: {
          tags,
          description: 'Removes a member (org admins), or leaves the organization (the member itself).',
          params: z.strictObject({ org: z.string(), principal_id: z.string() }),
          response: { 200: deletionOf('organization.member'), ...refusals },
        },
      },
      async (request) => {
        await services.members.remove(principalOf(request), request.params.org, request.params.principal_id);
        return presentDeleted(request.params.principal_id, 'organization.member');
      },
    );

    app.post(
      '/v1/organizations/:org/access/check',
      {
        config: { access: needs('access.check') },
        schema: {
          tags: ['access'],
          description: 'Org admins, or a principal asking about itself.',
          params: orgParams,
          body: z.strictObject({
            principal_id: z.string().min(1),
            permission: z.enum(PERMISSION_NAMES as [string, ...string[]]),
            project_id: z.string().min(1).optional(),
          }),
          response: { 200: accessCheckObject, ...refusals },
        },
      },
      async (request) => services.access.check(principalOf(request), request.params.org, request.body),
    );
  };
}
