import type { Dialect } from './database.ts';
import { flag, type Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { ProjectRecord } from './records.ts';
import type { ProjectsTable } from './schema.ts';

export interface ProjectListFilter {
  organizationId: string;
  includeArchived: boolean;
  /** Only these projects; undefined means every project of the organization. */
  onlyIds?: string[] | undefined;
}

export function projectsRepository(db: Executor, dialect: Dialect) {
  async function regionsOf(projectIds: string[]): Promise<Map<string, string[]>> {
    const byProject = new Map<string, string[]>();
    if (projectIds.length === 0) return byProject;
    const rows = await db
      .selectFrom('project_regions')
      .select(['project_id', 'region'])
      .where('project_id', 'in', projectIds)
      .orderBy('project_id')
      .orderBy('position')
      .execute();
    for (const row of rows) {
      const list = byProject.get(row.project_id) ?? [];
      list.push(row.region);
      byProject.set(row.project_id, list);
    }
    return byProject;
  }

  function toProject(row: ProjectsTable, regions: string[]): ProjectRecord {
    return {
      id: row.id,
      organization_id: row.organization_id,
      name: row.name,
      regions,
      is_default: row.is_default === 1,
      status: row.status,
      created_at: Number(row.created_at),
      archived_at: row.archived_at === null ? null : Number(row.archived_at),
    };
  }

  async function writeRegions(projectId: string, regions: string[]): Promise<void> {
    await db
      .insertInto('project_regions')
      .values(regions.map((region, position) => ({ project_id: projectId, region, position })))
      .execute();
  }

  return {
    async insert(project: ProjectRecord): Promise<void> {
      await db
        .insertInto('projects')
        .values({
          id: project.id,
          organization_id: project.organization_id,
          name: project.name,
          is_default: flag(project.is_default),
          status: project.status,
          created_at: project.created_at,
          archived_at: project.archived_at,
        })
        .execute();
      await writeRegions(project.id, project.regions);
    },

    /** A project of a live organization. */
    async find(id: string): Promise<ProjectRecord | undefined> {
      const row = await db
        .selectFrom('projects as p')
        .innerJoin('organizations as o', 'o.id', 'p.organization_id')
        .selectAll('p')
        .where('p.id', '=', id)
        .where('o.deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      const regions = await regionsOf([id]);
      return toProject(row, regions.get(id) ?? []);
    },

    async list(filter: ProjectListFilter, page: PageRequest): Promise<Page<ProjectRecord>> {
      if (filter.onlyIds && filter.onlyIds.length === 0) return { items: [], hasMore: false };
      let query = db.selectFrom('projects').selectAll().where('organization_id', '=', filter.organizationId);
      if (!filter.includeArchived) query = query.where('status', '=', 'active');
      if (filter.onlyIds) query = query.where('id', 'in', filter.onlyIds);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'projects', page.after, 'organization_id', filter.organizationId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      const regions = await regionsOf(rows.slice(0, page.limit).map((r) => r.id));
      return toPage(
        rows.map((row) => toProject(row, regions.get(row.id) ?? [])),
        page.limit,
      );
    },

    /** Serialises changes to one project (its regions are rewritten whole) on PostgreSQL. */
    async lock(id: string): Promise<void> {
      if (dialect === 'postgres') await db.selectFrom('projects').select('id').where('id', '=', id).forUpdate().execute();
    },

    async rename(id: string, name: string): Promise<void> {
      await db.updateTable('projects').set({ name }).where('id', '=', id).execute();
    },

    async replaceRegions(id: string, regions: string[]): Promise<void> {
      await db.deleteFrom('project_regions').where('project_id', '=', id).execute();
      await writeRegions(id, regions);
    },

    async archive(id: string, at: number): Promise<void> {
      await db.updateTable('projects').set({ status: 'archived', archived_at: at }).where('id', '=', id).execute();
    },

    /** Every project of the organization, archived ones too. */
    async idsInOrganization(organizationId: string): Promise<string[]> {
      const rows = await db.selectFrom('projects').select('id').where('organization_id', '=', organizationId).execute();
      return rows.map((r) => r.id);
    },
  };
}

export type ProjectsRepository = ReturnType<typeof projectsRepository>;
