import { sql } from 'kysely';
import type { Dialect } from './database.ts';
import { flag, type Executor } from './executor.ts';
import { olderThan, toPage, UnknownCursorError, type Page, type PageRequest } from './pagination.ts';
import type { OrganizationMemberRecord, OrganizationRecord, PrincipalRef } from './records.ts';
import { principalSummary } from './row-mappers.ts';
import type { ApiKeyCreatorRemoval, OrganizationsTable } from './schema.ts';

const ORGANIZATION_COLUMNS = ['id', 'name', 'personal', 'created_at', 'api_key_creator_removal'] as const;

function toOrganization(row: Pick<OrganizationsTable, (typeof ORGANIZATION_COLUMNS)[number]>): OrganizationRecord {
  return { id: row.id, name: row.name, personal: row.personal === 1, created_at: Number(row.created_at), api_key_creator_removal: row.api_key_creator_removal };
}

export function organizationsRepository(db: Executor, dialect: Dialect) {
  return {
    /** `ownerId` names the user whose personal organization this is. */
    async insert(org: OrganizationRecord, ownerId: string | null = null): Promise<void> {
      await db
        .insertInto('organizations')
        .values({ id: org.id, name: org.name, personal: flag(org.personal), created_at: org.created_at, deleted_at: null, owner_id: ownerId, api_key_creator_removal: org.api_key_creator_removal })
        .execute();
    },

    async findPersonalOf(userId: string): Promise<OrganizationRecord | undefined> {
      const row = await db
        .selectFrom('organizations')
        .select(ORGANIZATION_COLUMNS)
        .where('owner_id', '=', userId)
        .where('personal', '=', 1)
        .executeTakeFirst();
      return row && toOrganization(row);
    },

    async find(id: string): Promise<OrganizationRecord | undefined> {
      const row = await db
        .selectFrom('organizations')
        .select(ORGANIZATION_COLUMNS)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row && toOrganization(row);
    },

    /**
     * Serialises changes to one organization's memberships (the admin rule). PostgreSQL takes a row
     * lock; SQLite needs nothing more, because its writers already run one at a time.
     */
    async lock(id: string): Promise<void> {
      if (dialect === 'postgres') {
        await db.selectFrom('organizations').select('id').where('id', '=', id).forUpdate().execute();
      }
    },

    async rename(id: string, name: string): Promise<void> {
      await db.updateTable('organizations').set({ name }).where('id', '=', id).execute();
    },

    async setApiKeyCreatorRemoval(id: string, value: ApiKeyCreatorRemoval): Promise<void> {
      await db.updateTable('organizations').set({ api_key_creator_removal: value }).where('id', '=', id).execute();
    },

    async markDeleted(id: string, at: number): Promise<void> {
      await db.updateTable('organizations').set({ deleted_at: at }).where('id', '=', id).execute();
    },

    async listForPrincipal(principalId: string, page: PageRequest): Promise<Page<OrganizationRecord>> {
      let query = db
        .selectFrom('organization_members as m')
        .innerJoin('organizations as o', 'o.id', 'm.organization_id')
        .select(['o.id', 'o.name', 'o.personal', 'o.created_at', 'o.api_key_creator_removal'])
        .where('m.principal_id', '=', principalId)
        .where('o.deleted_at', 'is', null);
      if (page.after) {
        const cursor = await db.selectFrom('organizations').select(['id', 'created_at']).where('id', '=', page.after).executeTakeFirst();
        if (!cursor) throw new UnknownCursorError();
        query = query.where(olderThan('o.created_at', 'o.id', cursor));
      }
      const rows = await query.orderBy('o.created_at', 'desc').orderBy('o.id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toOrganization), page.limit);
    },

    /** Every organization the principal belongs to, for /v1/me. */
    async allForPrincipal(principalId: string): Promise<OrganizationRecord[]> {
      const rows = await db
        .selectFrom('organization_members as m')
        .innerJoin('organizations as o', 'o.id', 'm.organization_id')
        .select(['o.id', 'o.name', 'o.personal', 'o.created_at', 'o.api_key_creator_removal'])
        .where('m.principal_id', '=', principalId)
        .where('o.deleted_at', 'is', null)
        .orderBy('o.created_at', 'desc')
        .orderBy('o.id', 'desc')
        .execute();
      return rows.map(toOrganization);
    },

    async addMember(organizationId: string, principal: PrincipalRef, at: number): Promise<void> {
      await db
        .insertInto('organization_members')
        .values({ organization_id: organizationId, principal_id: principal.id, principal_type: principal.type, added_at: at })
        .execute();
    },

    async findMember(organizationId: string, principalId: string): Promise<PrincipalRef | undefined> {
      const row = await db
        .selectFrom('organization_members')
        .select(['principal_id', 'principal_type'])
        .where('organization_id', '=', organizationId)
        .where('principal_id', '=', principalId)
        .executeTakeFirst();
      return row && { type: row.principal_type, id: row.principal_id };
    },

    async hasMemberWithEmail(organizationId: string, emailNormalized: string): Promise<boolean> {
      const row = await db
        .selectFrom('organization_members as m')
        .innerJoin('users as u', 'u.id', 'm.principal_id')
        .select('m.principal_id')
        .where('m.organization_id', '=', organizationId)
        .where('u.email_normalized', '=', emailNormalized)
        .executeTakeFirst();
      return row !== undefined;
    },

    async removeMember(organizationId: string, principalId: string): Promise<void> {
      await db
        .deleteFrom('group_members')
        .where('organization_id', '=', organizationId)
        .where('principal_id', '=', principalId)
        .execute();
      await db
        .deleteFrom('organization_members')
        .where('organization_id', '=', organizationId)
        .where('principal_id', '=', principalId)
        .execute();
    },

    async listMembers(organizationId: string, page: PageRequest): Promise<Page<OrganizationMemberRecord>> {
      let query = db
        .selectFrom('organization_members as m')
        .leftJoin('users as u', 'u.id', 'm.principal_id')
        .leftJoin('service_accounts as sa', 'sa.id', 'm.principal_id')
        .select(['m.principal_id', 'm.principal_type', 'm.added_at', 'u.email', 'u.name', 'sa.name as sa_name'])
        .where('m.organization_id', '=', organizationId);
      if (page.after) {
        const cursor = await db
          .selectFrom('organization_members')
          .select(['principal_id as id', 'added_at as created_at'])
          .where('organization_id', '=', organizationId)
          .where('principal_id', '=', page.after)
          .executeTakeFirst();
        if (!cursor) throw new UnknownCursorError();
        query = query.where(olderThan('m.added_at', 'm.principal_id', cursor));
      }
      const rows = await query.orderBy('m.added_at', 'desc').orderBy('m.principal_id', 'desc').limit(page.limit + 1).execute();
      return toPage(
        rows.map((row) => ({
          principal: principalSummary(row),
          added_at: Number(row.added_at),
        })),
        page.limit,
      );
    },

    async count(): Promise<number> {
      const row = await db.selectFrom('organizations').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type OrganizationsRepository = ReturnType<typeof organizationsRepository>;
