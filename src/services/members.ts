import type { PageRequest } from '../store/pagination.ts';
import type { MembershipGrant } from '../access/membership-grant.ts';
import type { OrganizationMemberRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { assertAdminRemainsAfter } from './admin-rule.ts';
import { actorOf, type AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { settleKeysOfRemovedMember } from './member-key-settlement.ts';
import { NotFoundError } from './errors.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { Principal } from '../access/principal.ts';
import { listing } from './listing.ts';

export interface OrganizationMemberView extends OrganizationMemberRecord {
  groups: MembershipGrant[];
}

/** Membership of an organization: who is in it, and leaving or being removed. */
export function createMemberService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; bus: InvalidationBus }) {
  const { store, clock, authorizer, audit, bus } = deps;

  return {
    async list(principal: Principal, organizationId: string, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'members.list');
      const result = await listing(store.organizations.listMembers(organizationId, page));
      const groups = await store.groups.groupsOfPrincipals(organizationId, result.items.map((m) => m.principal.id));
      return { ...result, items: result.items.map((m): OrganizationMemberView => ({ ...m, groups: groups.get(m.principal.id) ?? [] })) };
    },

    /**
     * Removes a member with every group membership it has in the organization and its projects, and
     * settles the keys it made for service accounts (see member-key-settlement.ts). A member may always
     * remove itself (leave); removing another takes `members.write`.
     */
    async remove(principal: Principal, organizationId: string, principalId: string): Promise<'removed' | 'left'> {
      const leaving = principalId === principal.id;
      await authorizer.organization(principal, organizationId, leaving ? 'members.leave' : 'members.remove');
      const actor = actorOf(principal);
      const settled = await store.transaction(async (tx) => {
        if (!(await tx.organizations.findMember(organizationId, principalId))) throw new NotFoundError('member', 'principal_id');
        await assertAdminRemainsAfter(tx, organizationId, (members) => members.filter((m) => m.principal.id !== principalId));
        await tx.organizations.removeMember(organizationId, principalId);
        await audit.record(tx, actor, {
          type: leaving ? 'member.left' : 'member.removed',
          organizationId,
          resource: { type: 'member', id: principalId },
        });
        return settleKeysOfRemovedMember(tx, audit, actor, { organizationId, memberId: principalId, now: clock() });
      });
      authorizer.invalidateOrganization(organizationId);
      for (const keyId of [...settled.revoked, ...settled.flagged]) bus.publish({ kind: 'api_key', id: keyId });
      return leaving ? 'left' : 'removed';
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
