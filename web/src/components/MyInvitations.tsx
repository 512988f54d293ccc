import { get, post } from '../api.ts';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { navigate } from '../router.tsx';
import { orgPath, useSession } from '../session.tsx';
import type { Invitation, List } from '../types.ts';
import { ErrorNotice } from './States.tsx';

/** Pending invitations addressed to the signed-in user, with Accept and Decline. */
export function MyInvitations() {
  const { refresh } = useSession();
  const invitations = useAsync((signal) => get<List<Invitation>>('/v1/me/invitations', { signal }), []);
  const action = useAction();
  const pending = invitations.data?.data ?? [];
  if (pending.length === 0 && !action.error) return null;

  const answer = async (invitation: Invitation, verb: 'accept' | 'decline') => {
    const done = await action.run(() => post<Invitation>(`/v1/me/invitations/${invitation.id}/${verb}`));
    invitations.reload();
    if (done && verb === 'accept') {
      await refresh();
      navigate(orgPath(invitation.organization_id, 'projects'));
    }
  };

  return (
    <section className="invitations-for-me" aria-labelledby="my-invitations-title">
      <h2 id="my-invitations-title">Invitations for you</h2>
      <ErrorNotice error={action.error} />
      <ul>
        {pending.map((invitation) => (
          <li key={invitation.id}>
            <span>
              You are invited to join <strong>{invitation.organization_name}</strong> (expires {formatTime(invitation.expires_at)}).
            </span>
            <span className="row-actions">
              <button type="button" onClick={() => answer(invitation, 'accept')} disabled={action.busy}>
                Accept
              </button>
              <button type="button" className="secondary" onClick={() => answer(invitation, 'decline')} disabled={action.busy}>
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
