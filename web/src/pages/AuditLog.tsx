import { useState } from 'react';
import { get } from '../api.ts';
import { SelectField } from '../components/Field.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
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
const PAGE_SIZE = 25;

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
  // The `after` cursor of each page shown so far: the last one is the page on screen.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const after = cursors[cursors.length - 1];
  const events = useAsync(
    (signal) => get<List<AuditEvent>>(`/v1/organizations/${org.id}/audit_logs`, { query: { type, after, limit: PAGE_SIZE }, signal }),
    [org.id, type, after],
  );
  // Names of the actors, where they are still members.
  const members = useAsync((signal) => get<List<Member>>(`/v1/organizations/${org.id}/members`, { query: { limit: 100 }, signal }).catch(() => undefined), [org.id]);
  const actorName = (id: string | null) => members.data?.data.find((m) => m.principal.id === id)?.principal.name ?? id ?? 'unknown';
  const projectName = (id: string | null) => (id ? (projects?.find((p) => p.id === id)?.name ?? id) : '—');
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Audit log</h1>
        <Verify org={org.id} />
      </div>
      <div className="filters">
        <SelectField
          label="Event type"
          value={type}
          onChange={(e) => {
            setType(e.target.value);
            setCursors([undefined]);
          }}
        >
          <option value="">Any type</option>
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </SelectField>
      </div>
      <Loaded state={events} what="the audit log">
        {(list) => (
          <>
            {list.data.length === 0 ? (
              <Empty>No events{type ? ` of type ${type}` : ''}.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Time</th>
                    <th scope="col">Type</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Project</th>
                    <th scope="col">Resource</th>
                    <th scope="col">IP address</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((event) => (
                    <tr key={event.id}>
                      <td>{event.seq}</td>
                      <td className="nowrap">{formatTime(event.created_at)}</td>
                      <td>
                        <code>{event.type}</code>
                      </td>
                      <td>
                        {event.actor.type === 'system' ? 'system' : actorName(event.actor.id)}
                        {event.actor.api_key_id ? ` (key ${event.actor.api_key_id})` : ''}
                      </td>
                      <td>{projectName(event.project_id)}</td>
                      <td className="mono">{event.resource.id}</td>
                      <td>{event.ip_address ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="pager">
              <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Newer
              </button>
              <span>Page {cursors.length}</span>
              <button type="button" className="secondary" disabled={!list.has_more} onClick={() => setCursors((c) => [...c, list.last_id ?? undefined])}>
                Older
              </button>
            </div>
          </>
        )}
      </Loaded>
    </section>
  );
}
