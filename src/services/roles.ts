import { isPermission, PERMISSION_NAMES, PERMISSIONS, type Permission } from '../access/permissions.ts';
import type { Principal } from '../access/principal.ts';
import { BUILT_IN_ROLES, type BuiltInRole } from '../access/roles.ts';
import type { ScopeType } from '../access/membership-grant.ts';
import { newId } from '../lib/ids.ts';
import { isUniqueViolation } from '../store/executor.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { RoleRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer, Standing } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError } from './errors.ts';

/** A role as the roles list shows it: an organization's custom role, or a built-in one (read-only). */
export type RoleView = { built_in: false; role: RoleRecord } | { built_in: true; role: BuiltInRole };

export interface NewRoleInput {
  name: string;
  description?: string | undefined;
  scope?: ScopeType | undefined;
  permissions: string[];
}

export interface RoleChange {
  name?: string | undefined;
  description?: string | undefined;
  scope?: ScopeType | undefined;
  permissions?: string[] | undefined;
}

const idOfView = (view: RoleView) => view.role.id;

/**
 * Custom roles: an organization's own bundles of catalogue permissions. An organization role may hold
 * organization and project permissions and is granted to organization groups; a project role holds
 * project permissions only and is granted to project groups (or to organization groups, where it holds
 * in every project). No escalation: whoever creates or edits a role must hold, through the credential
 * it uses, every permission the role holds (before and after the edit) on the organization and in
 * every project. An edit reaches every holder at once: the organization's standings are invalidated
 * on every instance.
 */
