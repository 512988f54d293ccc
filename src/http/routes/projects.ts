import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import { presentList, presentProject } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, orgParams, projectParams, refusals } from '../schemas/common.ts';
import type { AccessEntry } from '../schemas/api-types.ts';
import { projectAccessEntry, projectObject } from '../schemas/objects.ts';
import type { ProjectAccessEntry } from '../../services/access.ts';

const regionList = z.array(z.string().min(1)).min(1, 'must name at least one region').max(20);
const presentAccessEntry = (entry: ProjectAccessEntry): AccessEntry => ({
  principal: entry.principal,
  role: entry.role,
  via: entry.via.map((v) => ({ group_id: v.group_id, scope: v.scope, role: v.role, role_name: v.role_name })),
});

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export function projectRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['projects'];

    app.post(
      '/v1/organizations/:org/projects',
      {
        config: { access: needs('projects.create') },
        schema: { tags, params: orgParams, body: z.strictObject({ name, regions: regionList.optional() }), response: { 201: projectObject, ...refusals } },
      },
      async (request, reply) =>
        reply.status(201).send(presentProject(await services.projects.create(principalOf(request), request.params.org, request.body))),
    );

    app.get(
      '/v1/organizations/:org/projects',
      {
        config: { access: needs('projects.list') },
        schema: {
          tags,
          description: 'The projects of the organization that the caller may read.',
          params: orgParams,
          querystring: listQuery.extend({ include_archived: booleanQuery.default(false) }),
          response: { 200: listOf(projectObject), ...refusals },
        },
      },
      async (request) => {
        const { include_archived, ...page } = request.query;
        const result = await services.projects.list(principalOf(request), request.params.org, { includeArchived: include_archived }, page);
        return presentList(result, presentProject, (p) => p.id);
      },
    );

    app.get(
      '/v1/projects/:proj',
      { config: { access: needs('projects.get') }, schema: { tags, params: projectParams, response: { 200: projectObject, ...refusals } } },
      async (request) => presentProject(await services.projects.get(principalOf(request), request.params.proj)),
    );

    app.patch(
      '/v1/projects/:proj',
      {
        config: { access: needs('projects.update') },
        schema: {
          tags,
          params: projectParams,
          body: z.strictObject({ name: name.optional(), regions: regionList.optional() }),
          response: { 200: projectObject, ...refusals },
        },
      },
      async (request) => presentProject(await services.projects.update(principalOf(request), request.params.proj, request.body)),
    );

    app.post(
      '/v1/projects/:proj/archive',
      { config: { access: needs('projects.archive') }, schema: { tags, params: projectParams, response: { 200: projectObject, ...refusals } } },
      async (request) => presentProject(await services.projects.archive(principalOf(request), request.params.proj)),
    );

    app.get(
      '/v1/projects/:proj/access',
      {
        config: { access: needs('access.who_has_access') },
        schema: {
          tags: ['access'],
          description: 'Who has access to the project, with their strongest role and the groups it comes from.',
          params: projectParams,
          response: { 200: listOf(projectAccessEntry), ...refusals },
        },
      },
      async (request) => {
        const entries = await services.access.whoHasAccess(principalOf(request), request.params.proj);
        return presentList({ items: entries, hasMore: false }, presentAccessEntry, (entry) => entry.principal.id);
      },
    );
  };
}
