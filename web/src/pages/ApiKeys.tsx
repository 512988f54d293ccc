import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { ConfirmDialog, Dialog } from '../components/Dialog.tsx';
import { FormError, SelectField, TextField } from '../components/Field.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatTime, now } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { useProject, useSession } from '../session.tsx';
import type { AccessEntry, ApiKey, IssuedApiKey, KeyPermissionMap, List, PermissionEntry } from '../types.ts';

function status(key: ApiKey): string {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at !== null && key.expires_at <= now()) return 'expired';
  return 'active';
}

/** How a key's permissions read in the table: a restricted key's resources that it may use. */
function describePermissions(permissions: ApiKey['permissions']): string {
  if (permissions === 'all') return 'All';
  if (permissions === 'read_only') return 'Read only';
  const used = Object.entries(permissions).filter(([, level]) => level !== 'none');
  return `Restricted: ${used.map(([resource, level]) => `${resource} ${level}`).join(', ')}`;
}

/** The project resources a restricted key may name (those whose permissions are all project ones), and the levels each offers. */
function projectResources(catalogue: PermissionEntry[]): Array<{ resource: string; levels: Array<'read' | 'write'> }> {
  const resources = new Map<string, PermissionEntry[]>();
  for (const entry of catalogue) {
    const resource = entry.name.slice(0, entry.name.indexOf('.'));
    resources.set(resource, [...(resources.get(resource) ?? []), entry]);
  }
  return [...resources.entries()]
    .filter(([, entries]) => entries.every((e) => e.scope === 'project'))
    .map(([resource, entries]) => ({
      resource,
      // Read permissions are named `.read`; a resource without one (inference) offers write only.
      levels: entries.some((e) => e.name.endsWith('.read')) ? ['read', 'write'] : ['write'],
    }));
}

function CreateKeyDialog({ project, onClose, onCreated }: { project: string; onClose: () => void; onCreated: (key: IssuedApiKey) => void }) {
  const [name, setName] = useState('');
  const [permissions, setPermissions] = useState<'all' | 'read_only' | 'restricted'>('all');
  const [levels, setLevels] = useState<KeyPermissionMap>({});
  const [days, setDays] = useState('');
  const catalogue = useAsync((signal) => get<List<PermissionEntry>>('/v1/permissions', { signal }), []);
  const action = useAction();
  const submit = async () => {
    const expires_at = days.trim() === '' ? undefined : now() + Math.round(Number(days) * 86400);
    const chosen = permissions === 'restricted' ? levels : permissions;
    const key = await action.run(() => post<IssuedApiKey>(`/v1/projects/${project}/api_keys`, { name, permissions: chosen, ...(expires_at !== undefined ? { expires_at } : {}) }));
    if (key) onCreated(key);
  };
  return (
    <Dialog title="Create API key" onClose={onClose} onSubmit={submit} actions={<button type="submit" disabled={action.busy}>Create</button>}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
      <SelectField label="Permissions" value={permissions} onChange={(e) => setPermissions(e.target.value as 'all' | 'read_only' | 'restricted')} param="permissions" error={action.error}>
        <option value="all">All</option>
        <option value="read_only">Read only</option>
        <option value="restricted">Restricted</option>
      </SelectField>
      {permissions === 'restricted' ? (
        <fieldset className="restricted-permissions">
          <legend>Per resource (never more than you hold yourself)</legend>
          {projectResources(catalogue.data?.data ?? []).map(({ resource, levels: offered }) => (
            <SelectField key={resource} label={resource} value={levels[resource] ?? 'none'} onChange={(e) => setLevels({ ...levels, [resource]: e.target.value as 'none' | 'read' | 'write' })}>
              <option value="none">None</option>
              {offered.map((level) => (
                <option key={level} value={level}>
                  {level === 'read' ? 'Read' : 'Write'}
                </option>
              ))}
            </SelectField>
          ))}
        </fieldset>
      ) : null}
      <TextField label="Expires after (days)" type="number" min="1" value={days} onChange={(e) => setDays(e.target.value)} param="expires_at" error={action.error} hint="Leave empty for a key that does not expire." />
      <FormError error={action.error} fields={['name', 'permissions', 'expires_at']} />
    </Dialog>
  );
}

