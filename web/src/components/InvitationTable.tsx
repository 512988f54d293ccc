import { del, post } from '../api.ts';
import { formatTime } from '../format.ts';
import { useAction } from '../hooks.ts';
import type { Invitation } from '../types.ts';
import { ErrorNotice } from './States.tsx';

/** Invitations of an organization, with Resend and Revoke for the pending ones. */
export function InvitationTable({ org, invitations, groupName, onChanged, showStatus = false }: { org: string; invitations: Invitation[]; groupName: (id: string) => string; onChanged: () => void; showStatus?: boolean }) {
  const action = useAction();
  const act = async (invitation: Invitation, verb: 'resend' | 'revoke') => {
    await action.run(() => (verb === 'resend' ? post(`/v1/organizations/${org}/invitations/${invitation.id}/resend`) : del(`/v1/organizations/${org}/invitations/${invitation.id}`)));
    onChanged();
  };
  return (
    <>
      <ErrorNotice error={action.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Groups</th>
            {showStatus ? <th scope="col">Status</th> : null}
            <th scope="col">Sent</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {invitations.map((invitation) => (
            <tr key={invitation.id}>
              <td>{invitation.email}</td>
              <td>{[...invitation.group_ids, ...invitation.projects.map((p) => p.group_id)].map(groupName).join(', ') || '—'}</td>
              {showStatus ? (
                <td>
                  <span className={`badge ${invitation.status}`}>{invitation.status}</span>
                </td>
              ) : null}
              <td>{formatTime(invitation.created_at)}</td>
              <td>{formatTime(invitation.expires_at)}</td>
              <td className="row-actions">
                {invitation.status === 'pending' ? (
                  <>
                    <button type="button" className="secondary" aria-label={`Resend invitation to ${invitation.email}`} disabled={action.busy} onClick={() => void act(invitation, 'resend')}>
                      Resend
                    </button>
                    <button type="button" className="danger" aria-label={`Revoke invitation to ${invitation.email}`} disabled={action.busy} onClick={() => void act(invitation, 'revoke')}>
                      Revoke
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
