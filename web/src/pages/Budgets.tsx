import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { ConfirmDialog, Dialog } from '../components/Dialog.tsx';
import { FormError, SelectField, TextField } from '../components/Field.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatNumber, formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { useProject } from '../session.tsx';
import type { ApiKey, Budget, EffectiveChain, List } from '../types.ts';

const usd = (value: number) => `$${value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;
const LEVELS: Record<Budget['level'], string> = { organization: 'Organization', project: 'Project', api_key: 'API key' };

function CreateBudgetDialog({ project, keys, onClose, onCreated }: { project: string; keys: ApiKey[]; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('');
  const [tokens, setTokens] = useState('');
  const [period, setPeriod] = useState<'day' | 'month'>('month');
  const [mode, setMode] = useState<'hard' | 'soft'>('hard');
  const [key, setKey] = useState('');
  const [emails, setEmails] = useState('');
  const action = useAction();
  const submit = async () => {
    const alert_emails = emails.split(',').map((e) => e.trim()).filter(Boolean);
    const body = {
      ...(name.trim() ? { name } : {}),
      amount: Number(amount),
      ...(tokens.trim() ? { tokens: Number(tokens) } : {}),
      period,
      hard: mode === 'hard',
      ...(key ? { api_key_id: key } : {}),
      ...(alert_emails.length > 0 ? { alert_emails } : {}),
    };
    const created = await action.run(() => post<Budget>(`/v1/projects/${project}/budgets`, body));
    if (created) onCreated();
  };
  return (
    <Dialog title="Create budget" onClose={onClose} onSubmit={submit} actions={<button type="submit" disabled={action.busy}>Create</button>}>
      <SelectField label="Applies to" value={key} onChange={(e) => setKey(e.target.value)} param="api_key_id" error={action.error}>
        <option value="">The whole project</option>
        {keys.map((k) => (
          <option key={k.id} value={k.id}>
            API key {k.name} ({k.redacted_value})
          </option>
        ))}
      </SelectField>
      <TextField label="Amount (USD)" type="number" min="0" step="any" value={amount} onChange={(e) => setAmount(e.target.value)} param="amount" error={action.error} autoFocus />
      <SelectField label="Period" value={period} onChange={(e) => setPeriod(e.target.value as 'day' | 'month')} param="period" error={action.error}>
        <option value="month">Month (UTC)</option>
        <option value="day">Day (UTC)</option>
      </SelectField>
      <SelectField label="When spent" value={mode} onChange={(e) => setMode(e.target.value as 'hard' | 'soft')} param="hard" error={action.error}>
        <option value="hard">Refuse calls (hard)</option>
        <option value="soft">Alert only (soft)</option>
      </SelectField>
      <TextField label="Token limit (optional)" type="number" min="1" value={tokens} onChange={(e) => setTokens(e.target.value)} param="tokens" error={action.error} />
      <TextField label="Name (optional)" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} />
      <TextField label="Alert emails (comma-separated)" value={emails} onChange={(e) => setEmails(e.target.value)} param="alert_emails" error={action.error} hint="Emailed at 50, 80 and 100%. Empty: you." />
      <FormError error={action.error} fields={['name', 'amount', 'tokens', 'period', 'hard', 'api_key_id', 'alert_emails']} />
    </Dialog>
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
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'delete'; budget: Budget } | undefined>();
  const remove = useAction();
  const keyList = keys.data?.data.filter((k) => !k.revoked_at) ?? [];
  const keyName = (id: string | null) => keyList.find((k) => k.id === id)?.name ?? id ?? '';
  const reload = () => {
    setDialog(undefined);
    budgets.reload();
    chain.reload();
  };

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Budgets</h1>
        <button type="button" onClick={() => setDialog({ kind: 'create' })}>
          Create budget
        </button>
      </div>
      <p className="muted">Hard budgets refuse calls once spent (429 budget_exceeded); soft ones only alert. The tightest applicable budget binds.</p>
      <ErrorNotice error={remove.error} />
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
      <Loaded state={chain} what="the effective budgets">
        {(effective) =>
          effective.chain.length === 0 ? (
            <Empty>No budget applies: calls are limited only by rate limits.</Empty>
          ) : (
            <table aria-label="Effective budget chain">
              <thead>
                <tr>
                  <th scope="col">Level</th>
                  <th scope="col">Budget</th>
                  <th scope="col">Limit</th>
                  <th scope="col">Spent</th>
                  <th scope="col">Remaining</th>
                  <th scope="col">Renews</th>
                  <th scope="col">Binds</th>
                </tr>
              </thead>
              <tbody>
                {effective.chain.map((b) => (
                  <tr key={b.id} className={b.binds ? 'binding' : undefined}>
                    <td>{LEVELS[b.level]}</td>
                    <td>
                      {b.name} <span className="badge">{b.hard ? 'hard' : 'soft'}</span>
                    </td>
                    <td>
                      {usd(b.amount)} / {b.period}
                      {b.tokens !== null ? `, ${formatNumber(b.tokens)} tokens` : ''}
                    </td>
                    <td>{usd(b.spent.amount)}</td>
                    <td>{b.exhausted ? <span className="badge revoked">spent</span> : usd(b.remaining.amount)}</td>
                    <td>{formatTime(b.period_end)}</td>
                    <td>{b.binds ? <strong>binds</strong> : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <h2>This project's budgets</h2>
      <Loaded state={budgets} what="budgets">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No project or key budget yet.</Empty>
          ) : (
            <table aria-label="Budgets">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Applies to</th>
                  <th scope="col">Limit</th>
                  <th scope="col">Kind</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((b) => (
                  <tr key={b.id}>
                    <td>{b.name}</td>
                    <td>{b.level === 'api_key' ? `API key ${keyName(b.api_key_id)}` : 'Project'}</td>
                    <td>
                      {usd(b.amount)} / {b.period}
                    </td>
                    <td>{b.hard ? 'Hard' : 'Soft'}</td>
                    <td>
                      <button type="button" className="secondary" onClick={() => setDialog({ kind: 'delete', budget: b })}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {dialog?.kind === 'create' ? <CreateBudgetDialog project={project.id} keys={keyList} onClose={() => setDialog(undefined)} onCreated={reload} /> : null}
      {dialog?.kind === 'delete' ? (
        <ConfirmDialog
          title={`Delete ${dialog.budget.name}`}
          message="Calls are no longer limited by this budget."
          confirm="Delete"
          busy={remove.busy}
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            const done = await remove.run(() => del(`/v1/projects/${project.id}/budgets/${dialog.budget.id}`));
            if (done !== undefined) reload();
          }}
        />
      ) : null}
    </section>
  );
}
