import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { groupUseCase, type GroupScope } from '../../services/groups.ts';
import type { Services } from '../../services/index.ts';
import { presentDeleted, presentGroup, presentGroupMember, presentList } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, refusals, unixSeconds } from '../schemas/common.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import { groupMemberObject, groupObject } from '../schemas/objects.ts';

/**
 * Organization groups and project groups have the same routes under two prefixes; one definition
 * serves both, so they cannot drift apart.
 */
interface GroupRouteFamily {
  prefix: '/v1/organizations/:org' | '/v1/projects/:proj';
  scopeParam: 'org' | 'proj';
  scopeType: GroupScope['type'];
}

/** Each route of a family checks its scope's group use case (groupUseCase), whose permission use-cases.ts holds. */
const FAMILIES: GroupRouteFamily[] = [
  { prefix: '/v1/organizations/:org', scopeParam: 'org', scopeType: 'organization' },
  { prefix: '/v1/projects/:proj', scopeParam: 'proj', scopeType: 'project' },
];

export function groupRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    for (const family of FAMILIES) {
      const tags = [family.scopeType === 'organization' ? 'organization groups' : 'project groups'];
      const scopeOnly = z.strictObject({ [family.scopeParam]: z.string() });
      const groupParams = z.strictObject({ [family.scopeParam]: z.string(), grp: z.string() });
      const memberParams = z.strictObject({ [family.scopeParam]: z.string(), grp: z.string(), principal_id: z.string() });
      const scopeOf = (params: Record<string, string>): GroupScope => ({ type: family.scopeType, id: params[family.scopeParam]! });

      app.get(
        `${family.prefix}/groups`,
        { config: { access: needs(groupUseCase(family.scopeType, 'read')) }, schema: { tags, params: scopeOnly, querystring: listQuery, response: { 200: listOf(groupObject), ...refusals } } },
        async (request) => presentList(await services.groups.list(principalOf(request), scopeOf(request.params), request.query), presentGroup, (g) => g.id),
      );

      app.post(
        `${family.prefix}/groups`,
        {
          config: { access: needs(groupUseCase(family.scopeType, 'write')) },
          schema: { tags, params: scopeOnly, body: z.strictObject({ name, role: z.string().min(1) }), response: { 201: groupObject, ...refusals } },
        },
        async (request, reply) =>
          reply.status(201).send(presentGroup(await services.groups.create(principalOf(request), scopeOf(request.params), request.body))),
      );

      app.get(
        `${family.prefix}/groups/:grp`,
        { config: { access: needs(groupUseCase(family.scopeType, 'read')) }, schema: { tags, params: groupParams, response: { 200: groupObject, ...refusals } } },
        async (request) => presentGroup(await services.groups.get(principalOf(request), scopeOf(request.params), request.params.grp as string)),
      );

      app.patch(
        `${family.prefix}/groups/:grp`,
        {
          config: { access: needs(groupUseCase(family.scopeType, 'write')) },
          schema: { tags, params: groupParams, body: z.strictObject({ name }), response: { 200: groupObject, ...refusals } },
        },
        async (request) =>
          presentGroup(await services.groups.rename(principalOf(request), scopeOf(request.params), request.params.grp as string, request.body)),
      );

      app.delete(
        `${family.prefix}/groups/:grp`,
        { config: { access: needs(groupUseCase(family.scopeType, 'write')) }, schema: { tags, params: groupParams, response: { 200: deletionOf('group'), ...refusals } } },
        async (request) => {
          await services.groups.delete(principalOf(request), scopeOf(request.params), request.params.grp as string);
          return presentDeleted(request.params.grp as string, 'group');
        },
      );

      app.get(
        `${family.prefix}/groups/:grp/members`,
        {
          config: { access: needs(groupUseCase(family.scopeType, 'members.read')) },
          schema: { tags, params: groupParams, querystring: listQuery, response: { 200: listOf(groupMemberObject), ...refusals } },
        },
        async (request) =>
          presentList(
            await services.groups.listMembers(principalOf(request), scopeOf(request.params), request.params.grp as string, request.query),
            presentGroupMember,
            (m) => m.principal.id,
          ),
      );

      app.post(
        `${family.prefix}/groups/:grp/members`,
        {
          config: { access: needs(groupUseCase(family.scopeType, 'write')) },
          schema: {
            tags,
            description: 'Adds a member (201), or updates an existing member\'s expires_at (200).',
            params: groupParams,
            body: z.strictObject({ principal_id: z.string().min(1), expires_at: unixSeconds.nullable().optional() }),
            response: { 200: groupMemberObject, 201: groupMemberObject, ...refusals },
          },
        },
        async (request, reply) => {
          const { member, created } = await services.groups.addMember(principalOf(request), scopeOf(request.params), request.params.grp as string, request.body);
          return reply.status(created ? 201 : 200).send(presentGroupMember(member));
        },
      );

      app.delete(
        `${family.prefix}/groups/:grp/members/:principal_id`,
        { config: { access: needs(groupUseCase(family.scopeType, 'write')) }, schema: { tags, params: memberParams, response: { 200: deletionOf('group.member'), ...refusals } } },
        async (request) => {
          await services.groups.removeMember(principalOf(request), scopeOf(request.params), request.params.grp as string, request.params.principal_id as string);
          return presentDeleted(request.params.principal_id as string, 'group.member');
        },
      );
    }
  };
}
