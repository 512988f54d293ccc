import { sql } from 'kysely';
import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { GroupRecord, ScimTokenRecord, ScimUserRecord } from './records.ts';
import { customRoleOf } from './row-mappers.ts';
import type { ScimTokensTable } from './schema.ts';

/** What a SCIM list may be narrowed to: equalities, all of which must hold, as identity providers filter. */
export type ScimUserFilter = Array<{ attribute: 'userName' | 'externalId' | 'id'; value: string }>;
export type ScimGroupFilter = Array<{ attribute: 'displayName' | 'externalId' | 'id' | 'member'; value: string }>;

/** startIndex is 1-based, as RFC 7644 counts. */
export interface ScimPage {
  startIndex: number;
  count: number;
}

function toToken(row: Omit<ScimTokensTable, 'token_hash'>): ScimTokenRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    redacted_value: row.redacted_value,
    created_by: row.created_by,
    created_at: Number(row.created_at),
    revoked_at: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

const TOKEN_COLUMNS = ['id', 'organization_id', 'name', 'redacted_value', 'created_by', 'created_at', 'revoked_at'] as const;

export function scimRepository(db: Executor) {
  /**
   * The organization's SCIM users: its user members, and the people its provider provisioned who are
   * no longer members (deactivated). Each user once, with what the provider said about them.
   */
  function usersQuery(organizationId: string, filter: ScimUserFilter) {
    const ids = db
      .selectFrom('organization_members')
      .select('principal_id as user_id')
      .where('organization_id', '=', organizationId)
      .where('principal_type', '=', 'user')
      .union(db.selectFrom('scim_users').select('user_id').where('organization_id', '=', organizationId));
    let query = db
      .selectFrom(ids.as('ids'))
      .innerJoin('users as u', 'u.id', 'ids.user_id')
      .leftJoin('scim_users as s', (join) => join.onRef('s.user_id', '=', 'ids.user_id').on('s.organization_id', '=', organizationId))
      .leftJoin('organization_members as m', (join) => join.onRef('m.principal_id', '=', 'ids.user_id').on('m.organization_id', '=', organizationId));
    for (const { attribute, value } of filter) {
      if (attribute === 'userName') query = query.where('u.email_normalized', '=', value.trim().toLowerCase());
      if (attribute === 'externalId') query = query.where('s.external_id', '=', value);
      if (attribute === 'id') query = query.where('u.id', '=', value);
    }
    return query;
  }

  type UserRow = {
    id: string; email: string; name: string; email_verified: number; user_created_at: number;
    external_id: string | null; given_name: string | null; family_name: string | null; display_name: string | null;
    scim_created_at: number | null; scim_updated_at: number | null; added_at: number | null;
  };

  const toScimUser = (organizationId: string, row: UserRow): ScimUserRecord => {
    const created = Number(row.scim_created_at ?? row.added_at ?? row.user_created_at);
    return {
      organization_id: organizationId,
      user: { id: row.id, email: row.email, name: row.name, email_verified: row.email_verified === 1, created_at: Number(row.user_created_at) },
      active: row.added_at !== null,
      external_id: row.external_id,
      given_name: row.given_name,
      family_name: row.family_name,
      display_name: row.display_name,
      created_at: created,
      updated_at: Math.max(created, Number(row.scim_updated_at ?? 0), Number(row.added_at ?? 0)),
    };
  };

  return {
    async insertToken(token: ScimTokenRecord, tokenHash: string): Promise<void> {
      await db.insertInto('scim_tokens').values({ ...token, token_hash: tokenHash }).execute();
    },

    async findTokenByHash(tokenHash: string): Promise<ScimTokenRecord | undefined> {
      const row = await db.selectFrom('scim_tokens').select(TOKEN_COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toToken(row);
    },

    async findToken(organizationId: string, id: string): Promise<ScimTokenRecord | undefined> {
      const row = await db.selectFrom('scim_tokens').select(TOKEN_COLUMNS).where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
      return row && toToken(row);
    },

    /** Newest first; revoked tokens too, so the console can show when each ended. */
    async listTokens(organizationId: string, page: PageRequest): Promise<Page<ScimTokenRecord>> {
      let query = db.selectFrom('scim_tokens').select(TOKEN_COLUMNS).where('organization_id', '=', organizationId);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'scim_tokens', page.after, 'organization_id', organizationId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toToken), page.limit);
    },

    async revokeToken(id: string, at: number): Promise<void> {
      await db.updateTable('scim_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },

    async listUsers(organizationId: string, filter: ScimUserFilter, page: ScimPage): Promise<{ total: number; items: ScimUserRecord[] }> {
      const counted = await usersQuery(organizationId, filter).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      const rows = page.count === 0 ? [] : await usersQuery(organizationId, filter)
        .select([
          'u.id', 'u.email', 'u.name', 'u.email_verified', 'u.created_at as user_created_at',
          's.external_id', 's.given_name', 's.family_name', 's.display_name', 's.created_at as scim_created_at', 's.updated_at as scim_updated_at', 'm.added_at',
        ])
        .orderBy('u.created_at')
        .orderBy('u.id')
        .limit(page.count)
        .offset(page.startIndex - 1)
        .execute();
      return { total: Number(counted.n), items: rows.map((row) => toScimUser(organizationId, row)) };
    },

    async findUser(organizationId: string, userId: string): Promise<ScimUserRecord | undefined> {
      const { items } = await this.listUsers(organizationId, [{ attribute: 'id', value: userId }], { startIndex: 1, count: 1 });
      return items[0];
    },

    /** Writes what the provider says about a person; creates the row the first time. */
    async saveUserAttributes(
      organizationId: string,
      userId: string,
      attributes: { external_id: string | null; given_name: string | null; family_name: string | null; display_name: string | null },
      at: number,
    ): Promise<void> {
      const updated = await db
        .updateTable('scim_users')
        .set({ ...attributes, updated_at: at })
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await db.insertInto('scim_users').values({ organization_id: organizationId, user_id: userId, ...attributes, created_at: at, updated_at: at }).execute();
      }
    },

    async deleteUser(organizationId: string, userId: string): Promise<void> {
      await db.deleteFrom('scim_users').where('organization_id', '=', organizationId).where('user_id', '=', userId).execute();
    },

    /** The organization's groups (never a project's), with their provider ids and their user members. */
    async listGroups(organizationId: string, filter: ScimGroupFilter, page: ScimPage): Promise<{ total: number; items: Array<{ group: GroupRecord; external_id: string | null; updated_at: number | null }> }> {
      const base = () => {
        let query = db
          .selectFrom('groups as g')
          .leftJoin('scim_groups as s', 's.group_id', 'g.id')
          // A group's custom role, joined within its own organization, as the groups repository reads it.
          .leftJoin('roles as r', (join) => join.onRef('r.id', '=', 'g.role').onRef('r.organization_id', '=', 'g.organization_id'))
          .where('g.organization_id', '=', organizationId)
          .where('g.scope_type', '=', 'organization')
          .where('g.scope_id', '=', organizationId);
        for (const { attribute, value } of filter) {
          if (attribute === 'displayName') query = query.where('g.name', '=', value);
          if (attribute === 'externalId') query = query.where('s.external_id', '=', value);
          if (attribute === 'id') query = query.where('g.id', '=', value);
          if (attribute === 'member') {
            query = query.where((eb) => eb.exists(eb.selectFrom('group_members as gm').select('gm.group_id').whereRef('gm.group_id', '=', 'g.id').where('gm.principal_id', '=', value)));
          }
        }
        return query;
      };
      const counted = await base().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      const rows = page.count === 0 ? [] : await base()
        .select(['g.id', 'g.name', 'g.role', 'g.built_in', 'g.created_at', 's.external_id', 's.updated_at', 'r.name as role_name', 'r.scope as role_scope', 'r.permissions as role_permissions'])
        .orderBy('g.created_at')
        .orderBy('g.id')
        .limit(page.count)
        .offset(page.startIndex - 1)
        .execute();
      return {
        total: Number(counted.n),
        items: rows.map((row) => ({
          group: { id: row.id, organization_id: organizationId, scope: { type: 'organization', id: organizationId }, name: row.name, role: row.role, custom_role: customRoleOf(row), built_in: row.built_in === 1, created_at: Number(row.created_at) },
          external_id: row.external_id,
          updated_at: row.updated_at === null ? null : Number(row.updated_at),
        })),
      };
    },

    /** The users (not service accounts) in each of the groups. */
    async userMembersOf(groupIds: string[]): Promise<Map<string, Array<{ id: string; email: string }>>> {
      const byGroup = new Map<string, Array<{ id: string; email: string }>>();
      if (groupIds.length === 0) return byGroup;
      const rows = await db
        .selectFrom('group_members as gm')
        .innerJoin('users as u', 'u.id', 'gm.principal_id')
        .select(['gm.group_id', 'u.id', 'u.email'])
        .where('gm.group_id', 'in', groupIds)
        .orderBy('gm.added_at')
        .orderBy('u.id')
        .execute();
      for (const row of rows) {
        const list = byGroup.get(row.group_id) ?? [];
        list.push({ id: row.id, email: row.email });
        byGroup.set(row.group_id, list);
      }
      return byGroup;
    },

    async saveGroupExternalId(organizationId: string, groupId: string, externalId: string | null, at: number): Promise<void> {
      const updated = await db.updateTable('scim_groups').set({ external_id: externalId, updated_at: at }).where('group_id', '=', groupId).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await db.insertInto('scim_groups').values({ group_id: groupId, organization_id: organizationId, external_id: externalId, updated_at: at }).execute();
      }
    },

    async deleteGroup(groupId: string): Promise<void> {
      await db.deleteFrom('scim_groups').where('group_id', '=', groupId).execute();
    },

    /** How many organizations the user still belongs to: none left means no session reaches anything. */
    async membershipCount(userId: string): Promise<number> {
      const row = await db.selectFrom('organization_members').select(sql<number>`count(*)`.as('n')).where('principal_id', '=', userId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type ScimRepository = ReturnType<typeof scimRepository>;
