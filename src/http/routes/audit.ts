import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditEvent } from '../../services/audit.ts';
import type { Services } from '../../services/index.ts';
import { presentList } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, orgParams, refusals } from '../schemas/common.ts';

const auditEventObject = z.object({
  id: z.string(),
  object: z.literal('audit_log'),
  seq: z.number(),
  type: z.string(),
  actor: z.object({ type: z.enum(['user', 'service_account', 'system', 'scim_token']), id: z.string().nullable(), api_key_id: z.string().nullable() }),
  organization_id: z.string(),
  project_id: z.string().nullable(),
  resource: z.object({ type: z.string(), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
  ip_address: z.string().nullable(),
  created_at: z.number(),
  hash: z.string(),
});

const seconds = z.coerce.number().int().nonnegative();

export function auditRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['audit log'];

    app.get(
      '/v1/organizations/:org/audit_logs',
      {
        config: { access: needs('audit.list') },
        schema: {
          tags,
          params: orgParams,
          querystring: listQuery.extend({
            type: z.string().min(1).optional(),
            actor_id: z.string().min(1).optional(),
            project_id: z.string().min(1).optional(),
            resource_id: z.string().min(1).optional(),
            since: seconds.optional(),
            until: seconds.optional(),
          }),
          response: { 200: listOf(auditEventObject), ...refusals },
        },
      },
      async (request) => {
        const { limit, after, ...filter } = request.query;
        const page = await services.audit.list(principalOf(request), request.params.org, filter, { limit, after });
        return presentList(page, (event: AuditEvent) => event, (event) => event.id);
      },
    );

    app.get(
      '/v1/organizations/:org/audit_logs/verify',
      {
        config: { access: needs('audit.verify') },
        schema: {
          tags,
          description: 'Recomputes the hash chain, names the first event that breaks it, and holds the chain against its stored head.',
          params: orgParams,
          response: {
            200: z.object({
              ok: z.boolean(),
              count: z.number(),
              first_broken_id: z.string().nullable(),
              missing_tail: z.number().describe('Events the stored chain head counts that are missing from the end of the log.'),
            }),
            ...refusals,
          },
        },
      },
      async (request) => services.audit.verify(principalOf(request), request.params.org),
    );
  };
}
