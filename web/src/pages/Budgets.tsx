import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { BUDGET_FIELDS, useBudgetFields } from '../components/BudgetFields.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { FormDialog } from '../components/Dialog.tsx';
import { SelectField } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction } from '../components/RowActions.tsx';
import { formatNumber, formatTime, formatUsd } from '../format.ts';
import { useAction, useAsync, useCreateDialog } from '../hooks.ts';
import { useProject } from '../session.tsx';
import type { ApiKey, Budget, EffectiveChain, List } from '../types.ts';

const LEVELS: Record<Budget['level'], string> = { organization: 'Organization', project: 'Project', api_key: 'API key' };

function CreateBudgetDialog({ project, keys, onClose, onCreated }: { project: string; keys: ApiKey[]; onClose: () => void; onCreated: () => void }) {
  const [key, setKey] = useState('');
  const budget = useBudgetFields();
  const action = useAction();
  const submit = async () => {
    const created = await action.run(() => post<Budget>(`/v1/projects/${project}/budgets`, { ...budget.body, ...(key ? { api_key_id: key } : {}) }));
    if (created) onCreated();
  };
  return (
    <FormDialog title="Create budget" submit="Create" busy={action.busy} error={action.error} fields={[...BUDGET_FIELDS, 'api_key_id']} onSubmit={submit} onClose={onClose}>
      <SelectField label="Applies to" value={key} onChange={(e) => setKey(e.target.value)} param="api_key_id" error={action.error}>
        <option value="">The whole project</option>
        {keys.map((k) => (
          <option key={k.id} value={k.id}>
            API key {k.name} ({k.redacted_value})
          </option>
        ))}
      </SelectField>
      {budget.fields(action.error)}
    </FormDialog>
  );
}

/** The project's budgets and its keys', and the chain a call meets: which budget binds, what each has left. */
export function Budgets() {
  const project = useProject();
  const budgets = useAsync((signal) => get<List<Budget>>(`/v1/projects/${project.id}/budgets`, { signal }), [project.id]);
  const keys = useAsync((signal) => get<List<ApiKey>>(`/v1/projects/${project.id}/api_keys`, { query: { limit: 100 }, signal }).catch(() => undefined), [project.id]);
  const [chainKey, setChainKey] = useState('');
  const chain = useAsync(
    (signal) => get<EffectiveChain>(`/v1/projects/${project.id}/budgets/effective`, { query: chainKey ? { api_key_id: chainKey } : {}, signal }),
    [project.id, chainKey],
  );
  const reload = () => {
    budgets.reload();
    chain.reload();
  };
  const creating = useCreateDialog(reload);
  const remove = useConfirmedAction((b: Budget) => del(`/v1/projects/${project.id}/budgets/${b.id}`), reload, (b) => ({ title: `Delete ${b.name}`, message: 'Calls are no longer limited by this budget.', confirm: 'Delete' }));
  const keyList = keys.data?.data.filter((k) => !k.revoked_at) ?? [];
  const keyName = (id: string | null) => keyList.find((k) => k.id === id)?.name ?? id ?? '';

  return (
    <Page
      title="Budgets"
      actions={
        <button type="button" onClick={creating.show}>
          Create budget
        </button>
      }
      intro="Hard budgets refuse calls once spent (429 budget_exceeded); soft ones only alert. The tightest applicable budget binds."
    >
      <h2>Effective chain</h2>
      <div className="filters">
        <SelectField label="Calls through" value={chainKey} onChange={(e) => setChainKey(e.target.value)}>
          <option value="">Any key (organization and project budgets)</option>
          {keyList.map((k) => (
            <option key={k.id} value={k.id}>
              API key {k.name}
            </option>
          ))}
        </SelectField>
      </div>
      <DataTable
        label="Effective budget chain"
        list={{ data: chain.data?.chain, error: chain.error, loading: chain.loading }}
        empty="No budget applies: calls are limited only by rate limits."
        rowClass={(b) => (b.binds ? 'binding' : undefined)}
        columns={[
          { header: 'Level', cell: (b) => LEVELS[b.level] },
          { header: 'Budget', cell: (b) => <>{b.name} <span className="badge">{b.hard ? 'hard' : 'soft'}</span></> },
          { header: 'Limit', cell: (b) => `${formatUsd(b.amount)} / ${b.period}${b.tokens !== null ? `, ${formatNumber(b.tokens)} tokens` : ''}` },
          { header: 'Spent', cell: (b) => formatUsd(b.spent.amount) },
          { header: 'Remaining', cell: (b) => (b.exhausted ? <span className="badge revoked">spent</span> : formatUsd(b.remaining.amount)) },
          { header: 'Renews', cell: (b) => formatTime(b.period_end) },
          { header: 'Binds', cell: (b) => (b.binds ? <strong>binds</strong> : '') },
        ]}
      />
      <h2>This project's budgets</h2>
      <DataTable
        label="Budgets"
        list={budgets}
        empty="No project or key budget yet."
        refusal={remove.error}
        columns={[
          { header: 'Name', cell: (b) => b.name },
          { header: 'Applies to', cell: (b) => (b.level === 'api_key' ? `API key ${keyName(b.api_key_id)}` : 'Project') },
          { header: 'Limit', cell: (b) => `${formatUsd(b.amount)} / ${b.period}` },
          { header: 'Kind', cell: (b) => (b.hard ? 'Hard' : 'Soft') },
        ]}
        actions={(b) => (
          <button type="button" className="secondary" onClick={() => remove.ask(b)}>
            Delete
          </button>
        )}
      />
      {creating.open ? <CreateBudgetDialog project={project.id} keys={keyList} {...creating.handlers} /> : null}
      {remove.dialog}
    </Page>
  );
}
