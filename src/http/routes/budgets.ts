import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { usdOfMicro } from '../../lib/money.ts';
import type { BudgetRecord, BudgetStanding, EffectiveChain } from '../../services/budgets.ts';
import type { Budget, BudgetStanding as BudgetStandingObject, EffectiveChain as EffectiveChainObject } from '../schemas/api-types.ts';
import type { Services } from '../../services/index.ts';
import { needs, principalOf } from '../route-access.ts';
import { budgetBody, budgetChange, budgetObject, effectiveChainObject, projectBudgetBody } from '../schemas/budgets.ts';
import { orgParams, projectParams, refusals } from '../schemas/common.ts';

export const presentBudget = (budget: BudgetRecord): Budget => ({
  id: budget.id,
  object: 'budget',
  level: budget.level,
  organization_id: budget.organization_id,
  project_id: budget.project_id,
  api_key_id: budget.api_key_id,
  name: budget.name,
  amount: usdOfMicro(budget.amount_micro_usd),
  currency: 'usd',
  tokens: budget.tokens,
  period: budget.period,
  hard: budget.hard,
  alert_emails: budget.alert_emails,
  created_at: budget.created_at,
  updated_at: budget.updated_at,
});

const presentStanding = (standing: BudgetStanding): BudgetStandingObject => ({
  ...presentBudget(standing.budget),
  period_start: standing.period_start,
  period_end: standing.period_end,
  spent: { amount: usdOfMicro(standing.spent.micro), tokens: standing.spent.tokens },
  remaining: {
    amount: usdOfMicro(Math.max(0, standing.budget.amount_micro_usd - standing.spent.micro)),
    tokens: standing.budget.tokens === null ? null : Math.max(0, standing.budget.tokens - standing.spent.tokens),
  },
  exhausted: standing.exhausted,
  binds: standing.binds,
});

const presentChain = (chain: EffectiveChain): EffectiveChainObject => ({
  object: 'budget.effective_chain',
  project_id: chain.project_id,
  api_key_id: chain.api_key_id,
  binding_budget_id: chain.binding?.budget.id ?? null,
  chain: chain.chain.map(presentStanding),
});

const budgetList = z.object({ object: z.literal('list'), data: z.array(budgetObject), has_more: z.literal(false) });
const presentBudgets = (budgets: BudgetRecord[]) => ({ object: 'list' as const, data: budgets.map(presentBudget), has_more: false as const });
const deleted = z.object({ id: z.string(), object: z.literal('budget'), deleted: z.literal(true) });

/** Budgets of organizations, projects and keys, and the effective chain a project's calls meet. */
export function budgetRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['budgets'];
    const orgBudget = z.strictObject({ org: z.string(), budget_id: z.string() });
    const projectBudget = z.strictObject({ proj: z.string(), budget_id: z.string() });

    app.get(
      '/v1/organizations/:org/budgets',
      { config: { access: needs('budgets.list_for_organization') }, schema: { tags, params: orgParams, response: { 200: budgetList, ...refusals } } },
      async (request) => presentBudgets(await services.budgets.listForOrganization(principalOf(request), request.params.org)),
    );

    app.post(
      '/v1/organizations/:org/budgets',
      { config: { access: needs('budgets.create_for_organization') }, schema: { tags, params: orgParams, body: budgetBody, response: { 201: budgetObject, ...refusals } } },
      async (request, reply) => reply.status(201).send(presentBudget(await services.budgets.createForOrganization(principalOf(request), request.params.org, request.body))),
    );

    app.get(
      '/v1/organizations/:org/budgets/:budget_id',
      { config: { access: needs('budgets.get_for_organization') }, schema: { tags, params: orgBudget, response: { 200: budgetObject, ...refusals } } },
      async (request) => presentBudget(await services.budgets.getForOrganization(principalOf(request), request.params.org, request.params.budget_id)),
    );

    app.patch(
      '/v1/organizations/:org/budgets/:budget_id',
      { config: { access: needs('budgets.update_for_organization') }, schema: { tags, params: orgBudget, body: budgetChange, response: { 200: budgetObject, ...refusals } } },
      async (request) => presentBudget(await services.budgets.updateForOrganization(principalOf(request), request.params.org, request.params.budget_id, request.body)),
    );

    app.delete(
      '/v1/organizations/:org/budgets/:budget_id',
      { config: { access: needs('budgets.delete_for_organization') }, schema: { tags, params: orgBudget, response: { 200: deleted, ...refusals } } },
      async (request) => {
        await services.budgets.deleteForOrganization(principalOf(request), request.params.org, request.params.budget_id);
        return { id: request.params.budget_id, object: 'budget' as const, deleted: true as const };
      },
    );

    app.get(
      '/v1/projects/:proj/budgets',
      { config: { access: needs('budgets.list_for_project') }, schema: { tags, params: projectParams, response: { 200: budgetList, ...refusals } } },
      async (request) => presentBudgets(await services.budgets.listForProject(principalOf(request), request.params.proj)),
    );

    app.post(
      '/v1/projects/:proj/budgets',
      {
        config: { access: needs('budgets.create_for_project') },
        schema: { tags, description: 'With `api_key_id`, a key-level budget; without, the project\'s.', params: projectParams, body: projectBudgetBody, response: { 201: budgetObject, ...refusals } },
      },
      async (request, reply) => reply.status(201).send(presentBudget(await services.budgets.createForProject(principalOf(request), request.params.proj, request.body))),
    );

    app.get(
      '/v1/projects/:proj/budgets/effective',
      {
        config: { access: needs('budgets.effective') },
        schema: {
          tags,
          description: 'Every budget a call in the project (with `api_key_id`: through that key) meets, what each has spent and has left this period, and which one binds.',
          params: projectParams,
          querystring: z.strictObject({ api_key_id: z.string().min(1).max(100).optional() }),
          response: { 200: effectiveChainObject, ...refusals },
        },
      },
      async (request) => presentChain(await services.budgets.effective(principalOf(request), request.params.proj, request.query.api_key_id)),
    );

    app.get(
      '/v1/projects/:proj/budgets/:budget_id',
      { config: { access: needs('budgets.get_for_project') }, schema: { tags, params: projectBudget, response: { 200: budgetObject, ...refusals } } },
      async (request) => presentBudget(await services.budgets.getForProject(principalOf(request), request.params.proj, request.params.budget_id)),
    );

    app.patch(
      '/v1/projects/:proj/budgets/:budget_id',
      { config: { access: needs('budgets.update_for_project') }, schema: { tags, params: projectBudget, body: budgetChange, response: { 200: budgetObject, ...refusals } } },
      async (request) => presentBudget(await services.budgets.updateForProject(principalOf(request), request.params.proj, request.params.budget_id, request.body)),
    );

    app.delete(
      '/v1/projects/:proj/budgets/:budget_id',
      { config: { access: needs('budgets.delete_for_project') }, schema: { tags, params: projectBudget, response: { 200: deleted, ...refusals } } },
      async (request) => {
        await services.budgets.deleteForProject(principalOf(request), request.params.proj, request.params.budget_id);
        return { id: request.params.budget_id, object: 'budget' as const, deleted: true as const };
      },
    );
  };
}
