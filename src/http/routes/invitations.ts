import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { InvitationView } from '../../services/invitations.ts';
import type { Services } from '../../services/index.ts';
import { presentList } from '../presenters.ts';
import { AUTHENTICATED, needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, orgParams, refusals } from '../schemas/common.ts';
import type { Invitation } from '../schemas/api-types.ts';
import { INVITATION_STATUSES as statuses, invitationObject } from '../schemas/objects.ts';

export const presentInvitation = (invitation: InvitationView): Invitation => ({
  id: invitation.id,
  object: 'invitation',
  organization_id: invitation.organization_id,
  organization_name: invitation.organization_name,
  email: invitation.email,
  status: invitation.status,
  group_ids: invitation.group_ids,
  projects: invitation.projects,
  inviter_id: invitation.inviter_id,
  created_at: invitation.created_at,
  expires_at: invitation.expires_at,
});

export function invitationRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['invitations'];
    const invitationParams = z.strictObject({ org: z.string(), inv: z.string() });

    app.post(
      '/v1/organizations/:org/invitations',
      {
        config: { access: needs('invitations.create') },
        schema: {
          tags,
          params: orgParams,
          body: z.strictObject({
            email: z.string().trim().max(320).pipe(z.email('must be an email address')),
            group_ids: z.array(z.string().min(1)).max(50).optional(),
            projects: z.array(z.strictObject({ project_id: z.string().min(1), group_id: z.string().min(1) })).max(50).optional(),
          }),
          response: { 201: invitationObject, ...refusals },
        },
      },
      async (request, reply) =>
        reply.status(201).send(presentInvitation(await services.invitations.create(principalOf(request), request.params.org, request.body))),
    );

    app.get(
      '/v1/organizations/:org/invitations',
      {
        config: { access: needs('invitations.list') },
        schema: { tags, params: orgParams, querystring: listQuery.extend({ status: z.enum(statuses).optional() }), response: { 200: listOf(invitationObject), ...refusals } },
      },
      async (request) => {
        const { status, ...page } = request.query;
        return presentList(await services.invitations.list(principalOf(request), request.params.org, status, page), presentInvitation, (i) => i.id);
      },
    );

    app.delete(
      '/v1/organizations/:org/invitations/:inv',
      { config: { access: needs('invitations.revoke') }, schema: { tags, description: 'Revokes the invitation.', params: invitationParams, response: { 200: invitationObject, ...refusals } } },
      async (request) => presentInvitation(await services.invitations.revoke(principalOf(request), request.params.org, request.params.inv)),
    );

    app.post(
      '/v1/organizations/:org/invitations/:inv/resend',
      { config: { access: needs('invitations.resend') }, schema: { tags, params: invitationParams, response: { 200: invitationObject, ...refusals } } },
      async (request) => presentInvitation(await services.invitations.resend(principalOf(request), request.params.org, request.params.inv)),
    );

    app.get(
      '/v1/me/invitations',
      { config: { access: AUTHENTICATED }, schema: { tags, response: { 200: listOf(invitationObject), ...refusals } } },
      async (request) => presentList({ items: await services.invitations.listMine(principalOf(request)), hasMore: false }, presentInvitation, (i) => i.id),
    );

    for (const action of ['accept', 'decline'] as const) {
      app.post(
        `/v1/me/invitations/:inv/${action}`,
        { config: { access: AUTHENTICATED }, schema: { tags, params: z.strictObject({ inv: z.string() }), response: { 200: invitationObject, ...refusals } } },
        async (request) => presentInvitation(await services.invitations[action](principalOf(request), request.params.inv)),
      );
    }
  };
}
