import { useState } from 'react';
import { get, post } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { FormDialog } from '../components/Dialog.tsx';
import { TextField } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { formatNumber } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { useProject } from '../session.tsx';
import type { RateLimit, WholeList } from '../types.ts';

function EditLimitDialog({ project, limit, onClose, onSaved }: { project: string; limit: RateLimit; onClose: () => void; onSaved: () => void }) {
  const [requests, setRequests] = useState(String(limit.max_requests_per_1_minute));
  const [tokens, setTokens] = useState(String(limit.max_tokens_per_1_minute));
  const action = useAction();
  const submit = async () => {
    const body = { max_requests_per_1_minute: Number(requests), max_tokens_per_1_minute: Number(tokens) };
    if (await action.run(() => post<RateLimit>(`/v1/projects/${project}/rate_limits/${encodeURIComponent(limit.model)}`, body))) onSaved();
  };
  return (
    <FormDialog title={`Rate limits of ${limit.model}`} submit="Save" busy={action.busy} error={action.error} fields={['max_requests_per_1_minute', 'max_tokens_per_1_minute']} onSubmit={submit} onClose={onClose}>
      <TextField label="Requests per minute" type="number" min="1" value={requests} onChange={(e) => setRequests(e.target.value)} param="max_requests_per_1_minute" error={action.error} autoFocus />
      <TextField label="Tokens per minute" type="number" min="1" value={tokens} onChange={(e) => setTokens(e.target.value)} param="max_tokens_per_1_minute" error={action.error} />
    </FormDialog>
  );
}

export function RateLimits() {
  const project = useProject();
  const limits = useAsync((signal) => get<WholeList<RateLimit>>(`/v1/projects/${project.id}/rate_limits`, { signal }), [project.id]);
  const [editing, setEditing] = useState<RateLimit | undefined>();
  return (
    <Page title="Rate limits" intro={`How much each model may be called from ${project.name}, counted over every key of the project; never above the operator's ceiling.`}>
      <DataTable
        label="Rate limits"
        list={limits}
        empty="This server serves no shared models."
        columns={[
          { header: 'Model', cell: (limit) => limit.model, className: 'mono' },
          { header: 'Requests per minute', cell: (limit) => formatNumber(limit.max_requests_per_1_minute) },
          { header: 'Tokens per minute', cell: (limit) => formatNumber(limit.max_tokens_per_1_minute) },
        ]}
        actions={(limit) => (
          <button type="button" className="secondary" aria-label={`Edit rate limits of ${limit.model}`} onClick={() => setEditing(limit)}>
            Edit
          </button>
        )}
      />
      {editing ? (
        <EditLimitDialog
          project={project.id}
          limit={editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            limits.reload();
          }}
        />
      ) : null}
    </Page>
  );
}
