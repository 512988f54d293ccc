import { sql } from 'kysely';
import type { Dialect } from './database.ts';
import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { BatchesTable, BatchLinesTable, BatchLineState, BatchStatus } from './schema.ts';

export type { BatchStatus, BatchLineState };

export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** A batch as the services see it: its row with the JSON columns read, and no key as null. */
export type BatchRecord = Omit<BatchesTable, 'api_key_id' | 'errors' | 'metadata'> & {
  /** null when the batch was created with a session. */
  api_key_id: string | null;
  errors: BatchError[] | null;
  metadata: Record<string, string> | null;
};

export interface BatchLineRecord {
  batch_id: string;
  line: number;
  custom_id: string;
  model: string;
  body: Record<string, unknown>;
  state: BatchLineState;
  attempts: number;
  result: string | null;
}

/** A line as the validator made it, before it is stored. */
export type NewBatchLine = Pick<BatchLineRecord, 'line' | 'custom_id' | 'model' | 'body'>;

const num = (value: number | null) => (value === null ? null : Number(value));

function toBatch(row: BatchesTable): BatchRecord {
  return {
    ...row,
    api_key_id: row.api_key_id || null,
    errors: row.errors === null ? null : (JSON.parse(row.errors) as BatchError[]),
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, string>),
    total: Number(row.total),
    completed: Number(row.completed),
    failed: Number(row.failed),
    created_at: Number(row.created_at),
    in_progress_at: num(row.in_progress_at),
    expires_at: Number(row.expires_at),
    finalizing_at: num(row.finalizing_at),
    completed_at: num(row.completed_at),
    failed_at: num(row.failed_at),
    expired_at: num(row.expired_at),
    cancelling_at: num(row.cancelling_at),
    cancelled_at: num(row.cancelled_at),
  };
}

const toLine = (row: BatchLinesTable): BatchLineRecord => ({
  ...row,
  line: Number(row.line),
  attempts: Number(row.attempts),
  body: JSON.parse(row.body) as Record<string, unknown>,
});

/** Lines are inserted this many at a time: well inside either database's limit on bound parameters. */
const INSERT_CHUNK = 500;

/** The statuses in which the processor still has work: sending lines, or writing the result files. */
export const ACTIVE_STATUSES: BatchStatus[] = ['in_progress', 'cancelling', 'finalizing'];

type BatchChanges = Partial<Pick<BatchRecord, 'status' | 'errors' | 'output_file_id' | 'error_file_id' | 'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelling_at' | 'cancelled_at'>>;

