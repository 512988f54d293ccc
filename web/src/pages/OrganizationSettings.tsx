import { useState } from 'react';
import { del, get, patch } from '../api.ts';
import { ConfirmDialog } from '../components/Dialog.tsx';
import { TextField } from '../components/Field.tsx';
import { DangerZone, FormCard } from '../components/FormCard.tsx';
import { Page } from '../components/Page.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { navigate } from '../router.tsx';
import { useSession, useWorkspace } from '../session.tsx';
import type { Organization } from '../types.ts';

/**
 * Leaving or deleting, confirmed in a dialog that stays open on a refusal (the last admin, a personal
 * organization, one that is not empty yet) and shows it in the server's words; on success the console goes home.
 */
function GoneDialog({ kind, org, onClose }: { kind: 'leave' | 'delete'; org: { id: string; name: string }; onClose: () => void }) {
  const { me, refresh } = useSession();
  const action = useAction();
  const confirm = async () => {
    const done = await action.run(() => del(kind === 'leave' ? `/v1/organizations/${org.id}/members/${me.id}` : `/v1/organizations/${org.id}`));
    if (done === undefined) return;
    await refresh();
    navigate('/');
  };
  return kind === 'leave' ? (
    <ConfirmDialog title={`Leave ${org.name}`} message="You lose every group membership in this organization and its projects." confirm="Leave" busy={action.busy} error={action.error} onConfirm={confirm} onClose={onClose} />
  ) : (
    <ConfirmDialog
      title={`Delete ${org.name}`}
      message={`${org.name} is gone at once and cannot be brought back; its audit log is kept. Only an empty organization can be deleted: while other members or its projects' keys, files, datasets, jobs or endpoints remain, you are told here what is left.`}
      confirm="Delete organization"
      typed={org.name}
      busy={action.busy}
      error={action.error}
      onConfirm={confirm}
      onClose={onClose}
    />
  );
}

export function OrganizationSettings() {
  const { refresh } = useSession();
  const { org } = useWorkspace();
  const details = useAsync((signal) => get<Organization>(`/v1/organizations/${org.id}`, { signal }), [org.id]);
  const [name, setName] = useState(org.name);
  const [saved, setSaved] = useState(false);
  const [dialog, setDialog] = useState<'leave' | 'delete' | undefined>();
  const save = useAction();
  const submit = async () => {
    setSaved(false);
    if (!(await save.run(() => patch<Organization>(`/v1/organizations/${org.id}`, { name })))) return;
    setSaved(true);
    // The side bar and the switcher read the name from /v1/me.
    await refresh();
  };
  return (
    <Page title="Organization settings">
      <FormCard title="General" submit="Save" busy={save.busy} error={save.error} fields={['name']} onSubmit={submit} done={saved ? 'Saved.' : undefined}>
        <p className="muted">
          <span className="mono">{org.id}</span>
          {details.data ? `, created ${formatTime(details.data.created_at)}` : ''}
          {org.personal ? '; your personal organization' : ''}.
        </p>
        <TextField label="Organization name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={save.error} />
      </FormCard>
      <DangerZone
        title="Leave"
        action={
          <button type="button" className="danger" onClick={() => setDialog('leave')}>
            Leave organization
          </button>
        }
      >
        You lose access to the organization and its projects. An organization keeps at least one admin: the last one cannot leave.
      </DangerZone>
      <DangerZone
        title="Delete"
        action={
          <button type="button" className="danger" onClick={() => setDialog('delete')}>
            Delete organization
          </button>
        }
      >
        Only an empty organization can be deleted: remove the other members and the API keys, files, datasets, unfinished fine-tuning jobs and dedicated endpoints of its projects first. A personal organization cannot be deleted.
      </DangerZone>
      {dialog ? <GoneDialog kind={dialog} org={org} onClose={() => setDialog(undefined)} /> : null}
    </Page>
  );
}
