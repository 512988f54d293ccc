import { useState } from 'react';
import { get } from '../api.ts';
import { SelectField } from '../components/Field.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Page } from '../components/Page.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useWorkspace } from '../session.tsx';
import type { AuditEvent, List, Member } from '../types.ts';

/** The event types of ../shared/API.md, as the API names them. */
const TYPES = [
  'organization.created', 'organization.updated', 'organization.deleted', 'member.removed', 'member.left',
  'group.created', 'group.updated', 'group.deleted', 'group.member.added', 'group.member.removed',
  'project.created', 'project.updated', 'project.archived', 'invitation.created', 'invitation.resent',
  'invitation.revoked', 'invitation.accepted', 'invitation.declined', 'service_account.created',
  'service_account.deleted', 'api_key.created', 'api_key.rotated', 'api_key.revoked', 'file.created',
  'file.deleted', 'dataset.created', 'dataset.deleted', 'fine_tuning.job.created', 'fine_tuning.job.cancelled',
  'dedicated_endpoint.created', 'dedicated_endpoint.updated', 'dedicated_endpoint.deleted', 'rate_limit.updated',
  'model_permissions.updated', 'login.succeeded', 'login.failed', 'password.changed', 'email.verified',
];

interface Verification {
  ok: boolean;
  count: number;
  first_broken_id: string | null;
  missing_tail: number;
}

function describeVerification(result: Verification): string {
  if (result.ok) return `The chain is intact: ${result.count} events verified.`;
  if (result.first_broken_id) return `The chain is broken at ${result.first_broken_id} (${result.count} events).`;
  if (result.missing_tail > 0) return `The newest ${result.missing_tail} events are missing (${result.count} events verified).`;
  return `The chain's stored head does not match its events (${result.count} events verified).`;
}

function Verify({ org }: { org: string }) {
  const action = useAction();
  const [result, setResult] = useState<Verification | undefined>();
  return (
    <div className="verify">
      <button
        type="button"
        className="secondary"
        disabled={action.busy}
        onClick={async () => setResult(await action.run(() => get<Verification>(`/v1/organizations/${org}/audit_logs/verify`)))}
      >
        Verify chain
      </button>
      <span role="status">
        {result ? describeVerification(result) : ''}
      </span>
      <ErrorNotice error={action.error} />
    </div>
  );
}

export function AuditLog() {
  const { org, projects } = useWorkspace();
  const [type, setType] = useState('');
  const events = usePagedList<AuditEvent>(`/v1/organizations/${org.id}/audit_logs`, { query: { type }, labels: ['Newer', 'Older'] });
  // Names of the actors, where they are still members.
  const members = useAsync((signal) => get<List<Member>>(`/v1/organizations/${org.id}/members`, { query: { limit: 100 }, signal }).catch(() => undefined), [org.id]);
  const actorName = (id: string | null) => members.data?.data.find((m) => m.principal.id === id)?.principal.name ?? id ?? 'unknown';
  const projectName = (id: string | null) => (id ? (projects?.find((p) => p.id === id)?.name ?? id) : '—');
  return (
    <Page title="Audit log" actions={<Verify org={org.id} />}>
      <div className="filters">
        <SelectField label="Event type" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">Any type</option>
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </SelectField>
      </div>
      <DataTable
        label="Audit log"
        list={events}
        what="the audit log"
        empty={`No events${type ? ` of type ${type}` : ''}.`}
        columns={[
          { header: '#', cell: (event) => event.seq },
          { header: 'Time', cell: (event) => formatTime(event.created_at), className: 'nowrap' },
          { header: 'Type', cell: (event) => <code>{event.type}</code> },
          { header: 'Actor', cell: (event) => `${event.actor.type === 'system' ? 'system' : actorName(event.actor.id)}${event.actor.api_key_id ? ` (key ${event.actor.api_key_id})` : ''}` },
          { header: 'Project', cell: (event) => projectName(event.project_id) },
          { header: 'Resource', cell: (event) => event.resource.id, className: 'mono' },
          { header: 'IP address', cell: (event) => event.ip_address ?? '—' },
        ]}
      />
    </Page>
  );
}
