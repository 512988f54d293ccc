import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { BUDGET_FIELDS, useBudgetFields } from '../components/BudgetFields.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { FormDialog } from '../components/Dialog.tsx';
import { TextField } from '../components/Field.tsx';
import { FormCard } from '../components/FormCard.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction, useExpanded } from '../components/RowActions.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import { formatTime, formatUsd } from '../format.ts';
import { useAction, useAsync, useCreateDialog } from '../hooks.ts';
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

function CreateOrgBudgetDialog({ org, onClose, onCreated }: { org: string; onClose: () => void; onCreated: () => void }) {
  const budget = useBudgetFields();
  const action = useAction();
  const submit = async () => {
    const created = await action.run(() => post<Budget>(`/v1/organizations/${org}/budgets`, budget.body));
    if (created) onCreated();
  };
  return (
    <FormDialog title="Create organization budget" submit="Create" busy={action.busy} error={action.error} fields={BUDGET_FIELDS} onSubmit={submit} onClose={onClose}>
      {budget.fields(action.error)}
    </FormDialog>
  );
}

function Deliveries({ org, webhook }: { org: string; webhook: Webhook }) {
  const deliveries = useAsync((signal) => get<List<Delivery>>(`/v1/organizations/${org}/webhooks/${webhook.id}/deliveries`, { signal }), [org, webhook.id]);
  return (
    <DataTable
      label={`Deliveries to ${webhook.url}`}
      list={deliveries}
      empty={`Nothing sent to ${webhook.url} yet.`}
      columns={[
        { header: 'Sent', cell: (d) => formatTime(d.created_at) },
        { header: 'Event', cell: (d) => d.event_type, className: 'mono' },
        { header: 'Status', cell: (d) => d.status },
        { header: 'Tries', cell: (d) => d.attempts },
        { header: 'Last answer', cell: (d) => (d.last_status_code ? `HTTP ${d.last_status_code}` : (d.last_error ?? '—')) },
      ]}
    />
  );
}

/** The organization's own budgets and the webhooks its budget alerts go to. */
export function OrgBudgets() {
  const { org } = useWorkspace();
  const budgets = useAsync((signal) => get<List<Budget>>(`/v1/organizations/${org.id}/budgets`, { signal }), [org.id]);
  const webhooks = useAsync((signal) => get<List<Webhook>>(`/v1/organizations/${org.id}/webhooks`, { signal }), [org.id]);
  const creating = useCreateDialog(budgets.reload);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | undefined>();
  const expanded = useExpanded();
  const remove = useConfirmedAction((b: Budget) => del(`/v1/organizations/${org.id}/budgets/${b.id}`), budgets.reload, (b) => ({ title: `Delete ${b.name}`, message: 'Calls are no longer limited by this budget.', confirm: 'Delete' }));
  const addHook = useAction();
  const createHook = async () => {
    const created = await addHook.run(() => post<Webhook & { secret: string }>(`/v1/organizations/${org.id}/webhooks`, { url }));
    if (!created) return;
    setSecret(created.secret);
    setUrl('');
    webhooks.reload();
  };

  return (
    <Page
      title="Organization budgets"
      actions={
        <button type="button" onClick={creating.show}>
          Create budget
        </button>
      }
      intro="Organization budgets count every project's spend. Project and key budgets are on each project's Budgets page."
    >
      <DataTable
        label="Organization budgets"
        list={budgets}
        empty="No organization budget yet."
        refusal={remove.error}
        columns={[
          { header: 'Name', cell: (b) => b.name },
          { header: 'Limit', cell: (b) => `${formatUsd(b.amount)} / ${b.period}` },
          { header: 'Kind', cell: (b) => (b.hard ? 'Hard' : 'Soft') },
          { header: 'Alerts to', cell: (b) => b.alert_emails.join(', ') || 'its creator' },
        ]}
        actions={(b) => (
          <button type="button" className="secondary" onClick={() => remove.ask(b)}>
            Delete
          </button>
        )}
      />
      {secret ? <SecretReveal title="Webhook signing secret" secret={secret} onDone={() => setSecret(undefined)} /> : null}
      <FormCard title="Alert webhooks" submit="Add webhook" busy={addHook.busy} error={addHook.error} fields={['url']} onSubmit={() => void createHook()}>
        <p className="muted">Each alert is POSTed signed: Tenantry-Signature: t=…,v1=HMAC-SHA256(secret, t + "." + body).</p>
        <TextField label="Webhook URL" value={url} onChange={(e) => setUrl(e.target.value)} param="url" error={addHook.error} />
      </FormCard>
      <DataTable
        label="Webhooks"
        list={webhooks}
        empty="No webhook: alerts go by email only."
        columns={[
          { header: 'URL', cell: (w) => w.url, className: 'mono' },
          { header: 'Added', cell: (w) => formatTime(w.created_at) },
        ]}
        actions={(w) => expanded.toggle(w.id, `Deliveries to ${w.url}`, ['Deliveries', 'Hide deliveries'])}
        detail={(w) => (expanded.isOpen(w.id) ? <Deliveries org={org.id} webhook={w} /> : null)}
      />
      {creating.open ? <CreateOrgBudgetDialog org={org.id} {...creating.handlers} /> : null}
      {remove.dialog}
    </Page>
  );
}
