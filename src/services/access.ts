import { isPermission, PERMISSION_NAMES, PERMISSIONS, type Permission } from '../access/permissions.ts';
import { explain, isActive } from '../access/policy.ts';
import { PROJECT_ROLE_RANK, roleGrantOf, rolesHolding, type ProjectRole } from '../access/roles.ts';
import type { MembershipGrant } from '../access/membership-grant.ts';
import type { PrincipalSummary } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';
import type { Principal } from '../access/principal.ts';

export interface ProjectAccessEntry {
  principal: PrincipalSummary;
  /** The strongest built-in project role the principal's grants amount to (see projectRoleOf). */
  role: ProjectRole;
  /** Each group it comes from, with that group's role: a built-in name or a custom role's id, and its name. */
  via: Array<{ group_id: string; scope: MembershipGrant['scope']; role: string; role_name: string }>;
}

/** One reason of an access check: the group, and the role it holds there (custom roles by id and name). */
export interface AccessReason {
  group_id: string;
  group_name: string;
  scope: MembershipGrant['scope'];
  role: string;
  role_name: string;
  expires_at: number | null;
}

const roleNameOf = (grant: MembershipGrant) => grant.custom_role?.name ?? grant.role;

const reasonOf = (grant: MembershipGrant): AccessReason => ({
  group_id: grant.group_id,
  group_name: grant.group_name,
  scope: grant.scope,
  role: grant.role,
  role_name: roleNameOf(grant),
  expires_at: grant.expires_at,
});

/** Explaining access: the catalogue, "may X do Y, and why", and "who has access to this project". */
export function createAccessService(deps: { store: Store; clock: Clock; authorizer: Authorizer }) {
  const { store, clock, authorizer } = deps;

  return {
    catalogue() {
      return PERMISSION_NAMES.map((name) => ({
        name,
        scope: PERMISSIONS[name].scope,
        description: PERMISSIONS[name].description,
        roles: rolesHolding(name),
      }));
    },

    async check(
      principal: Principal,
      organizationId: string,
      input: { principal_id: string; permission: string; project_id?: string | undefined },
    ): Promise<{ allowed: boolean; reasons: AccessReason[] }> {
      const asksAboutItself = input.principal_id === principal.id;
      await authorizer.organization(principal, organizationId, asksAboutItself ? 'access.check_self' : 'access.check');
      if (!isPermission(input.permission)) throw new InvalidRequestError(`Unknown permission "${input.permission}"; see GET /v1/permissions.`, 'permission');
      const permission: Permission = input.permission;
      const standing = await authorizer.standing(organizationId, input.principal_id);
      if (!standing.member) throw new NotFoundError('principal', 'principal_id');
      let reasons: MembershipGrant[];
      if (PERMISSIONS[permission].scope === 'project') {
        if (!input.project_id) throw new InvalidRequestError('project_id is required for a project permission.', 'project_id');
        const project = await authorizer.findProject(input.project_id);
        if (!project || project.organization_id !== organizationId) throw new NotFoundError('project', 'project_id');
        reasons = explain(standing, permission, { type: 'project', projectId: project.id }, clock());
      } else {
        if (input.project_id) throw new InvalidRequestError(`${permission} is an organization permission; leave project_id out.`, 'project_id');
        reasons = explain(standing, permission, { type: 'organization' }, clock());
        if (permission === 'organization.read') return { allowed: true, reasons: reasons.map(reasonOf) };
      }
      return { allowed: reasons.length > 0, reasons: reasons.map(reasonOf) };
    },

    /** Everyone with access to the project, their strongest role there, and the groups it comes from. */
    async whoHasAccess(principal: Principal, projectId: string): Promise<ProjectAccessEntry[]> {
      const { project } = await authorizer.project(principal, projectId, 'access.who_has_access');
      const now = clock();
      const rows = await store.groups.membershipsAffecting(project.organization_id, projectId);
      const byPrincipal = new Map<string, ProjectAccessEntry>();
      for (const row of rows) {
        if (!isActive(row, now)) continue;
        const role = projectRoleOf(row);
        if (!role) continue;
        const entry = byPrincipal.get(row.principal.id) ?? { principal: row.principal, role, via: [] };
        if (PROJECT_ROLE_RANK[role] > PROJECT_ROLE_RANK[entry.role]) entry.role = role;
        entry.via.push({ group_id: row.group_id, scope: row.scope, role: row.role, role_name: roleNameOf(row) });
        byPrincipal.set(row.principal.id, entry);
      }
      return [...byPrincipal.values()].sort((a, b) => PROJECT_ROLE_RANK[b.role] - PROJECT_ROLE_RANK[a.role] || a.principal.id.localeCompare(b.principal.id));
    },
  };
}

/**
 * The built-in project role a group membership amounts to, if it reaches projects at all: a custom
 * role counts as admin when it may change the project, member when it may call its models, else viewer.
 */
function projectRoleOf(grant: MembershipGrant): ProjectRole | undefined {
  const projectPermissions = roleGrantOf(grant).project;
  if (projectPermissions.has('project.write')) return 'admin';
  if (projectPermissions.has('inference.invoke')) return 'member';
  if (projectPermissions.has('project.read')) return 'viewer';
  return undefined;
}

export type AccessService = ReturnType<typeof createAccessService>;
