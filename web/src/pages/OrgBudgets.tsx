import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { ConfirmDialog, Dialog } from '../components/Dialog.tsx';
import { FormError, SelectField, TextField } from '../components/Field.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { useWorkspace } from '../session.tsx';
import type { Budget, List } from '../types.ts';

interface Webhook {
  id: string;
  url: string;
  description: string;
  created_at: number;
}

interface Delivery {
  id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
}

const usd = (value: number) => `$${value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;

function CreateOrgBudgetDialog({ org, onClose, onCreated }: { org: string; onClose: () => void; onCreated: () => void }) {
  const [amount, setAmount] = useState('');
  const [period, setPeriod] = useState<'day' | 'month'>('month');
  const [mode, setMode] = useState<'hard' | 'soft'>('hard');
  const [emails, setEmails] = useState('');
  const action = useAction();
  const submit = async () => {
    const alert_emails = emails.split(',').map((e) => e.trim()).filter(Boolean);
    const created = await action.run(() => post<Budget>(`/v1/organizations/${org}/budgets`, { amount: Number(amount), period, hard: mode === 'hard', ...(alert_emails.length > 0 ? { alert_emails } : {}) }));
    if (created) onCreated();
  };
  return (
    <Dialog title="Create organization budget" onClose={onClose} onSubmit={submit} actions={<button type="submit" disabled={action.busy}>Create</button>}>
      <TextField label="Amount (USD)" type="number" min="0" step="any" value={amount} onChange={(e) => setAmount(e.target.value)} param="amount" error={action.error} autoFocus />
      <SelectField label="Period" value={period} onChange={(e) => setPeriod(e.target.value as 'day' | 'month')} param="period" error={action.error}>
        <option value="month">Month (UTC)</option>
        <option value="day">Day (UTC)</option>
      </SelectField>
      <SelectField label="When spent" value={mode} onChange={(e) => setMode(e.target.value as 'hard' | 'soft')} param="hard" error={action.error}>
        <option value="hard">Refuse calls (hard)</option>
        <option value="soft">Alert only (soft)</option>
      </SelectField>
      <TextField label="Alert emails (comma-separated)" value={emails} onChange={(e) => setEmails(e.target.value)} param="alert_emails" error={action.error} hint="Emailed at 50, 80 and 100%. Empty: you." />
      <FormError error={action.error} fields={['amount', 'period', 'hard', 'alert_emails']} />
    </Dialog>
  );
}

function Deliveries({ org, webhook }: { org: string; webhook: Webhook }) {
  const deliveries = useAsync((signal) => get<List<Delivery>>(`/v1/organizations/${org}/webhooks/${webhook.id}/deliveries`, { signal }), [org, webhook.id]);
  return (
    <Loaded state={deliveries} what="deliveries">
      {(list) =>
        list.data.length === 0 ? (
          <Empty>Nothing sent to {webhook.url} yet.</Empty>
        ) : (
          <table aria-label={`Deliveries to ${webhook.url}`}>
            <thead>
              <tr>
                <th scope="col">Sent</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Tries</th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((d) => (
                <tr key={d.id}>
                  <td>{formatTime(d.created_at)}</td>
                  <td className="mono">{d.event_type}</td>
                  <td>{d.status}</td>
                  <td>{d.attempts}</td>
                  <td>{d.last_status_code ? `HTTP ${d.last_status_code}` : (d.last_error ?? '—')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Loaded>
  );
}

/** The organization's own budgets and the webhooks its budget alerts go to. */
export function OrgBudgets() {
  const { org } = useWorkspace();
  const budgets = useAsync((signal) => get<List<Budget>>(`/v1/organizations/${org.id}/budgets`, { signal }), [org.id]);
  const webhooks = useAsync((signal) => get<List<Webhook>>(`/v1/organizations/${org.id}/webhooks`, { signal }), [org.id]);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'delete'; budget: Budget } | undefined>();
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | undefined>();
  const [shown, setShown] = useState<Webhook | undefined>();
  const remove = useAction();
  const addHook = useAction();
  const createHook = async () => {
    const created = await addHook.run(() => post<Webhook & { secret: string }>(`/v1/organizations/${org.id}/webhooks`, { url }));
    if (!created) return;
    setSecret(created.secret);
    setUrl('');
    webhooks.reload();
  };

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Organization budgets</h1>
        <button type="button" onClick={() => setDialog({ kind: 'create' })}>
          Create budget
        </button>
      </div>
      <p className="muted">Organization budgets count every project's spend. Project and key budgets are on each project's Budgets page.</p>
      <ErrorNotice error={remove.error} />
      <Loaded state={budgets} what="budgets">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No organization budget yet.</Empty>
          ) : (
            <table aria-label="Organization budgets">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Limit</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Alerts to</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((b) => (
                  <tr key={b.id}>
                    <td>{b.name}</td>
                    <td>
                      {usd(b.amount)} / {b.period}
                    </td>
                    <td>{b.hard ? 'Hard' : 'Soft'}</td>
                    <td>{b.alert_emails.join(', ') || 'its creator'}</td>
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

      <h2>Alert webhooks</h2>
      <p className="muted">Each alert is POSTed signed: Tenantry-Signature: t=…,v1=HMAC-SHA256(secret, t + "." + body).</p>
      {secret ? <SecretReveal title="Webhook signing secret" secret={secret} onDone={() => setSecret(undefined)} /> : null}
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void createHook();
        }}
      >
        <TextField label="Webhook URL" value={url} onChange={(e) => setUrl(e.target.value)} param="url" error={addHook.error} />
        <button type="submit" disabled={addHook.busy}>
          Add webhook
        </button>
      </form>
      <FormError error={addHook.error} fields={['url']} />
      <Loaded state={webhooks} what="webhooks">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No webhook: alerts go by email only.</Empty>
          ) : (
            <table aria-label="Webhooks">
              <tbody>
                {list.data.map((w) => (
                  <tr key={w.id}>
                    <td className="mono">{w.url}</td>
                    <td>{formatTime(w.created_at)}</td>
                    <td>
                      <button type="button" className="secondary" onClick={() => setShown(w)}>
                        Deliveries
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {shown ? <Deliveries org={org.id} webhook={shown} /> : null}
      {dialog?.kind === 'create' ? (
        <CreateOrgBudgetDialog
          org={org.id}
          onClose={() => setDialog(undefined)}
          onCreated={() => {
            setDialog(undefined);
            budgets.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <ConfirmDialog
          title={`Delete ${dialog.budget.name}`}
          message="Calls are no longer limited by this budget."
          confirm="Delete"
          busy={remove.busy}
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            const done = await remove.run(() => del(`/v1/organizations/${org.id}/budgets/${dialog.budget.id}`));
            if (done !== undefined) {
              setDialog(undefined);
              budgets.reload();
            }
          }}
        />
      ) : null}
    </section>
  );
}
