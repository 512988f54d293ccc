import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { formatTime, now } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import type { ApiKey, IssuedApiKey, KeyPermissionMap, List, PermissionEntry } from '../types.ts';
import { DataTable, type TableState } from './DataTable.tsx';
import { ConfirmDialog, FormDialog } from './Dialog.tsx';
import { SelectField, TextField } from './Field.tsx';

function status(key: ApiKey): string {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at !== null && key.expires_at <= now()) return 'expired';
  return 'active';
}

/** How a key's permissions read in a table: a restricted key's resources and their levels. */
function describePermissions(permissions: ApiKey['permissions']): string {
  if (permissions === 'all') return 'All';
  if (permissions === 'read_only') return 'Read only';
  const used = Object.entries(permissions).filter(([, level]) => level !== 'none');
  return `Restricted: ${used.map(([resource, level]) => `${resource} ${level}`).join(', ')}`;
}

/**
 * The resources a restricted key may name, and the levels each offers: for a project key those whose
 * permissions are all project ones; for an organization key every one. A resource without a `.read`
 * permission (inference) offers write only.
 */
function keyResources(catalogue: PermissionEntry[], projectKey: boolean): Array<{ resource: string; levels: Array<'read' | 'write'> }> {
  const resources = new Map<string, PermissionEntry[]>();
  for (const entry of catalogue) {
    const resource = entry.name.slice(0, entry.name.indexOf('.'));
    resources.set(resource, [...(resources.get(resource) ?? []), entry]);
  }
  return [...resources.entries()]
    .filter(([, entries]) => !projectKey || entries.every((e) => e.scope === 'project'))
    .map(([resource, entries]) => ({ resource, levels: entries.some((e) => e.name.endsWith('.read')) ? ['read', 'write'] : ['write'] }));
}

/** Creates a key under `base` (a project's or an organization's keys), for `ownerId` or the caller. */
export function CreateKeyDialog({ base, ownerId, onClose, onCreated }: { base: string; ownerId?: string; onClose: () => void; onCreated: (key: IssuedApiKey) => void }) {
  const [name, setName] = useState('');
  const [permissions, setPermissions] = useState<'all' | 'read_only' | 'restricted'>('all');
  const [levels, setLevels] = useState<KeyPermissionMap>({});
  const [days, setDays] = useState('');
  const catalogue = useAsync((signal) => get<List<PermissionEntry>>('/v1/permissions', { signal }), []);
  const action = useAction();
  const submit = async () => {
    const expires_at = days.trim() === '' ? undefined : now() + Math.round(Number(days) * 86400);
    const chosen = permissions === 'restricted' ? levels : permissions;
    const key = await action.run(() => post<IssuedApiKey>(base, { name, permissions: chosen, ...(ownerId ? { owner_id: ownerId } : {}), ...(expires_at !== undefined ? { expires_at } : {}) }));
    if (key) onCreated(key);
  };
  return (
    <FormDialog title="Create API key" submit="Create" busy={action.busy} error={action.error} fields={['name', 'permissions', 'expires_at']} onSubmit={submit} onClose={onClose}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
      <SelectField label="Permissions" value={permissions} onChange={(e) => setPermissions(e.target.value as 'all' | 'read_only' | 'restricted')} param="permissions" error={action.error}>
        <option value="all">All</option>
        <option value="read_only">Read only</option>
        <option value="restricted">Restricted</option>
      </SelectField>
      {permissions === 'restricted' ? (
        <fieldset className="restricted-permissions">
          <legend>Per resource (never more than you hold yourself)</legend>
          {keyResources(catalogue.data?.data ?? [], base.startsWith('/v1/projects/')).map(({ resource, levels: offered }) => (
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
    </FormDialog>
  );
}

function RotateDialog({ base, apiKey, onClose, onRotated }: { base: string; apiKey: ApiKey; onClose: () => void; onRotated: (key: IssuedApiKey) => void }) {
  const [grace, setGrace] = useState('0');
  const action = useAction();
  const submit = async () => {
    const key = await action.run(() => post<IssuedApiKey>(`${base}/${apiKey.id}/rotate`, { grace_seconds: Number(grace) }));
    if (key) onRotated(key);
  };
  return (
    <ConfirmDialog title={`Rotate ${apiKey.name}`} message="A new secret replaces this key's secret." confirm="Rotate" busy={action.busy} error={action.error} fields={['grace_seconds']} onConfirm={submit} onClose={onClose}>
      <TextField label="Old secret keeps working for (seconds)" type="number" min="0" max="86400" value={grace} onChange={(e) => setGrace(e.target.value)} param="grace_seconds" error={action.error} />
    </ConfirmDialog>
  );
}

/**
 * Keys under `base` (a project's, with Rotate, or an organization's, which the API does not rotate),
 * with Revoke for the active ones.
 */
export function KeyTable({ base, keys, ownerName, rotatable, onChanged }: { base: string; keys: TableState<ApiKey>; ownerName?: (key: ApiKey) => string; rotatable: boolean; onChanged: (issued?: IssuedApiKey) => void }) {
  const [dialog, setDialog] = useState<{ kind: 'rotate' | 'revoke'; key: ApiKey } | undefined>();
  const revoke = useAction();
  return (
    <>
      <DataTable
        refusal={revoke.error}
        label="API keys"
        list={keys}
        what="API keys"
        empty="No API keys yet. Create one to call the API from code."
        columns={[
          { header: 'Name', cell: (key) => key.name },
          { header: 'Key', cell: (key) => key.redacted_value, className: 'mono' },
          ownerName && { header: 'Owner', cell: ownerName },
          { header: 'Permissions', cell: (key) => describePermissions(key.permissions) },
          { header: 'Created', cell: (key) => formatTime(key.created_at) },
          { header: 'Last used', cell: (key) => (key.last_used_at ? formatTime(key.last_used_at) : 'Never') },
          {
            header: 'Status',
            cell: (key) => (
              <>
                <span className={`badge ${status(key)}`}>{status(key)}</span>
                {key.creator_removed_at && !key.revoked_at ? (
                  <span className="badge flagged" title={`Its creator left the organization ${formatTime(key.creator_removed_at)}`}>
                    creator removed
                  </span>
                ) : null}
              </>
            ),
          },
        ]}
        actions={(key) =>
          status(key) === 'active' ? (
            <>
              {rotatable ? (
                <button type="button" className="secondary" aria-label={`Rotate ${key.name}`} onClick={() => setDialog({ kind: 'rotate', key })}>
                  Rotate
                </button>
              ) : null}
              <button type="button" className="danger" aria-label={`Revoke ${key.name}`} onClick={() => setDialog({ kind: 'revoke', key })}>
                Revoke
              </button>
            </>
          ) : null
        }
      />
      {dialog?.kind === 'rotate' ? (
        <RotateDialog
          base={base}
          apiKey={dialog.key}
          onClose={() => setDialog(undefined)}
          onRotated={(issued) => {
            setDialog(undefined);
            onChanged(issued);
          }}
        />
      ) : null}
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
            await revoke.run(() => del<ApiKey>(`${base}/${key.id}`));
            onChanged();
          }}
        />
      ) : null}
    </>
  );
}

