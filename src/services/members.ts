import type { PageRequest } from '../store/pagination.ts';
import type { MembershipGrant, OrganizationMemberRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { assertAdminRemainsAfter } from './admin-rule.ts';
import { actorOf, type AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import { NotFoundError } from './errors.ts';
import type { Principal } from './principal.ts';

export interface OrganizationMemberView extends OrganizationMemberRecord {
  groups: MembershipGrant[];
}

/** Membership of an organization: who is in it, and leaving or being removed. */
export function createMemberService(deps: { store: Store; authorizer: Authorizer; audit: AuditLog }) {
  const { store, authorizer, audit } = deps;

  return {
    async list(principal: Principal, organizationId: string, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'members.read');
      const result = await store.organizations.listMembers(organizationId, page);
      const groups = await store.groups.groupsOfPrincipals(organizationId, result.items.map((m) => m.principal.id));
      return { ...result, items: result.items.map((m): OrganizationMemberView => ({ ...m, groups: groups.get(m.principal.id) ?? [] })) };
    },

    /**
     * Removes a member with every group membership it has in the organization and its projects. A
     * member may always remove itself (leave); removing another takes `members.write`.
     */
    async remove(principal: Principal, organizationId: string, principalId: string): Promise<'removed' | 'left'> {
      const leaving = principalId === principal.id;
      await authorizer.organization(principal, organizationId, leaving ? 'organization.read' : 'members.write');
      await store.transaction(async (tx) => {
        if (!(await tx.organizations.findMember(organizationId, principalId))) throw new NotFoundError('member', 'principal_id');
        await assertAdminRemainsAfter(tx, organizationId, (members) => members.filter((m) => m.principal.id !== principalId));
        await tx.organizations.removeMember(organizationId, principalId);
        await audit.record(tx, actorOf(principal), {
          type: leaving ? 'member.left' : 'member.removed',
          organizationId,
          resource: { type: 'member', id: principalId },
        });
      });
      authorizer.invalidateOrganization(organizationId);
      return leaving ? 'left' : 'removed';
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
