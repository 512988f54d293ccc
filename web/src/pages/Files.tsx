import { useRef, useState } from 'react';
import { del, upload, url } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { FormField, SelectField } from '../components/Field.tsx';
import { FormCard } from '../components/FormCard.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction } from '../components/RowActions.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { useAction } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useProject } from '../session.tsx';
import type { FileObject } from '../types.ts';

function UploadForm({ project, onUploaded }: { project: string; onUploaded: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [purpose, setPurpose] = useState('fine-tune');
  const [progress, setProgress] = useState<number | undefined>();
  const [uploaded, setUploaded] = useState<FileObject | undefined>();
  const action = useAction();
  const submit = async () => {
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
  return (
    <FormCard
      title="Upload a file"
      submit="Upload file"
      busy={action.busy}
      error={action.error}
      fields={['file', 'purpose']}
      onSubmit={submit}
      done={uploaded ? `Uploaded ${uploaded.filename} as ${uploaded.id}.` : undefined}
      className="upload"
    >
      {/* The server names `file` for a bad line (`line N: ...`), a missing file or one too large. */}
      <FormField label="File" param="file" error={action.error}>
        {(control) => <input {...control} ref={input} type="file" accept=".jsonl,application/jsonl,application/x-ndjson" />}
      </FormField>
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
    </FormCard>
  );
}

export function Files() {
  const project = useProject();
  const files = usePagedList<FileObject>('/v1/files', { project: project.id });
  const remove = useConfirmedAction<FileObject>((file) => del(`/v1/files/${file.id}`, { project: project.id }), files.reload, (file) => ({
    title: `Delete ${file.filename}`,
    message: 'The file is deleted for good. Jobs that used it keep their results.',
    confirm: 'Delete file',
  }));
  return (
    <Page title="Files">
      <UploadForm project={project.id} onUploaded={files.reload} />
      <DataTable
        refusal={remove.error}
        label="Files"
        list={files}
        what="files"
        empty="No files yet. Upload a JSONL file to fine-tune a model."
        columns={[
          { header: 'Name', cell: (file) => file.filename },
          { header: 'ID', cell: (file) => file.id, className: 'mono' },
          { header: 'Purpose', cell: (file) => file.purpose },
          { header: 'Size', cell: (file) => formatBytes(file.bytes) },
          { header: 'Uploaded', cell: (file) => formatTime(file.created_at) },
        ]}
        actions={(file) => (
          <>
            <a className="button secondary" href={url(`/v1/files/${file.id}/content`, { project_id: project.id })} download={file.filename} aria-label={`Download ${file.filename}`}>
              Download
            </a>
            <button type="button" className="danger" aria-label={`Delete ${file.filename}`} onClick={() => remove.ask(file)}>
              Delete
            </button>
          </>
        )}
      />
      {remove.dialog}
    </Page>
  );
}
