import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import type { DeliveryRecord, WebhookRecord } from '../../services/webhooks.ts';
import { needs, principalOf } from '../route-access.ts';
import type { DeliveryList, IssuedWebhook, Webhook, WebhookDelivery, WebhookList } from '../schemas/api-types.ts';
import { deliveryList, issuedWebhookObject, webhookBody, webhookList } from '../schemas/budgets.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import { presentDeleted } from '../presenters.ts';
import { orgParams, refusals } from '../schemas/common.ts';

const presentWebhook = (webhook: WebhookRecord): Webhook => ({
  id: webhook.id,
  object: 'webhook',
  organization_id: webhook.organization_id,
  url: webhook.url,
  description: webhook.description,
  created_at: webhook.created_at,
});

const presentDelivery = (delivery: DeliveryRecord): WebhookDelivery => ({
  id: delivery.id,
  object: 'webhook.delivery',
  webhook_id: delivery.webhook_id,
  event_type: delivery.event_type,
  status: delivery.status,
  attempts: delivery.attempts,
  last_status_code: delivery.last_status_code,
  last_error: delivery.last_error,
  next_attempt_at: delivery.next_attempt_at,
  payload: JSON.parse(delivery.payload) as unknown,
  created_at: delivery.created_at,
  updated_at: delivery.updated_at,
});

/** An organization's webhooks (where budget alerts are POSTed, signed) and their delivery logs. */
export function webhookRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['webhooks'];
    const params = z.strictObject({ org: z.string(), webhook_id: z.string() });

    app.post(
      '/v1/organizations/:org/webhooks',
      {
        config: { access: needs('webhooks.create') },
        schema: {
          tags,
          description: 'The answer carries the signing `secret`, shown this once. Each delivery has `Tenantry-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.',
          params: orgParams,
          body: webhookBody,
          response: { 201: issuedWebhookObject, ...refusals },
        },
      },
      async (request, reply) => {
        const { webhook, secret } = await services.webhooks.create(principalOf(request), request.params.org, request.body);
        const answer: IssuedWebhook = { ...presentWebhook(webhook), secret };
        return reply.status(201).send(answer);
      },
    );

    app.get(
      '/v1/organizations/:org/webhooks',
      { config: { access: needs('webhooks.list') }, schema: { tags, params: orgParams, response: { 200: webhookList, ...refusals } } },
      async (request): Promise<WebhookList> => ({ object: 'list', data: (await services.webhooks.list(principalOf(request), request.params.org)).map(presentWebhook), has_more: false }),
    );

    app.delete(
      '/v1/organizations/:org/webhooks/:webhook_id',
      { config: { access: needs('webhooks.delete') }, schema: { tags, params, response: { 200: deletionOf('webhook'), ...refusals } } },
      async (request) => {
        await services.webhooks.delete(principalOf(request), request.params.org, request.params.webhook_id);
        return presentDeleted(request.params.webhook_id, 'webhook');
      },
    );

    app.get(
      '/v1/organizations/:org/webhooks/:webhook_id/deliveries',
      {
        config: { access: needs('webhooks.deliveries') },
        schema: {
          tags,
          params,
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
          response: { 200: deliveryList, ...refusals },
        },
      },
      async (request): Promise<DeliveryList> => {
        const { deliveries, hasMore } = await services.webhooks.deliveries(principalOf(request), request.params.org, request.params.webhook_id, request.query.limit);
        return { object: 'list', data: deliveries.map(presentDelivery), has_more: hasMore };
      },
    );
  };
}
