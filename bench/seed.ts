import { sql, type Insertable, type Kysely } from 'kysely';
import { newId } from '../src/lib/ids.ts';
import { openDatabase } from '../src/store/database.ts';
import type { Database, ProjectsTable } from '../src/store/schema.ts';

/**
 * Writes projects straight into the database the server uses: creating 100,000 through the API would
 * take longer than the whole bench. The rows look like the API's (one region each, active), and go
 * in through the server's own openDatabase, so the pragmas are the same.
 */

export interface SeedRequest {
  organizationId: string;
  /** How many projects the organization should hold in the end, its default project included. */
  total: number;
  region: string;
  /** The newest seeded project is created just before this (the default project's created_at). */
  before: number;
}

/** Rows per INSERT: 500 projects × 7 columns stays well under SQLite's bound-parameter limit. */
const ROWS_PER_INSERT = 500;
/** Rows per transaction: big enough to amortise the commit, small enough to keep the WAL modest. */
const ROWS_PER_TRANSACTION = 20_000;
/** Seeded projects span about two years of creation times. */
const SPAN_SECONDS = 2 * 365 * 24 * 3600;
/** One project in ten shares a single created_at, so paging must break ties by id. */
const TIED_SHARE = 0.1;

export async function seedProjects(databaseUrl: string, request: SeedRequest): Promise<{ inserted: number; count: number }> {
  const handle = openDatabase(databaseUrl);
  try {
    const existing = await countProjects(handle.db, request.organizationId);
    const rows = projectRows(request, request.total - existing);
    for (let start = 0; start < rows.length; start += ROWS_PER_TRANSACTION) {
      const chunk = rows.slice(start, start + ROWS_PER_TRANSACTION);
      await handle.db.transaction().execute(async (trx) => {
        for (let i = 0; i < chunk.length; i += ROWS_PER_INSERT) {
          const batch = chunk.slice(i, i + ROWS_PER_INSERT);
          await trx.insertInto('projects').values(batch).execute();
          await trx
            .insertInto('project_regions')
            .values(batch.map((p) => ({ project_id: p.id, region: request.region, position: 0 })))
            .execute();
        }
      });
    }
    return { inserted: rows.length, count: await countProjects(handle.db, request.organizationId) };
  } finally {
    await handle.close();
  }
}

/**
 * The newest tenth share one created_at (one second before the default project); the rest have
 * distinct created_at values spread evenly back over two years.
 */
function projectRows(request: SeedRequest, count: number): Insertable<ProjectsTable>[] {
  const tied = Math.floor(count * TIED_SHARE);
  const step = Math.max(1, Math.floor(SPAN_SECONDS / Math.max(1, count - tied)));
  const rows: Insertable<ProjectsTable>[] = [];
  for (let i = 0; i < count; i++) {
    const createdAt = i < tied ? request.before - 1 : request.before - 2 - (i - tied) * step;
    rows.push({
      id: newId('proj_'),
      organization_id: request.organizationId,
      name: `Bench project ${i + 1}`,
      is_default: 0,
      status: 'active',
      created_at: createdAt,
      archived_at: null,
    });
  }
  return rows;
}

async function countProjects(db: Kysely<Database>, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('projects')
    .select(sql<number>`count(*)`.as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
