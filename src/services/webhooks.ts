import type { Principal } from '../access/principal.ts';
import type { WebhookSettings } from '../config.ts';
import type { Clock } from '../infra/clock.ts';
import type { WebhookSender } from '../infra/webhook-sender.ts';
import { newId } from '../lib/ids.ts';
import { hmacHex, newToken, openWithSecret, sealWithSecret } from '../lib/secrets.ts';
import type { DeliveryRecord, WebhookRecord } from '../store/budgets.ts';
import type { Store } from '../store/store.ts';
import { actorOf, audited, type AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import { ConflictError, NotFoundError } from './errors.ts';

export type { DeliveryRecord, WebhookRecord } from '../store/budgets.ts';

const SEALING_PURPOSE = 'webhook-secret';
const MAX_WEBHOOKS_PER_ORGANIZATION = 20;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the webhook's secret>`, as Stripe signs. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.${body}`)}`;
}

/**
 * An organization's webhooks: where its events (budget alerts) are POSTed, signed with a secret shown
 * once at creation and kept encrypted with the server secret. Each event becomes one delivery per
 * webhook, tried until the receiver answers 2xx or `maxAttempts` tries were made, the pause doubling
 * from `firstRetryMs`; every try is written to the delivery log.
 */
export function createWebhookService(deps: {
  store: Store;
  clock: Clock;
  authorizer: Authorizer;
  audit: AuditLog;
  secret: string;
  send: WebhookSender;
  settings: WebhookSettings;
  onError: (error: unknown) => void;
}) {
  const { store, clock, authorizer, audit } = deps;
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function schedule(webhook: WebhookRecord, delivery: DeliveryRecord, delayMs: number): void {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      attempt(webhook, delivery).catch(deps.onError);
    }, delayMs);
    timer.unref();
    timers.add(timer);
  }

  /** One try; claimed in the database first, so that a try is sent once even when two instances hold the delivery. */
  async function attempt(webhook: WebhookRecord, delivery: DeliveryRecord): Promise<void> {
    if (closed) return;
    if (!(await store.budgets.claimAttempt(delivery.id, delivery.attempts, clock()))) return;
    const attempts = delivery.attempts + 1;
    const secret = openWithSecret(deps.secret, SEALING_PURPOSE, webhook.secret_encrypted);
    const timestamp = clock();
    const response = await deps.send(webhook.url, delivery.payload, {
      'tenantry-signature': webhookSignature(secret, timestamp, delivery.payload),
      'tenantry-event': delivery.event_type,
      'tenantry-delivery': delivery.id,
    }, deps.settings.timeoutMs);
    const ok = 'status' in response && response.status >= 200 && response.status < 300;
    const last = attempts >= deps.settings.maxAttempts;
    const retryMs = deps.settings.firstRetryMs * 2 ** (attempts - 1);
    const next: DeliveryRecord = {
      ...delivery,
      attempts,
      status: ok ? 'succeeded' : last ? 'failed' : 'pending',
      last_status_code: 'status' in response ? response.status : null,
      last_error: 'error' in response ? response.error : ok ? null : `the receiver answered HTTP ${response.status}`,
      next_attempt_at: ok || last ? null : clock() + Math.ceil(retryMs / 1000),
      updated_at: clock(),
    };
    await store.budgets.updateDelivery(delivery.id, next);
    if (next.status === 'pending') schedule(webhook, next, retryMs);
  }

  async function webhookOf(principal: Principal, organizationId: string, webhookId: string, useCase: 'webhooks.delete' | 'webhooks.deliveries'): Promise<WebhookRecord> {
    await authorizer.organization(principal, organizationId, useCase);
    const webhook = await store.budgets.findWebhook(webhookId);
    if (!webhook || webhook.organization_id !== organizationId) throw new NotFoundError('webhook');
    return webhook;
  }

  return {
    /** The secret is answered here once; afterwards only its signatures show it. */
    async create(principal: Principal, organizationId: string, input: { url: string; description?: string | undefined }): Promise<{ webhook: WebhookRecord; secret: string }> {
      await authorizer.organization(principal, organizationId, 'webhooks.create');
      const secret = newToken('whsec_');
      const webhook: WebhookRecord = {
        id: newId('wh_'),
        organization_id: organizationId,
        url: input.url,
        description: input.description ?? '',
        secret_encrypted: sealWithSecret(deps.secret, SEALING_PURPOSE, secret),
        created_at: clock(),
      };
      await audited(store, audit, actorOf(principal), {
        type: 'webhook.created',
        organizationId,
        resource: { type: 'webhook', id: webhook.id },
        data: { url: webhook.url },
      }, async (tx) => {
        if ((await tx.budgets.webhooksOf(organizationId)).length >= MAX_WEBHOOKS_PER_ORGANIZATION) {
          throw new ConflictError(`An organization may have at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks.`, 'too_many_webhooks');
        }
        await tx.budgets.insertWebhook(webhook);
      });
      return { webhook, secret };
    },

    async list(principal: Principal, organizationId: string): Promise<WebhookRecord[]> {
      await authorizer.organization(principal, organizationId, 'webhooks.list');
      return store.budgets.webhooksOf(organizationId);
    },

    async delete(principal: Principal, organizationId: string, webhookId: string): Promise<void> {
      const webhook = await webhookOf(principal, organizationId, webhookId, 'webhooks.delete');
      await audited(store, audit, actorOf(principal), {
        type: 'webhook.deleted',
        organizationId,
        resource: { type: 'webhook', id: webhook.id },
        data: { url: webhook.url },
      }, async (tx) => {
        await tx.budgets.deleteWebhook(webhook.id);
      });
    },

    /** The newest deliveries first, each with its attempts and the receiver's last answer. */
    async deliveries(principal: Principal, organizationId: string, webhookId: string, limit: number): Promise<{ deliveries: DeliveryRecord[]; hasMore: boolean }> {
      const webhook = await webhookOf(principal, organizationId, webhookId, 'webhooks.deliveries');
      // One more than asked for tells whether there is more, also when the page is exactly full.
      const newest = await store.budgets.deliveriesOf(webhook.id, limit + 1);
      return { deliveries: newest.slice(0, limit), hasMore: newest.length > limit };
    },

    /** Sends an event to every webhook of the organization; the first try now, the retries later. */
    async dispatch(organizationId: string, type: string, data: Record<string, unknown>): Promise<void> {
      for (const webhook of await store.budgets.webhooksOf(organizationId)) {
        const now = clock();
        const id = newId('whdel_');
        const payload = JSON.stringify({ id, object: 'event', type, organization_id: organizationId, created_at: now, data });
        const delivery: DeliveryRecord = {
          id,
          webhook_id: webhook.id,
          event_type: type,
          payload,
          status: 'pending',
          attempts: 0,
          last_status_code: null,
          last_error: null,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        };
        await store.budgets.insertDelivery(delivery);
        attempt(webhook, delivery).catch(deps.onError);
      }
    },

    /**
     * Takes up the deliveries still pending in the database (their instance stopped before their next
     * try), each at its time; called at start. A try another instance is about to make is not made twice.
     */
    async resume(): Promise<number> {
      const pending = await store.budgets.pendingDeliveries(1000);
      const now = clock();
      for (const delivery of pending) {
        const webhook = await store.budgets.findWebhook(delivery.webhook_id);
        if (!webhook) continue;
        schedule(webhook, delivery, Math.max(0, ((delivery.next_attempt_at ?? now) - now) * 1000));
      }
      return pending.length;
    },

    /** Stops the retries waiting here; their deliveries stay `pending` in the log, for `resume`. */
    close(): void {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
