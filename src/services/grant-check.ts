import type { Permission } from '../access/permissions.ts';
import type { AccessSnapshot } from '../access/policy.ts';
import { permissionsOfRole } from '../access/roles.ts';
import type { GroupRecord } from '../store/records.ts';
import type { Authorizer } from './authorizer.ts';
import { PermissionDeniedError } from './errors.ts';
import type { Principal } from '../access/principal.ts';

/**
 * No escalation: a principal may give a group a role, or put someone into a group, only if it holds,
 * through the credential it uses, every permission the group's role (built-in or custom) carries in
 * that scope. For an organization group that includes the project permissions its role gives in every
 * project, which only organization groups can give the granter too.
 */
export function assertMayGrant(
  authorizer: Authorizer,
  principal: Principal,
  standing: AccessSnapshot,
  group: Pick<GroupRecord, 'scope' | 'role' | 'custom_role'>,
): void {
  const required: Iterable<Permission> = permissionsOfRole(group);
  const held = group.scope.type === 'organization' ? authorizer.reach(principal, standing) : authorizer.reach(principal, standing, group.scope.id);
  for (const permission of required) {
    if (!held.has(permission)) {
      const role = group.custom_role ? `${group.custom_role.name} (${group.custom_role.id})` : group.role;
      throw new PermissionDeniedError(`You cannot grant the role ${role}: you do not hold ${permission} here.`, 'escalation_refused');
    }
  }
}
