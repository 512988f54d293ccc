import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { ServiceAccountRecord } from './records.ts';

export function serviceAccountsRepository(db: Executor) {
  return {
    async insert(account: ServiceAccountRecord): Promise<void> {
      await db.insertInto('service_accounts').values({ ...account, deleted_at: null }).execute();
    },

    async find(organizationId: string, id: string): Promise<ServiceAccountRecord | undefined> {
      return db
        .selectFrom('service_accounts')
        .select(['id', 'organization_id', 'name', 'created_at'])
        .where('id', '=', id)
        .where('organization_id', '=', organizationId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    async list(organizationId: string, page: PageRequest): Promise<Page<ServiceAccountRecord>> {
      let query = db
        .selectFrom('service_accounts')
        .select(['id', 'organization_id', 'name', 'created_at'])
        .where('organization_id', '=', organizationId)
        .where('deleted_at', 'is', null);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'service_accounts', page.after, 'organization_id', organizationId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows, page.limit);
    },

    async markDeleted(id: string, at: number): Promise<void> {
      await db.updateTable('service_accounts').set({ deleted_at: at }).where('id', '=', id).execute();
    },
  };
}

export type ServiceAccountsRepository = ReturnType<typeof serviceAccountsRepository>;
