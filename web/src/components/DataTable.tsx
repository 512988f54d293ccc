import { Fragment, type ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import type { Paging } from '../paging.ts';
import { Empty, ErrorNotice, Loading } from './States.tsx';

/** One column: its header (also the accessible name of its cells' column) and what a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

interface TableProps<T> {
  /** Names the table for assistive technology. */
  label: string;
  columns: Array<Column<T> | false | undefined>;
  rows: T[];
  /** Defaults to the row's `id`, which every API object has. */
  rowKey?: (row: T) => string;
  /** The buttons of a row, in the last column (reachable by Tab, in reading order). */
  actions?: (row: T) => ReactNode;
  rowClass?: (row: T) => string | undefined;
  /** What a row opens under itself (a group's members, a dataset's rows), across every column; null when closed. */
  detail?: (row: T) => ReactNode;
}

/** The console's one table markup: a header row, a row per item, and an actions column when asked. */
const idOf = (row: unknown): string => String((row as { id?: unknown }).id);

export function Table<T>({ label, columns, rows, rowKey = idOf, actions, rowClass, detail }: TableProps<T>) {
  const shown = columns.filter((c): c is Column<T> => Boolean(c));
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          {shown.map((column) => (
            <th key={column.header} scope="col">
              {column.header}
            </th>
          ))}
          {actions ? (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const opened = detail?.(row);
          return (
            <Fragment key={rowKey(row)}>
              <tr className={rowClass?.(row)}>
                {shown.map((column) => (
                  <td key={column.header} className={column.className}>
                    {column.cell(row)}
                  </td>
                ))}
                {actions ? <td className="row-actions">{actions(row)}</td> : null}
              </tr>
              {opened ? (
                <tr className="detail">
                  <td colSpan={shown.length + (actions ? 1 : 0)}>{opened}</td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

export interface TableState<T> {
  data: { data: T[] } | T[] | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Present on a paged list (usePagedList). */
  paging?: Paging;
}

/**
 * A table over something loaded: "Loading …" until it comes, the server's refusal when it fails, the
 * `empty` text when there is nothing, and Previous/Next when the list is paged. `refusal` is the last
 * action's on its rows (Delete, Revoke), shown above it.
 */
export function DataTable<T>({ list, what, empty, refusal, ...table }: Omit<TableProps<T>, 'rows'> & { list: TableState<T>; what?: string; empty: ReactNode; refusal?: ApiError }) {
  const rows = Array.isArray(list.data) ? list.data : list.data?.data;
  let body: ReactNode;
  if (rows === undefined) body = list.error ? <ErrorNotice error={list.error} /> : <Loading what={what ?? table.label} />;
  else if (rows.length === 0) body = <Empty>{empty}</Empty>;
  else body = <Table {...table} rows={rows} />;
  const paging = list.paging;
  return (
    <>
      <ErrorNotice error={refusal} />
      {body}
      {paging && (paging.page > 1 || paging.hasMore) ? <Pager paging={paging} /> : null}
    </>
  );
}

export function Pager({ paging }: { paging: Paging }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="secondary" disabled={paging.page === 1} onClick={paging.previous}>
        {paging.labels?.[0] ?? 'Previous'}
      </button>
      <span>Page {paging.page}</span>
      <button type="button" className="secondary" disabled={!paging.hasMore} onClick={paging.next}>
        {paging.labels?.[1] ?? 'Next'}
      </button>
    </nav>
  );
}
