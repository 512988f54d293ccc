import type { ThresholdReached } from '../gateway/budget-guard.ts';
import type { Clock } from '../infra/clock.ts';
import type { Notifier } from '../infra/notifier.ts';
import { usdOfMicro } from '../lib/money.ts';
import type { Store } from '../store/store.ts';
import type { WebhookService } from './webhooks.ts';

/**
 * Budget alerts at 50, 80 and 100%: by email (the budget's alert_emails, else the user who made it)
 * and to the organization's webhooks. The alert row claimed in the database makes each threshold of
 * each period go out once, whichever instance saw it first, and not again after a restart.
 */
export function createBudgetAlerts(deps: { store: Store; clock: Clock; notifier: Notifier; webhooks: WebhookService; consoleUrl: string; onError: (error: unknown) => void }) {
  const { store } = deps;

  async function send(reached: ThresholdReached): Promise<void> {
    const { budget, threshold, spent, periodStart } = reached;
    // The budget may have been deleted or changed since the guard read it: alert on what it is now.
    const current = await store.budgets.find(budget.id);
    if (!current) return;
    const claimed = await store.budgets.claimAlert({ budget_id: budget.id, period_start: periodStart, threshold, spent_micro_usd: Math.round(spent.micro), created_at: deps.clock() });
    if (!claimed) return;
    const organization = await store.organizations.find(current.organization_id);
    const creator = current.created_by ? await store.users.findById(current.created_by) : undefined;
    const to = current.alert_emails.length > 0 ? current.alert_emails : creator ? [creator.email] : [];
    const scopeId = current.api_key_id ?? current.project_id ?? current.organization_id;
    const summary = {
      id: current.id,
      name: current.name,
      level: current.level,
      scope_id: scopeId,
      amount: usdOfMicro(current.amount_micro_usd),
      tokens: current.tokens,
      period: current.period,
      hard: current.hard,
    };
    await Promise.all([
      deps.notifier.budgetAlert({ to, organizationName: organization?.name ?? current.organization_id, budget: summary, threshold, spent: usdOfMicro(spent.micro), tokensUsed: spent.tokens, periodStart, consoleUrl: deps.consoleUrl }),
      deps.webhooks.dispatch(current.organization_id, 'budget.threshold_reached', {
        budget: { ...summary, project_id: current.project_id, api_key_id: current.api_key_id },
        threshold,
        period_start: periodStart,
        spent: { amount: usdOfMicro(spent.micro), tokens: spent.tokens },
      }),
    ]);
  }

  return {
    /** Called by the budget guard after the answer went out: nothing waits on it. */
    reached(reached: ThresholdReached): void {
      send(reached).catch(deps.onError);
    },
  };
}

export type BudgetAlerts = ReturnType<typeof createBudgetAlerts>;
