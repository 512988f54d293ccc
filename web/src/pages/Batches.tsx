import { useEffect, useState } from 'react';
import { get, post, url } from '../api.ts';
import { ConfirmDialog } from '../components/Dialog.tsx';
import { SelectField } from '../components/Field.tsx';
import { FormCard } from '../components/FormCard.tsx';
import { RunHead, RunsPage } from '../components/RunList.tsx';
import { ErrorNotice, Loaded } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync, useInterval } from '../hooks.ts';
import type { Batch, FileObject, List } from '../types.ts';

const ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
const FINISHED = new Set(['completed', 'failed', 'expired', 'cancelled']);
const CANCELLABLE = new Set(['validating', 'in_progress']);

function CreateBatchForm({ project, onCreated }: { project: string; onCreated: (batch: Batch) => void }) {
  const files = useAsync((signal) => get<List<FileObject>>('/v1/files', { project, query: { purpose: 'batch', limit: 100 }, signal }), [project]);
  const [file, setFile] = useState('');
  const [endpoint, setEndpoint] = useState(ENDPOINTS[0]!);
  const action = useAction();
  const chosenFile = file || files.data?.data[0]?.id || '';
  const submit = async () => {
    const batch = await action.run(() => post<Batch>('/v1/batches', { input_file_id: chosenFile, endpoint, completion_window: '24h' }, { project }));
    if (batch) onCreated(batch);
  };
  return (
    <FormCard title="New batch" submit="Create batch" busy={action.busy} error={action.error} fields={['input_file_id', 'endpoint']} onSubmit={submit}>
      <ErrorNotice error={files.error} />
      <div className="grid-2">
        <SelectField label="Input file" value={chosenFile} onChange={(e) => setFile(e.target.value)} param="input_file_id" error={action.error}>
          {(files.data?.data ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              {f.filename} ({f.id})
            </option>
          ))}
        </SelectField>
        <SelectField label="Endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} param="endpoint" error={action.error}>
          {ENDPOINTS.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </SelectField>
      </div>
      {files.data && files.data.data.length === 0 ? <p className="muted">Upload a file with purpose batch on the Files page first.</p> : null}
      <p className="muted">Requests run within 24 hours, taking only part of the project&apos;s rate limits.</p>
    </FormCard>
  );
}

function Download({ project, fileId, label }: { project: string; fileId: string | null; label: string }) {
  if (!fileId) return null;
  return (
    <a className="button secondary" href={url(`/v1/files/${fileId}/content`, { project_id: project })} download={`${fileId}.jsonl`}>
      {label}
    </a>
  );
}

function BatchDetail({ project, batchId, onChanged }: { project: string; batchId: string; onChanged: () => void }) {
  const batch = useAsync((signal) => get<Batch>(`/v1/batches/${batchId}`, { project, signal }), [project, batchId]);
  const cancel = useAction();
  const [confirming, setConfirming] = useState(false);
  const status = batch.data?.status;
  useInterval(batch.reload, 1000, status !== undefined && !FINISHED.has(status));
  // The list polls more slowly: once this batch ends, it shows the end at once too.
  useEffect(() => {
    if (status !== undefined && FINISHED.has(status)) onChanged();
  }, [status, onChanged]);
  return (
    <section className="card" aria-labelledby="batch-title">
      <Loaded state={batch} what="the batch">
        {(current) => (
          <>
            <RunHead
              titleId="batch-title"
              noun="Batch"
              run={current}
              error={cancel.error}
              cancel={CANCELLABLE.has(current.status) ? { label: 'Cancel batch', busy: cancel.busy, onClick: () => setConfirming(true) } : null}
            >
              <dt>Requests</dt>
              <dd aria-label="Request counts">
                {current.request_counts.completed} completed, {current.request_counts.failed} failed, of {current.request_counts.total}
              </dd>
              <dt>Endpoint</dt>
              <dd className="mono">{current.endpoint}</dd>
              <dt>Input file</dt>
              <dd className="mono">{current.input_file_id}</dd>
              <dt>Created</dt>
              <dd>{formatTime(current.created_at)}</dd>
              <dt>Expires</dt>
              <dd>{formatTime(current.expires_at)}</dd>
            </RunHead>
            {current.errors?.data.length ? (
              <>
                <h3>Problems in the input file</h3>
                <ul aria-label="Input problems">
                  {current.errors.data.map((error, index) => (
                    <li key={index}>
                      {error.line === null ? '' : `Line ${error.line}: `}
                      {error.message}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            <div className="row-actions">
              <Download project={project} fileId={current.output_file_id} label="Download output" />
              <Download project={project} fileId={current.error_file_id} label="Download errors" />
            </div>
            {confirming ? (
              <ConfirmDialog
                title={`Cancel ${current.id}`}
                message="No more of its requests are sent. Those in flight finish, and what was done stays in its output file."
                confirm="Cancel batch"
                busy={cancel.busy}
                onClose={() => setConfirming(false)}
                onConfirm={async () => {
                  setConfirming(false);
                  await cancel.run(() => post<Batch>(`/v1/batches/${current.id}/cancel`, {}, { project }));
                  batch.reload();
                  onChanged();
                }}
              />
            ) : null}
          </>
        )}
      </Loaded>
    </section>
  );
}

export function Batches() {
  return (
    <RunsPage<Batch>
      title="Batches"
      path="/v1/batches"
      heading="Batches"
      noun="batch"
      idHeader="Batch"
      empty="No batches yet."
      finished={FINISHED}
      columns={[
        { header: 'Endpoint', cell: (batch) => batch.endpoint, className: 'mono' },
        'status',
        { header: 'Done', cell: (batch) => `${batch.request_counts.completed + batch.request_counts.failed} / ${batch.request_counts.total}` },
        { header: 'Created', cell: (batch) => formatTime(batch.created_at) },
      ]}
      form={(project, created) => <CreateBatchForm project={project} onCreated={created} />}
      detail={(project, id, changed) => <BatchDetail project={project} batchId={id} onChanged={changed} />}
    />
  );
}
