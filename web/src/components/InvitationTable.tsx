import type { ReactNode } from 'react';
import { del, post } from '../api.ts';
import { formatTime } from '../format.ts';
import { useAction } from '../hooks.ts';
import type { Paging } from '../paging.ts';
import type { Invitation } from '../types.ts';
import { DataTable, type TableState } from './DataTable.tsx';

/** Invitations of an organization, with Resend and Revoke for the pending ones. */
export function InvitationTable({ org, invitations, empty, groupName, showStatus = false }: { org: string; invitations: TableState<Invitation> & { paging: Paging; reload: () => void }; empty: ReactNode; groupName: (id: string) => string; showStatus?: boolean }) {
  const action = useAction();
  const act = async (invitation: Invitation, verb: 'resend' | 'revoke') => {
    await action.run(() => (verb === 'resend' ? post(`/v1/organizations/${org}/invitations/${invitation.id}/resend`) : del(`/v1/organizations/${org}/invitations/${invitation.id}`)));
    invitations.reload();
  };
  return (
    <>
      <DataTable
        refusal={action.error}
        label="Invitations"
        list={invitations}
        what="invitations"
        empty={empty}
        columns={[
          { header: 'Email', cell: (invitation) => invitation.email },
          { header: 'Groups', cell: (invitation) => [...invitation.group_ids, ...invitation.projects.map((p) => p.group_id)].map(groupName).join(', ') || '—' },
          showStatus && { header: 'Status', cell: (invitation) => <span className={`badge ${invitation.status}`}>{invitation.status}</span> },
          { header: 'Sent', cell: (invitation) => formatTime(invitation.created_at) },
          { header: 'Expires', cell: (invitation) => formatTime(invitation.expires_at) },
        ]}
        actions={(invitation) =>
          invitation.status === 'pending' ? (
            <>
              <button type="button" className="secondary" aria-label={`Resend invitation to ${invitation.email}`} disabled={action.busy} onClick={() => void act(invitation, 'resend')}>
                Resend
              </button>
              <button type="button" className="danger" aria-label={`Revoke invitation to ${invitation.email}`} disabled={action.busy} onClick={() => void act(invitation, 'revoke')}>
                Revoke
              </button>
            </>
          ) : null
        }
      />
    </>
  );
}
