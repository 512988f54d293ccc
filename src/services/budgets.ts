import type { Principal } from '../access/principal.ts';
import type { OrganizationBudgets, Spend } from '../gateway/budget-guard.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { Clock } from '../infra/clock.ts';
import { newId } from '../lib/ids.ts';
import { microOfUsd, tokenCostMicroUsd, usdOfMicro } from '../lib/money.ts';
import { periodEnd, periodStart } from '../lib/periods.ts';
import type { BudgetLevel, BudgetPeriod, BudgetRecord } from '../store/budgets.ts';
import type { UsageTotal } from '../store/gateway-settings.ts';
import type { Store } from '../store/store.ts';
import { actorOf, audited, type AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';
import type { PriceOf } from './usage.ts';

export type { BudgetRecord, BudgetLevel, BudgetPeriod } from '../store/budgets.ts';

/** Enough for any real hierarchy; keeps what the gateway checks per call small. */
const MAX_BUDGETS_PER_ORGANIZATION = 200;

export interface BudgetInput {
  name?: string | undefined;
  /** USD per period. */
  amount: number;
  tokens?: number | null | undefined;
  period: BudgetPeriod;
  hard?: boolean | undefined;
  alert_emails?: string[] | undefined;
}

export type BudgetChange = Partial<BudgetInput>;

/** One budget of the chain that applies to a call, with what its scope spent in its current period. */
export interface BudgetStanding {
  budget: BudgetRecord;
  period_start: number;
  period_end: number;
  spent: Spend;
  exhausted: boolean;
  binds: boolean;
}

export interface EffectiveChain {
  project_id: string;
  api_key_id: string | null;
  /** Organization budgets first, then the project's, then the key's. */
  chain: BudgetStanding[];
  /** The hard budget that stops calls first: a spent one, else the one with the least left. Null: no hard budget applies. */
  binding: BudgetStanding | null;
}

const LEVEL_ORDER: Record<BudgetLevel, number> = { organization: 0, project: 1, api_key: 2 };

/** What each scope spent, from the database's usage totals: the organization, each project and each key. */
function spendByScope(totals: UsageTotal[], organizationId: string, priceOf: PriceOf): Map<string, Spend> {
  const spend = new Map<string, Spend>();
  const add = (scope: string, micro: number, tokens: number) => {
    const current = spend.get(scope) ?? { micro: 0, tokens: 0 };
    current.micro += micro;
    current.tokens += tokens;
    spend.set(scope, current);
  };
  for (const total of totals) {
    const micro = tokenCostMicroUsd(priceOf(total.model), total.input_tokens, total.output_tokens);
    const tokens = total.input_tokens + total.output_tokens;
    add(`o:${organizationId}`, micro, tokens);
    add(`p:${total.project_id}`, micro, tokens);
    if (total.api_key_id) add(`k:${total.api_key_id}`, micro, tokens);
  }
  return spend;
}

function scopeKeyOf(budget: BudgetRecord): string {
  if (budget.level === 'api_key') return `k:${budget.api_key_id}`;
  if (budget.level === 'project') return `p:${budget.project_id}`;
  return `o:${budget.organization_id}`;
}

function isExhausted(budget: BudgetRecord, spent: Spend): boolean {
  return spent.micro >= budget.amount_micro_usd || (budget.tokens !== null && spent.tokens >= budget.tokens);
}

/**
 * Budgets at organization, project and key level: their CRUD (each change audited and announced to
 * every instance's budget guard), the effective chain a call meets, and what the guard loads.
 */
export function createBudgetService(deps: {
  store: Store;
  clock: Clock;
  authorizer: Authorizer;
  audit: AuditLog;
  bus: InvalidationBus;
  priceOf: PriceOf;
  /** Writes the usage buffered in memory, so that what is read is what was metered. */
  flush: () => Promise<void>;
}) {
  const { store, clock, authorizer, audit, bus, priceOf } = deps;

  /** Each scope's spend in the current period of every budget given, read from the database. */
  async function spentOf(organizationId: string, budgets: BudgetRecord[], now: number): Promise<Map<string, Spend>> {
    const spent = new Map<string, Spend>();
    if (budgets.length === 0) return spent;
    await deps.flush();
    const periods = [...new Set(budgets.map((b) => b.period))];
    for (const period of periods) {
      const scopes = spendByScope(await store.gateway.usageTotals(organizationId, periodStart(period, now)), organizationId, priceOf);
      for (const budget of budgets) {
        if (budget.period === period) spent.set(budget.id, scopes.get(scopeKeyOf(budget)) ?? { micro: 0, tokens: 0 });
      }
    }
    return spent;
  }

  function validated(input: BudgetChange, current?: BudgetRecord): Pick<BudgetRecord, 'name' | 'amount_micro_usd' | 'tokens' | 'period' | 'hard' | 'alert_emails'> {
    const amount = input.amount === undefined ? current!.amount_micro_usd : microOfUsd(input.amount);
    if (amount < 1) throw new InvalidRequestError('amount must be at least USD 0.000001.', 'amount');
    const period = input.period ?? current!.period;
    return {
      name: input.name ?? current?.name ?? `${period === 'day' ? 'Daily' : 'Monthly'} budget`,
      amount_micro_usd: amount,
      tokens: input.tokens === undefined ? (current?.tokens ?? null) : input.tokens,
      period,
      hard: input.hard ?? current?.hard ?? true,
      alert_emails: input.alert_emails ? [...new Set(input.alert_emails.map((e) => e.trim().toLowerCase()))] : (current?.alert_emails ?? []),
    };
  }

  async function create(principal: Principal, scope: { organizationId: string; projectId: string | null; apiKeyId: string | null }, input: BudgetInput): Promise<BudgetRecord> {
    const now = clock();
    const level: BudgetLevel = scope.apiKeyId ? 'api_key' : scope.projectId ? 'project' : 'organization';
    const budget: BudgetRecord = {
      id: newId('budget_'),
      organization_id: scope.organizationId,
      project_id: scope.projectId,
      api_key_id: scope.apiKeyId,
      level,
      ...validated(input),
      created_by: principal.type === 'user' ? principal.id : null,
      created_at: now,
      updated_at: now,
    };
    await audited(store, audit, actorOf(principal), {
      type: 'budget.created',
      organizationId: budget.organization_id,
      projectId: budget.project_id,
      resource: { type: 'budget', id: budget.id },
      data: auditData(budget),
    }, async (tx) => {
      const existing = await tx.budgets.ofOrganization(budget.organization_id);
      if (existing.length >= MAX_BUDGETS_PER_ORGANIZATION) throw new ConflictError(`An organization may have at most ${MAX_BUDGETS_PER_ORGANIZATION} budgets.`, 'too_many_budgets');
      await tx.budgets.insert(budget);
    });
    bus.publish({ kind: 'budgets', id: budget.organization_id });
    return budget;
  }

  async function update(principal: Principal, budget: BudgetRecord, change: BudgetChange): Promise<BudgetRecord> {
    const next: BudgetRecord = { ...budget, ...validated(change, budget), updated_at: clock() };
    await audited(store, audit, actorOf(principal), {
      type: 'budget.updated',
      organizationId: budget.organization_id,
      projectId: budget.project_id,
      resource: { type: 'budget', id: budget.id },
      data: auditData(next),
    }, async (tx) => {
      await tx.budgets.update(next);
      // A new limit (or period) is alerted on afresh: its 50, 80 and 100% are not the old ones.
      if (next.amount_micro_usd !== budget.amount_micro_usd || next.tokens !== budget.tokens || next.period !== budget.period) await tx.budgets.clearAlerts(budget.id);
    });
    bus.publish({ kind: 'budgets', id: budget.organization_id });
    return next;
  }

  async function remove(principal: Principal, budget: BudgetRecord): Promise<void> {
    await audited(store, audit, actorOf(principal), {
      type: 'budget.deleted',
      organizationId: budget.organization_id,
      projectId: budget.project_id,
      resource: { type: 'budget', id: budget.id },
    }, async (tx) => {
      await tx.budgets.delete(budget.id);
    });
    bus.publish({ kind: 'budgets', id: budget.organization_id });
  }

  async function organizationBudget(principal: Principal, organizationId: string, budgetId: string, useCase: 'budgets.get_for_organization' | 'budgets.update_for_organization' | 'budgets.delete_for_organization') {
    await authorizer.organization(principal, organizationId, useCase);
    const budget = await store.budgets.find(budgetId);
    if (!budget || budget.organization_id !== organizationId || budget.level !== 'organization') throw new NotFoundError('budget');
    return budget;
  }

  async function projectBudget(principal: Principal, projectId: string, budgetId: string, useCase: 'budgets.get_for_project' | 'budgets.update_for_project' | 'budgets.delete_for_project') {
    const { project } = await authorizer.project(principal, projectId, useCase);
    const budget = await store.budgets.find(budgetId);
    if (!budget || budget.project_id !== projectId) throw new NotFoundError('budget');
    return { project, budget };
  }

  /** A key the project's calls can come with: one of its own keys, or a key of its organization. */
  async function keyOfProject(organizationId: string, projectId: string, apiKeyId: string): Promise<void> {
    const key = await store.apiKeys.find(apiKeyId);
    const reaches = key && key.organization_id === organizationId && key.revoked_at === null && (key.scope.type === 'organization' || key.scope.id === projectId);
    if (!reaches) throw new NotFoundError('API key in this project', 'api_key_id');
  }

  return {
    async listForOrganization(principal: Principal, organizationId: string): Promise<BudgetRecord[]> {
      await authorizer.organization(principal, organizationId, 'budgets.list_for_organization');
      return (await store.budgets.ofOrganization(organizationId)).filter((b) => b.level === 'organization');
    },

    async createForOrganization(principal: Principal, organizationId: string, input: BudgetInput): Promise<BudgetRecord> {
      await authorizer.organization(principal, organizationId, 'budgets.create_for_organization');
      return create(principal, { organizationId, projectId: null, apiKeyId: null }, input);
    },

    getForOrganization: (principal: Principal, organizationId: string, budgetId: string) => organizationBudget(principal, organizationId, budgetId, 'budgets.get_for_organization'),

    async updateForOrganization(principal: Principal, organizationId: string, budgetId: string, change: BudgetChange): Promise<BudgetRecord> {
      return update(principal, await organizationBudget(principal, organizationId, budgetId, 'budgets.update_for_organization'), change);
    },

    async deleteForOrganization(principal: Principal, organizationId: string, budgetId: string): Promise<void> {
      await remove(principal, await organizationBudget(principal, organizationId, budgetId, 'budgets.delete_for_organization'));
    },

    /** The project's own budgets and its keys' budgets. */
    async listForProject(principal: Principal, projectId: string): Promise<BudgetRecord[]> {
      const { project } = await authorizer.project(principal, projectId, 'budgets.list_for_project');
      return (await store.budgets.ofOrganization(project.organization_id)).filter((b) => b.project_id === projectId);
    },

    /** A project budget, or, with `api_key_id`, a budget of one key the project's calls come with. */
    async createForProject(principal: Principal, projectId: string, input: BudgetInput & { api_key_id?: string | undefined }): Promise<BudgetRecord> {
      const { project } = await authorizer.project(principal, projectId, 'budgets.create_for_project');
      authorizer.assertWritable(project);
      if (input.api_key_id !== undefined) await keyOfProject(project.organization_id, projectId, input.api_key_id);
      return create(principal, { organizationId: project.organization_id, projectId, apiKeyId: input.api_key_id ?? null }, input);
    },

    async getForProject(principal: Principal, projectId: string, budgetId: string): Promise<BudgetRecord> {
      return (await projectBudget(principal, projectId, budgetId, 'budgets.get_for_project')).budget;
    },

    async updateForProject(principal: Principal, projectId: string, budgetId: string, change: BudgetChange): Promise<BudgetRecord> {
      const { project, budget } = await projectBudget(principal, projectId, budgetId, 'budgets.update_for_project');
      authorizer.assertWritable(project);
      return update(principal, budget, change);
    },

    async deleteForProject(principal: Principal, projectId: string, budgetId: string): Promise<void> {
      const { budget } = await projectBudget(principal, projectId, budgetId, 'budgets.delete_for_project');
      await remove(principal, budget);
    },

    /**
     * Every budget a call in this project (with this key) meets, what each one's scope spent in its
     * current period, and which one binds: a spent hard budget (the smallest, when several are), else the
     * hard budget with the least money left. Soft budgets are shown but never bind.
     */
    async effective(principal: Principal, projectId: string, apiKeyId: string | undefined): Promise<EffectiveChain> {
      const { project } = await authorizer.project(principal, projectId, 'budgets.effective');
      if (apiKeyId !== undefined) await keyOfProject(project.organization_id, projectId, apiKeyId);
      const now = clock();
      const budgets = (await store.budgets.ofOrganization(project.organization_id))
        .filter((b) => b.level === 'organization' || (b.level === 'project' && b.project_id === projectId) || (b.level === 'api_key' && apiKeyId !== undefined && b.api_key_id === apiKeyId))
        .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
      const spent = await spentOf(project.organization_id, budgets, now);
      const chain: BudgetStanding[] = budgets.map((budget) => {
        const spend = spent.get(budget.id) ?? { micro: 0, tokens: 0 };
        return { budget, period_start: periodStart(budget.period, now), period_end: periodEnd(budget.period, now), spent: spend, exhausted: isExhausted(budget, spend), binds: false };
      });
      let binding: BudgetStanding | null = null;
      for (const standing of chain) {
        if (!standing.budget.hard) continue;
        const left = standing.budget.amount_micro_usd - standing.spent.micro;
        const tighter = !binding
          || (standing.exhausted && !binding.exhausted)
          || (standing.exhausted === binding.exhausted && (standing.exhausted ? standing.budget.amount_micro_usd < binding.budget.amount_micro_usd : left < binding.budget.amount_micro_usd - binding.spent.micro));
        if (tighter) binding = standing;
      }
      if (binding) binding.binds = true;
      return { project_id: projectId, api_key_id: apiKeyId ?? null, chain, binding };
    },

    /** What the budget guard holds for an organization: its budgets and each one's spend now. */
    async forGuard(organizationId: string, now: number): Promise<OrganizationBudgets> {
      const budgets = await store.budgets.ofOrganization(organizationId);
      return { budgets, spent: await spentOf(organizationId, budgets, now) };
    },
  };
}

/** What the audit log keeps of a budget: its limits, never more. */
function auditData(budget: BudgetRecord): Record<string, unknown> {
  return {
    level: budget.level,
    api_key_id: budget.api_key_id,
    name: budget.name,
    amount: usdOfMicro(budget.amount_micro_usd),
    tokens: budget.tokens,
    period: budget.period,
    hard: budget.hard,
  };
}

export type BudgetService = ReturnType<typeof createBudgetService>;