export function batchesRepository(db: Executor, dialect: Dialect) {
  return {
    async insert(batch: BatchRecord, lines: NewBatchLine[]): Promise<void> {
      await db
        .insertInto('batches')
        .values({
          ...batch,
          api_key_id: batch.api_key_id ?? '',
          errors: batch.errors === null ? null : JSON.stringify(batch.errors),
          metadata: batch.metadata === null ? null : JSON.stringify(batch.metadata),
        })
        .execute();
      for (let start = 0; start < lines.length; start += INSERT_CHUNK) {
        const values = lines.slice(start, start + INSERT_CHUNK).map((line) => ({
          batch_id: batch.id,
          line: line.line,
          custom_id: line.custom_id,
          model: line.model,
          body: JSON.stringify(line.body),
          state: 'pending' as const,
          attempts: 0,
          result: null,
        }));
        await db.insertInto('batch_lines').values(values).execute();
      }
    },

    async find(projectId: string, id: string): Promise<BatchRecord | undefined> {
      const row = await db.selectFrom('batches').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
      return row && toBatch(row);
    },

    async findById(id: string): Promise<BatchRecord | undefined> {
      const row = await db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toBatch(row);
    },

    /** The batch, locked on PostgreSQL until the transaction ends: one writer of its status at a time. */
    async lock(id: string): Promise<BatchRecord | undefined> {
      let query = db.selectFrom('batches').selectAll().where('id', '=', id);
      if (dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      return row && toBatch(row);
    },

    async list(projectId: string, page: PageRequest): Promise<Page<BatchRecord>> {
      let query = db.selectFrom('batches').selectAll().where('project_id', '=', projectId);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'batches', page.after, 'project_id', projectId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toBatch), page.limit);
    },

    async update(id: string, changes: BatchChanges): Promise<void> {
      const { errors, ...plain } = changes;
      await db
        .updateTable('batches')
        .set({ ...plain, ...(errors !== undefined ? { errors: errors === null ? null : JSON.stringify(errors) } : {}) })
        .where('id', '=', id)
        .execute();
    },

    /** Batches the processor still works on, oldest first. */
    async active(): Promise<BatchRecord[]> {
      const rows = await db.selectFrom('batches').selectAll().where('status', 'in', ACTIVE_STATUSES).orderBy('created_at').orderBy('id').execute();
      return rows.map(toBatch);
    },

    /** How many batches wait for the processor (for the operator's view of the queue). */
    async countActive(): Promise<number> {
      const row = await db.selectFrom('batches').select(sql<number>`count(*)`.as('n')).where('status', 'in', ACTIVE_STATUSES).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Lines not sent yet, in file order. */
    async pendingLines(batchId: string, limit: number): Promise<BatchLineRecord[]> {
      const rows = await db.selectFrom('batch_lines').selectAll().where('batch_id', '=', batchId).where('state', '=', 'pending').orderBy('line').limit(limit).execute();
      return rows.map(toLine);
    },

    /**
     * Marks a line as being sent, before it is: after a crash, a line found `sending` may have reached
     * the model, and is sent once more (the at-least-once bound). False when it was not pending.
     */
    async markSending(batchId: string, line: number): Promise<boolean> {
      const result = await db
        .updateTable('batch_lines')
        .set({ state: 'sending', attempts: sql`attempts + 1` })
        .where('batch_id', '=', batchId)
        .where('line', '=', line)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** A line refused before it was sent (rate limit): back to the queue, its attempt not counted. */
    async unmarkSending(batchId: string, line: number): Promise<void> {
      await db
        .updateTable('batch_lines')
        .set({ state: 'pending', attempts: sql`attempts - 1` })
        .where('batch_id', '=', batchId)
        .where('line', '=', line)
        .where('state', '=', 'sending')
        .execute();
    },

    /** After a restart: what was being sent when the process died goes back to the queue. */
    async requeueSending(): Promise<number> {
      const result = await db.updateTable('batch_lines').set({ state: 'pending' }).where('state', '=', 'sending').executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Records a line's result and counts it on its batch; false when it was already finished. */
    async finishLine(batchId: string, line: number, state: 'succeeded' | 'failed', result: string): Promise<boolean> {
      const updated = await db
        .updateTable('batch_lines')
        .set({ state, result })
        .where('batch_id', '=', batchId)
        .where('line', '=', line)
        .where('state', 'in', ['pending', 'sending'])
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await db
        .updateTable('batches')
        .set(state === 'succeeded' ? { completed: sql`completed + 1` } : { failed: sql`failed + 1` })
        .where('id', '=', batchId)
        .execute();
      return true;
    },

    async countInState(batchId: string, states: BatchLineState[]): Promise<number> {
      const row = await db
        .selectFrom('batch_lines')
        .select(sql<number>`count(*)`.as('n'))
        .where('batch_id', '=', batchId)
        .where('state', 'in', states)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Finished lines of one state after `afterLine`, in file order: pages of the output or error file. */
    async results(batchId: string, state: 'succeeded' | 'failed', afterLine: number, limit: number): Promise<Array<{ line: number; result: string }>> {
      const rows = await db
        .selectFrom('batch_lines')
        .select(['line', 'result'])
        .where('batch_id', '=', batchId)
        .where('state', '=', state)
        .where('line', '>', afterLine)
        .orderBy('line')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ line: Number(r.line), result: r.result ?? '' }));
    },
  };
}

export type BatchesRepository = ReturnType<typeof batchesRepository>;
