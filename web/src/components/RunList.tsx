import { useState, type ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import { useInterval } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useProject } from '../session.tsx';
import { DataTable, type Column } from './DataTable.tsx';
import { Page } from './Page.tsx';
import { ErrorNotice } from './States.tsx';

interface Run {
  id: string;
  status: string;
}

interface RunsPageProps<T extends Run> {
  title: string;
  /** The list's API path, its heading and table label, and what one run is called (`Show <noun> <id>`). */
  path: string;
  heading: string;
  noun: string;
  idHeader: string;
  empty: string;
  finished: ReadonlySet<string>;
  /** The columns after the id; `status` stands for the status badge. */
  columns: Array<Column<T> | 'status'>;
  form: (project: string, created: (run: Run) => void) => ReactNode;
  detail: (project: string, id: string, changed: () => void) => ReactNode;
}

/**
 * A project's page of long-running things (fine-tuning jobs, batches): a form that starts one, their
 * list read again every two seconds while any is unfinished, and the selected one's detail below.
 */
export function RunsPage<T extends Run>({ title, path, heading, noun, idHeader, empty, finished, columns, form, detail }: RunsPageProps<T>) {
  const project = useProject();
  const list = usePagedList<T>(path, { project: project.id });
  const [selected, setSelected] = useState<string | undefined>();
  useInterval(list.reload, 2000, (list.data?.data ?? []).some((run) => !finished.has(run.status)));
  const idColumn: Column<T> = {
    header: idHeader,
    cell: (run) => (
      <button type="button" className="link mono" onClick={() => setSelected(run.id)} aria-label={`Show ${noun} ${run.id}`}>
        {run.id}
      </button>
    ),
  };
  const statusColumn: Column<T> = { header: 'Status', cell: (run) => <span className={`badge ${run.status}`}>{run.status}</span> };
  const created = (run: Run) => {
    list.reload();
    setSelected(run.id);
  };
  return (
    <Page title={title}>
      {form(project.id, created)}
      <h2>{heading}</h2>
      <DataTable
        label={heading}
        list={list}
        what={heading.toLowerCase()}
        empty={empty}
        rowClass={(run) => (run.id === selected ? 'selected' : undefined)}
        columns={[idColumn, ...columns.map((column) => (column === 'status' ? statusColumn : column))]}
      />
      {selected ? <div key={selected}>{detail(project.id, selected, list.reload)}</div> : null}
    </Page>
  );
}

/** The cancel button of a run that may still be cancelled. */
export interface RunCancel {
  label: string;
  busy: boolean;
  onClick: () => void;
}

/**
 * The head of a run's detail: its name, the cancel button while it may be cancelled, a refused
 * cancel, and its status, the first of its facts (the rest are the children).
 */
export function RunHead({ titleId, noun, run, cancel, error, children }: { titleId: string; noun: string; run: { id: string; status: string }; cancel: RunCancel | null; error: ApiError | undefined; children: ReactNode }) {
  const { id, status } = run;
  return (
    <>
      <div className="page-head">
        <h2 id={titleId}>
          {noun} <span className="mono">{id}</span>
        </h2>
        {cancel ? (
          <button type="button" className="danger" disabled={cancel.busy} onClick={cancel.onClick}>
            {cancel.label}
          </button>
        ) : null}
      </div>
      <ErrorNotice error={error} />
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`badge ${status}`} role="status" aria-label={`Status: ${status}`}>
            {status}
          </span>
        </dd>
        {children}
      </dl>
    </>
  );
}
