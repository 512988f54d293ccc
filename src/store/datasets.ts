import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { DatasetsTable } from './schema.ts';

export interface DatasetRecord extends Omit<DatasetsTable, 'file_ids'> {
  file_ids: string[];
}

const toDataset = (row: DatasetsTable): DatasetRecord => ({
  ...row,
  file_ids: JSON.parse(row.file_ids) as string[],
  rows: Number(row.rows),
  created_at: Number(row.created_at),
});

export function datasetsRepository(db: Executor) {
  return {
    async insert(dataset: DatasetRecord): Promise<void> {
      await db.insertInto('datasets').values({ ...dataset, file_ids: JSON.stringify(dataset.file_ids) }).execute();
    },

    async find(projectId: string, id: string): Promise<DatasetRecord | undefined> {
      const row = await db.selectFrom('datasets').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
      return row && toDataset(row);
    },

    async list(projectId: string, page: PageRequest): Promise<Page<DatasetRecord>> {
      let query = db.selectFrom('datasets').selectAll().where('project_id', '=', projectId);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'datasets', page.after, 'project_id', projectId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toDataset), page.limit);
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('datasets').where('id', '=', id).execute();
    },

    async existsInRegion(projectId: string, region: string): Promise<boolean> {
      const row = await db.selectFrom('datasets').select('id').where('project_id', '=', projectId).where('region', '=', region).executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type DatasetsRepository = ReturnType<typeof datasetsRepository>;
