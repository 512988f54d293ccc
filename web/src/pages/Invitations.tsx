import { useState } from 'react';
import { get } from '../api.ts';
import { SelectField } from '../components/Field.tsx';
import { InvitationTable } from '../components/InvitationTable.tsx';
import { Empty, Loaded } from '../components/States.tsx';
import { useAsync } from '../hooks.ts';
import { useWorkspace } from '../session.tsx';
import type { Group, Invitation, List } from '../types.ts';

const STATUSES = ['pending', 'accepted', 'declined', 'revoked', 'expired'];

export function Invitations() {
  const { org } = useWorkspace();
  const [status, setStatus] = useState('');
  const invitations = useAsync(
    (signal) => get<List<Invitation>>(`/v1/organizations/${org.id}/invitations`, { query: { status, limit: 100 }, signal }),
    [org.id, status],
  );
  const groups = useAsync((signal) => get<List<Group>>(`/v1/organizations/${org.id}/groups`, { query: { limit: 100 }, signal }), [org.id]);
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Invitations</h1>
        <p className="muted">Invite people from the members page.</p>
      </div>
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
      <Loaded state={invitations} what="invitations">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No invitations{status ? ` with status ${status}` : ''}.</Empty>
          ) : (
            <InvitationTable
              org={org.id}
              invitations={list.data}
              showStatus
              groupName={(id) => groups.data?.data.find((g) => g.id === id)?.name ?? 'project group'}
              onChanged={invitations.reload}
            />
          )
        }
      </Loaded>
    </section>
  );
}
