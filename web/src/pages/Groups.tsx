import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { FormError, SelectField, TextField } from '../components/Field.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { useWorkspace } from '../session.tsx';
import type { Group, GroupMember, List, Member, Role } from '../types.ts';

const ROLES = [
  ['admin', 'admin: everything in the organization'],
  ['billing_manager', 'billing_manager: usage and billing'],
  ['member', 'member: in every project'],
  ['viewer', 'viewer: in every project'],
];

function CreateGroupDialog({ org, onClose, onCreated }: { org: string; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  // The organization's custom roles, for those who may read them; the built-in ones are always offered.
  const roles = useAsync((signal) => get<List<Role>>(`/v1/organizations/${org}/roles`, { query: { limit: 100 }, signal }).catch(() => undefined), [org]);
  const custom = (roles.data?.data ?? []).filter((r) => !r.built_in);
  const action = useAction();
  const submit = async () => {
    if (await action.run(() => post<Group>(`/v1/organizations/${org}/groups`, { name, role }))) onCreated();
  };
  return (
    <Dialog title="Create group" onClose={onClose} onSubmit={submit} actions={<button type="submit" disabled={action.busy}>Create</button>}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
      <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value)} param="role" error={action.error}>
        {ROLES.map(([value, label]) => (
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
      <FormError error={action.error} fields={['name', 'role']} />
    </Dialog>
  );
}

function GroupMembers({ org, group }: { org: string; group: Group }) {
  const members = useAsync((signal) => get<List<GroupMember>>(`/v1/organizations/${org}/groups/${group.id}/members`, { query: { limit: 100 }, signal }), [org, group.id]);
  const orgMembers = useAsync((signal) => get<List<Member>>(`/v1/organizations/${org}/members`, { query: { limit: 100 }, signal }), [org]);
  const [adding, setAdding] = useState('');
  const action = useAction();
  const candidates = (orgMembers.data?.data ?? []).filter((m) => !members.data?.data.some((g) => g.principal.id === m.principal.id));
  const add = async () => {
    const principal = adding || candidates[0]?.principal.id;
    if (!principal) return;
    await action.run(() => post(`/v1/organizations/${org}/groups/${group.id}/members`, { principal_id: principal }));
    setAdding('');
    members.reload();
  };
  return (
    <div className="group-members">
      <ErrorNotice error={action.error} />
      <Loaded state={members} what="group members">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>Nobody is in {group.name}.</Empty>
          ) : (
            <ul>
              {list.data.map((m) => (
                <li key={m.principal.id}>
                  {m.principal.name} <span className="muted">{m.principal.email}</span>
                  {m.expires_at ? <span className="muted"> until {formatTime(m.expires_at)}</span> : null}{' '}
                  <button
                    type="button"
                    className="danger small"
                    aria-label={`Remove ${m.principal.name} from ${group.name}`}
                    onClick={async () => {
                      await action.run(() => del(`/v1/organizations/${org}/groups/${group.id}/members/${m.principal.id}`));
                      members.reload();
                    }}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      {candidates.length > 0 ? (
        <div className="inline-form">
          <SelectField label={`Add to ${group.name}`} value={adding || candidates[0]!.principal.id} onChange={(e) => setAdding(e.target.value)} param="principal_id" error={action.error}>
            {candidates.map((m) => (
              <option key={m.principal.id} value={m.principal.id}>
                {m.principal.name} {m.principal.email ? `<${m.principal.email}>` : ''}
              </option>
            ))}
          </SelectField>
          <button type="button" onClick={() => void add()} disabled={action.busy}>
            Add member
          </button>
        </div>
      ) : null}
    </div>
  );
}

export function Groups() {
  const { org } = useWorkspace();
  const groups = useAsync((signal) => get<List<Group>>(`/v1/organizations/${org.id}/groups`, { query: { limit: 100 }, signal }), [org.id]);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | undefined>();
  const remove = useAction();
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Groups</h1>
        <button type="button" onClick={() => setCreating(true)}>
          Create group
        </button>
      </div>
      <p className="muted">Groups give their members a role in the organization; a member or viewer role holds in every project.</p>
      <ErrorNotice error={remove.error} />
      <Loaded state={groups} what="groups">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No groups.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((group) => (
                  <tr key={group.id}>
                    <td>
                      {group.name}
                      {group.built_in ? <span className="badge">built in</span> : null}
                      {open === group.id ? <GroupMembers org={org.id} group={group} /> : null}
                    </td>
                    <td>{group.role_name}</td>
                    <td>{formatTime(group.created_at)}</td>
                    <td className="row-actions">
                      <button type="button" className="secondary" aria-expanded={open === group.id} aria-label={`Members of ${group.name}`} onClick={() => setOpen(open === group.id ? undefined : group.id)}>
                        {open === group.id ? 'Hide members' : 'Show members'}
                      </button>
                      {!group.built_in ? (
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Delete ${group.name}`}
                          onClick={async () => {
                            await remove.run(() => del(`/v1/organizations/${org.id}/groups/${group.id}`));
                            groups.reload();
                          }}
                        >
                          Delete
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {creating ? (
        <CreateGroupDialog
          org={org.id}
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            groups.reload();
          }}
        />
      ) : null}
    </section>
  );
}