export function createRoleService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog }) {
  const { store, clock, authorizer, audit } = deps;

  const about = (role: RoleRecord) => ({ organizationId: role.organization_id, resource: { type: 'role', id: role.id } });

  /** Known names, once each, in catalogue order; the rules a role's permission list must follow. */
  function validPermissions(names: readonly string[], scope: ScopeType): Permission[] {
    for (const name of names) {
      if (!isPermission(name)) throw new InvalidRequestError(`Unknown permission "${name}"; see GET /v1/permissions.`, 'permissions');
    }
    const wanted = new Set(names);
    const permissions = PERMISSION_NAMES.filter((p) => wanted.has(p));
    if (permissions.length === 0) throw new InvalidRequestError('A role holds at least one permission.', 'permissions');
    const organizational = permissions.find((p) => PERMISSIONS[p].scope === 'organization');
    if (scope === 'project' && organizational) {
      throw new InvalidRequestError(`A project role holds project permissions only; ${organizational} is an organization permission.`, 'permissions');
    }
    if (permissions.some((p) => PERMISSIONS[p].scope === 'project') && !permissions.includes('project.read')) {
      throw new InvalidRequestError('A role with project permissions must hold project.read: without it, its holders cannot see the project.', 'permissions');
    }
    return permissions;
  }

  /** The scope a new role takes when none is given: organization as soon as it holds an organization permission. */
  function scopeFor(names: readonly string[]): ScopeType {
    return names.some((n) => isPermission(n) && PERMISSIONS[n].scope === 'organization') ? 'organization' : 'project';
  }

  function assertHolds(principal: Principal, standing: Standing, permissions: Iterable<Permission>, verb: string): void {
    const held = authorizer.reach(principal, standing);
    for (const permission of permissions) {
      if (!held.has(permission)) {
        throw new PermissionDeniedError(`You cannot ${verb} a role holding ${permission}: you do not hold it here.`, 'escalation_refused');
      }
    }
  }

  async function findView(organizationId: string, roleId: string): Promise<RoleView> {
    const builtIn = BUILT_IN_ROLES.find((r) => r.id === roleId);
    if (builtIn) return { built_in: true, role: builtIn };
    const role = await store.roles.find(organizationId, roleId);
    if (!role) throw new NotFoundError('role');
    return { built_in: false, role };
  }

  async function findCustom(organizationId: string, roleId: string): Promise<RoleRecord> {
    const view = await findView(organizationId, roleId);
    if (view.built_in) throw new ConflictError('A built-in role cannot be changed or deleted.', 'built_in_role');
    return view.role;
  }

  return {
    /** The organization's custom roles, newest first, then the built-in roles. */
    async list(principal: Principal, organizationId: string, page: PageRequest): Promise<{ items: RoleView[]; hasMore: boolean }> {
      await authorizer.organization(principal, organizationId, 'roles.list');
      const all: RoleView[] = [
        ...(await store.roles.listAll(organizationId)).map((role): RoleView => ({ built_in: false, role })),
        ...BUILT_IN_ROLES.map((role): RoleView => ({ built_in: true, role })),
      ];
      let start = 0;
      if (page.after !== undefined) {
        const at = all.findIndex((view) => idOfView(view) === page.after);
        if (at < 0) throw new InvalidRequestError('after does not name an item of this list', 'after');
        start = at + 1;
      }
      return { items: all.slice(start, start + page.limit), hasMore: all.length > start + page.limit };
    },

    async get(principal: Principal, organizationId: string, roleId: string): Promise<RoleView> {
      await authorizer.organization(principal, organizationId, 'roles.get');
      return findView(organizationId, roleId);
    },

    async create(principal: Principal, organizationId: string, input: NewRoleInput): Promise<RoleRecord> {
      const { standing } = await authorizer.organization(principal, organizationId, 'roles.create');
      const scope = input.scope ?? scopeFor(input.permissions);
      const permissions = validPermissions(input.permissions, scope);
      assertHolds(principal, standing, permissions, 'create');
      const now = clock();
      const role: RoleRecord = {
        id: newId('role_'),
        organization_id: organizationId,
        name: input.name,
        description: input.description ?? '',
        scope,
        permissions,
        created_at: now,
        updated_at: now,
      };
      try {
        await audited(store, audit, actorOf(principal), { type: 'role.created', ...about(role), data: { name: role.name, scope, permissions } }, async (tx) => {
          if (await tx.roles.nameTaken(organizationId, role.name)) throw nameTaken();
          await tx.roles.insert(role);
        });
      } catch (error) {
        throw isUniqueViolation(error) ? nameTaken() : error;
      }
      return role;
    },

    async update(principal: Principal, organizationId: string, roleId: string, change: RoleChange): Promise<RoleRecord> {
      const { standing } = await authorizer.organization(principal, organizationId, 'roles.update');
      const role = await findCustom(organizationId, roleId);
      if (change.scope !== undefined && change.scope !== role.scope) {
        throw new InvalidRequestError("A role's scope cannot change: groups hold it where that scope allows. Create another role.", 'scope');
      }
      const permissions = change.permissions === undefined ? (role.permissions as Permission[]) : validPermissions(change.permissions, role.scope);
      // An editor may touch only roles no stronger than itself, and leave them so.
      assertHolds(principal, standing, [...role.permissions.filter(isPermission), ...permissions], 'change');
      const updated: RoleRecord = { ...role, name: change.name ?? role.name, description: change.description ?? role.description, permissions, updated_at: clock() };
      const data: Record<string, unknown> = { name: updated.name };
      if (updated.name !== role.name) data.previous_name = role.name;
      if (change.description !== undefined) data.description = updated.description;
      if (change.permissions !== undefined) Object.assign(data, { permissions, previous_permissions: role.permissions });
      try {
        await audited(store, audit, actorOf(principal), { type: 'role.updated', ...about(role), data }, async (tx) => {
          if (updated.name !== role.name && (await tx.roles.nameTaken(organizationId, updated.name, role.id))) throw nameTaken();
          if (!(await tx.roles.findForUpdate(organizationId, role.id))) throw new NotFoundError('role');
          await tx.roles.update(updated);
        });
      } catch (error) {
        throw isUniqueViolation(error) ? nameTaken() : error;
      }
      // Every holder's standing is read again, here at once and on the other instances within the bus's bound.
      authorizer.invalidateOrganization(organizationId);
      return updated;
    },

    async delete(principal: Principal, organizationId: string, roleId: string): Promise<void> {
      await authorizer.organization(principal, organizationId, 'roles.delete');
      const role = await findCustom(organizationId, roleId);
      await audited(store, audit, actorOf(principal), { type: 'role.deleted', ...about(role), data: { name: role.name } }, async (tx) => {
        // Locked: a group being given the role meanwhile either commits first (and is counted) or finds it gone.
        if (!(await tx.roles.findForUpdate(organizationId, role.id))) throw new NotFoundError('role');
        const holders = await tx.roles.holders(organizationId, role.id);
        if (holders > 0) {
          throw new ConflictError(`The role is held by ${holders} group${holders === 1 ? '' : 's'}; delete those groups first.`, 'role_in_use');
        }
        await tx.roles.delete(role.id);
      });
      authorizer.invalidateOrganization(organizationId);
    },
  };
}

function nameTaken(): ConflictError {
  return new ConflictError('A role with this name already exists in the organization.', 'role_name_taken', 'name');
}

export type RoleService = ReturnType<typeof createRoleService>;
