import { useState } from 'react';
import { get } from './api.ts';
import { useAsync, type Async } from './hooks.ts';
import type { List } from './types.ts';

export interface Paging {
  page: number;
  hasMore: boolean;
  next: () => void;
  previous: () => void;
  /** The words of the two buttons, where "Previous" and "Next" do not say it (the audit log's Newer, Older). */
  labels?: [string, string];
}

type Query = Record<string, string | number | boolean | undefined | null>;

/**
 * A list of the API, a page at a time: `after` is the last id of the page before, as every list of the
 * API pages. Changing `query` goes back to the first page.
 */
export function usePagedList<T>(path: string, options: { query?: Query; project?: string; limit?: number; labels?: [string, string] } = {}): Async<List<T>> & { paging: Paging } {
  const { query = {}, project, limit = 25, labels } = options;
  const key = JSON.stringify([path, query, project, limit]);
  // The `after` cursor of each page shown so far, for the query they were shown for.
  const [cursors, setCursors] = useState<{ key: string; after: Array<string | undefined> }>({ key, after: [undefined] });
  const after = cursors.key === key ? cursors.after : [undefined];
  const current = after[after.length - 1];
  const list = useAsync((signal) => get<List<T>>(path, { query: { ...query, limit, after: current }, project, signal }), [key, current]);
  const paging: Paging = {
    page: after.length,
    hasMore: Boolean(list.data?.has_more),
    next: () => setCursors({ key, after: [...after, list.data?.last_id ?? undefined] }),
    previous: () => setCursors({ key, after: after.slice(0, -1) }),
    labels,
  };
  return { ...list, paging };
}
