import { useState } from 'react';
import { get } from '../api.ts';
import { SelectField } from '../components/Field.tsx';
import { InvitationTable } from '../components/InvitationTable.tsx';
import { Page } from '../components/Page.tsx';
import { useAsync } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useWorkspace } from '../session.tsx';
import type { Group, Invitation, List } from '../types.ts';

const STATUSES = ['pending', 'accepted', 'declined', 'revoked', 'expired'];

export function Invitations() {
  const { org } = useWorkspace();
  const [status, setStatus] = useState('');
  const invitations = usePagedList<Invitation>(`/v1/organizations/${org.id}/invitations`, { query: { status } });
  const groups = useAsync((signal) => get<List<Group>>(`/v1/organizations/${org.id}/groups`, { query: { limit: 100 }, signal }), [org.id]);
  return (
    <Page title="Invitations" actions={<p className="muted">Invite people from the members page.</p>}>
      <div className="filters">
        <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
      </div>
      <InvitationTable
        org={org.id}
        invitations={invitations}
        empty={`No invitations${status ? ` with status ${status}` : ''}.`}
        showStatus
        groupName={(id) => groups.data?.data.find((g) => g.id === id)?.name ?? 'project group'}
      />
    </Page>
  );
}
