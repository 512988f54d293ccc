import { useState } from 'react';
import { del, get, patch, post } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { FormDialog } from '../components/Dialog.tsx';
import { errorFor, SelectField, TextField } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction } from '../components/RowActions.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useWorkspace } from '../session.tsx';
import type { List, PermissionEntry, Role } from '../types.ts';

/** The catalogue's permissions by resource: the part of a name before its first dot. */
function byResource(catalogue: PermissionEntry[]): Array<[resource: string, permissions: PermissionEntry[]]> {
  const groups = new Map<string, PermissionEntry[]>();
  for (const entry of catalogue) {
    const resource = entry.name.slice(0, entry.name.indexOf('.'));
    groups.set(resource, [...(groups.get(resource) ?? []), entry]);
  }
  return [...groups.entries()];
}

/**
 * Create or edit a custom role: permission checkboxes grouped by resource. A project role shows only
 * project permissions; what the server refuses (an escalation, a missing project.read) is shown in its
 * words.
 */
function RoleDialog({ org, role, catalogue, onClose, onSaved }: { org: string; role: Role | undefined; catalogue: PermissionEntry[]; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [scope, setScope] = useState<Role['scope']>(role?.scope ?? 'project');
  const [selected, setSelected] = useState<string[]>(role?.permissions ?? ['project.read']);
  const action = useAction();
  const shown = catalogue.filter((p) => scope === 'organization' || p.scope === 'project');
  const toggle = (permission: string, on: boolean) => setSelected(on ? [...selected, permission] : selected.filter((p) => p !== permission));
  const submit = async () => {
    const permissions = selected.filter((p) => shown.some((s) => s.name === p));
    const saved = await action.run(() =>
      role
        ? patch<Role>(`/v1/organizations/${org}/roles/${role.id}`, { name, description, permissions })
        : post<Role>(`/v1/organizations/${org}/roles`, { name, description, scope, permissions }),
    );
    if (saved) onSaved();
  };
  const permissionsError = errorFor(action.error, 'permissions');
  return (
    <FormDialog title={role ? `Edit ${role.name}` : 'Create role'} submit={role ? 'Save' : 'Create'} busy={action.busy} error={action.error} fields={['name', 'description', 'scope', 'permissions']} onSubmit={submit} onClose={onClose}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
      <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} param="description" error={action.error} />
      <SelectField label="Scope" value={scope} onChange={(e) => setScope(e.target.value as Role['scope'])} param="scope" error={action.error} disabled={role !== undefined}>
        <option value="project">Project role: project permissions, for any group</option>
        <option value="organization">Organization role: for organization groups</option>
      </SelectField>
      <div className="permission-groups">
        {byResource(shown).map(([resource, permissions]) => (
          <fieldset key={resource} className="checkboxes">
            <legend>{resource}</legend>
            {permissions.map((p) => (
              <label key={p.name} className="checkbox" title={p.description}>
                <input type="checkbox" checked={selected.includes(p.name)} onChange={(e) => toggle(p.name, e.target.checked)} />
                {p.name}
              </label>
            ))}
          </fieldset>
        ))}
      </div>
      {permissionsError ? (
        <p className="error" role="alert">
          {permissionsError}
        </p>
      ) : null}
    </FormDialog>
  );
}

export function Roles() {
  const { org } = useWorkspace();
  const base = `/v1/organizations/${org.id}/roles`;
  const roles = usePagedList<Role>(base);
  const catalogue = useAsync((signal) => get<List<PermissionEntry>>('/v1/permissions', { signal }), []);
  const [editing, setEditing] = useState<{ role: Role | undefined } | undefined>();
  const remove = useConfirmedAction<Role>((role) => del(`${base}/${role.id}`), roles.reload, (role) => ({
    title: `Delete ${role.name}`,
    message: 'The role is deleted for good. A role that some group holds cannot be deleted.',
    confirm: 'Delete role',
  }));
  const saved = () => {
    setEditing(undefined);
    roles.reload();
  };
  return (
    <Page
      title="Roles"
      actions={
        <button type="button" onClick={() => setEditing({ role: undefined })} disabled={!catalogue.data}>
          Create role
        </button>
      }
      intro="A role is a set of permissions that groups grant their members. Built-in roles cannot change; a custom role reaches every holder as soon as it is saved."
    >
      <ErrorNotice error={catalogue.error} />
      <DataTable
        refusal={remove.error}
        label="Roles"
        list={roles}
        what="roles"
        empty="No roles."
        columns={[
          {
            header: 'Name',
            cell: (role) => (
              <>
                {role.name}
                {role.built_in ? <span className="badge">built in</span> : null}
                {role.description ? <div className="muted">{role.description}</div> : null}
              </>
            ),
          },
          { header: 'Scope', cell: (role) => role.scope },
          { header: 'Permissions', cell: (role) => <span title={role.permissions.join(', ')}>{role.built_in ? `${role.permissions.length} permissions` : role.permissions.join(', ')}</span> },
        ]}
        actions={(role) =>
          role.built_in ? null : (
            <>
              <button type="button" className="secondary" aria-label={`Edit ${role.name}`} onClick={() => setEditing({ role })} disabled={!catalogue.data}>
                Edit
              </button>
              <button type="button" className="danger" aria-label={`Delete ${role.name}`} onClick={() => remove.ask(role)}>
                Delete
              </button>
            </>
          )
        }
      />
      {editing ? <RoleDialog org={org.id} role={editing.role} catalogue={catalogue.data?.data ?? []} onClose={() => setEditing(undefined)} onSaved={saved} /> : null}
      {remove.dialog}
    </Page>
  );
}
