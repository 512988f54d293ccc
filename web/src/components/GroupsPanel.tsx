import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { formatTime } from '../format.ts';
import { useAction, useAsync, useCreateDialog } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import type { Group, GroupMember, List, Member, Role } from '../types.ts';
import { DataTable } from './DataTable.tsx';
import { FormDialog } from './Dialog.tsx';
import { SelectField, TextField } from './Field.tsx';
import { Page } from './Page.tsx';
import { useConfirmedAction, useExpanded } from './RowActions.tsx';
import { ErrorNotice } from './States.tsx';

export type Roles = Array<[role: string, description: string]>;

function CreateGroupDialog({ base, org, roles, onClose, onCreated }: { base: string; org: string; roles: Roles; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState(roles.find(([r]) => r === 'member')?.[0] ?? roles[0]![0]);
  // The organization's custom roles, for those who may read them; a project group takes project roles only.
  const projectGroup = base.startsWith('/v1/projects/');
  const customRoles = useAsync((signal) => get<List<Role>>(`/v1/organizations/${org}/roles`, { query: { limit: 100 }, signal }).catch(() => undefined), [org]);
  const custom = (customRoles.data?.data ?? []).filter((r) => !r.built_in && (!projectGroup || r.scope === 'project'));
  const action = useAction();
  const submit = async () => {
    if (await action.run(() => post<Group>(base, { name, role }))) onCreated();
  };
  return (
    <FormDialog title="Create group" submit="Create" busy={action.busy} error={action.error} fields={['name', 'role']} onSubmit={submit} onClose={onClose}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
      <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value)} param="role" error={action.error}>
        {roles.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
        {custom.length > 0 ? (
          <optgroup label="Custom roles">
            {custom.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.scope} role)
              </option>
            ))}
          </optgroup>
        ) : null}
      </SelectField>
    </FormDialog>
  );
}

/** A `datetime-local` value as the API's seconds; empty is no expiry. */
function expiryFrom(value: string): number | undefined {
  if (!value) return undefined;
  return Math.floor(new Date(value).getTime() / 1000);
}

function AddMemberForm({ path, group, org, present, onAdded }: { path: string; group: Group; org: string; present: (id: string) => boolean; onAdded: () => void }) {
  // Org admins pick from the organization's members; a project admin, who may not list them, names an id.
  const orgMembers = useAsync((signal) => get<List<Member>>(`/v1/organizations/${org}/members`, { query: { limit: 100 }, signal }).catch(() => undefined), [org]);
  const candidates = (orgMembers.data?.data ?? []).filter((m) => !present(m.principal.id));
  const [chosen, setChosen] = useState('');
  const [expires, setExpires] = useState('');
  const action = useAction();
  const principal = chosen || (orgMembers.data ? (candidates[0]?.principal.id ?? '') : '');
  const add = async () => {
    const expires_at = expiryFrom(expires);
    const done = await action.run(() => post(path, { principal_id: principal, ...(expires_at !== undefined ? { expires_at } : {}) }));
    if (done === undefined) return;
    setChosen('');
    setExpires('');
    onAdded();
  };
  if (orgMembers.data && candidates.length === 0) return <p className="muted">Every member of the organization is in {group.name}.</p>;
  return (
    <form
      className="inline-form"
      aria-label={`Add to ${group.name}`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void add();
      }}
    >
      {orgMembers.data ? (
        <SelectField label={`Add to ${group.name}`} value={principal} onChange={(e) => setChosen(e.target.value)} param="principal_id" error={action.error}>
          {candidates.map((m) => (
            <option key={m.principal.id} value={m.principal.id}>
              {m.principal.name} {m.principal.email ? `<${m.principal.email}>` : ''}
            </option>
          ))}
        </SelectField>
      ) : (
        <TextField label={`Add to ${group.name}`} placeholder="user_… or svc_…" value={chosen} onChange={(e) => setChosen(e.target.value)} param="principal_id" error={action.error} />
      )}
      <TextField label="Expires" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} param="expires_at" error={action.error} />
      <button type="submit" disabled={action.busy || !principal}>
        Add member
      </button>
      <ErrorNotice error={action.error?.error.param === 'principal_id' || action.error?.error.param === 'expires_at' ? undefined : action.error} />
    </form>
  );
}

/** The members of one group, with their expiry, Remove, and a form that adds one. */
function GroupMembers({ base, org, group }: { base: string; org: string; group: Group }) {
  const path = `${base}/${group.id}/members`;
  const members = usePagedList<GroupMember>(path);
  const remove = useAction();
  const present = (id: string) => Boolean(members.data?.data.some((m) => m.principal.id === id));
  return (
    <div className="group-members">
      <DataTable
        refusal={remove.error}
        label={`Members of ${group.name}`}
        list={members}
        what="group members"
        empty={`Nobody is in ${group.name}.`}
        rowKey={(m) => m.principal.id}
        columns={[
          { header: 'Name', cell: (m) => m.principal.name },
          { header: 'Email', cell: (m) => m.principal.email ?? '—' },
          { header: 'Expires', cell: (m) => (m.expires_at ? formatTime(m.expires_at) : 'Never') },
        ]}
        actions={(m) => (
          <button
            type="button"
            className="danger small"
            aria-label={`Remove ${m.principal.name} from ${group.name}`}
            onClick={async () => {
              await remove.run(() => del(`${path}/${m.principal.id}`));
              members.reload();
            }}
          >
            Remove
          </button>
        )}
      />
      <AddMemberForm path={path} group={group} org={org} present={present} onAdded={members.reload} />
    </div>
  );
}

/**
 * The groups of a scope (an organization's or a project's: the API gives both the same paths below
 * `base`): create, delete, and each one's members.
 */
export function GroupsPanel({ title, base, org, roles, intro }: { title: string; base: string; org: string; roles: Roles; intro: string }) {
  const groups = usePagedList<Group>(base);
  const creating = useCreateDialog(groups.reload);
  const expanded = useExpanded();
  const remove = useConfirmedAction<Group>((group) => del(`${base}/${group.id}`), groups.reload, (group) => ({
    title: `Delete ${group.name}`,
    message: 'Its members lose the role it gives them.',
    confirm: 'Delete group',
  }));
  return (
    <Page
      title={title}
      actions={
        <button type="button" onClick={creating.show}>
          Create group
        </button>
      }
      intro={intro}
    >
      <DataTable
        refusal={remove.error}
        label="Groups"
        list={groups}
        what="groups"
        empty="No groups."
        detail={(group) => (expanded.isOpen(group.id) ? <GroupMembers base={base} org={org} group={group} /> : null)}
        columns={[
          {
            header: 'Name',
            cell: (group) => (
              <>
                {group.name}
                {group.built_in ? <span className="badge">built in</span> : null}
              </>
            ),
          },
          { header: 'Role', cell: (group) => group.role_name },
          { header: 'Created', cell: (group) => formatTime(group.created_at) },
        ]}
        actions={(group) => (
          <>
            {expanded.toggle(group.id, `Members of ${group.name}`, ['Show members', 'Hide members'])}
            {!group.built_in ? (
              <button type="button" className="danger" aria-label={`Delete ${group.name}`} onClick={() => remove.ask(group)}>
                Delete
              </button>
            ) : null}
          </>
        )}
      />
      {creating.open ? <CreateGroupDialog base={base} org={org} roles={roles} {...creating.handlers} /> : null}
      {remove.dialog}
    </Page>
  );
}
