import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** A repository runs its queries on the database or inside a transaction, whichever it is given. */
export type Executor = Kysely<Database> | Transaction<Database>;

export const flag = (value: boolean): number => (value ? 1 : 0);

/** True when a write failed on a unique or primary key constraint, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
