import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { FilesTable } from './schema.ts';

export type FileRecord = FilesTable;

const normalize = (row: FilesTable): FileRecord => ({
  ...row,
  bytes: Number(row.bytes),
  rows: row.rows === null ? null : Number(row.rows),
  created_at: Number(row.created_at),
});

export function filesRepository(db: Executor) {
  return {
    async insert(file: FileRecord): Promise<void> {
      await db.insertInto('files').values(file).execute();
    },

    /** A file of a project; a file of another project is as absent as one that never existed. */
    async find(projectId: string, id: string): Promise<FileRecord | undefined> {
      const row = await db.selectFrom('files').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
      return row && normalize(row);
    },

    async findById(id: string): Promise<FileRecord | undefined> {
      const row = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
      return row && normalize(row);
    },

    async list(projectId: string, purpose: string | undefined, page: PageRequest): Promise<Page<FileRecord>> {
      let query = db.selectFrom('files').selectAll().where('project_id', '=', projectId);
      if (purpose) query = query.where('purpose', '=', purpose);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'files', page.after, 'project_id', projectId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(normalize), page.limit);
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('files').where('id', '=', id).execute();
    },

    /** Which of these ids have a row: the rest on disk are leftovers of an interrupted upload. */
    async existing(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('files').select('id').where('id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },
  };
}

export type FilesRepository = ReturnType<typeof filesRepository>;
