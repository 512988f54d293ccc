import { useRef, useState, type FormEvent } from 'react';
import { del, get, upload, url } from '../api.ts';
import { ConfirmDialog } from '../components/Dialog.tsx';
import { errorFor, FormError, SelectField } from '../components/Field.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { useProject } from '../session.tsx';
import type { FileObject, List } from '../types.ts';

function UploadForm({ project, onUploaded }: { project: string; onUploaded: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [purpose, setPurpose] = useState('fine-tune');
  const [progress, setProgress] = useState<number | undefined>();
  const [uploaded, setUploaded] = useState<FileObject | undefined>();
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const file = input.current?.files?.[0];
    setUploaded(undefined);
    const form = new FormData();
    form.append('purpose', purpose);
    if (file) form.append('file', file, file.name);
    setProgress(0);
    const result = await action.run(() => upload<FileObject>('/v1/files', form, { project, onProgress: setProgress }));
    if (result) {
      setUploaded(result);
      if (input.current) input.current.value = '';
      onUploaded();
    } else {
      setProgress(undefined);
    }
  };
  // The server names `file` for a bad line (`line N: ...`), a missing file or one too large.
  const fileError = errorFor(action.error, 'file');
  return (
    <form className="card upload" onSubmit={submit} noValidate aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a file</h2>
      <div className="field">
        <label htmlFor="upload-file">File</label>
        <input id="upload-file" ref={input} type="file" accept=".jsonl,application/jsonl,application/x-ndjson" aria-describedby={fileError ? 'upload-file-error' : undefined} aria-invalid={fileError ? true : undefined} />
        {fileError ? (
          <span id="upload-file-error" className="field-error" role="alert">
            {fileError}
          </span>
        ) : null}
      </div>
      <SelectField label="Purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)} param="purpose" error={action.error}>
        <option value="fine-tune">fine-tune</option>
        <option value="batch">batch</option>
      </SelectField>
      {progress !== undefined ? (
        <div className="field">
          <label htmlFor="upload-progress">Upload progress</label>
          <progress id="upload-progress" max={1} value={progress}>
            {Math.round(progress * 100)}%
          </progress>
        </div>
      ) : null}
      <FormError error={action.error} fields={['file', 'purpose']} />
      <p role="status" className="muted">
        {uploaded ? `Uploaded ${uploaded.filename} as ${uploaded.id}.` : ''}
      </p>
      <button type="submit" disabled={action.busy}>
        Upload file
      </button>
    </form>
  );
}

export function Files() {
  const project = useProject();
  const files = useAsync((signal) => get<List<FileObject>>('/v1/files', { project: project.id, query: { limit: 100 }, signal }), [project.id]);
  const [deleting, setDeleting] = useState<FileObject | undefined>();
  const remove = useAction();
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Files</h1>
      </div>
      <UploadForm project={project.id} onUploaded={files.reload} />
      <ErrorNotice error={remove.error} />
      <Loaded state={files} what="files">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>No files yet. Upload a JSONL file to fine-tune a model.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">ID</th>
                  <th scope="col">Purpose</th>
                  <th scope="col">Size</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((file) => (
                  <tr key={file.id}>
                    <td>{file.filename}</td>
                    <td className="mono">{file.id}</td>
                    <td>{file.purpose}</td>
                    <td>{formatBytes(file.bytes)}</td>
                    <td>{formatTime(file.created_at)}</td>
                    <td className="row-actions">
                      <a className="button secondary" href={url(`/v1/files/${file.id}/content`, { project_id: project.id })} download={file.filename} aria-label={`Download ${file.filename}`}>
                        Download
                      </a>
                      <button type="button" className="danger" aria-label={`Delete ${file.filename}`} onClick={() => setDeleting(file)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.filename}`}
          message="The file is deleted for good. Jobs that used it keep their results."
          confirm="Delete file"
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            const file = deleting;
            setDeleting(undefined);
            await remove.run(() => del(`/v1/files/${file.id}`, { project: project.id }));
            files.reload();
          }}
        />
      ) : null}
    </section>
  );
}
