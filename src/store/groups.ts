import { flag, type Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, UnknownCursorError, type Page, type PageRequest } from './pagination.ts';
import type { MembershipGrant } from '../access/membership-grant.ts';
import type { GroupMemberRecord, GroupRecord, PrincipalRef } from './records.ts';
import { customRoleOf, grantOf, principalSummary, type JoinedRoleColumns } from './row-mappers.ts';
import type { GroupsTable } from './schema.ts';

function toGroup(row: GroupsTable & JoinedRoleColumns): GroupRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    scope: { type: row.scope_type, id: row.scope_id },
    name: row.name,
    role: row.role,
    custom_role: customRoleOf(row),
    built_in: row.built_in === 1,
    created_at: Number(row.created_at),
  };
}

/** A group's custom role, if its role is one: joined within the group's organization only. */
const ROLE_COLUMNS = ['r.name as role_name', 'r.scope as role_scope', 'r.permissions as role_permissions'] as const;

function groupsWithRoles(db: Executor) {
  return db
    .selectFrom('groups as g')
    .leftJoin('roles as r', (join) => join.onRef('r.id', '=', 'g.role').onRef('r.organization_id', '=', 'g.organization_id'))
    .selectAll('g')
    .select(ROLE_COLUMNS);
}

/** A membership together with the principal's display fields. */
export interface GroupMembershipRow extends MembershipGrant {
  principal: PrincipalRef & { name: string; email?: string };
}

