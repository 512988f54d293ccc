import { useState } from 'react';
import { del, post } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { FormDialog } from '../components/Dialog.tsx';
import { TextField } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction } from '../components/RowActions.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import { formatTime } from '../format.ts';
import { useAction, useCreateDialog } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useWorkspace } from '../session.tsx';
import type { IssuedScimToken, ScimToken } from '../types.ts';

function CreateTokenDialog({ base, onClose, onCreated }: { base: string; onClose: () => void; onCreated: (token: IssuedScimToken) => void }) {
  const [name, setName] = useState('');
  const action = useAction();
  const submit = async () => {
    const token = await action.run(() => post<IssuedScimToken>(base, { name }));
    if (token) onCreated(token);
  };
  return (
    <FormDialog title="Create SCIM token" submit="Create" busy={action.busy} error={action.error} fields={['name']} onSubmit={submit} onClose={onClose}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} hint="Which identity provider uses it: Okta, Entra ID..." autoFocus />
    </FormDialog>
  );
}

/** Provisioning (SCIM): the base URL an identity provider calls, and the tokens it calls it with. */
export function Provisioning() {
  const { org } = useWorkspace();
  const base = `/v1/organizations/${org.id}/scim_tokens`;
  const tokens = usePagedList<ScimToken>(base);
  const [issued, setIssued] = useState<IssuedScimToken | undefined>();
  const creating = useCreateDialog((token: IssuedScimToken) => {
    setIssued(token);
    tokens.reload();
  });
  const revoke = useConfirmedAction<ScimToken>((token) => del(`${base}/${token.id}`), tokens.reload, (token) => ({
    title: `Revoke ${token.name}`,
    message: 'The identity provider\'s next request with this token is refused. This cannot be undone.',
    confirm: 'Revoke token',
  }));
  const scimUrl = `${window.location.origin}/scim/v2/${org.id}`;
  return (
    <Page
      title="Provisioning (SCIM)"
      actions={
        <button type="button" onClick={creating.show}>
          Create SCIM token
        </button>
      }
      intro="Your identity provider (Okta, Entra ID) adds, updates and removes this organization's members and groups through SCIM 2.0. Removing a person there removes their access here at once."
    >
      <div className="field">
        <label htmlFor="scim-base-url">SCIM base URL</label>
        <input id="scim-base-url" readOnly value={scimUrl} className="mono" onFocus={(e) => e.target.select()} />
      </div>
      {issued ? <SecretReveal title="New SCIM token" secret={issued.token} onDone={() => setIssued(undefined)} /> : null}
      <DataTable
        label="SCIM tokens"
        list={tokens}
        refusal={revoke.error}
        empty="No SCIM tokens yet. Create one and give it to your identity provider with the base URL."
        columns={[
          { header: 'Name', cell: (token) => token.name },
          { header: 'Token', cell: (token) => token.redacted_value, className: 'mono' },
          { header: 'Created', cell: (token) => formatTime(token.created_at) },
          {
            header: 'Status',
            cell: (token) => <span className={`badge ${token.revoked_at ? 'revoked' : 'active'}`}>{token.revoked_at ? 'revoked' : 'active'}</span>,
          },
        ]}
        actions={(token) =>
          token.revoked_at ? null : (
            <button type="button" className="danger" aria-label={`Revoke ${token.name}`} onClick={() => revoke.ask(token)}>
              Revoke
            </button>
          )
        }
      />
      {creating.open ? <CreateTokenDialog base={base} {...creating.handlers} /> : null}
      {revoke.dialog}
    </Page>
  );
}
