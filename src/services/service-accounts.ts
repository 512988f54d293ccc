import { newId } from '../lib/ids.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { ServiceAccountRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { NotFoundError } from './errors.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { Principal } from '../access/principal.ts';
import { listing } from './listing.ts';

/**
 * Service accounts: principals of one organization that join groups like users, have no password and
 * act only through API keys.
 */
export function createServiceAccountService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; bus: InvalidationBus }) {
  const { store, clock, authorizer, audit, bus } = deps;

  async function find(organizationId: string, id: string): Promise<ServiceAccountRecord> {
    const account = await store.serviceAccounts.find(organizationId, id);
    if (!account) throw new NotFoundError('service account');
    return account;
  }

  return {
    async create(principal: Principal, organizationId: string, input: { name: string }): Promise<ServiceAccountRecord> {
      await authorizer.organization(principal, organizationId, 'service_accounts.create');
      const account: ServiceAccountRecord = { id: newId('sa_'), organization_id: organizationId, name: input.name, created_at: clock() };
      await audited(store, audit, actorOf(principal), {
        type: 'service_account.created',
        organizationId,
        resource: { type: 'service_account', id: account.id },
        data: { name: account.name },
      }, async (tx) => {
        // Deleting the organization takes the same lock and refuses while another member remains.
        await tx.organizations.lock(organizationId);
        if (!(await tx.organizations.find(organizationId))) throw new NotFoundError('organization');
        await tx.serviceAccounts.insert(account);
        await tx.organizations.addMember(organizationId, { type: 'service_account', id: account.id }, account.created_at);
      });
      authorizer.invalidateOrganization(organizationId);
      return account;
    },

    async list(principal: Principal, organizationId: string, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'service_accounts.list');
      return listing(store.serviceAccounts.list(organizationId, page));
    },

    async get(principal: Principal, organizationId: string, id: string): Promise<ServiceAccountRecord> {
      await authorizer.organization(principal, organizationId, 'service_accounts.get');
      return find(organizationId, id);
    },

    /** Deletes the account, its memberships and its keys together. */
    async delete(principal: Principal, organizationId: string, id: string): Promise<void> {
      await authorizer.organization(principal, organizationId, 'service_accounts.delete');
      const account = await find(organizationId, id);
      const now = clock();
      const revoked = await audited<string[]>(
        store,
        audit,
        actorOf(principal),
        (keys) => ({ type: 'service_account.deleted', organizationId, resource: { type: 'service_account', id }, data: { name: account.name, revoked_api_key_ids: keys } }),
        async (tx) => {
          await tx.serviceAccounts.markDeleted(id, now);
          await tx.organizations.removeMember(organizationId, id);
          return tx.apiKeys.revokeOwnedBy(organizationId, id, now);
        },
      );
      authorizer.invalidateOrganization(organizationId);
      for (const keyId of revoked) bus.publish({ kind: 'api_key', id: keyId });
    },
  };
}

export type ServiceAccountService = ReturnType<typeof createServiceAccountService>;
