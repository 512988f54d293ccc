import { useState } from 'react';
import { del, get, patch, post } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { FormDialog } from '../components/Dialog.tsx';
import { CheckboxGroup, SelectField, TextField } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction, useExpanded } from '../components/RowActions.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useWorkspace } from '../session.tsx';
import type { Group, List, SsoConnection, SsoGroupMapping } from '../types.ts';

const splitDomains = (text: string) => text.split(/[\s,]+/).map((d) => d.trim()).filter(Boolean);

/** Every group a connection may put people in: the organization's and those of its projects the admin sees. */
function useAssignableGroups(org: string) {
  const { projects } = useWorkspace();
  return useAsync(async () => {
    const own = await get<List<Group>>(`/v1/organizations/${org}/groups`, { query: { limit: 100 } });
    const perProject = await Promise.all((projects ?? []).map(async (p) => ({ project: p, groups: await get<List<Group>>(`/v1/projects/${p.id}/groups`, { query: { limit: 100 } }) })));
    return [
      ...own.data.map((g) => ({ value: g.id, label: `${g.name} (organization, ${g.role})` })),
      ...perProject.flatMap(({ project, groups }) => groups.data.map((g) => ({ value: g.id, label: `${g.name} (${project.name}, ${g.role})` }))),
    ];
  }, [org, projects]);
}

function ConnectionDialog({ org, connection, onClose, onSaved }: { org: string; connection?: SsoConnection; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(connection?.name ?? '');
  const [issuer, setIssuer] = useState(connection?.issuer ?? '');
  const [clientId, setClientId] = useState(connection?.client_id ?? '');
  const [secret, setSecret] = useState('');
  const [domains, setDomains] = useState(connection?.domains.map((d) => d.domain).join(', ') ?? '');
  const [defaults, setDefaults] = useState<string[]>(connection?.default_group_ids ?? []);
  const [enforced, setEnforced] = useState(connection?.enforced ?? false);
  const groups = useAssignableGroups(org);
  const action = useAction();
  const submit = async () => {
    const body = { name: name || undefined, issuer, client_id: clientId, domains: splitDomains(domains), default_group_ids: defaults, enforced, ...(secret ? { client_secret: secret } : {}) };
    const saved = await action.run(() => (connection ? patch(`/v1/organizations/${org}/sso_connections/${connection.id}`, body) : post(`/v1/organizations/${org}/sso_connections`, body)));
    if (saved) onSaved();
  };
  return (
    <FormDialog title={connection ? `Edit ${connection.name}` : 'Add SSO connection'} submit={connection ? 'Save' : 'Add connection'} busy={action.busy} error={action.error} fields={['name', 'issuer', 'client_id', 'client_secret', 'domains', 'default_group_ids', 'enforced']} onSubmit={submit} onClose={onClose}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
      <TextField label="Issuer URL" value={issuer} onChange={(e) => setIssuer(e.target.value)} param="issuer" error={action.error} hint="The OpenID provider, e.g. https://login.acme.example" required />
      <TextField label="Client ID" value={clientId} onChange={(e) => setClientId(e.target.value)} param="client_id" error={action.error} required />
      <TextField label="Client secret" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} param="client_secret" error={action.error} hint={connection?.client_secret_set ? 'Stored encrypted; leave empty to keep it.' : 'Stored encrypted and never shown again.'} />
      <TextField label="Email domains" value={domains} onChange={(e) => setDomains(e.target.value)} param="domains" error={action.error} hint="Comma-separated; each must be verified before sign-ins use it." />
      <CheckboxGroup legend="Default groups at first sign-in" options={groups.data ?? []} selected={defaults} onChange={setDefaults} param="default_group_ids" error={action.error} />
      <CheckboxGroup legend="Enforcement" options={[{ value: 'enforced', label: 'Require SSO for these domains (organization admins keep password sign-in)' }]} selected={enforced ? ['enforced'] : []} onChange={(values) => setEnforced(values.includes('enforced'))} />
    </FormDialog>
  );
}

