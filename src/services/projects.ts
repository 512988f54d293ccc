import { projectsReachedDirectly, readsEveryProject } from '../access/policy.ts';
import { newId } from '../lib/ids.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { ProjectRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError } from './errors.ts';
import { createProjectWithGroups } from './organization-setup.ts';
import type { Principal } from '../access/principal.ts';
import type { RegionCatalogue } from './regions.ts';
import { listing } from './listing.ts';

/**
 * Says whether a project still holds resources in a region. Resource domains (endpoints, datasets,
 * ...) register one each, so dropping a region that is in use is refused.
 */
export type RegionUsageCheck = (projectId: string, region: string) => Promise<boolean>;

export function createProjectService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; regions: RegionCatalogue }) {
  const { store, clock, authorizer, audit, regions } = deps;
  const regionUsageChecks: RegionUsageCheck[] = [];

  async function regionInUse(projectId: string, region: string): Promise<boolean> {
    for (const check of regionUsageChecks) if (await check(projectId, region)) return true;
    return false;
  }

  return {
    registerRegionUsageCheck(check: RegionUsageCheck): void {
      regionUsageChecks.push(check);
    },

    async create(principal: Principal, organizationId: string, input: { name: string; regions?: string[] | undefined }): Promise<ProjectRecord> {
      await authorizer.organization(principal, organizationId, 'projects.create');
      const project: ProjectRecord = {
        id: newId('proj_'),
        organization_id: organizationId,
        name: input.name,
        regions: regions.validate(input.regions ?? [regions.defaultRegion]),
        is_default: false,
        status: 'active',
        created_at: clock(),
        archived_at: null,
      };
      await store.transaction((tx) => createProjectWithGroups(tx, audit, actorOf(principal), project));
      return project;
    },

    async list(principal: Principal, organizationId: string, options: { includeArchived: boolean }, page: PageRequest) {
      const { standing } = await authorizer.organization(principal, organizationId, 'projects.list');
      const now = clock();
      let onlyIds: string[] | undefined = readsEveryProject(standing, now) ? undefined : projectsReachedDirectly(standing, now);
      const credential = principal.credential;
      if (credential.kind === 'api_key' && credential.scope.type === 'project') {
        onlyIds = (onlyIds ?? [credential.scope.id]).filter((id) => id === credential.scope.id);
      }
      return listing(store.projects.list({ organizationId, includeArchived: options.includeArchived, onlyIds }, page));
    },

    async get(principal: Principal, projectId: string): Promise<ProjectRecord> {
      return (await authorizer.project(principal, projectId, 'projects.get')).project;
    },

    async update(principal: Principal, projectId: string, input: { name?: string | undefined; regions?: string[] | undefined }): Promise<ProjectRecord> {
      const { project } = await authorizer.project(principal, projectId, 'projects.update');
      authorizer.assertWritable(project);
      const nextRegions = input.regions ? regions.validate(input.regions) : project.regions;
      for (const dropped of project.regions.filter((r) => !nextRegions.includes(r))) {
        if (await regionInUse(projectId, dropped)) {
          throw new ConflictError(`Region "${dropped}" still holds resources of this project.`, 'region_in_use', 'regions');
        }
      }
      await audited(store, audit, actorOf(principal), {
        type: 'project.updated',
        organizationId: project.organization_id,
        projectId,
        resource: { type: 'project', id: projectId },
        data: { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.regions ? { regions: nextRegions } : {}) },
      }, async (tx) => {
        await tx.projects.lock(projectId);
        if (input.name !== undefined) await tx.projects.rename(projectId, input.name);
        if (input.regions) await tx.projects.replaceRegions(projectId, nextRegions);
      });
      authorizer.invalidateProject(projectId);
      return { ...project, name: input.name ?? project.name, regions: nextRegions };
    },

    async archive(principal: Principal, projectId: string): Promise<ProjectRecord> {
      const { project } = await authorizer.project(principal, projectId, 'projects.archive');
      authorizer.assertWritable(project);
      if (project.is_default) throw new ConflictError('The default project cannot be archived.', 'default_project');
      const now = clock();
      await audited(store, audit, actorOf(principal), { type: 'project.archived', organizationId: project.organization_id, projectId, resource: { type: 'project', id: projectId } }, async (tx) => {
        await tx.projects.archive(projectId, now);
      });
      authorizer.invalidateProject(projectId);
      return { ...project, status: 'archived', archived_at: now };
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
