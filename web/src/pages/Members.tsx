import { useState } from 'react';
import { del, get } from '../api.ts';
import { ConfirmDialog } from '../components/Dialog.tsx';
import { InvitationTable } from '../components/InvitationTable.tsx';
import { InviteDialog } from '../components/InviteDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Page } from '../components/Page.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { navigate } from '../router.tsx';
import { useSession, useWorkspace } from '../session.tsx';
import type { Group, Invitation, List, Member } from '../types.ts';

const selfMember = (me: { id: string; name: string; email: string }): Member => ({
  object: 'organization.member',
  principal: { type: 'user', id: me.id, name: me.name, email: me.email },
  groups: [],
  added_at: 0,
});

export function Members() {
  const { me, refresh } = useSession();
  const { org, projects } = useWorkspace();
  const members = usePagedList<Member>(`/v1/organizations/${org.id}/members`);
  const groups = useAsync((signal) => get<List<Group>>(`/v1/organizations/${org.id}/groups`, { query: { limit: 100 }, signal }), [org.id]);
  const invitations = usePagedList<Invitation>(`/v1/organizations/${org.id}/invitations`, { query: { status: 'pending' } });
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<Member | undefined>();
  const remove = useAction();
  const projectName = (id: string) => projects?.find((p) => p.id === id)?.name ?? id;

  const confirmRemove = async () => {
    const member = removing!;
    setRemoving(undefined);
    const leaving = member.principal.id === me.id;
    const done = await remove.run(() => del(`/v1/organizations/${org.id}/members/${member.principal.id}`));
    if (done && leaving) {
      await refresh();
      navigate('/');
      return;
    }
    members.reload();
  };

  return (
    <Page
      title="Members"
      actions={
        <button type="button" onClick={() => setInviting(true)} disabled={!groups.data}>
          Invite member
        </button>
      }
    >
      <ErrorNotice error={remove.error} />
      {members.error?.status === 403 ? (
        // Only admins list the members; anyone may still leave.
        <p>
          <button type="button" className="danger" onClick={() => setRemoving(selfMember(me))}>
            Leave organization
          </button>
        </p>
      ) : null}
      <DataTable
        label="Members"
        list={members}
        what="members"
        empty="No members."
        rowKey={(member) => member.principal.id}
        columns={[
          {
            header: 'Name',
            cell: (member) => (
              <>
                {member.principal.name}
                {member.principal.id === me.id ? ' (you)' : ''}
                {member.principal.type === 'service_account' ? <span className="badge">service account</span> : null}
              </>
            ),
          },
          { header: 'Email', cell: (member) => member.principal.email ?? '—' },
          {
            header: 'Groups',
            cell: (member) =>
              member.groups.length === 0
                ? '—'
                : member.groups.map((g) => (
                    <span key={g.id} className="chip" title={`role ${g.role_name}${g.expires_at ? `, until ${formatTime(g.expires_at)}` : ''}`}>
                      {g.scope.type === 'project' ? `${projectName(g.scope.id)}: ` : ''}
                      {g.name}
                    </span>
                  )),
          },
          { header: 'Joined', cell: (member) => formatTime(member.added_at) },
        ]}
        actions={(member) => {
          const self = member.principal.id === me.id;
          return (
            <button type="button" className="danger" aria-label={self ? 'Leave organization' : `Remove ${member.principal.name}`} onClick={() => setRemoving(member)}>
              {self ? 'Leave' : 'Remove'}
            </button>
          );
        }}
      />

      {members.data ? (
        <>
          <h2>Pending invitations</h2>
          <InvitationTable
            org={org.id}
            invitations={invitations}
            empty="No pending invitations."
            groupName={(id) => groups.data?.data.find((g) => g.id === id)?.name ?? 'project group'}
          />
        </>
      ) : null}

      {inviting && groups.data ? (
        <InviteDialog
          org={org.id}
          orgGroups={groups.data.data}
          projects={projects ?? []}
          onClose={() => setInviting(false)}
          onInvited={() => {
            setInviting(false);
            invitations.reload();
          }}
        />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={removing.principal.id === me.id ? `Leave ${org.name}` : `Remove ${removing.principal.name}`}
          message={
            removing.principal.id === me.id
              ? 'You lose every group membership in this organization and its projects.'
              : `${removing.principal.name} loses every group membership in this organization and its projects, and their API keys stop working.`
          }
          confirm={removing.principal.id === me.id ? 'Leave' : 'Remove'}
          onConfirm={() => void confirmRemove()}
          onClose={() => setRemoving(undefined)}
        />
      ) : null}
    </Page>
  );
}