function RotateDialog({ project, apiKey, onClose, onRotated }: { project: string; apiKey: ApiKey; onClose: () => void; onRotated: (key: IssuedApiKey) => void }) {
  const [grace, setGrace] = useState('0');
  const action = useAction();
  const submit = async () => {
    const key = await action.run(() => post<IssuedApiKey>(`/v1/projects/${project}/api_keys/${apiKey.id}/rotate`, { grace_seconds: Number(grace) }));
    if (key) onRotated(key);
  };
  return (
    <ConfirmDialog title={`Rotate ${apiKey.name}`} message="A new secret replaces this key's secret." confirm="Rotate" busy={action.busy} onConfirm={submit} onClose={onClose}>
      <TextField label="Old secret keeps working for (seconds)" type="number" min="0" max="86400" value={grace} onChange={(e) => setGrace(e.target.value)} param="grace_seconds" error={action.error} />
      <FormError error={action.error} fields={['grace_seconds']} />
    </ConfirmDialog>
  );
}

export function ApiKeys() {
  const project = useProject();
  const { me } = useSession();
  const keys = useAsync((signal) => get<List<ApiKey>>(`/v1/projects/${project.id}/api_keys`, { query: { limit: 100 }, signal }), [project.id]);
  // Names of the owners, where the caller may read who has access (project admins).
  const access = useAsync((signal) => get<List<AccessEntry>>(`/v1/projects/${project.id}/access`, { signal }).catch(() => undefined), [project.id]);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'rotate' | 'revoke'; key: ApiKey } | undefined>();
  const [issued, setIssued] = useState<IssuedApiKey | undefined>();
  const revoke = useAction();

  const ownerName = (key: ApiKey) => {
    if (key.owner.id === me.id) return `${me.name} (you)`;
    const entry = access.data?.data.find((a) => a.principal.id === key.owner.id);
    return entry ? entry.principal.name : key.owner.id;
  };
  const show = (key: IssuedApiKey) => {
    setDialog(undefined);
    setIssued(key);
    keys.reload();
  };

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">API keys</h1>
        <button type="button" onClick={() => setDialog({ kind: 'create' })}>
          Create API key
        </button>
      </div>
      <p className="muted">Keys act as their owner in this project. Use them with any OpenAI client at this server's /v1.</p>
      {issued ? <SecretReveal title="New API key" secret={issued.key} onDone={() => setIssued(undefined)} /> : null}
      <ErrorNotice error={revoke.error} />
      <Loaded state={keys} what="API keys">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No API keys yet. Create one to call the API from code.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Permissions</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((key) => (
                  <tr key={key.id}>
                    <td>{key.name}</td>
                    <td className="mono">{key.redacted_value}</td>
                    <td>{ownerName(key)}</td>
                    <td>{describePermissions(key.permissions)}</td>
                    <td>{formatTime(key.created_at)}</td>
                    <td>{key.last_used_at ? formatTime(key.last_used_at) : 'Never'}</td>
                    <td>
                      <span className={`badge ${status(key)}`}>{status(key)}</span>
                      {key.creator_removed_at && !key.revoked_at ? (
                        <span className="badge flagged" title={`Its creator left the organization ${formatTime(key.creator_removed_at)}`}>
                          creator removed
                        </span>
                      ) : null}
                    </td>
                    <td className="row-actions">
                      {status(key) === 'active' ? (
                        <>
                          <button type="button" className="secondary" aria-label={`Rotate ${key.name}`} onClick={() => setDialog({ kind: 'rotate', key })}>
                            Rotate
                          </button>
                          <button type="button" className="danger" aria-label={`Revoke ${key.name}`} onClick={() => setDialog({ kind: 'revoke', key })}>
                            Revoke
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
      {dialog?.kind === 'create' ? <CreateKeyDialog project={project.id} onClose={() => setDialog(undefined)} onCreated={show} /> : null}
      {dialog?.kind === 'rotate' ? <RotateDialog project={project.id} apiKey={dialog.key} onClose={() => setDialog(undefined)} onRotated={show} /> : null}
      {dialog?.kind === 'revoke' ? (
        <ConfirmDialog
          title={`Revoke ${dialog.key.name}`}
          message="Requests with this key stop working at once. This cannot be undone."
          confirm="Revoke key"
          busy={revoke.busy}
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            const key = dialog.key;
            setDialog(undefined);
            await revoke.run(() => del<ApiKey>(`/v1/projects/${project.id}/api_keys/${key.id}`));
            keys.reload();
          }}
        />
      ) : null}
    </section>
  );
}
