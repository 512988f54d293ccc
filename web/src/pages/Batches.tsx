import { useEffect, useState, type FormEvent } from 'react';
import { get, post, url } from '../api.ts';
import { FormError, SelectField } from '../components/Field.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync, useInterval } from '../hooks.ts';
import { useProject } from '../session.tsx';
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
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const batch = await action.run(() => post<Batch>('/v1/batches', { input_file_id: chosenFile, endpoint, completion_window: '24h' }, { project }));
    if (batch) onCreated(batch);
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="create-batch-title">
      <h2 id="create-batch-title">New batch</h2>
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
      <FormError error={action.error} fields={['input_file_id', 'endpoint']} />
      <button type="submit" disabled={action.busy}>
        Create batch
      </button>
    </form>
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
            <div className="page-head">
              <h2 id="batch-title">
                Batch <span className="mono">{current.id}</span>
              </h2>
              {CANCELLABLE.has(current.status) ? (
                <button
                  type="button"
                  className="danger"
                  disabled={cancel.busy}
                  onClick={async () => {
                    await cancel.run(() => post<Batch>(`/v1/batches/${current.id}/cancel`, {}, { project }));
                    batch.reload();
                    onChanged();
                  }}
                >
                  Cancel batch
                </button>
              ) : null}
            </div>
            <ErrorNotice error={cancel.error} />
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <span className={`badge ${current.status}`} role="status" aria-label={`Status: ${current.status}`}>
                  {current.status}
                </span>
              </dd>
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
            </dl>
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
          </>
        )}
      </Loaded>
    </section>
  );
}

export function Batches() {
  const project = useProject();
  const batches = useAsync((signal) => get<List<Batch>>('/v1/batches', { project: project.id, query: { limit: 50 }, signal }), [project.id]);
  const [selected, setSelected] = useState<string | undefined>();
  useInterval(batches.reload, 2000, (batches.data?.data ?? []).some((b) => !FINISHED.has(b.status)));
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Batches</h1>
      </div>
      <CreateBatchForm
        project={project.id}
        onCreated={(batch) => {
          batches.reload();
          setSelected(batch.id);
        }}
      />
      <h2>Batches</h2>
      <Loaded state={batches} what="batches">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No batches yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Batch</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col">Done</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((batch) => (
                  <tr key={batch.id} className={batch.id === selected ? 'selected' : undefined}>
                    <td>
                      <button type="button" className="link mono" onClick={() => setSelected(batch.id)} aria-label={`Show batch ${batch.id}`}>
                        {batch.id}
                      </button>
                    </td>
                    <td className="mono">{batch.endpoint}</td>
                    <td>
                      <span className={`badge ${batch.status}`}>{batch.status}</span>
                    </td>
                    <td>
                      {batch.request_counts.completed + batch.request_counts.failed} / {batch.request_counts.total}
                    </td>
                    <td>{formatTime(batch.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {selected ? <BatchDetail key={selected} project={project.id} batchId={selected} onChanged={batches.reload} /> : null}
    </section>
  );
}
