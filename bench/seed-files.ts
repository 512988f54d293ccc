import { sql, type Insertable } from 'kysely';
import { newId } from '../src/lib/ids.ts';
import { openDatabase } from '../src/store/database.ts';
import type { FilesTable } from '../src/store/schema.ts';

/**
 * Writes file rows straight into the server's database (uploading 100,000 files would take longer
 * than the whole bench). Rows only: the listing reads no content. They look like uploads' rows, and go
 * in through the server's own openDatabase, so the pragmas are the same. As in seed.ts, a tenth share
 * one created_at, so paging must break ties by id; the rest spread over two years.
 */

export interface FileSeedRequest {
  organizationId: string;
  projectId: string;
  count: number;
  /** The newest seeded file is created just before this. */
  before: number;
}

/** 500 rows × 9 columns stays well under SQLite's bound-parameter limit. */
const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 20_000;
const SPAN_SECONDS = 2 * 365 * 24 * 3600;
const TIED_SHARE = 0.1;

export async function seedFiles(databaseUrl: string, request: FileSeedRequest): Promise<{ count: number }> {
  const handle = openDatabase(databaseUrl);
  try {
    const rows = fileRows(request);
    for (let start = 0; start < rows.length; start += ROWS_PER_TRANSACTION) {
      const chunk = rows.slice(start, start + ROWS_PER_TRANSACTION);
      await handle.db.transaction().execute(async (trx) => {
        for (let i = 0; i < chunk.length; i += ROWS_PER_INSERT) await trx.insertInto('files').values(chunk.slice(i, i + ROWS_PER_INSERT)).execute();
      });
    }
    const row = await handle.db
      .selectFrom('files')
      .select(sql<number>`count(*)`.as('n'))
      .where('project_id', '=', request.projectId)
      .executeTakeFirstOrThrow();
    return { count: Number(row.n) };
  } finally {
    await handle.close();
  }
}

function fileRows(request: FileSeedRequest): Insertable<FilesTable>[] {
  const tied = Math.floor(request.count * TIED_SHARE);
  const step = Math.max(1, Math.floor(SPAN_SECONDS / Math.max(1, request.count - tied)));
  const rows: Insertable<FilesTable>[] = [];
  for (let i = 0; i < request.count; i++) {
    const batch = i % 10 === 9;
    rows.push({
      id: newId('file-'),
      organization_id: request.organizationId,
      project_id: request.projectId,
      filename: `bench-${i + 1}.jsonl`,
      purpose: batch ? 'batch' : 'fine-tune',
      bytes: 10_000 + i,
      format: batch ? null : 'conversational',
      rows: 50,
      created_at: i < tied ? request.before - 1 : request.before - 2 - (i - tied) * step,
    });
  }
  return rows;
}
