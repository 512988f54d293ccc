import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import type { ServiceAccountRecord } from '../../store/records.ts';
import { presentDeleted, presentList } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, orgParams, refusals } from '../schemas/common.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import type { ServiceAccount } from '../schemas/api-types.ts';
import { serviceAccountObject } from '../schemas/objects.ts';

const present = (account: ServiceAccountRecord): ServiceAccount => ({
  id: account.id,
  object: 'service_account',
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
        schema: { tags, description: 'Deletes the service account with its memberships, and revokes its keys.', params: accountParams, response: { 200: deletionOf('service_account'), ...refusals } },
      },
      async (request) => {
        await services.serviceAccounts.delete(principalOf(request), request.params.org, request.params.sa);
        return presentDeleted(request.params.sa, 'service_account');
      },
    );
  };
}
