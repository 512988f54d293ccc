import type { Executor } from './executor.ts';
import type { BudgetsTable, WebhookDeliveriesTable } from './schema.ts';

export type BudgetLevel = 'organization' | 'project' | 'api_key';
export type BudgetPeriod = 'day' | 'month';

export interface BudgetRecord {
  id: string;
  organization_id: string;
  project_id: string | null;
  api_key_id: string | null;
  level: BudgetLevel;
  name: string;
  /** Spend limit per period, in micro-dollars (USD 1 = 1 000 000). */
  amount_micro_usd: number;
  /** Token limit per period (input plus output), if any. */
  tokens: number | null;
  period: BudgetPeriod;
  hard: boolean;
  alert_emails: string[];
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookRecord {
  id: string;
  organization_id: string;
  url: string;
  description: string;
  secret_encrypted: string;
  created_at: number;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryRecord {
  id: string;
  webhook_id: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
  updated_at: number;
}

function toBudget(row: BudgetsTable): BudgetRecord {
  return {
    ...row,
    level: row.level as BudgetLevel,
    period: row.period as BudgetPeriod,
    amount_micro_usd: Number(row.amount_micro_usd),
    tokens: row.tokens === null ? null : Number(row.tokens),
    hard: Boolean(row.hard),
    alert_emails: JSON.parse(row.alert_emails) as string[],
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

function toRow(budget: BudgetRecord): BudgetsTable {
  return { ...budget, hard: budget.hard ? 1 : 0, alert_emails: JSON.stringify(budget.alert_emails) };
}

function toDelivery(row: WebhookDeliveriesTable): DeliveryRecord {
  return {
    ...row,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    last_status_code: row.last_status_code === null ? null : Number(row.last_status_code),
    next_attempt_at: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

/** Budgets, the alerts claimed for them, webhooks and their deliveries. */
export function budgetsRepository(db: Executor) {
  return {
    async insert(budget: BudgetRecord): Promise<void> {
      await db.insertInto('budgets').values(toRow(budget)).execute();
    },

    async update(budget: BudgetRecord): Promise<void> {
      const { id, ...rest } = toRow(budget);
      await db.updateTable('budgets').set(rest).where('id', '=', id).execute();
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('budgets').where('id', '=', id).execute();
      await db.deleteFrom('budget_alerts').where('budget_id', '=', id).execute();
    },

    async find(id: string): Promise<BudgetRecord | undefined> {
      const row = await db.selectFrom('budgets').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toBudget(row);
    },

    /** Every budget of the organization, at every level: what the gateway holds in memory for it. */
    async ofOrganization(organizationId: string): Promise<BudgetRecord[]> {
      const rows = await db.selectFrom('budgets').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toBudget);
    },

    /**
     * Claims one alert: true for the one caller (of any instance) that inserted the row, false for
     * every other, so each threshold is announced once per budget and period.
     */
    async claimAlert(claim: { budget_id: string; period_start: number; threshold: number; spent_micro_usd: number; created_at: number }): Promise<boolean> {
      const result = await db.insertInto('budget_alerts').values(claim).onConflict((oc) => oc.columns(['budget_id', 'period_start', 'threshold']).doNothing()).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Forgets the alerts sent for a budget, so that a new limit is alerted on afresh. */
    async clearAlerts(budgetId: string): Promise<void> {
      await db.deleteFrom('budget_alerts').where('budget_id', '=', budgetId).execute();
    },

    async insertWebhook(webhook: WebhookRecord): Promise<void> {
      await db.insertInto('webhooks').values(webhook).execute();
    },

    async deleteWebhook(id: string): Promise<void> {
      await db.deleteFrom('webhooks').where('id', '=', id).execute();
    },

    async webhooksOf(organizationId: string): Promise<WebhookRecord[]> {
      const rows = await db.selectFrom('webhooks').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
    },

    async findWebhook(id: string): Promise<WebhookRecord | undefined> {
      const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      return row && { ...row, created_at: Number(row.created_at) };
    },

    async insertDelivery(delivery: DeliveryRecord): Promise<void> {
      await db.insertInto('webhook_deliveries').values(delivery).execute();
    },

    /**
     * Takes try number `attempts + 1` of a pending delivery: true for the one caller (of any instance)
     * whose update matched, so that no try is sent twice.
     */
    async claimAttempt(id: string, attempts: number, at: number): Promise<boolean> {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ attempts: attempts + 1, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('attempts', '=', attempts)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async updateDelivery(id: string, change: Pick<DeliveryRecord, 'status' | 'last_status_code' | 'last_error' | 'next_attempt_at' | 'updated_at'>): Promise<void> {
      await db.updateTable('webhook_deliveries').set(change).where('id', '=', id).execute();
    },

    /** The newest first. */
    async deliveriesOf(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
      const rows = await db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toDelivery);
    },

    /** Deliveries still owed, for an instance that starts after another stopped mid-retry. */
    async pendingDeliveries(limit: number): Promise<DeliveryRecord[]> {
      const rows = await db.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'pending').orderBy('next_attempt_at').limit(limit).execute();
      return rows.map(toDelivery);
    },
  };
}

export type BudgetsRepository = ReturnType<typeof budgetsRepository>;