export function groupsRepository(db: Executor) {
  return {
    groupsOfPrincipals: (organizationId: string, principalIds: string[]) => groupsOfPrincipals(db, organizationId, principalIds),

    async insert(group: GroupRecord): Promise<void> {
      await db
        .insertInto('groups')
        .values({
          id: group.id,
          organization_id: group.organization_id,
          scope_type: group.scope.type,
          scope_id: group.scope.id,
          name: group.name,
          role: group.role,
          built_in: flag(group.built_in),
          created_at: group.created_at,
        })
        .execute();
    },

    async find(id: string): Promise<GroupRecord | undefined> {
      const row = await groupsWithRoles(db).where('g.id', '=', id).executeTakeFirst();
      return row && toGroup(row);
    },

    async nameTaken(scopeId: string, name: string): Promise<boolean> {
      const row = await db.selectFrom('groups').select('id').where('scope_id', '=', scopeId).where('name', '=', name).executeTakeFirst();
      return row !== undefined;
    },

    async findBuiltIn(scopeId: string, name: string): Promise<GroupRecord | undefined> {
      const row = await groupsWithRoles(db).where('g.scope_id', '=', scopeId).where('g.name', '=', name).where('g.built_in', '=', 1).executeTakeFirst();
      return row && toGroup(row);
    },

    async listInScope(scopeId: string, page: PageRequest): Promise<Page<GroupRecord>> {
      let query = groupsWithRoles(db).where('g.scope_id', '=', scopeId);
      if (page.after) query = query.where(olderThan('g.created_at', 'g.id', await cursorOf(db, 'groups', page.after, 'scope_id', scopeId)));
      const rows = await query.orderBy('g.created_at', 'desc').orderBy('g.id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toGroup), page.limit);
    },

    async rename(id: string, name: string): Promise<void> {
      await db.updateTable('groups').set({ name }).where('id', '=', id).execute();
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('group_members').where('group_id', '=', id).execute();
      await db.deleteFrom('groups').where('id', '=', id).execute();
    },

    async findMember(groupId: string, principalId: string): Promise<GroupMemberRecord | undefined> {
      const row = await db
        .selectFrom('group_members as gm')
        .leftJoin('users as u', 'u.id', 'gm.principal_id')
        .leftJoin('service_accounts as sa', 'sa.id', 'gm.principal_id')
        .select(['gm.group_id', 'gm.principal_id', 'gm.principal_type', 'gm.expires_at', 'gm.added_at', 'u.email', 'u.name', 'sa.name as sa_name'])
        .where('gm.group_id', '=', groupId)
        .where('gm.principal_id', '=', principalId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        group_id: row.group_id,
        principal: principalSummary(row),
        expires_at: row.expires_at === null ? null : Number(row.expires_at),
        added_at: Number(row.added_at),
      };
    },

    async addMember(group: GroupRecord, principal: PrincipalRef, expiresAt: number | null, at: number): Promise<void> {
      await db
        .insertInto('group_members')
        .values({
          group_id: group.id,
          organization_id: group.organization_id,
          principal_id: principal.id,
          principal_type: principal.type,
          expires_at: expiresAt,
          added_at: at,
        })
        .execute();
    },

    async setMemberExpiry(groupId: string, principalId: string, expiresAt: number | null): Promise<void> {
      await db
        .updateTable('group_members')
        .set({ expires_at: expiresAt })
        .where('group_id', '=', groupId)
        .where('principal_id', '=', principalId)
        .execute();
    },

    async removeMember(groupId: string, principalId: string): Promise<void> {
      await db.deleteFrom('group_members').where('group_id', '=', groupId).where('principal_id', '=', principalId).execute();
    },

    async listMembers(groupId: string, page: PageRequest): Promise<Page<GroupMemberRecord>> {
      let query = db
        .selectFrom('group_members as gm')
        .leftJoin('users as u', 'u.id', 'gm.principal_id')
        .leftJoin('service_accounts as sa', 'sa.id', 'gm.principal_id')
        .select(['gm.group_id', 'gm.principal_id', 'gm.principal_type', 'gm.expires_at', 'gm.added_at', 'u.email', 'u.name', 'sa.name as sa_name'])
        .where('gm.group_id', '=', groupId);
      if (page.after) {
        const cursor = await db
          .selectFrom('group_members')
          .select(['principal_id as id', 'added_at as created_at'])
          .where('group_id', '=', groupId)
          .where('principal_id', '=', page.after)
          .executeTakeFirst();
        if (!cursor) throw new UnknownCursorError();
        query = query.where(olderThan('gm.added_at', 'gm.principal_id', cursor));
      }
      const rows = await query.orderBy('gm.added_at', 'desc').orderBy('gm.principal_id', 'desc').limit(page.limit + 1).execute();
      return toPage(
        rows.map((row) => ({
          group_id: row.group_id,
          principal: principalSummary(row),
          expires_at: row.expires_at === null ? null : Number(row.expires_at),
          added_at: Number(row.added_at),
        })),
        page.limit,
      );
    },

    /** Every group membership of a principal in an organization and its projects, expired ones included. */
    async grantsOf(organizationId: string, principalId: string): Promise<MembershipGrant[]> {
      const rows = await db
        .selectFrom('group_members as gm')
        .innerJoin('groups as g', 'g.id', 'gm.group_id')
        .leftJoin('roles as r', (join) => join.onRef('r.id', '=', 'g.role').onRef('r.organization_id', '=', 'g.organization_id'))
        .select(['g.id', 'g.name', 'g.scope_type', 'g.scope_id', 'g.role', 'gm.expires_at', ...ROLE_COLUMNS])
        .where('gm.organization_id', '=', organizationId)
        .where('gm.principal_id', '=', principalId)
        .execute();
      return rows.map(grantOf);
    },

    /**
     * Every membership in the organization's groups and in one project's groups: the raw material of
     * "who has access to this project, and why".
     */
    async membershipsAffecting(organizationId: string, projectId: string): Promise<GroupMembershipRow[]> {
      const rows = await db
        .selectFrom('group_members as gm')
        .innerJoin('groups as g', 'g.id', 'gm.group_id')
        .leftJoin('users as u', 'u.id', 'gm.principal_id')
        .leftJoin('service_accounts as sa', 'sa.id', 'gm.principal_id')
        .leftJoin('roles as r', (join) => join.onRef('r.id', '=', 'g.role').onRef('r.organization_id', '=', 'g.organization_id'))
        .select(['g.id', 'g.name', 'g.scope_type', 'g.scope_id', 'g.role', 'gm.expires_at', 'gm.principal_id', 'gm.principal_type', 'u.email', 'u.name as principal_name', 'sa.name as sa_name', ...ROLE_COLUMNS])
        .where('gm.organization_id', '=', organizationId)
        .where((eb) => eb.or([eb('g.scope_type', '=', 'organization'), eb('g.scope_id', '=', projectId)]))
        .execute();
      return rows.map((row) => ({ ...grantOf(row), principal: principalSummary({ ...row, name: row.principal_name }) }));
    },

    /** Members of a group as (principal, expiry) pairs, for the admin rule. */
    async membersOf(groupId: string): Promise<Array<{ principal: PrincipalRef; expires_at: number | null }>> {
      const rows = await db
        .selectFrom('group_members')
        .select(['principal_id', 'principal_type', 'expires_at'])
        .where('group_id', '=', groupId)
        .execute();
      return rows.map((r) => ({ principal: { type: r.principal_type, id: r.principal_id }, expires_at: r.expires_at === null ? null : Number(r.expires_at) }));
    },
  };
}

export type GroupsRepository = ReturnType<typeof groupsRepository>;

/** The groups each of several principals is in, within one organization and its projects. */
export async function groupsOfPrincipals(
  db: Executor,
  organizationId: string,
  principalIds: string[],
): Promise<Map<string, Array<MembershipGrant>>> {
  const byPrincipal = new Map<string, MembershipGrant[]>();
  if (principalIds.length === 0) return byPrincipal;
  const rows = await db
    .selectFrom('group_members as gm')
    .innerJoin('groups as g', 'g.id', 'gm.group_id')
    .leftJoin('roles as r', (join) => join.onRef('r.id', '=', 'g.role').onRef('r.organization_id', '=', 'g.organization_id'))
    .select(['gm.principal_id', 'g.id', 'g.name', 'g.scope_type', 'g.scope_id', 'g.role', 'gm.expires_at', ...ROLE_COLUMNS])
    .where('gm.organization_id', '=', organizationId)
    .where('gm.principal_id', 'in', principalIds)
    .orderBy('g.created_at')
    .orderBy('g.id')
    .execute();
  for (const row of rows) {
    const list = byPrincipal.get(row.principal_id) ?? [];
    list.push(grantOf(row));
    byPrincipal.set(row.principal_id, list);
  }
  return byPrincipal;
}
