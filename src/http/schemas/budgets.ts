import { z } from 'zod';
import { name } from './common.ts';

/** USD per period, to the micro-dollar. */
const amount = z.number().positive().max(1_000_000_000).describe('USD per period');
const tokens = z.number().int().positive().max(1_000_000_000_000_000).describe('input plus output tokens per period');
const alertEmails = z.array(z.email().max(320)).max(20).describe('who is emailed at 50, 80 and 100%; default: the user who made the budget');

export const budgetBody = z.strictObject({
  name: name.optional(),
  amount,
  tokens: tokens.nullable().optional(),
  period: z.enum(['day', 'month']),
  hard: z.boolean().optional().describe('true (the default): refuse calls with 429 budget_exceeded once spent; false: alert only'),
  alert_emails: alertEmails.optional(),
});

export const projectBudgetBody = budgetBody.extend({
  api_key_id: z.string().min(1).max(100).optional().describe('a key-level budget for this key of the project'),
});

export const budgetChange = z.strictObject({
  name: name.optional(),
  amount: amount.optional(),
  tokens: tokens.nullable().optional(),
  period: z.enum(['day', 'month']).optional(),
  hard: z.boolean().optional(),
  alert_emails: alertEmails.optional(),
});

export const budgetObject = z.object({
  id: z.string(),
  object: z.literal('budget'),
  level: z.enum(['organization', 'project', 'api_key']),
  organization_id: z.string(),
  project_id: z.string().nullable(),
  api_key_id: z.string().nullable(),
  name: z.string(),
  amount: z.number(),
  currency: z.literal('usd'),
  tokens: z.number().nullable(),
  period: z.enum(['day', 'month']),
  hard: z.boolean(),
  alert_emails: z.array(z.string()),
  created_at: z.number(),
  updated_at: z.number(),
});

const amounts = z.object({ amount: z.number(), tokens: z.number().nullable() });

export const effectiveChainObject = z.object({
  object: z.literal('budget.effective_chain'),
  project_id: z.string(),
  api_key_id: z.string().nullable(),
  binding_budget_id: z.string().nullable(),
  chain: z.array(
    budgetObject.extend({
      period_start: z.number(),
      period_end: z.number(),
      spent: amounts,
      remaining: amounts,
      exhausted: z.boolean(),
      binds: z.boolean(),
    }),
  ),
});

export const webhookBody = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000),
  description: z.string().max(500).optional(),
});

export const webhookObject = z.object({
  id: z.string(),
  object: z.literal('webhook'),
  organization_id: z.string(),
  url: z.string(),
  description: z.string(),
  created_at: z.number(),
});

/** The answer that creates a webhook: with its signing secret, shown this once. */
export const issuedWebhookObject = webhookObject.extend({ secret: z.string() });

export const deliveryObject = z.object({
  id: z.string(),
  object: z.literal('webhook.delivery'),
  webhook_id: z.string(),
  event_type: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number(),
  last_status_code: z.number().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: z.number().nullable(),
  payload: z.unknown(),
  created_at: z.number(),
  updated_at: z.number(),
});

export const webhookList = z.object({ object: z.literal('list'), data: z.array(webhookObject), has_more: z.literal(false) });

export const deliveryList = z.object({ object: z.literal('list'), data: z.array(deliveryObject), has_more: z.boolean() });