/** A connection's domains with their proof, and its IdP group → Tenantry group mappings. */
function ConnectionDetail({ org, connection, onChanged }: { org: string; connection: SsoConnection; onChanged: () => void }) {
  const base = `/v1/organizations/${org}/sso_connections/${connection.id}`;
  const mappings = usePagedList<SsoGroupMapping>(`${base}/group_mappings`, { limit: 100 });
  const groups = useAssignableGroups(org);
  const [idpGroup, setIdpGroup] = useState('');
  const [groupId, setGroupId] = useState('');
  const adding = useAction();
  const verifying = useAction();
  const remove = useConfirmedAction<SsoGroupMapping>((m) => del(`${base}/group_mappings/${m.id}`), mappings.reload, (m) => ({
    title: `Remove mapping of ${m.idp_group}`,
    message: 'People it added leave that group at their next sign-in.',
    confirm: 'Remove mapping',
  }));
  const labelOf = (id: string) => groups.data?.find((g) => g.value === id)?.label ?? id;
  const add = async () => {
    if (await adding.run(() => post(`${base}/group_mappings`, { idp_group: idpGroup, group_id: groupId }))) {
      setIdpGroup('');
      mappings.reload();
    }
  };
  return (
    <section className="group-members" aria-label={`Details of ${connection.name}`}>
      <p>
        Redirect URI to register at the provider: <code>{connection.redirect_uri}</code>
      </p>
      <ul aria-label="Domains">
        {connection.domains.map((d) => (
          <li key={d.domain}>
            <strong>{d.domain}</strong>: {d.verified ? `verified (${d.verification_method})` : 'not verified'}
            {d.verified ? null : (
              <>
                {' '}
                — publish TXT <code>{d.verification.name}</code> = <code>{d.verification.value}</code>{' '}
                <button type="button" className="secondary" onClick={async () => (await verifying.run(() => post(`${base}/verify_domain`, { domain: d.domain }))) && onChanged()}>
                  Verify {d.domain}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {verifying.error ? <p role="alert">{verifying.error.message}</p> : null}
      <DataTable
        label={`Group mappings of ${connection.name}`}
        list={mappings}
        refusal={remove.error}
        empty="No group mappings: the IdP's groups claim changes nothing."
        columns={[
          { header: 'IdP group', cell: (m) => m.idp_group, className: 'mono' },
          { header: 'Tenantry group', cell: (m) => labelOf(m.group_id) },
        ]}
        actions={(m) => (
          <button type="button" className="danger" aria-label={`Remove mapping of ${m.idp_group}`} onClick={() => remove.ask(m)}>
            Remove
          </button>
        )}
      />
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <TextField label="IdP group" value={idpGroup} onChange={(e) => setIdpGroup(e.target.value)} param="idp_group" error={adding.error} />
        <SelectField label="Tenantry group" value={groupId} onChange={(e) => setGroupId(e.target.value)} param="group_id" error={adding.error}>
          <option value="">Choose a group</option>
          {(groups.data ?? []).map((g) => (
            <option key={g.value} value={g.value}>
              {g.label}
            </option>
          ))}
        </SelectField>
        <button type="submit" disabled={adding.busy}>
          Add mapping
        </button>
      </form>
      {remove.dialog}
    </section>
  );
}

export function SingleSignOn() {
  const { org } = useWorkspace();
  const connections = usePagedList<SsoConnection>(`/v1/organizations/${org.id}/sso_connections`);
  const [editing, setEditing] = useState<SsoConnection | 'new' | undefined>();
  const expanded = useExpanded();
  const remove = useConfirmedAction<SsoConnection>((c) => del(`/v1/organizations/${org.id}/sso_connections/${c.id}`), connections.reload, (c) => ({
    title: `Delete ${c.name}`,
    message: 'Its people can no longer sign in through it; the memberships it made stay.',
    confirm: 'Delete connection',
  }));
  return (
    <Page
      title="Single sign-on"
      actions={
        <button type="button" onClick={() => setEditing('new')}>
          Add SSO connection
        </button>
      }
      intro="Connect your OpenID provider: people of its verified domains sign in through it, join with the default groups, and get the groups its mappings name."
    >
      <DataTable
        label="SSO connections"
        list={connections}
        refusal={remove.error}
        empty="No SSO connection yet."
        detail={(c) => (expanded.isOpen(c.id) ? <ConnectionDetail org={org.id} connection={c} onChanged={connections.reload} /> : null)}
        columns={[
          { header: 'Name', cell: (c) => c.name },
          { header: 'Issuer', cell: (c) => c.issuer, className: 'mono' },
          { header: 'Domains', cell: (c) => c.domains.map((d) => `${d.domain}${d.verified ? '' : ' (unverified)'}`).join(', ') },
          { header: 'Enforced', cell: (c) => (c.enforced ? 'yes' : 'no') },
          { header: 'Created', cell: (c) => formatTime(c.created_at) },
        ]}
        actions={(c) => (
          <>
            {expanded.toggle(c.id, `Details of ${c.name}`, ['Domains and mappings', 'Hide'])}
            <button type="button" className="secondary" aria-label={`Edit ${c.name}`} onClick={() => setEditing(c)}>
              Edit
            </button>
            <button type="button" className="danger" aria-label={`Delete ${c.name}`} onClick={() => remove.ask(c)}>
              Delete
            </button>
          </>
        )}
      />
      {editing ? (
        <ConnectionDialog
          org={org.id}
          {...(editing === 'new' ? {} : { connection: editing })}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            connections.reload();
          }}
        />
      ) : null}
      {remove.dialog}
    </Page>
  );
}
