import type { CustomRoleGrant } from '../access/membership-grant.ts';
import { isCustomRoleId, ORGANIZATION_ROLES, PROJECT_ROLES } from '../access/roles.ts';
import { newId } from '../lib/ids.ts';
import { isUniqueViolation } from '../store/executor.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { GroupMemberRecord, GroupRecord, ProjectRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { assertAdminRemainsAfter } from './admin-rule.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer, Standing } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';
import { assertMayGrant } from './grant-check.ts';
import type { Principal } from '../access/principal.ts';
import { listing } from './listing.ts';

/** Where a group lives: an organization, or one project. The same use cases serve both. */
export type GroupScope = { type: 'organization'; id: string } | { type: 'project'; id: string };

export type GroupNeed = 'read' | 'write' | 'members.read';

/** The use case (and so the permission, see use-cases.ts) a group route of this scope checks. */
export const groupUseCase = <S extends GroupScope['type'], N extends GroupNeed>(scope: S, need: N) => `${scope}_groups.${need}` as const;

interface ResolvedScope {
  organizationId: string;
  standing: Standing;
  project: ProjectRecord | undefined;
}

export function createGroupService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog }) {
  const { store, clock, authorizer, audit } = deps;

  /** The audit entry fields every group change shares. */
  const about = (group: GroupRecord) => ({
    organizationId: group.organization_id,
    projectId: group.scope.type === 'project' ? group.scope.id : null,
    resource: { type: 'group', id: group.id },
  });

  async function resolve(principal: Principal, scope: GroupScope, need: GroupNeed): Promise<ResolvedScope> {
    const useCase = groupUseCase(scope.type, need);
    if (scope.type === 'organization') {
      const { standing } = await authorizer.organization(principal, scope.id, useCase);
      return { organizationId: scope.id, standing, project: undefined };
    }
    const { project, standing } = await authorizer.project(principal, scope.id, useCase);
    if (need === 'write') authorizer.assertWritable(project);
    return { organizationId: project.organization_id, standing, project };
  }

  async function findGroup(scope: GroupScope, groupId: string): Promise<GroupRecord> {
    const group = await store.groups.find(groupId);
    if (!group || group.scope.type !== scope.type || group.scope.id !== scope.id) throw new NotFoundError('group');
    return group;
  }

  /**
   * A built-in role this scope takes, or a custom role of the group's own organization (another
   * organization's is answered as absent): an organization role only on an organization group.
   */
  async function resolveRole(scope: GroupScope, organizationId: string, role: string, tx: Pick<Store, 'roles'> = store): Promise<CustomRoleGrant | null> {
    if (isCustomRoleId(role)) {
      const custom = await tx.roles.findForUpdate(organizationId, role);
      if (!custom) throw new NotFoundError('role', 'role');
      if (scope.type === 'project' && custom.scope === 'organization') {
        throw new InvalidRequestError(`${custom.name} is an organization role: only organization groups take it.`, 'role');
      }
      return { id: custom.id, name: custom.name, scope: custom.scope, permissions: custom.permissions };
    }
    const allowed: readonly string[] = scope.type === 'organization' ? ORGANIZATION_ROLES : PROJECT_ROLES;
    if (!allowed.includes(role)) {
      throw new InvalidRequestError(`A ${scope.type} group takes one of the roles ${allowed.join(', ')}, or a custom role's id (role_...).`, 'role');
    }
    return null;
  }

  return {
    async list(principal: Principal, scope: GroupScope, page: PageRequest) {
      await resolve(principal, scope, 'read');
      return listing(store.groups.listInScope(scope.id, page));
    },

    async get(principal: Principal, scope: GroupScope, groupId: string): Promise<GroupRecord> {
      await resolve(principal, scope, 'read');
      return findGroup(scope, groupId);
    },

    async create(principal: Principal, scope: GroupScope, input: { name: string; role: string }): Promise<GroupRecord> {
      const resolved = await resolve(principal, scope, 'write');
      const group: GroupRecord = {
        id: newId('grp_'),
        organization_id: resolved.organizationId,
        scope: { type: scope.type, id: scope.id },
        name: input.name,
        role: input.role,
        custom_role: await resolveRole(scope, resolved.organizationId, input.role),
        built_in: false,
        created_at: clock(),
      };
      // Giving a group a role grants it to whoever joins later: the creator must hold it all.
      assertMayGrant(authorizer, principal, resolved.standing, group);
      try {
        await audited(store, audit, actorOf(principal), { type: 'group.created', ...about(group), data: { name: group.name, role: group.role } }, async (tx) => {
          if (await tx.groups.nameTaken(scope.id, input.name)) throw nameTaken();
          // Locked: the role cannot be deleted between this check and the commit.
          if (group.custom_role) await resolveRole(scope, resolved.organizationId, input.role, tx);
          await tx.groups.insert(group);
        });
      } catch (error) {
        throw isUniqueViolation(error) ? nameTaken() : error;
      }
      return group;
    },

    async rename(principal: Principal, scope: GroupScope, groupId: string, input: { name: string }): Promise<GroupRecord> {
      await resolve(principal, scope, 'write');
      const group = await findGroup(scope, groupId);
      if (group.built_in) throw new ConflictError('A built-in group cannot be renamed.', 'built_in_group');
      if (group.name === input.name) return group;
      try {
        await audited(store, audit, actorOf(principal), { type: 'group.updated', ...about(group), data: { name: input.name, previous_name: group.name } }, async (tx) => {
          if (await tx.groups.nameTaken(scope.id, input.name)) throw nameTaken();
          await tx.groups.rename(groupId, input.name);
        });
      } catch (error) {
        throw isUniqueViolation(error) ? nameTaken() : error;
      }
      authorizer.invalidateOrganization(group.organization_id);
      return { ...group, name: input.name };
    },

    async delete(principal: Principal, scope: GroupScope, groupId: string): Promise<void> {
      await resolve(principal, scope, 'write');
      const group = await findGroup(scope, groupId);
      if (group.built_in) throw new ConflictError('A built-in group cannot be deleted.', 'built_in_group');
      await audited(store, audit, actorOf(principal), { type: 'group.deleted', ...about(group), data: { name: group.name } }, async (tx) => {
        await tx.groups.delete(groupId);
      });
      authorizer.invalidateOrganization(group.organization_id);
    },

    async listMembers(principal: Principal, scope: GroupScope, groupId: string, page: PageRequest) {
      await resolve(principal, scope, 'members.read');
      await findGroup(scope, groupId);
      return listing(store.groups.listMembers(groupId, page));
    },

    /** Adds a member, or updates an existing member's expiry; `created` tells which. */
    async addMember(
      principal: Principal,
      scope: GroupScope,
      groupId: string,
      input: { principal_id: string; expires_at?: number | null | undefined },
    ): Promise<{ member: GroupMemberRecord; created: boolean }> {
      const resolved = await resolve(principal, scope, 'write');
      const group = await findGroup(scope, groupId);
      assertMayGrant(authorizer, principal, resolved.standing, group);
      const now = clock();
      const expiresAt = input.expires_at ?? null;
      if (expiresAt !== null && expiresAt <= now) throw new InvalidRequestError('expires_at must be in the future.', 'expires_at');
      const created = await store.transaction(async (tx) => {
        const subject = await tx.organizations.findMember(resolved.organizationId, input.principal_id);
        if (!subject) {
          throw new InvalidRequestError('The principal is not a member of this organization.', 'principal_id', 'not_a_member');
        }
        const existing = await tx.groups.findMember(groupId, input.principal_id);
        if (group.built_in && group.scope.type === 'organization' && group.role === 'admin' && expiresAt !== null) {
          await assertAdminRemainsAfter(tx, resolved.organizationId, (members) =>
            members.map((m) => (m.principal.id === input.principal_id ? { ...m, expires_at: expiresAt } : m)),
          );
        }
        const change = { principal_id: input.principal_id, principal_type: subject.type, expires_at: expiresAt };
        if (existing) {
          await tx.groups.setMemberExpiry(groupId, input.principal_id, expiresAt);
          await audit.record(tx, actorOf(principal), { type: 'group.member.added', ...about(group), data: { ...change, updated: true } });
          return false;
        }
        await tx.groups.addMember(group, subject, expiresAt, now);
        await audit.record(tx, actorOf(principal), { type: 'group.member.added', ...about(group), data: change });
        return true;
      }).catch((error: unknown) => {
        // Two concurrent additions of the same principal: the second finds the first's row.
        if (isUniqueViolation(error)) return false;
        throw error;
      });
      authorizer.invalidateOrganization(resolved.organizationId);
      const member = await store.groups.findMember(groupId, input.principal_id);
      if (!member) throw new NotFoundError('group member');
      return { member, created };
    },

    async removeMember(principal: Principal, scope: GroupScope, groupId: string, principalId: string): Promise<void> {
      const resolved = await resolve(principal, scope, 'write');
      const group = await findGroup(scope, groupId);
      await audited(store, audit, actorOf(principal), { type: 'group.member.removed', ...about(group), data: { principal_id: principalId } }, async (tx) => {
        if (!(await tx.groups.findMember(groupId, principalId))) throw new NotFoundError('group member', 'principal_id');
        if (group.built_in && group.scope.type === 'organization' && group.role === 'admin') {
          await assertAdminRemainsAfter(tx, resolved.organizationId, (members) => members.filter((m) => m.principal.id !== principalId));
        }
        await tx.groups.removeMember(groupId, principalId);
      });
      authorizer.invalidateOrganization(resolved.organizationId);
    },
  };
}

function nameTaken(): ConflictError {
  return new ConflictError('A group with this name already exists here.', 'group_name_taken', 'name');
}

export type GroupService = ReturnType<typeof createGroupService>;
