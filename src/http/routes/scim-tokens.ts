import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import type { IssuedScimToken } from '../../services/scim-tokens.ts';
import type { ScimTokenRecord } from '../../store/records.ts';
import { presentList } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, orgParams, refusals } from '../schemas/common.ts';
import { issuedScimTokenObject, scimTokenObject } from '../schemas/scim.ts';

/** An organization's SCIM tokens, for org admins; the SCIM routes themselves are in scim.ts. */
export function scimTokenRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['SCIM'];
    const base = '/v1/organizations/:org/scim_tokens';
    const tokenParams = z.strictObject({ org: z.string(), token_id: z.string() });
    const present = (origin: string) => (token: ScimTokenRecord) => ({
      id: token.id,
      object: 'scim_token' as const,
      organization_id: token.organization_id,
      name: token.name,
      redacted_value: token.redacted_value,
      created_by: token.created_by,
      created_at: token.created_at,
      revoked_at: token.revoked_at,
      base_url: `${origin}/scim/v2/${token.organization_id}`,
    });
    const presentIssued = (origin: string, issued: IssuedScimToken) => ({ ...present(origin)(issued.token), token: issued.secret });

    app.post(
      base,
      {
        config: { access: needs('scim_tokens.create'), sensitive: true },
        schema: { tags, description: 'A bearer token for the organization\'s identity provider; its secret is in this answer only.', params: orgParams, body: z.strictObject({ name }), response: { 201: issuedScimTokenObject, ...refusals } },
      },
      async (request, reply) => {
        const issued = await services.scimTokens.create(principalOf(request), request.params.org, request.body);
        return reply.status(201).send(presentIssued(`${request.protocol}://${request.host}`, issued));
      },
    );

    app.get(
      base,
      { config: { access: needs('scim_tokens.list') }, schema: { tags, params: orgParams, querystring: listQuery, response: { 200: listOf(scimTokenObject), ...refusals } } },
      async (request) => presentList(await services.scimTokens.list(principalOf(request), request.params.org, request.query), present(`${request.protocol}://${request.host}`), (t) => t.id),
    );

    app.delete(
      `${base}/:token_id`,
      { config: { access: needs('scim_tokens.revoke') }, schema: { tags, description: 'Revokes the token: the provider\'s next request with it is refused.', params: tokenParams, response: { 200: scimTokenObject, ...refusals } } },
      async (request) => present(`${request.protocol}://${request.host}`)(await services.scimTokens.revoke(principalOf(request), request.params.org, request.params.token_id)),
    );
  };
}
