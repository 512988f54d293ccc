import { useState } from 'react';
import { del, get, patch, post } from '../api.ts';
import { ConfirmDialog, Dialog } from '../components/Dialog.tsx';
import { errorFor, FormError, SelectField, TextField } from '../components/Field.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { useAction, useAsync } from '../hooks.ts';
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
    <Dialog title={role ? `Edit ${role.name}` : 'Create role'} onClose={onClose} onSubmit={submit} actions={<button type="submit" disabled={action.busy}>{role ? 'Save' : 'Create'}</button>}>
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
      <FormError error={action.error} fields={['name', 'description', 'scope', 'permissions']} />
    </Dialog>
  );
}

export function Roles() {
  const { org } = useWorkspace();
  const roles = useAsync((signal) => get<List<Role>>(`/v1/organizations/${org.id}/roles`, { query: { limit: 100 }, signal }), [org.id]);
  const catalogue = useAsync((signal) => get<List<PermissionEntry>>('/v1/permissions', { signal }), []);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'edit' | 'delete'; role: Role } | undefined>();
  const remove = useAction();
  const close = () => {
    setDialog(undefined);
    remove.clear();
  };
  const saved = () => {
    close();
    roles.reload();
  };
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Roles</h1>
        <button type="button" onClick={() => setDialog({ kind: 'create' })} disabled={!catalogue.data}>
          Create role
        </button>
      </div>
      <p className="muted">A role is a set of permissions that groups grant their members. Built-in roles cannot change; custom roles reach every holder as soon as they are saved.</p>
      <ErrorNotice error={catalogue.error} />
      <Loaded state={roles} what="roles">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No roles.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Permissions</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((role) => (
                  <tr key={role.id}>
                    <td>
                      {role.name}
                      {role.built_in ? <span className="badge">built in</span> : null}
                      {role.description ? <div className="muted">{role.description}</div> : null}
                    </td>
                    <td>{role.scope}</td>
                    <td title={role.permissions.join(', ')}>{role.built_in ? `${role.permissions.length} permissions` : role.permissions.join(', ')}</td>
                    <td className="row-actions">
                      {!role.built_in ? (
                        <>
                          <button type="button" className="secondary" aria-label={`Edit ${role.name}`} onClick={() => setDialog({ kind: 'edit', role })} disabled={!catalogue.data}>
                            Edit
                          </button>
                          <button type="button" className="danger" aria-label={`Delete ${role.name}`} onClick={() => setDialog({ kind: 'delete', role })}>
                            Delete
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {dialog?.kind === 'create' || dialog?.kind === 'edit' ? (
        <RoleDialog org={org.id} role={dialog.kind === 'edit' ? dialog.role : undefined} catalogue={catalogue.data?.data ?? []} onClose={close} onSaved={saved} />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <ConfirmDialog
          title={`Delete ${dialog.role.name}`}
          message="The role is deleted for good. A role that some group holds cannot be deleted."
          confirm="Delete role"
          busy={remove.busy}
          onClose={close}
          onConfirm={async () => {
            const done = await remove.run(() => del(`/v1/organizations/${org.id}/roles/${dialog.role.id}`));
            if (done) saved();
          }}
        >
          <FormError error={remove.error} />
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
