import { credentialAllows, credentialReaches } from '../access/credentials.ts';
import type { Permission } from '../access/permissions.ts';
import { can, permissionsAt, type AccessSnapshot, type Target } from '../access/policy.ts';
import type { OrganizationRecord, ProjectRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, NotFoundError, PermissionDeniedError } from './errors.ts';
import { GenerationalCache } from '../infra/generational-cache.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { Principal } from '../access/principal.ts';
import { permissionOf, type UseCase } from './use-cases.ts';

/** A principal's standing in one organization, with the organization itself (absent once deleted). */
export interface Standing extends AccessSnapshot {
  organization: OrganizationRecord | undefined;
}

/**
 * Every use case starts here: is the target visible to the principal (else 404, as if it did not
 * exist), and does the principal hold the permission (else 403)? Standings and projects are cached in
 * memory so a warm request costs no query; services invalidate them after each committed change.
 */
export function createAuthorizer(store: Store, clock: Clock, bus: InvalidationBus) {
  const standings = new GenerationalCache<Standing>(bus.maxStalenessMs);
  const projects = new GenerationalCache<ProjectRecord | null>(bus.maxStalenessMs);
  bus.subscribe((message) => {
    if (message.kind === 'organization') standings.invalidate(message.id);
    else if (message.kind === 'project') projects.invalidate(message.id);
    else if (message.kind === 'everything') {
      standings.clear();
      projects.clear();
    }
  });

  function standing(organizationId: string, principalId: string): Promise<Standing> {
    return standings.get(organizationId, principalId, async () => {
      const [organization, member, grants] = await Promise.all([
        store.organizations.find(organizationId),
        store.organizations.findMember(organizationId, principalId),
        store.groups.grantsOf(organizationId, principalId),
      ]);
      return { organizationId, organization, member: organization !== undefined && member !== undefined, grants };
    });
  }

  async function findProject(projectId: string): Promise<ProjectRecord | undefined> {
    const project = await projects.get(projectId, '', async () => (await store.projects.find(projectId)) ?? null);
    return project ?? undefined;
  }

  function refuse(permission: Permission): never {
    throw new PermissionDeniedError(`You do not have the permission ${permission} here.`);
  }

  return {
    standing,

    /** The organization, if the principal may see it and holds what `useCase` needs on it. */
    async organization(principal: Principal, organizationId: string, useCase: UseCase) {
      const permission = permissionOf(useCase);
      const target: Target = { type: 'organization' };
      if (!credentialReaches(principal.credential, organizationId, target)) throw new NotFoundError('organization');
      const held = await standing(organizationId, principal.id);
      if (!held.member || !held.organization) throw new NotFoundError('organization');
      if (!can(held, permission, target, clock()) || !credentialAllows(principal.credential, permission, target)) refuse(permission);
      return { organization: held.organization, standing: held };
    },

    /** The project, if the principal may read it (else 404) and holds what `useCase` needs on it (else 403). */
    async project(principal: Principal, projectId: string, useCase: UseCase) {
      const permission = permissionOf(useCase);
      const project = await findProject(projectId);
      if (!project) throw new NotFoundError('project');
      const target: Target = { type: 'project', projectId };
      if (!credentialReaches(principal.credential, project.organization_id, target)) throw new NotFoundError('project');
      const held = await standing(project.organization_id, principal.id);
      const now = clock();
      if (!held.organization || !can(held, 'project.read', target, now)) throw new NotFoundError('project');
      if (!can(held, permission, target, now) || !credentialAllows(principal.credential, permission, target)) refuse(permission);
      return { project, standing: held };
    },

    /** Every permission the principal holds on the target through this credential. */
    heldPermissions(principal: Principal, held: AccessSnapshot, target: Target): Set<Permission> {
      const all = permissionsAt(held, target, clock());
      for (const p of all) if (!credentialAllows(principal.credential, p, target)) all.delete(p);
      return all;
    },

    /** Whether the principal, through this credential, holds what `useCase` needs on the target: a case within a use case. */
    holds(principal: Principal, held: AccessSnapshot, target: Target, useCase: UseCase): boolean {
      return this.heldPermissions(principal, held, target).has(permissionOf(useCase));
    },

    /**
     * What the principal holds through this credential in one project, or, without a project, on the
     * organization together with what organization groups give it in every project.
     */
    reach(principal: Principal, held: AccessSnapshot, projectId?: string): Set<Permission> {
      if (projectId !== undefined) return this.heldPermissions(principal, held, { type: 'project', projectId });
      const organizationWide = { ...held, grants: held.grants.filter((g) => g.scope.type === 'organization') };
      // Any project id would do: organization-wide grants hold the same in every project.
      return new Set([
        ...this.heldPermissions(principal, held, { type: 'organization' }),
        ...this.heldPermissions(principal, organizationWide, { type: 'project', projectId: '*' }),
      ]);
    },

    assertWritable(project: ProjectRecord): void {
      if (project.status === 'archived') throw new ConflictError('The project is archived and refuses changes.', 'project_archived');
    },

    findProject,
    /** Call after a change to the organization's memberships or groups has committed. */
    invalidateOrganization: (organizationId: string) => bus.publish({ kind: 'organization', id: organizationId }),
    /** Call after a change to the project has committed. */
    invalidateProject: (projectId: string) => bus.publish({ kind: 'project', id: projectId }),
  };
}

export type Authorizer = ReturnType<typeof createAuthorizer>;
