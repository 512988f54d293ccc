import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditEvent } from '../../services/audit.ts';
import type { Services } from '../../services/index.ts';
import { presentList } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, orgParams, refusals } from '../schemas/common.ts';
import type { AuditEvent as AuditEventObject, AuditVerification } from '../schemas/api-types.ts';
import { auditEventObject, auditVerificationObject } from '../schemas/objects.ts';

const seconds = z.coerce.number().int().nonnegative();

/** The event as the log holds it, field by field (a field added to the record is not answered unnoticed). */
const presentAuditEvent = (event: AuditEvent): AuditEventObject => ({
  id: event.id,
  object: 'audit_log',
  seq: event.seq,
  type: event.type,
  actor: { type: event.actor.type, id: event.actor.id, api_key_id: event.actor.api_key_id },
  organization_id: event.organization_id,
  project_id: event.project_id,
  resource: event.resource,
  data: event.data,
  ip_address: event.ip_address,
  created_at: event.created_at,
  hash: event.hash,
});

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
        return presentList(page, presentAuditEvent, (event) => event.id);
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
          response: { 200: auditVerificationObject, ...refusals },
        },
      },
      async (request): Promise<AuditVerification> => {
        const { ok, count, first_broken_id, missing_tail } = await services.audit.verify(principalOf(request), request.params.org);
        return { ok, count, first_broken_id, missing_tail };
      },
    );
  };
}
