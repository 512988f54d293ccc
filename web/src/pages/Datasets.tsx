import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { DataTable, Pager, Table } from '../components/DataTable.tsx';
import { CheckboxGroup, SelectField, TextField } from '../components/Field.tsx';
import { FormCard } from '../components/FormCard.tsx';
import { Page } from '../components/Page.tsx';
import { useConfirmedAction, useExpanded } from '../components/RowActions.tsx';
import { Loaded } from '../components/States.tsx';
import { formatNumber, formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useProject } from '../session.tsx';
import type { Dataset, DatasetRow, DatasetRows, FileObject, List } from '../types.ts';

const PREVIEW_ROWS = 10;

/** One line of a dataset as a person reads it: the messages of a conversation, a prompt and its completion, or the text. */
export function describeRow(data: unknown): string {
  const row = (data ?? {}) as { messages?: Array<{ role?: unknown; content?: unknown }>; prompt?: unknown; completion?: unknown; text?: unknown };
  if (Array.isArray(row.messages)) return row.messages.map((m) => `${String(m.role)}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`).join('\n');
  if (typeof row.prompt === 'string') return `${row.prompt}\n→ ${String(row.completion)}`;
  if (typeof row.text === 'string') return row.text;
  return JSON.stringify(data);
}

function CreateDatasetForm({ project, regions, onCreated }: { project: string; regions: string[]; onCreated: () => void }) {
  const files = useAsync((signal) => get<List<FileObject>>('/v1/files', { project, query: { purpose: 'fine-tune', limit: 100 }, signal }), [project]);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [region, setRegion] = useState(regions[0] ?? '');
  const action = useAction();
  const submit = async () => {
    if (!(await action.run(() => post<Dataset>('/v1/datasets', { name, file_ids: chosen, region }, { project })))) return;
    setName('');
    setChosen([]);
    onCreated();
  };
  return (
    <FormCard title="New dataset" submit="Create dataset" busy={action.busy} error={action.error} fields={['name', 'file_ids', 'region']} onSubmit={submit}>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} />
      <Loaded state={files} what="files">
        {(list) =>
          list.data.length === 0 ? (
            <p className="muted">Upload a fine-tune file on the Files page first.</p>
          ) : (
            <CheckboxGroup legend="Files" options={list.data.map((f) => ({ value: f.id, label: `${f.filename} (${f.id})` }))} selected={chosen} onChange={setChosen} param="file_ids" error={action.error} />
          )
        }
      </Loaded>
      <SelectField label="Region" value={region} onChange={(e) => setRegion(e.target.value)} param="region" error={action.error}>
        {regions.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </SelectField>
    </FormCard>
  );
}

/** A dataset's rows, ten at a time (the rows API pages by offset). */
function Preview({ project, dataset }: { project: string; dataset: Dataset }) {
  const [page, setPage] = useState(1);
  const rows = useAsync(
    (signal) => get<DatasetRows>(`/v1/datasets/${dataset.id}/rows`, { project, query: { offset: (page - 1) * PREVIEW_ROWS, limit: PREVIEW_ROWS }, signal }),
    [project, dataset.id, page],
  );
  return (
    <section className="group-members" aria-label={`Rows of ${dataset.name}`}>
      <Loaded state={rows} what="rows">
        {(list) => (
          <>
            <Table<DatasetRow>
              label={`Rows of ${dataset.name}`}
              rows={list.data}
              rowKey={(row) => String(row.index)}
        columns={[
                { header: 'Row', cell: (row) => row.index + 1 },
                { header: 'Content', cell: (row) => describeRow(row.data), className: 'preformatted' },
                { header: 'From', cell: (row) => `${row.file_id}, line ${row.line}`, className: 'mono' },
              ]}
            />
            <Pager paging={{ page, hasMore: list.has_more, next: () => setPage(page + 1), previous: () => setPage(page - 1) }} />
          </>
        )}
      </Loaded>
    </section>
  );
}

export function Datasets() {
  const project = useProject();
  const datasets = usePagedList<Dataset>('/v1/datasets', { project: project.id });
  const expanded = useExpanded();
  const remove = useConfirmedAction<Dataset>((dataset) => del(`/v1/datasets/${dataset.id}`, { project: project.id }), datasets.reload, (dataset) => ({
    title: `Delete ${dataset.name}`,
    message: 'The dataset goes; its files stay.',
    confirm: 'Delete dataset',
  }));
  return (
    <Page title="Datasets" intro="A dataset names fine-tune files of one format, in one of the project's regions.">
      <CreateDatasetForm project={project.id} regions={project.regions} onCreated={datasets.reload} />
      <DataTable
        label="Datasets"
        list={datasets}
        refusal={remove.error}
        empty="No datasets yet."
        detail={(dataset) => (expanded.isOpen(dataset.id) ? <Preview project={project.id} dataset={dataset} /> : null)}
        columns={[
          { header: 'Name', cell: (dataset) => dataset.name },
          { header: 'Format', cell: (dataset) => dataset.format },
          { header: 'Rows', cell: (dataset) => formatNumber(dataset.rows) },
          { header: 'Region', cell: (dataset) => dataset.region },
          { header: 'Created', cell: (dataset) => formatTime(dataset.created_at) },
        ]}
        actions={(dataset) => (
          <>
            {expanded.toggle(dataset.id, `Preview ${dataset.name}`, ['Preview', 'Hide rows'])}
            <button type="button" className="danger" aria-label={`Delete ${dataset.name}`} onClick={() => remove.ask(dataset)}>
              Delete
            </button>
          </>
        )}
      />
      {remove.dialog}
    </Page>
  );
}
