import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import type { ServiceAccountRecord } from '../../store/records.ts';
import { presentDeleted, presentList } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, orgParams, refusals } from '../schemas/common.ts';
import { deletedObject } from '../schemas/objects.ts';

const serviceAccountObject = z.object({ id: z.string(), object: z.literal('service_account'), organization_id: z.string(), name: z.string(), created_at: z.number() });

const present = (account: ServiceAccountRecord) => ({
  id: account.id,
  object: 'service_account' as const,
  organization_id: account.organization_id,
  name: account.name,
  created_at: account.created_at,
});

export function serviceAccountRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['service accounts'];
    const base = '/v1/organizations/:org/service_accounts';
    const accountParams = z.strictObject({ org: z.string(), sa: z.string() });

    app.post(
      base,
      { config: { access: needs('service_accounts.create') }, schema: { tags, params: orgParams, body: z.strictObject({ name }), response: { 201: serviceAccountObject, ...refusals } } },
      async (request, reply) => reply.status(201).send(present(await services.serviceAccounts.create(principalOf(request), request.params.org, request.body))),
    );

    app.get(
      base,
      { config: { access: needs('service_accounts.list') }, schema: { tags, params: orgParams, querystring: listQuery, response: { 200: listOf(serviceAccountObject), ...refusals } } },
      async (request) => presentList(await services.serviceAccounts.list(principalOf(request), request.params.org, request.query), present, (a) => a.id),
    );

    app.get(
      `${base}/:sa`,
      { config: { access: needs('service_accounts.get') }, schema: { tags, params: accountParams, response: { 200: serviceAccountObject, ...refusals } } },
      async (request) => present(await services.serviceAccounts.get(principalOf(request), request.params.org, request.params.sa)),
    );

    app.delete(
      `${base}/:sa`,
      {
        config: { access: needs('service_accounts.delete') },
        schema: { tags, description: 'Deletes the service account with its memberships, and revokes its keys.', params: accountParams, response: { 200: deletedObject, ...refusals } },
      },
      async (request) => {
        await services.serviceAccounts.delete(principalOf(request), request.params.org, request.params.sa);
        return presentDeleted(request.params.sa, 'service_account');
      },
    );
  };
}
