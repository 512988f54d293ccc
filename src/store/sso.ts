import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { SsoConnectionRecord, SsoDomainRecord, SsoGroupMappingRecord } from './records.ts';
import type { SsoConnectionsTable, SsoDomainsTable, SsoGroupMappingsTable, SsoLoginAttemptsTable } from './schema.ts';

export type { SsoConnectionRecord, SsoDomainRecord, SsoGroupMappingRecord };

export type SsoLoginAttemptRecord = SsoLoginAttemptsTable;

/** A verified domain with the connection that serves it. */
export interface VerifiedDomain {
  domain: string;
  connection_id: string;
  organization_id: string;
  enforced: boolean;
}

function toDomain(row: SsoDomainsTable): SsoDomainRecord {
  return {
    domain: row.domain,
    verification_token: row.verification_token,
    verified_at: row.verified_at === null ? null : Number(row.verified_at),
    verified_by: row.verified_by,
    created_at: Number(row.created_at),
  };
}

function toConnection(row: SsoConnectionsTable, domains: SsoDomainRecord[]): SsoConnectionRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    issuer: row.issuer,
    client_id: row.client_id,
    client_secret_sealed: row.client_secret_sealed,
    default_group_ids: JSON.parse(row.default_group_ids) as string[],
    enforced: row.enforced === 1,
    domains,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

const toMapping = (row: SsoGroupMappingsTable): SsoGroupMappingRecord => ({ ...row, created_at: Number(row.created_at) });

