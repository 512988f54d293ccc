import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from './executor.ts';

/** A request for one page, newest first. `after` is the id of the last item of the previous page. */
export interface PageRequest {
  limit: number;
  after?: string | undefined;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

export interface Cursor {
  created_at: number;
  id: string;
}

/**
 * Keyset condition for "strictly older than the cursor" in (created_at, id) order. A row value
 * comparison lets both SQLite and PostgreSQL walk the (scope, created_at, id) index, and the id
 * breaks ties, so rows sharing a created_at are neither skipped nor repeated.
 */
export function olderThan(createdColumn: string, idColumn: string, cursor: Cursor): Expression<SqlBool> {
  return sql<SqlBool>`(${sql.ref(createdColumn)}, ${sql.ref(idColumn)}) < (${cursor.created_at}, ${cursor.id})`;
}

/** Rows are fetched with limit + 1; the extra one only says whether there is more. */
export function toPage<T>(rows: T[], limit: number): Page<T> {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Raised when `after` names nothing in the listed collection. */
export class UnknownCursorError extends Error {
  constructor() {
    super('after does not name an item of this list');
  }
}

/**
 * The (created_at, id) of the row `after` names, within its scope (a project, an organization...);
 * a cursor from another scope names nothing here.
 */
export async function cursorOf(db: Executor, table: string, after: string, scopeColumn: string, scopeValue: string): Promise<Cursor> {
  const { rows } = await sql<Cursor>`select id, created_at from ${sql.table(table)} where id = ${after} and ${sql.ref(scopeColumn)} = ${scopeValue}`.execute(db);
  const row = rows[0];
  if (!row) throw new UnknownCursorError();
  return { id: row.id, created_at: Number(row.created_at) };
}
