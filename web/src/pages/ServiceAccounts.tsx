import { useState } from 'react';
import { del, post } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { FormDialog } from '../components/Dialog.tsx';
import { TextField } from '../components/Field.tsx';
import { CreateKeyDialog, KeyTable } from '../components/KeyTable.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction, useExpanded } from '../components/RowActions.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import { formatTime } from '../format.ts';
import { useAction, useCreateDialog } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useWorkspace } from '../session.tsx';
import type { ApiKey, IssuedApiKey, ServiceAccount } from '../types.ts';

function CreateAccountDialog({ org, onClose, onCreated }: { org: string; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const action = useAction();
  const submit = async () => {
    if (await action.run(() => post<ServiceAccount>(`/v1/organizations/${org}/service_accounts`, { name }))) onCreated();
  };
  return (
    <FormDialog title="Create service account" submit="Create" busy={action.busy} error={action.error} fields={['name']} onSubmit={submit} onClose={onClose}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
    </FormDialog>
  );
}

/** The organization keys a service account owns: created here, shown once, revoked here. */
function AccountKeys({ org, account }: { org: string; account: ServiceAccount }) {
  const base = `/v1/organizations/${org}/api_keys`;
  const keys = usePagedList<ApiKey>(base, { limit: 100 });
  const [issued, setIssued] = useState<IssuedApiKey | undefined>();
  const creating = useCreateDialog((key: IssuedApiKey) => {
    setIssued(key);
    keys.reload();
  });
  const owned = { ...keys, data: keys.data?.data.filter((key) => key.owner.id === account.id) };
  return (
    <section className="group-members" aria-label={`Keys of ${account.name}`}>
      {issued ? <SecretReveal title="New API key" secret={issued.key} onDone={() => setIssued(undefined)} /> : null}
      <KeyTable base={base} keys={owned} rotatable={false} onChanged={keys.reload} />
      <button type="button" onClick={creating.show}>
        Create key for {account.name}
      </button>
      {creating.open ? <CreateKeyDialog base={base} ownerId={account.id} {...creating.handlers} /> : null}
    </section>
  );
}

export function ServiceAccounts() {
  const { org } = useWorkspace();
  const accounts = usePagedList<ServiceAccount>(`/v1/organizations/${org.id}/service_accounts`);
  const creating = useCreateDialog(accounts.reload);
  const expanded = useExpanded();
  const remove = useConfirmedAction<ServiceAccount>((account) => del(`/v1/organizations/${org.id}/service_accounts/${account.id}`), accounts.reload, (account) => ({
    title: `Delete ${account.name}`,
    message: 'Its API keys are revoked at once, and it leaves every group.',
    confirm: 'Delete service account',
  }));
  return (
    <Page
      title="Service accounts"
      actions={
        <button type="button" onClick={creating.show}>
          Create service account
        </button>
      }
      intro="A service account acts only through its API keys, for automation; add it to groups to give it a role."
    >
      <DataTable
        label="Service accounts"
        list={accounts}
        refusal={remove.error}
        empty="No service accounts yet."
        detail={(account) => (expanded.isOpen(account.id) ? <AccountKeys org={org.id} account={account} /> : null)}
        columns={[
          { header: 'Name', cell: (account) => account.name },
          { header: 'ID', cell: (account) => account.id, className: 'mono' },
          { header: 'Created', cell: (account) => formatTime(account.created_at) },
        ]}
        actions={(account) => (
          <>
            {expanded.toggle(account.id, `Keys of ${account.name}`, ['Show keys', 'Hide keys'])}
            <button type="button" className="danger" aria-label={`Delete ${account.name}`} onClick={() => remove.ask(account)}>
              Delete
            </button>
          </>
        )}
      />
      {creating.open ? <CreateAccountDialog org={org.id} {...creating.handlers} /> : null}
      {remove.dialog}
    </Page>
  );
}