export function ssoRepository(db: Executor) {
  async function domainsOf(connectionIds: string[]): Promise<Map<string, SsoDomainRecord[]>> {
    const byConnection = new Map<string, SsoDomainRecord[]>();
    if (connectionIds.length === 0) return byConnection;
    const rows = await db.selectFrom('sso_domains').selectAll().where('connection_id', 'in', connectionIds).orderBy('created_at').orderBy('domain').execute();
    for (const row of rows) byConnection.set(row.connection_id, [...(byConnection.get(row.connection_id) ?? []), toDomain(row)]);
    return byConnection;
  }

  /** Column by column, so that nothing else a record may carry reaches the query. */
  function connectionRow(connection: SsoConnectionRecord): SsoConnectionsTable {
    return {
      id: connection.id,
      organization_id: connection.organization_id,
      name: connection.name,
      issuer: connection.issuer,
      client_id: connection.client_id,
      client_secret_sealed: connection.client_secret_sealed,
      default_group_ids: JSON.stringify(connection.default_group_ids),
      enforced: connection.enforced ? 1 : 0,
      created_at: connection.created_at,
      updated_at: connection.updated_at,
    };
  }

  return {
    async insertConnection(connection: SsoConnectionRecord): Promise<void> {
      await db.insertInto('sso_connections').values(connectionRow(connection)).execute();
    },

    /** Writes what may change: everything but its id, organization and creation time. */
    async updateConnection(connection: SsoConnectionRecord): Promise<void> {
      const { id: _id, organization_id: _organization, created_at: _created, ...changed } = connectionRow(connection);
      await db.updateTable('sso_connections').set(changed).where('id', '=', connection.id).execute();
    },

    async findConnection(id: string): Promise<SsoConnectionRecord | undefined> {
      const row = await db.selectFrom('sso_connections').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      return toConnection(row, (await domainsOf([row.id])).get(row.id) ?? []);
    },

    async listConnections(organizationId: string, page: PageRequest): Promise<Page<SsoConnectionRecord>> {
      let query = db.selectFrom('sso_connections').selectAll().where('organization_id', '=', organizationId);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'sso_connections', page.after, 'organization_id', organizationId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      const domains = await domainsOf(rows.map((r) => r.id));
      return toPage(rows.map((r) => toConnection(r, domains.get(r.id) ?? [])), page.limit);
    },

    /** Deletes the connection with its domains, mappings, identities and sign-ins in flight; the memberships its mappings made stay, as ordinary ones. */
    async deleteConnection(id: string): Promise<void> {
      await db.deleteFrom('sso_domains').where('connection_id', '=', id).execute();
      await db.deleteFrom('sso_group_mappings').where('connection_id', '=', id).execute();
      await db.deleteFrom('sso_mapped_memberships').where('connection_id', '=', id).execute();
      await db.deleteFrom('sso_identities').where('connection_id', '=', id).execute();
      await db.deleteFrom('sso_login_attempts').where('connection_id', '=', id).execute();
      await db.deleteFrom('sso_connections').where('id', '=', id).execute();
    },

    async insertDomain(connection: Pick<SsoConnectionRecord, 'id' | 'organization_id'>, domain: SsoDomainRecord): Promise<void> {
      await db
        .insertInto('sso_domains')
        .values({ connection_id: connection.id, organization_id: connection.organization_id, ...domain })
        .execute();
    },

    async deleteDomain(connectionId: string, domain: string): Promise<void> {
      await db.deleteFrom('sso_domains').where('connection_id', '=', connectionId).where('domain', '=', domain).execute();
    },

    async markDomainVerified(connectionId: string, domain: string, at: number, by: string): Promise<void> {
      await db.updateTable('sso_domains').set({ verified_at: at, verified_by: by }).where('connection_id', '=', connectionId).where('domain', '=', domain).execute();
    },

    /** The connection whose verified domain this is, if any (a domain is verified for one connection at most). */
    async findVerifiedDomain(domain: string): Promise<VerifiedDomain | undefined> {
      const row = await db
        .selectFrom('sso_domains as d')
        .innerJoin('sso_connections as c', 'c.id', 'd.connection_id')
        .innerJoin('organizations as o', 'o.id', 'd.organization_id')
        .select(['d.domain', 'd.connection_id', 'd.organization_id', 'c.enforced'])
        .where('d.domain', '=', domain)
        .where('d.verified_at', 'is not', null)
        // A deleted organization's connection signs no one in (its domain stays claimed).
        .where('o.deleted_at', 'is', null)
        .executeTakeFirst();
      return row && { domain: row.domain, connection_id: row.connection_id, organization_id: row.organization_id, enforced: row.enforced === 1 };
    },

    /** Whether any connection, of any organization (deleted ones too), holds this domain verified. */
    async domainClaimed(domain: string): Promise<boolean> {
      const row = await db.selectFrom('sso_domains').select('domain').where('domain', '=', domain).where('verified_at', 'is not', null).executeTakeFirst();
      return row !== undefined;
    },

    async insertMapping(mapping: SsoGroupMappingRecord): Promise<void> {
      await db.insertInto('sso_group_mappings').values(mapping).execute();
    },

    async findMapping(id: string): Promise<SsoGroupMappingRecord | undefined> {
      const row = await db.selectFrom('sso_group_mappings').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toMapping(row);
    },

    async mappingExists(connectionId: string, idpGroup: string, groupId: string): Promise<boolean> {
      const row = await db
        .selectFrom('sso_group_mappings')
        .select('id')
        .where('connection_id', '=', connectionId)
        .where('idp_group', '=', idpGroup)
        .where('group_id', '=', groupId)
        .executeTakeFirst();
      return row !== undefined;
    },

    async listMappings(connectionId: string, page: PageRequest): Promise<Page<SsoGroupMappingRecord>> {
      let query = db.selectFrom('sso_group_mappings').selectAll().where('connection_id', '=', connectionId);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'sso_group_mappings', page.after, 'connection_id', connectionId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toMapping), page.limit);
    },

    async allMappings(connectionId: string): Promise<SsoGroupMappingRecord[]> {
      return (await db.selectFrom('sso_group_mappings').selectAll().where('connection_id', '=', connectionId).execute()).map(toMapping);
    },

    async deleteMapping(id: string): Promise<void> {
      await db.deleteFrom('sso_group_mappings').where('id', '=', id).execute();
    },

    /** The groups of this organization a connection's mappings put the principal in. */
    async mappedGroupsOf(connectionId: string, principalId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('sso_mapped_memberships')
        .select('group_id')
        .where('connection_id', '=', connectionId)
        .where('principal_id', '=', principalId)
        .execute();
      return rows.map((r) => r.group_id);
    },

    async recordMappedMembership(row: { connection_id: string; group_id: string; principal_id: string; organization_id: string; added_at: number }): Promise<void> {
      await db.insertInto('sso_mapped_memberships').values(row).execute();
    },

    async forgetMappedMembership(groupId: string, principalId: string): Promise<void> {
      await db.deleteFrom('sso_mapped_memberships').where('group_id', '=', groupId).where('principal_id', '=', principalId).execute();
    },

    async findIdentity(connectionId: string, subject: string): Promise<string | undefined> {
      const row = await db.selectFrom('sso_identities').select('user_id').where('connection_id', '=', connectionId).where('subject', '=', subject).executeTakeFirst();
      return row?.user_id;
    },

    async forgetIdentities(connectionId: string): Promise<void> {
      await db.deleteFrom('sso_identities').where('connection_id', '=', connectionId).execute();
    },

    async linkIdentity(connectionId: string, subject: string, userId: string, at: number): Promise<void> {
      await db.insertInto('sso_identities').values({ connection_id: connectionId, subject, user_id: userId, created_at: at }).execute();
    },

    async insertAttempt(attempt: SsoLoginAttemptRecord): Promise<void> {
      await db.insertInto('sso_login_attempts').values(attempt).execute();
    },

    async findAttempt(stateHash: string): Promise<SsoLoginAttemptRecord | undefined> {
      return db.selectFrom('sso_login_attempts').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
    },

    /** Marks the attempt answered, once: false when another request used it first. */
    async completeAttempt(stateHash: string, handoffHash: string | null, userId: string | null): Promise<boolean> {
      const result = await db
        .updateTable('sso_login_attempts')
        .set({ handoff_hash: handoffHash ?? '', user_id: userId })
        .where('state_hash', '=', stateHash)
        .where('handoff_hash', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async setAttemptUser(stateHash: string, userId: string): Promise<void> {
      await db.updateTable('sso_login_attempts').set({ user_id: userId }).where('state_hash', '=', stateHash).execute();
    },

    async findByHandoff(handoffHash: string): Promise<SsoLoginAttemptRecord | undefined> {
      return db.selectFrom('sso_login_attempts').selectAll().where('handoff_hash', '=', handoffHash).executeTakeFirst();
    },

    async deleteAttempt(stateHash: string): Promise<boolean> {
      const result = await db.deleteFrom('sso_login_attempts').where('state_hash', '=', stateHash).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async deleteExpiredAttempts(now: number): Promise<void> {
      await db.deleteFrom('sso_login_attempts').where('expires_at', '<=', now).execute();
    },
  };
}

export type SsoRepository = ReturnType<typeof ssoRepository>;
