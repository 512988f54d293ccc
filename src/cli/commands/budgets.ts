import type { Command } from 'commander';
import type { Budget, EffectiveChain, List, SpendPage, Webhook, WebhookDelivery, WholeList } from '../../http/schemas/api-types.ts';
import { UsageError } from '../client/api.ts';
import { example, list, run } from '../client/context.ts';

const ORG = ['--org <id>', 'organization (default: `tenantry use org`)'] as const;
const BUDGET_COLUMNS = ['id', 'level', 'name', 'amount', 'tokens', 'period', 'hard', 'project_id', 'api_key_id'];

interface BudgetOptions {
  org?: string;
  organization?: boolean;
  project?: string;
  key?: string;
  amount?: string;
  tokens?: string;
  period?: string;
  soft?: boolean;
  hard?: boolean;
  name?: string;
  alertEmail?: string[];
}


const collect = (value: string, previous: string[] = []) => [...previous, value];

function amountOf(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--amount must be a positive number of USD, not "${text}"`);
  return value;
}

function tokensOf(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`--tokens must be a positive integer, not "${text}"`);
  return value;
}

/** The fields of a budget the options name. */
function fieldsOf(options: BudgetOptions): Record<string, unknown> {
  return {
    ...(options.name ? { name: options.name } : {}),
    ...(options.amount !== undefined ? { amount: amountOf(options.amount) } : {}),
    ...(options.tokens !== undefined ? { tokens: options.tokens === 'none' ? null : tokensOf(options.tokens) } : {}),
    ...(options.period ? { period: options.period } : {}),
    ...(options.soft ? { hard: false } : options.hard ? { hard: true } : {}),
    ...(options.alertEmail ? { alert_emails: options.alertEmail } : {}),
  };
}

/** Budgets at organization, project and key level, the effective chain, spend, and webhooks for alerts. */
export function budgetCommands(program: Command): void {
  const budgets = program.command('budgets').description('Spend budgets of an organization (--organization), a project, or one of its keys (--key).');
  const where = (command: Command) => command.option(...ORG).option('--organization', "the organization's own budgets").option('--project <id>', 'project (default: `tenantry use project`)');
  const withFields = (command: Command) =>
    command
      .option('--amount <usd>', 'USD per period')
      .option('--tokens <n>', 'also a token limit per period (`none` removes it)')
      .option('--period <period>', 'day or month')
      .option('--soft', 'alert only, never refuse')
      .option('--hard', 'refuse calls once spent (the default)')
      .option('--name <name>')
      .option('--alert-email <address>', 'who is emailed at 50, 80 and 100% (repeatable)', collect);

  example(where(budgets.command('list').description('List budgets.')), 'tenantry budgets list --organization').action(
    run(async ({ api, out, org, project }, options: BudgetOptions) => {
      const path = options.organization ? `/v1/organizations/${org()}/budgets` : `/v1/projects/${await project()}/budgets`;
      const page = await api.request<List<Budget>>('GET', path);
      out.print(page, list(page), BUDGET_COLUMNS);
    }),
  );
  example(
    withFields(where(budgets.command('create').description('Create a budget.')).option('--key <api_key_id>', 'a key-level budget for this key of the project')),
    'tenantry budgets create --project proj_abc --key key_abc --amount 10 --period month',
  ).action(
    run(async ({ api, out, org, project }, options: BudgetOptions) => {
      if (options.amount === undefined || !options.period) throw new UsageError('--amount and --period are required');
      const body = { ...fieldsOf(options), ...(options.key ? { api_key_id: options.key } : {}) };
      const path = options.organization ? `/v1/organizations/${org()}/budgets` : `/v1/projects/${await project()}/budgets`;
      const budget = await api.request<Budget>('POST', path, { body });
      out.print(budget, [budget], BUDGET_COLUMNS);
    }),
  );
  example(withFields(where(budgets.command('update <id>').description('Change a budget.'))), 'tenantry budgets update budget_abc --amount 20').action(
    run(async ({ api, out, org, project }, id: string, options: BudgetOptions) => {
      const path = options.organization ? `/v1/organizations/${org()}/budgets/${id}` : `/v1/projects/${await project()}/budgets/${id}`;
      const budget = await api.request<Budget>('PATCH', path, { body: fieldsOf(options) });
      out.print(budget, [budget], BUDGET_COLUMNS);
    }),
  );
  example(where(budgets.command('delete <id>').description('Delete a budget.')), 'tenantry budgets delete budget_abc --organization').action(
    run(async ({ api, out, org, project }, id: string, options: BudgetOptions) => {
      const path = options.organization ? `/v1/organizations/${org()}/budgets/${id}` : `/v1/projects/${await project()}/budgets/${id}`;
      out.print(await api.request('DELETE', path));
    }),
  );
  example(
    budgets.command('effective').description('The budgets a call in the project meets, what each has left, and which one binds.').option('--project <id>').option('--key <api_key_id>'),
    'tenantry budgets effective --key key_abc',
  ).action(
    run(async ({ api, out, project }, options: { key?: string }) => {
      const chain = await api.request<EffectiveChain>('GET', `/v1/projects/${await project()}/budgets/effective${options.key ? `?api_key_id=${encodeURIComponent(options.key)}` : ''}`);
      const rows = chain.chain.map((b) => ({ ...b, spent: b.spent.amount, remaining: b.remaining.amount, binds: b.binds ? 'BINDS' : '' }));
      out.print(chain, rows, ['id', 'level', 'amount', 'period', 'hard', 'spent', 'remaining', 'exhausted', 'binds']);
    }),
  );

  example(
    program
      .command('spend')
      .description("Spend (USD at the configured prices) of an organization, or of a project with --project; dedicated endpoints' replica-hours on lines of their own.")
      .option(...ORG)
      .option('--project <id>')
      .option('--since <unix>', 'start time (default: 30 days ago)')
      .option('--bucket <width>', '1m, 1h or 1d', '1d')
      .option('--group-by <fields>', 'project_id,api_key_id,model', 'model'),
    'tenantry spend --group-by project_id,model',
  ).action(
    run(async ({ api, out, org }, options: { project?: string; since?: string; bucket: string; groupBy: string }) => {
      const since = options.since ?? String(Math.floor(Date.now() / 1000) - 30 * 86400);
      const query = `start_time=${since}&bucket_width=${options.bucket}&group_by=${encodeURIComponent(options.groupBy)}`;
      const page = await api.request<SpendPage>('GET', options.project ? `/v1/projects/${options.project}/spend?${query}` : `/v1/organizations/${org()}/spend?${query}`);
      const rows = page.data.flatMap((b) => b.results.map((r) => ({ start: b.start_time, ...r, usd: r.amount.value })));
      // A dedicated endpoint's replica-hours come as their own line: endpoint_id and replica_seconds, no tokens.
      out.print(page, rows, ['start', 'project_id', 'api_key_id', 'model', 'endpoint_id', 'replica_seconds', 'num_model_requests', 'input_tokens', 'output_tokens', 'usd']);
    }),
  );

  const webhooks = program.command('webhooks').description("An organization's webhooks (signed budget alerts).");
  example(webhooks.command('create <url>').description('Add a webhook; its signing secret is shown once.').option(...ORG).option('--description <text>'), 'tenantry webhooks create https://finance.example/hooks').action(
    run(async ({ api, out, org }, url: string, options: { description?: string }) => {
      const webhook = await api.request<Webhook>('POST', `/v1/organizations/${org()}/webhooks`, { body: { url, ...(options.description ? { description: options.description } : {}) } });
      out.print(webhook, [webhook], ['id', 'url', 'secret']);
      process.stderr.write('The secret will not be shown again: keep it to verify Tenantry-Signature.\n');
    }),
  );
  example(webhooks.command('list').description('List webhooks.').option(...ORG), 'tenantry webhooks list').action(
    run(async ({ api, out, org }) => {
      const page = await api.request<WholeList<Webhook>>('GET', `/v1/organizations/${org()}/webhooks`);
      out.print(page, list(page), ['id', 'url', 'description', 'created_at']);
    }),
  );
  example(webhooks.command('delete <id>').description('Delete a webhook.').option(...ORG), 'tenantry webhooks delete wh_abc').action(
    run(async ({ api, out, org }, id: string) => out.print(await api.request('DELETE', `/v1/organizations/${org()}/webhooks/${id}`))),
  );
  example(webhooks.command('deliveries <id>').description('The delivery log of a webhook, newest first.').option(...ORG), 'tenantry webhooks deliveries wh_abc').action(
    run(async ({ api, out, org }, id: string) => {
      const page = await api.request<WholeList<WebhookDelivery>>('GET', `/v1/organizations/${org()}/webhooks/${id}/deliveries`);
      out.print(page, list(page), ['id', 'event_type', 'status', 'attempts', 'last_status_code', 'last_error', 'created_at']);
    }),
  );
}
