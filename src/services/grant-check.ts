import type { Permission } from '../access/permissions.ts';
import type { AccessSnapshot } from '../access/policy.ts';
import { organizationRoleGrant, projectRoleGrant } from '../access/roles.ts';
import type { GroupRecord } from '../store/records.ts';
import type { Authorizer } from './authorizer.ts';
import { PermissionDeniedError } from './errors.ts';
import type { Principal } from '../access/principal.ts';

/**
 * No escalation: a principal may put someone into a group only if it holds, through the credential it
 * uses, every permission the group's role carries in that scope. For an organization group that
 * includes the project permissions its role gives in every project, which only organization groups
 * can give the granter too.
 */
export function assertMayGrant(authorizer: Authorizer, principal: Principal, standing: AccessSnapshot, group: GroupRecord): void {
  let required: Iterable<Permission>;
  let held: Set<Permission>;
  if (group.scope.type === 'organization') {
    const roleGrant = organizationRoleGrant(group.role);
    required = [...roleGrant.organization, ...roleGrant.project];
    held = authorizer.reach(principal, standing);
  } else {
    required = projectRoleGrant(group.role);
    held = authorizer.reach(principal, standing, group.scope.id);
  }
  for (const permission of required) {
    if (!held.has(permission)) {
      throw new PermissionDeniedError(`You cannot grant the role ${group.role}: you do not hold ${permission} here.`, 'escalation_refused');
    }
  }
}
