import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import { SCIM, scimCallerOf } from '../route-access.ts';
import { handleScimError, SCIM_CONTENT_TYPE } from '../scim-errors.ts';
import { listResponse, resourceTypes, schemas, serviceProviderConfig } from '../scim-discovery.ts';
import { presentScimGroup, presentScimList, presentScimUser } from '../scim-presenters.ts';
import {
  SCIM_MAX_RESULTS,
  scimDocument,
  scimGroupBody,
  scimGroupObject,
  scimGroupParams,
  scimListOf,
  scimListQuery,
  scimNamedParams,
  scimOrgParams,
  scimPatchBody,
  scimRefusals,
  scimResourceQuery,
  scimUserBody,
  scimUserObject,
  scimUserParams,
} from '../schemas/scim.ts';
import type { ScimUserRecord } from '../../store/records.ts';

/**
 * SCIM 2.0 (RFC 7644) for each organization's identity provider, at /scim/v2/{org}: Users (the
 * organization's members), Groups (its organization groups) and the discovery documents. Called with
 * the organization's SCIM token; answers `application/scim+json`, refusals in RFC 7644's error shape.
 */
export function scimRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['SCIM'];
    const config = { access: SCIM };
    const base = '/scim/v2/:org';
    // Inside this plugin only: the SCIM media type, parsed as JSON, and SCIM's error shape.
    app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
    app.setErrorHandler(handleScimError);
    app.addHook('onSend', async (_request, reply, payload) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.type(SCIM_CONTENT_TYPE);
      return payload;
    });

    const baseUrl = (request: FastifyRequest, org: string) => `${request.protocol}://${request.host}/scim/v2/${encodeURIComponent(org)}`;
    const userPresenter = async (request: FastifyRequest, org: string, records: ScimUserRecord[]) => {
      const groups = await services.scimUsers.groupsOf(org, records.map((r) => r.user.id));
      return records.map((record) => presentScimUser(baseUrl(request, org), record, groups.get(record.user.id) ?? []));
    };
    const presentOne = async (request: FastifyRequest, org: string, record: ScimUserRecord) => (await userPresenter(request, org, [record]))[0]!;
    const pageOf = (query: { startIndex: number; count: number }) => ({ startIndex: query.startIndex, count: Math.min(query.count, SCIM_MAX_RESULTS) });
    const withoutMembers = (excluded: string | undefined) => (excluded ?? '').split(',').some((a) => a.trim().toLowerCase() === 'members');

    app.get(
      `${base}/Users`,
      { config, schema: { tags, params: scimOrgParams, querystring: scimListQuery, response: { 200: scimListOf(scimUserObject), ...scimRefusals } } },
      async (request) => {
        const page = pageOf(request.query);
        const found = await services.scimUsers.list(scimCallerOf(request), request.params.org, { filter: request.query.filter, ...page });
        return presentScimList(await userPresenter(request, request.params.org, found.items), found.total, page.startIndex);
      },
    );

    app.get(
      `${base}/Users/:user_id`,
      { config, schema: { tags, params: scimUserParams, querystring: scimResourceQuery, response: { 200: scimUserObject, ...scimRefusals } } },
      async (request) => presentOne(request, request.params.org, await services.scimUsers.get(scimCallerOf(request), request.params.org, request.params.user_id)),
    );

    app.post(
      `${base}/Users`,
      {
        config,
        schema: { tags, description: 'Provisions a person: creates the account if the email is new, and makes it a member of the organization (unless active is false).', params: scimOrgParams, body: scimUserBody, response: { 201: scimUserObject, ...scimRefusals } },
      },
      async (request, reply) => {
        const created = await services.scimUsers.create(scimCallerOf(request), request.params.org, request.body);
        const presented = await presentOne(request, request.params.org, created);
        return reply.status(201).header('location', presented.meta.location).send(presented);
      },
    );

    app.put(
      `${base}/Users/:user_id`,
      { config, schema: { tags, params: scimUserParams, body: scimUserBody, response: { 200: scimUserObject, ...scimRefusals } } },
      async (request) => presentOne(request, request.params.org, await services.scimUsers.replace(scimCallerOf(request), request.params.org, request.params.user_id, request.body)),
    );

    app.patch(
      `${base}/Users/:user_id`,
      {
        config,
        schema: { tags, description: 'PATCH operations as Okta and Entra send them; `active: false` removes the person from the organization at once, with the API keys they own there.', params: scimUserParams, body: scimPatchBody, response: { 200: scimUserObject, ...scimRefusals } },
      },
      async (request) =>
        presentOne(request, request.params.org, await services.scimUsers.patch(scimCallerOf(request), request.params.org, request.params.user_id, request.body.Operations)),
    );

    app.delete(
      `${base}/Users/:user_id`,
      { config, schema: { tags, description: 'Removes the person from the organization (the account itself remains).', params: scimUserParams, response: { 204: z.undefined(), ...scimRefusals } } },
      async (request, reply) => {
        await services.scimUsers.delete(scimCallerOf(request), request.params.org, request.params.user_id);
        return reply.status(204).send();
      },
    );

    app.get(
      `${base}/Groups`,
      { config, schema: { tags, params: scimOrgParams, querystring: scimListQuery, response: { 200: scimListOf(scimGroupObject), ...scimRefusals } } },
      async (request) => {
        const page = pageOf(request.query);
        const found = await services.scimGroups.list(scimCallerOf(request), request.params.org, { filter: request.query.filter, ...page });
        const members = !withoutMembers(request.query.excludedAttributes);
        return presentScimList(found.items.map((g) => presentScimGroup(baseUrl(request, request.params.org), g, members)), found.total, page.startIndex);
      },
    );

    app.get(
      `${base}/Groups/:grp`,
      { config, schema: { tags, params: scimGroupParams, querystring: scimResourceQuery, response: { 200: scimGroupObject, ...scimRefusals } } },
      async (request) =>
        presentScimGroup(baseUrl(request, request.params.org), await services.scimGroups.get(scimCallerOf(request), request.params.org, request.params.grp), !withoutMembers(request.query.excludedAttributes)),
    );

    app.post(
      `${base}/Groups`,
      {
        config,
        schema: { tags, description: 'Creates an organization group with the role viewer; members must be Users of the organization.', params: scimOrgParams, body: scimGroupBody, response: { 201: scimGroupObject, ...scimRefusals } },
      },
      async (request, reply) => {
        const presented = presentScimGroup(baseUrl(request, request.params.org), await services.scimGroups.create(scimCallerOf(request), request.params.org, request.body));
        return reply.status(201).header('location', presented.meta.location).send(presented);
      },
    );

    app.put(
      `${base}/Groups/:grp`,
      { config, schema: { tags, params: scimGroupParams, body: scimGroupBody, response: { 200: scimGroupObject, ...scimRefusals } } },
      async (request) => presentScimGroup(baseUrl(request, request.params.org), await services.scimGroups.replace(scimCallerOf(request), request.params.org, request.params.grp, request.body)),
    );

    app.patch(
      `${base}/Groups/:grp`,
      { config, schema: { tags, description: 'Renames the group or changes its members (add, remove, `members[value eq "..."]`).', params: scimGroupParams, body: scimPatchBody, response: { 200: scimGroupObject, ...scimRefusals } } },
      async (request) => presentScimGroup(baseUrl(request, request.params.org), await services.scimGroups.patch(scimCallerOf(request), request.params.org, request.params.grp, request.body.Operations)),
    );

    app.delete(
      `${base}/Groups/:grp`,
      { config, schema: { tags, params: scimGroupParams, response: { 204: z.undefined(), ...scimRefusals } } },
      async (request, reply) => {
        await services.scimGroups.delete(scimCallerOf(request), request.params.org, request.params.grp);
        return reply.status(204).send();
      },
    );

    app.get(
      `${base}/ServiceProviderConfig`,
      { config, schema: { tags, params: scimOrgParams, response: { 200: scimDocument, ...scimRefusals } } },
      async (request) => {
        await services.scimDiscovery.reach(scimCallerOf(request), request.params.org);
        return serviceProviderConfig(baseUrl(request, request.params.org));
      },
    );

    app.get(
      `${base}/ResourceTypes`,
      { config, schema: { tags, params: scimOrgParams, response: { 200: scimDocument, ...scimRefusals } } },
      async (request) => {
        await services.scimDiscovery.reach(scimCallerOf(request), request.params.org);
        return listResponse(resourceTypes(baseUrl(request, request.params.org)));
      },
    );

    app.get(
      `${base}/ResourceTypes/:name`,
      { config, schema: { tags, params: scimNamedParams, response: { 200: scimDocument, ...scimRefusals } } },
      async (request) => {
        await services.scimDiscovery.reach(scimCallerOf(request), request.params.org);
        const found = resourceTypes(baseUrl(request, request.params.org)).find((r) => r.id === request.params.name);
        if (!found) throw new NotFoundError('ResourceType', 'name');
        return found;
      },
    );

    app.get(
      `${base}/Schemas`,
      { config, schema: { tags, params: scimOrgParams, response: { 200: scimDocument, ...scimRefusals } } },
      async (request) => {
        await services.scimDiscovery.reach(scimCallerOf(request), request.params.org);
        return listResponse(schemas(baseUrl(request, request.params.org)));
      },
    );

    app.get(
      `${base}/Schemas/:name`,
      { config, schema: { tags, params: scimNamedParams, response: { 200: scimDocument, ...scimRefusals } } },
      async (request) => {
        await services.scimDiscovery.reach(scimCallerOf(request), request.params.org);
        const found = schemas(baseUrl(request, request.params.org)).find((s) => s.id === request.params.name);
        if (!found) throw new NotFoundError('Schema', 'name');
        return found;
      },
    );
  };
}
